//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

// netNS is one network namespace of the recording, held only by our
// descriptors: its handle, a route netlink socket inside it, and a sysfs
// instance made inside it, which is the recording's mount of the same
// number. The instance shows the namespace's entries for its whole life,
// and nothing once the namespace is gone.
type netNS struct {
	id      int
	handle  netns.NsHandle
	nl      *netlink.Handle
	root    int      // the sysfs instance: a detached mount, attached nowhere
	initial []string // what class/net held at birth: lo
	exited  bool
}

// device is a device the writer made: its namespace and name.
type device struct {
	ns   int
	name string
}

// world is what the recording made.
type world struct {
	// life orders the writer's operations (shared) against births and
	// exits (exclusive), so that no handle is used after its exit.
	life sync.RWMutex
	ns   []*netNS // ns[i] is namespace i+1
	// devs is where each device the writer made is and what it is called,
	// by ifindex, as its own answers tell (nothing else renames or moves
	// them); next is the ifindex it asks for next. The writer's only.
	devs map[int]device
	next int

	mu  sync.Mutex
	ops int
}

func newWorld() (*world, error) {
	w := &world{devs: map[int]device{}, next: 100}
	for id := 1; id <= 2; id++ {
		n, err := newNS(id)
		if err != nil {
			w.close()
			return nil, err
		}
		w.ns = append(w.ns, n)
	}
	return w, nil
}

func (w *world) close() {
	for _, n := range w.ns {
		n.close()
	}
}

// newNS makes a network namespace with its socket and sysfs instance, on
// an OS thread of its own that enters the namespace and comes back.
func newNS(id int) (*netNS, error) {
	type made struct {
		n   *netNS
		err error
	}
	ch := make(chan made, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			ch <- made{nil, err}
			return
		}
		defer orig.Close()
		n, err := enterNew(id)
		// A thread that could not come back stays locked and dies with
		// this goroutine: no other goroutine runs inside the namespace.
		if netns.Set(orig) == nil {
			runtime.UnlockOSThread()
		}
		ch <- made{n, err}
	}()
	m := <-ch
	return m.n, m.err
}

// enterNew moves the calling thread into a new network namespace and
// makes what the recording needs there.
func enterNew(id int) (n *netNS, err error) {
	n = &netNS{id: id, root: -1}
	if n.handle, err = netns.New(); err != nil {
		return nil, fmt.Errorf("new network namespace: %w", err)
	}
	defer func() {
		if err != nil {
			n.close()
		}
	}()
	if n.nl, err = netlink.NewHandleAt(n.handle, unix.NETLINK_ROUTE); err != nil {
		return nil, fmt.Errorf("route netlink: %w", err)
	}
	if n.root, err = mountSysfs(); err != nil {
		return nil, err
	}
	if n.initial, err = n.list("class/net"); err != nil {
		return nil, err
	}
	return n, nil
}

// mountSysfs makes a sysfs instance in the calling thread's network
// namespace, which it captures for good (sysfs_init_fs_context), and
// returns its root. It is never attached: no mount table shows it.
func mountSysfs() (int, error) {
	fs, err := unix.Fsopen("sysfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("fsopen sysfs: %w", err)
	}
	defer unix.Close(fs)
	if err := unix.FsconfigCreate(fs); err != nil {
		return -1, fmt.Errorf("fsconfig sysfs: %w", err)
	}
	root, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_RDONLY)
	if err != nil {
		return -1, fmt.Errorf("fsmount sysfs: %w", err)
	}
	return root, nil
}

// drop lets go of the namespace: the kernel then tears it down (cleanup_net)
// and deletes its devices. The sysfs instance stays, to watch that.
func (n *netNS) drop() {
	if n.nl != nil {
		n.nl.Close()
		n.nl = nil
	}
	if n.handle.IsOpen() {
		n.handle.Close()
	}
	n.exited = true
}

func (n *netNS) close() {
	n.drop()
	if n.root >= 0 {
		unix.Close(n.root)
		n.root = -1
	}
}

