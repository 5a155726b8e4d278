//go:build linux

package kernel

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// The recording's workload: what writers, readers and the lifecycle do at
// each step. Each operation holds the locks Backend's does, for the same
// reasons: a namespace's descriptor and socket are never used after its
// exit closed them, and a rename's two requests are never split by a move
// or another rename.

// name draws a device name from the recording's few.
func (r *recorder) name(rng *rand.Rand) string { return fmt.Sprintf("d%d", rng.IntN(r.c.Names)) }

// pick returns a live namespace with its shared lock held, or nil if none
// is left; the caller unlocks.
func (r *recorder) pick(rng *rand.Rand) *namespace {
	for range 4 {
		r.nsMu.RLock()
		var ns *namespace
		if len(r.live) > 0 {
			ns = r.live[rng.IntN(len(r.live))]
		}
		r.nsMu.RUnlock()
		if ns == nil {
			return nil
		}
		ns.mu.RLock()
		if !ns.exited {
			return ns
		}
		ns.mu.RUnlock() // it exited meanwhile: draw again
	}
	return nil
}

// writeStep creates, removes, renames or moves a device.
func (r *recorder) writeStep(rng *rand.Rand) error {
	switch n := rng.IntN(20); {
	case n < 6:
		return r.create(rng)
	case n < 11:
		return r.remove(rng)
	case n < 16:
		return r.rename(rng)
	default:
		return r.move(rng)
	}
}

// create makes an ifb device with an ifindex unique in the recording, so
// that an ifindex names one device.
func (r *recorder) create(rng *rand.Rand) error {
	ns := r.pick(rng)
	if ns == nil {
		return nil
	}
	defer ns.mu.RUnlock()
	idx := r.nextIndex.Add(1) - 1
	op := model.Op{Kind: model.Create, NS: ns.id, Name: r.name(rng), Index: int(idx)}
	return r.do(op, model.ENOENT, func() (model.Result, error) {
		return model.Result{}, ns.createIfb(op.Name, idx)
	})
}

func (r *recorder) remove(rng *rand.Rand) error {
	ns := r.pick(rng)
	if ns == nil {
		return nil
	}
	defer ns.mu.RUnlock()
	op := model.Op{Kind: model.Remove, NS: ns.id, Name: r.name(rng)}
	return r.do(op, model.ENOENT, func() (model.Result, error) {
		return model.Result{}, ns.deleteLink(op.Name)
	})
}

// rename resolves the name to an ifindex and renames by ifindex, under
// relink, as Backend.rename does.
func (r *recorder) rename(rng *rand.Rand) error {
	r.relink.Lock()
	defer r.relink.Unlock()
	ns := r.pick(rng)
	if ns == nil {
		return nil
	}
	defer ns.mu.RUnlock()
	op := model.Op{Kind: model.Rename, NS: ns.id, Name: r.name(rng), NewName: r.name(rng)}
	return r.do(op, model.ENOENT, func() (model.Result, error) {
		idx, err := ns.index(op.Name)
		if err != nil {
			return model.Result{}, err
		}
		return model.Result{}, ns.renameIndex(idx, op.NewName)
	})
}

// move moves a device between two live namespaces, taking their shared
// locks in increasing order, as Backend.move does.
func (r *recorder) move(rng *rand.Rand) error {
	r.relink.Lock()
	defer r.relink.Unlock()
	r.nsMu.RLock()
	if len(r.live) < 2 {
		r.nsMu.RUnlock()
		return nil
	}
	i := rng.IntN(len(r.live))
	j := (i + 1 + rng.IntN(len(r.live)-1)) % len(r.live)
	from, to := r.live[i], r.live[j]
	r.nsMu.RUnlock()
	first, second := from, to
	if second.id < first.id {
		first, second = second, first
	}
	first.mu.RLock()
	defer first.mu.RUnlock()
	second.mu.RLock()
	defer second.mu.RUnlock()
	if from.exited || to.exited {
		return nil // one exited meanwhile: nothing asked, nothing recorded
	}
	op := model.Op{Kind: model.Move, NS: from.id, To: to.id, Name: r.name(rng)}
	return r.do(op, model.ENOENT, func() (model.Result, error) {
		return model.Result{}, from.moveLink(op.Name, to.fd)
	})
}

