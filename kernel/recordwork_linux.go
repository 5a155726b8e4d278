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
func (r *recorder) writeStep(thread int, rng *rand.Rand) error {
	switch n := rng.IntN(20); {
	case n < 6:
		return r.create(thread, rng)
	case n < 11:
		return r.remove(thread, rng)
	case n < 16:
		return r.rename(thread, rng)
	default:
		return r.move(thread, rng)
	}
}

// create makes an ifb device with an ifindex unique in the recording, so
// that an ifindex names one device, and returns the ifindex when the
// kernel took it.
func (r *recorder) create(thread int, rng *rand.Rand) error {
	ns := r.pick(rng)
	if ns == nil {
		return nil
	}
	defer ns.mu.RUnlock()
	idx := r.nextIndex.Add(1) - 1
	op := model.Op{Kind: model.Create, NS: ns.id, Name: r.name(rng)}
	return r.do(thread, op, model.ENOENT, func() (model.Result, error) {
		if err := ns.createIfb(op.Name, idx); err != nil {
			return model.Result{}, err
		}
		return model.Result{Index: int(idx)}, nil
	})
}

func (r *recorder) remove(thread int, rng *rand.Rand) error {
	ns := r.pick(rng)
	if ns == nil {
		return nil
	}
	defer ns.mu.RUnlock()
	op := model.Op{Kind: model.Remove, NS: ns.id, Name: r.name(rng)}
	return r.do(thread, op, model.ENOENT, func() (model.Result, error) {
		return model.Result{}, ns.deleteLink(op.Name)
	})
}

// rename resolves the name to an ifindex and renames by ifindex, under
// relink, as Backend.rename does.
func (r *recorder) rename(thread int, rng *rand.Rand) error {
	r.relink.Lock()
	defer r.relink.Unlock()
	ns := r.pick(rng)
	if ns == nil {
		return nil
	}
	defer ns.mu.RUnlock()
	op := model.Op{Kind: model.Rename, NS: ns.id, Name: r.name(rng), NewName: r.name(rng)}
	return r.do(thread, op, model.ENOENT, func() (model.Result, error) {
		idx, err := ns.index(op.Name)
		if err != nil {
			return model.Result{}, err
		}
		return model.Result{}, ns.renameIndex(idx, op.NewName)
	})
}

// move moves a device between two live namespaces, taking their shared
// locks in increasing order, as Backend.move does.
func (r *recorder) move(thread int, rng *rand.Rand) error {
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
	return r.do(thread, op, model.ENOENT, func() (model.Result, error) {
		return model.Result{}, from.moveLink(op.Name, to.fd)
	})
}

// readStep lists a directory, looks a name up or reads a link, through
// the mount of a namespace: mostly a live one, sometimes one that exited,
// whose view must then stay empty. Results carry no tags: the kernel shows
// none, and the format gives a tagless entry the tag its mount captured.
func (r *recorder) readStep(thread int, rng *rand.Rand) error {
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
		return r.do(thread, op, model.ENOENT, func() (model.Result, error) {
			names, err := v.list(dir)
			es := make([]model.Entry, len(names))
			for i, n := range names {
				es[i] = model.Entry{Name: n}
			}
			return model.Result{Entries: es}, err
		})
	case n < 9:
		op := model.Op{Kind: model.Lookup, Mount: m, Dir: dir, Name: name}
		return r.do(thread, op, model.ENOENT, func() (model.Result, error) {
			return model.Result{}, v.lookup(dir, name)
		})
	default:
		op := model.Op{Kind: model.Readlink, Mount: m, Name: name}
		return r.do(thread, op, model.ENOENT, func() (model.Result, error) {
			target, err := v.readlink(name)
			return model.Result{Target: target}, err
		})
	}
}

// lifecycle gives birth to a namespace or makes one exit, on thread,
// keeping the live ones between MinLive and MaxLive and all of them within
// Max. Namespace 1 never exits: the model's kernel exit scheme has it
// stand for the initial namespace.
func (r *recorder) lifecycle(thread int, rng *rand.Rand) error {
	r.nsMu.RLock()
	live, all := len(r.live), len(r.all)
	r.nsMu.RUnlock()
	canBirth := live < r.c.MaxLive && all < r.c.Max
	canExit := live > r.c.MinLive
	switch {
	case canBirth && (!canExit || rng.IntN(2) == 0):
		return r.birth(thread)
	case canExit:
		return r.exit(thread, rng)
	}
	return nil
}