// list returns the names in dir of the namespace's sysfs instance, "."
// and ".." left out. The directory is opened afresh for each listing:
// listings sharing a descriptor would share its offset.
func (n *netNS) list(dir string) ([]string, error) {
	fd, err := unix.Openat(n.root, dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	names := []string{}
	buf := make([]byte, 8192)
	for {
		k, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if k <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(buf[:k], -1, names)
	}
}

// answer is an operation's result from the kernel's error: success, or
// the errno by name. ENODEV is what rtnl says of an ifindex or name it
// does not know, which the model calls ENOENT. An error that is no errno
// is no answer at all: the recording stops.
func answer(err error) (model.Result, error) {
	var e unix.Errno
	switch {
	case err == nil:
		return model.Result{}, nil
	case !errors.As(err, &e):
		return model.Result{}, err
	case e == unix.ENODEV:
		return model.Result{Err: model.ENOENT}, nil
	}
	return model.Result{Err: model.Errno(unix.ErrnoName(e))}, nil
}

// pause waits d, or returns false when ctx ends first.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// write creates ifb devices by name, and renames, moves and removes them
// by ifindex, until ctx ends.
func (w *world) write(ctx context.Context, rec *tracefile.Recorder) error {
	rng := rand.New(rand.NewPCG(1, 2))
	for pause(ctx, 2*time.Millisecond) {
		if err := w.writeOne(rec, rng); err != nil {
			return err
		}
	}
	return nil
}

// writeOne asks one thing of a live namespace.
func (w *world) writeOne(rec *tracefile.Recorder, rng *rand.Rand) error {
	w.life.RLock()
	defer w.life.RUnlock()
	var live []*netNS
	for _, n := range w.ns {
		if !n.exited {
			live = append(live, n)
		}
	}
	name := fmt.Sprintf("ifb%d", rng.IntN(4)) // few names: they clash
	var idx int                               // a device the writer made, if any
	for i := range w.devs {
		idx = i // map order is random enough
		break
	}
	d := w.devs[idx]
	switch k := rng.IntN(4); {
	case k == 0 || idx == 0:
		n := live[rng.IntN(len(live))]
		return w.create(rec, n, name)
	case k == 1:
		// By ifindex, with the name the ifindex stands for, as iproute2
		// records it once it has resolved the name.
		op := model.Op{Kind: model.Rename, NS: d.ns, Name: d.name, Index: idx, NewName: name}
		return w.ask(rec, op, func(n *netNS, l netlink.Link) error {
			err := n.nl.LinkSetName(l, name)
			if err == nil {
				w.devs[idx] = device{d.ns, name}
			}
			return err
		})
	case k == 2:
		to := live[rng.IntN(len(live))]
		op := model.Op{Kind: model.Move, NS: d.ns, Name: d.name, Index: idx, To: to.id}
		return w.ask(rec, op, func(n *netNS, l netlink.Link) error {
			err := n.nl.LinkSetNsFd(l, int(to.handle))
			if err == nil {
				w.devs[idx] = device{to.id, d.name}
			}
			return err
		})
	default:
		op := model.Op{Kind: model.Remove, NS: d.ns, Name: d.name, Index: idx}
		return w.ask(rec, op, func(n *netNS, l netlink.Link) error {
			err := n.nl.LinkDel(l)
			if err == nil {
				delete(w.devs, idx)
			}
			return err
		})
	}
}

// create makes an ifb device called name in n, with an ifindex of our
// choosing, which the create's result returns.
func (w *world) create(rec *tracefile.Recorder, n *netNS, name string) error {
	idx := w.next
	w.next++
	var fail error
	err := w.do(rec, writerThread, model.Op{Kind: model.Create, NS: n.id, Name: name}, func() model.Result {
		var r model.Result
		r, fail = answer(n.nl.LinkAdd(&netlink.Ifb{LinkAttrs: netlink.LinkAttrs{Name: name, Index: idx}}))
		if fail == nil && r.Err == model.OK {
			r.Index = idx
			w.devs[idx] = device{n.id, name}
		}
		return r
	})
	if fail != nil {
		return fail
	}
	return err
}

// ask records op, a rename, move or remove of the device op.Index, and
// asks it of the device's namespace with f.
func (w *world) ask(rec *tracefile.Recorder, op model.Op, f func(*netNS, netlink.Link) error) error {
	n := w.ns[op.NS-1]
	l := &netlink.Ifb{LinkAttrs: netlink.LinkAttrs{Index: op.Index}}
	var fail error
	err := w.do(rec, writerThread, op, func() model.Result {
		var r model.Result
		r, fail = answer(f(n, l))
		return r
	})
	if fail != nil {
		return fail
	}
	return err
}

// read lists and looks up class/net through the mounts, those of exited
// namespaces too, until ctx ends.
func (w *world) read(ctx context.Context, rec *tracefile.Recorder) error {
	rng := rand.New(rand.NewPCG(3, 4))
	for pause(ctx, 2*time.Millisecond) {
		w.life.RLock()
		n := w.ns[rng.IntN(len(w.ns))] // its sysfs instance lives until the end
		w.life.RUnlock()
		var err error
		if rng.IntN(2) == 0 {
			err = w.do(rec, readerThread, model.Op{Kind: model.Readdir, Mount: n.id}, func() model.Result {
				names, err := n.list("class/net")
				r, _ := answer(err)
				for _, name := range names {
					r.Entries = append(r.Entries, model.Entry{Name: name}) // no tag: the kernel shows none
				}
				return r
			})
		} else {
			name := fmt.Sprintf("ifb%d", rng.IntN(4))
			err = w.do(rec, readerThread, model.Op{Kind: model.Lookup, Mount: n.id, Name: name}, func() model.Result {
				var st unix.Stat_t
				r, _ := answer(unix.Fstatat(n.root, "class/net/"+name, &st, unix.AT_SYMLINK_NOFOLLOW))
				return r
			})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// lifecycle gives birth to namespace 3 a third of the way through d and
// deletes namespace 2 two thirds of the way.
func (w *world) lifecycle(ctx context.Context, rec *tracefile.Recorder, d time.Duration) error {
	if !pause(ctx, d/3) {
		return nil
	}
	if err := w.birth(rec); err != nil {
		return err
	}
	if !pause(ctx, d/3) {
		return nil
	}
	return w.exit(rec, w.ns[1])
}

// birth makes namespace 3 and its mount, and records both before the
// writer and reader can see them.
func (w *world) birth(rec *tracefile.Recorder) error {
	w.life.Lock()
	defer w.life.Unlock()
	n, err := newNS(3)
	if err != nil {
		return err
	}
	w.ns = append(w.ns, n)
	if _, err := rec.Event(lifecycleThread, model.Op{Kind: model.Clone, NS: 3}, model.Result{}); err != nil {
		return err
	}
	_, err = rec.Event(lifecycleThread, model.Op{Kind: model.Mount, Mount: 3}, model.Result{Tag: 3})
	return err
}

// exit deletes n and records its teardown as the kernel does it: the
// exit, a removal by cleanup_net of each device it held, called before we
// let go of the namespace and returning when its sysfs instance is seen
// empty, then the teardown over (gone).
func (w *world) exit(rec *tracefile.Recorder, n *netNS) error {
	w.life.Lock()
	exit, _, err := rec.Call(lifecycleThread, model.Op{Kind: model.Exit, NS: n.id})
	held, lerr := n.list("devices/virtual/net")
	var removals []int
	for _, name := range held {
		id, _, cerr := rec.Call(tracefile.AnyThread, model.Op{Kind: model.Remove, NS: n.id, Name: name, Cleanup: true})
		removals, err = append(removals, id), errors.Join(err, cerr)
	}
	n.drop()
	for idx, d := range w.devs {
		if d.ns == n.id {
			delete(w.devs, idx) // gone with the namespace
		}
	}
	_, rerr := rec.Return(exit, model.Result{})
	w.life.Unlock()
	if err := errors.Join(err, lerr, rerr); err != nil {
		return err
	}
	return w.watchTeardown(rec, n, removals)
}

// watchTeardown waits until n's sysfs instance shows nothing, lo
// included, then records the removals returned and the teardown over.
func (w *world) watchTeardown(rec *tracefile.Recorder, n *netNS, removals []int) error {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Microsecond) {
		devs, err := n.list("devices/virtual/net")
		links, lerr := n.list("class/net")
		if err := errors.Join(err, lerr); err != nil {
			return err
		}
		if len(devs)+len(links) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return rec.Fault(history.Fault{Kind: history.StepBound, Thread: lifecycleThread,
				Detail: fmt.Sprintf("ns%d still shows %v %v after 10s", n.id, devs, links)})
		}
	}
	for _, id := range removals {
		if _, err := rec.Return(id, model.Result{}); err != nil {
			return err
		}
	}
	_, err := rec.Event(lifecycleThread, model.Op{Kind: model.Gone, NS: n.id}, model.Result{})
	return err
}
