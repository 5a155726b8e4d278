//go:build linux

package kernel

import (
	"fmt"
	"time"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// The device flows and exit: each one route netlink request under rtnl
// (two for a rename), which the kernel carries out as several kernfs steps
// (model.Steps); a history records the flow whole.

// create makes an ifb device with an ifindex of the backend's choosing,
// a virtual device even where the program asks for a physical one (there is
// no hardware to give a namespace): the recorded operation then says
// virtual, so that the checkers judge what the kernel was given. The
// ifindex is unique across the program's namespaces, so that the ifindex a read
// returns names one device. A move keeps the ifindex when the target
// namespace does not use it (dev_change_net_namespace), which with unique
// numbers is always.
func (b *Backend) create(op *model.Op) (model.Result, error) {
	op.Phys = false
	if !b.valid(op.NS) {
		return fail(model.EINVAL)
	}
	ns, ok := b.alive(op.NS)
	if !ok {
		return fail(model.ENOENT)
	}
	defer ns.mu.RUnlock()
	b.mu.Lock()
	idx := b.nextIndex
	b.nextIndex++
	b.mu.Unlock()
	r, err := netResult(ns.createIfb(op.Name, idx))
	if err == nil && r.Err == model.OK {
		op.Index = int(idx)
	}
	return r, err
}

func (b *Backend) remove(op model.Op) (model.Result, error) {
	if !b.valid(op.NS) {
		return fail(model.ENOENT)
	}
	ns, ok := b.alive(op.NS)
	if !ok {
		return fail(model.ENOENT)
	}
	defer ns.mu.RUnlock()
	return netResult(ns.deleteLink(op.Name))
}

// rename resolves the name to an ifindex, then renames by ifindex: the
// route netlink API has no rename by name. Between the two requests,
// another rename or a move could put a different device behind the ifindex
// or the name, and the backend would then rename a device the operation
// never named. relink, held by renames and moves, closes that window; it
// costs the kernel no concurrency, since rtnl_lock serializes every one of
// these requests anyway. Creations, deletions and all observers run free.
func (b *Backend) rename(op model.Op) (model.Result, error) {
	if !b.valid(op.NS) {
		return fail(model.ENOENT)
	}
	// relink before any namespace lock, as in move: a goroutine that holds
	// a namespace lock never waits for relink, so no cycle can form.
	b.relink.Lock()
	defer b.relink.Unlock()
	ns, ok := b.alive(op.NS)
	if !ok {
		return fail(model.ENOENT)
	}
	defer ns.mu.RUnlock()
	idx, err := ns.index(op.Name)
	if err != nil {
		return netResult(err)
	}
	return netResult(ns.renameIndex(idx, op.NewName))
}

// move takes relink, then both namespaces' shared locks in increasing
// order, so that moves, renames, clones and exits can never wait on one
// another in a cycle.
func (b *Backend) move(op model.Op) (model.Result, error) {
	if !b.valid(op.NS) {
		return fail(model.ENOENT)
	}
	b.relink.Lock()
	defer b.relink.Unlock()
	if !b.valid(op.To) || op.To == op.NS {
		ns, ok := b.alive(op.NS)
		if !ok {
			return fail(model.ENOENT)
		}
		defer ns.mu.RUnlock()
		if op.To == op.NS {
			// __dev_change_net_namespace: moving into its own namespace
			// is a successful no-op once the device is found.
			return netResult(ns.moveLink(op.Name, ns.fd))
		}
		// The model looks for the entry before it checks the target.
		if _, err := ns.index(op.Name); err != nil {
			return netResult(err)
		}
		return fail(model.EINVAL)
	}
	lo, hi := min(op.NS, op.To), max(op.NS, op.To)
	first, ok1 := b.alive(lo)
	if ok1 {
		defer first.mu.RUnlock()
	}
	second, ok2 := b.alive(hi)
	if ok2 {
		defer second.mu.RUnlock()
	}
	if !ok1 || !ok2 {
		// The source has exited (no entry) or the target has: ENOENT
		// either way.
		return fail(model.ENOENT)
	}
	return netResult(b.ns[op.NS].moveLink(op.Name, b.ns[op.To].fd))
}

// exit drops the backend's last references to the namespace (its
// descriptor and its socket; its sysfs instance holds only a passive
// reference). The kernel then tears the namespace down asynchronously:
// cleanup_net, from a work queue, after an RCU grace period, unregisters its
// devices in one batch (default_device_exit_batch), each device's sysfs
// entries removed in turn, lo last.
//
// Under model.ExitKernel, the model's account of that, the exit returns at
// once, and the teardown is recorded as the model describes it: a remove of
// each device the namespace held, spanning the time from the exit's return
// to the moment the namespace's own sysfs instance was seen empty, and a
// gone spanning the last two looks at it. Namespace 1 stands for the
// initial namespace there and never exits (EINVAL, the backend's answer).
//
// Under model.ExitTag, the seed design's one-step exit, which today's
// kernel does not implement, exit returns only when the teardown is over,
// so that it spans it (unless Options.ExitNoWait).
//
// returned, when not zero, is when the exit itself returned, before the
// teardown the call went on to watch.
func (b *Backend) exit(op model.Op) (r model.Result, extra []history.Record, returned int64, err error) {
	kernelExit := b.cfg.Exit == model.ExitKernel
	if !b.valid(op.NS) || kernelExit && op.NS == 1 {
		return model.Result{Err: model.EINVAL}, nil, 0, nil
	}
	ns := b.ns[op.NS]
	ns.mu.Lock()
	if !ns.born || ns.exited {
		ns.mu.Unlock()
		return model.Result{Err: model.ENOENT}, nil, 0, nil
	}
	// Nothing can add a device now: every creation and move holds the lock.
	held, err := ns.view.list(model.Devices)
	if err != nil {
		ns.mu.Unlock()
		return model.Result{}, nil, 0, fmt.Errorf("listing ns%d at its exit: %w", op.NS, err)
	}
	ns.drop()
	ns.mu.Unlock()
	dropped := b.now()
	if b.opts.ExitNoWait && !kernelExit {
		return model.Result{}, nil, 0, nil
	}
	lastSeen, emptyAt, err := b.drain(ns)
	if err != nil || !kernelExit {
		return model.Result{}, nil, 0, err
	}
	for _, name := range held {
		if !ns.base[name] {
			extra = append(extra, history.Record{Op: model.Op{Kind: model.Remove, NS: op.NS, Name: name, Cleanup: true}, Call: dropped, Return: emptyAt})
		}
	}
	extra = append(extra, history.Record{Op: model.Op{Kind: model.Gone, NS: op.NS}, Call: max(lastSeen, dropped), Return: emptyAt})
	return model.Result{}, extra, dropped, nil
}

// drain waits until the namespace's sysfs instance shows nothing in either
// directory, and returns when it last saw something and when it saw
// nothing. Past Options.ExitTimeout it gives up and records a fault.
func (b *Backend) drain(ns *namespace) (lastSeen, emptyAt int64, err error) {
	deadline := time.Now().Add(b.opts.ExitTimeout)
	for {
		left, err := ns.remaining()
		if err != nil {
			return 0, 0, fmt.Errorf("listing ns%d during its exit: %w", ns.id, err)
		}
		now := b.now()
		if len(left) == 0 {
			return lastSeen, now, nil
		}
		lastSeen = now
		if time.Now().After(deadline) {
			b.fault(history.Fault{Kind: history.StepBound, Thread: -1, Time: now,
				Detail: fmt.Sprintf("ns%d still shows %v %v after its last reference was dropped", ns.id, left, b.opts.ExitTimeout)})
			return lastSeen, now, nil
		}
		time.Sleep(b.opts.ExitPoll)
	}
}