// make makes the next namespace with its sysfs instance, which is also its
// mount, and keeps it among all the recording's namespaces (not yet among
// the live ones).
func (r *recorder) make() (*namespace, error) {
	r.nsMu.Lock()
	defer r.nsMu.Unlock()
	ns := &namespace{id: len(r.all) + 1, fd: -1}
	if err := ns.make(); err != nil {
		return nil, fmt.Errorf("kernel recording: namespace %d: %w", ns.id, err)
	}
	r.all = append(r.all, ns)
	r.mu.Lock()
	r.stats.Namespaces++
	r.mu.Unlock()
	return ns, nil
}

// initial returns the entries the namespace was born with, sorted.
func (ns *namespace) initial() []string {
	names := make([]string, 0, len(ns.base))
	for n := range ns.base {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// birth makes a namespace born during the recording, records its birth
// and its mount, and only then lets the workers address it.
func (r *recorder) birth(thread int) error {
	ns, err := r.make()
	if err != nil {
		return r.check(err)
	}
	if !slices.Equal(ns.initial(), r.all[0].initial()) {
		return r.check(fmt.Errorf("kernel recording: ns%d was born with %v, unlike ns1", ns.id, ns.initial()))
	}
	if err := r.event(thread, model.Op{Kind: model.Clone, NS: ns.id}, model.Result{}); err != nil {
		return err
	}
	if err := r.event(thread, model.Op{Kind: model.Mount, Mount: ns.id}, model.Result{Tag: ns.id}); err != nil {
		return err
	}
	r.nsMu.Lock()
	r.live = append(r.live, ns)
	r.nsMu.Unlock()
	return nil
}

// exit makes a live namespace other than the first exit, on thread: once
// the operations under way on it are done, the devices it holds (lo
// included) are listed, their removals by cleanup_net called, and its last
// references dropped; a goroutine of its own then watches the teardown
// through the namespace's own mount. The removals are called before the
// references go, so that none can have begun before its call.
func (r *recorder) exit(thread int, rng *rand.Rand) error {
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
	defer ns.mu.Unlock()
	removals := map[string]int{} // the call of each device's removal, by name
	err := r.do(thread, model.Op{Kind: model.Exit, NS: ns.id}, model.ENOENT, func() (model.Result, error) {
		// Nothing can add a device now: creations and moves hold ns.mu.
		held, err := ns.view.list(model.Devices)
		if err != nil {
			return model.Result{}, fmt.Errorf("listing ns%d at its exit: %w", ns.id, err)
		}
		for _, name := range held {
			id, _, err := r.sink.Call(AsyncThread, model.Op{Kind: model.Remove, NS: ns.id, Name: name, Cleanup: true})
			if err != nil {
				return model.Result{}, err
			}
			removals[name] = id
		}
		ns.drop()
		return model.Result{}, nil
	})
	if err != nil {
		return err
	}
	r.drains.Go(func() { r.drain(thread, ns, removals) })
	return nil
}

// drain watches the namespace's sysfs instance until it shows nothing in
// either directory. Each device's removal returns when the device is seen
// gone from both, and the teardown is recorded over (gone) when nothing is
// left, lo included; past ExitTimeout it records a fault instead, and
// leaves the removals still open pending.
func (r *recorder) drain(thread int, ns *namespace, removals map[string]int) {
	begin := time.Now()
	for {
		left, err := ns.remaining()
		if err != nil {
			r.check(fmt.Errorf("kernel recording: listing ns%d during its teardown: %w", ns.id, err))
			return
		}
		for name, id := range removals {
			if !slices.Contains(left, name) {
				r.count(model.Op{Kind: model.Remove}, model.Result{})
				if _, err := r.sink.Return(id, model.Result{}); r.check(err) != nil {
					return
				}
				delete(removals, name)
			}
		}
		if len(left) == 0 {
			r.tornDown(thread, ns, time.Since(begin))
			return
		}
		if time.Since(begin) > r.c.ExitTimeout {
			r.mu.Lock()
			r.stats.Faults++
			r.mu.Unlock()
			r.check(r.sink.Fault(history.Fault{Kind: history.StepBound, Thread: -1,
				Detail: fmt.Sprintf("ns%d still shows %v %v after its exit", ns.id, left, r.c.ExitTimeout)}))
			return
		}
		time.Sleep(r.c.ExitPoll)
	}
}

// tornDown records a teardown seen over after took.
func (r *recorder) tornDown(thread int, ns *namespace, took time.Duration) {
	r.mu.Lock()
	r.stats.TornDown++
	r.stats.TeardownMaxMS = max(r.stats.TeardownMaxMS, float64(took)/1e6)
	r.mu.Unlock()
	r.event(thread, model.Op{Kind: model.Gone, NS: ns.id}, model.Result{})
}

// event records a lifecycle event and counts it among the operations.
func (r *recorder) event(thread int, op model.Op, res model.Result) error {
	if err := r.check(nil); err != nil {
		return err
	}
	r.count(op, res)
	_, err := r.sink.Event(thread, op, res)
	return r.check(err)
}