// readStep lists a directory, looks a name up or reads a link, through
// the mount of a namespace: mostly a live one, sometimes one that exited,
// whose view must then stay empty.
func (r *recorder) readStep(rng *rand.Rand) error {
	r.nsMu.RLock()
	var ns *namespace
	switch {
	case len(r.all) > len(r.live) && rng.IntN(10) == 0:
		ns = r.all[rng.IntN(len(r.all))]
	case len(r.live) > 0:
		ns = r.live[rng.IntN(len(r.live))]
	}
	r.nsMu.RUnlock()
	if ns == nil {
		return nil
	}
	v, m := ns.view, ns.id // the view lives until the recording ends
	dir := model.ClassNet
	if rng.IntN(3) == 0 {
		dir = model.Devices
	}
	name := r.name(rng)
	if rng.IntN(8) == 0 {
		name = "lo"
	}
	switch n := rng.IntN(10); {
	case n < 5:
		op := model.Op{Kind: model.Readdir, Mount: m, Dir: dir}
		return r.do(op, model.ENOENT, func() (model.Result, error) {
			names, err := v.list(dir)
			es := make([]model.Entry, len(names))
			for i, n := range names {
				es[i] = model.Entry{Name: n, Tag: m}
			}
			return model.Result{Entries: es}, err
		})
	case n < 9:
		op := model.Op{Kind: model.Lookup, Mount: m, Dir: dir, Name: name}
		return r.do(op, model.ENOENT, func() (model.Result, error) {
			return model.Result{Tag: m}, v.lookup(dir, name)
		})
	default:
		op := model.Op{Kind: model.Readlink, Mount: m, Name: name}
		return r.do(op, model.ENOENT, func() (model.Result, error) {
			target, err := v.readlink(name)
			return model.Result{Target: target}, err
		})
	}
}

// lifecycle gives birth to a namespace or makes one exit, keeping the live
// ones between MinLive and MaxLive and all of them within Max. Namespace 1
// never exits: the model's kernel exit scheme has it stand for the initial
// namespace.
func (r *recorder) lifecycle(rng *rand.Rand) error {
	r.nsMu.RLock()
	live, all := len(r.live), len(r.all)
	r.nsMu.RUnlock()
	canBirth := live < r.c.MaxLive && all < r.c.Max
	canExit := live > r.c.MinLive
	switch {
	case canBirth && (!canExit || rng.IntN(2) == 0):
		return r.birth()
	case canExit:
		return r.exit(rng)
	}
	return nil
}

// birth makes the next namespace with its sysfs instance, which is also
// its mount, and records both before anything can address them.
func (r *recorder) birth() error {
	r.nsMu.RLock()
	id := len(r.all) + 1
	r.nsMu.RUnlock()
	ns := &namespace{id: id, fd: -1}
	if err := ns.make(); err != nil {
		err = fmt.Errorf("kernel recording: namespace %d: %w", id, err)
		r.fail(err)
		return err
	}
	initial := make([]string, 0, len(ns.base))
	for n := range ns.base {
		initial = append(initial, n)
	}
	slices.Sort(initial)
	err := r.emit(func(t int64) error {
		r.stats.Namespaces++
		if err := r.sink.Born(t, id, initial); err != nil {
			return err
		}
		return r.sink.Mounted(t, id, id)
	})
	r.nsMu.Lock()
	defer r.nsMu.Unlock()
	r.all = append(r.all, ns) // closed with the others, even if emit failed
	if err == nil {
		r.live = append(r.live, ns)
	}
	return err
}

// exit makes a live namespace other than the first exit: its last
// references dropped once the operations under way on it are done, its
// teardown then watched through its own mount by a goroutine of its own.
func (r *recorder) exit(rng *rand.Rand) error {
	r.nsMu.Lock()
	var ns *namespace
	if len(r.live) > 1 {
		i := 1 + rng.IntN(len(r.live)-1)
		ns = r.live[i]
		r.live = slices.Delete(r.live, i, i+1)
	}
	r.nsMu.Unlock()
	if ns == nil || ns.id == 1 {
		return nil
	}
	ns.mu.Lock()
	err := r.do(model.Op{Kind: model.Exit, NS: ns.id}, model.ENOENT, func() (model.Result, error) {
		ns.drop()
		return model.Result{}, nil
	})
	ns.mu.Unlock()
	if err != nil {
		return err
	}
	dropped := time.Now()
	r.drains.Go(func() { r.drain(ns, dropped) })
	return nil
}

// drain waits until the namespace's sysfs instance shows nothing in either
// directory, lo included, and records its teardown over; past ExitTimeout
// it records a fault instead.
func (r *recorder) drain(ns *namespace, dropped time.Time) {
	deadline := dropped.Add(r.c.ExitTimeout)
	for {
		left, err := ns.remaining()
		if err != nil {
			r.fail(fmt.Errorf("kernel recording: listing ns%d during its teardown: %w", ns.id, err))
			return
		}
		if len(left) == 0 {
			r.emit(func(t int64) error {
				r.stats.TornDown++
				r.stats.TeardownMaxMS = max(r.stats.TeardownMaxMS, float64(time.Since(dropped))/1e6)
				return r.sink.TornDown(t, ns.id)
			})
			return
		}
		if time.Now().After(deadline) {
			r.emit(func(t int64) error {
				r.stats.Faults++
				return r.sink.Fault(history.Fault{Kind: history.StepBound, Thread: -1, Time: t,
					Detail: fmt.Sprintf("ns%d still shows %v %v after its exit", ns.id, left, r.c.ExitTimeout)})
			})
			return
		}
		time.Sleep(r.c.ExitPoll)
	}
}
