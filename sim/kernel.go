package sim

import (
	"fmt"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// Kernel is one simulated sysfs: the net class's two tagged directories
// (class/net with a symlink per device, devices/virtual/net with a
// directory per device), the namespaces, the mounts and open files of one
// program, and rtnl, the lock the net core holds across a device flow.
//
// devices/virtual/net is the class's glue directory: made with the first
// device and removed with the last (glue.go); devDir finds it.
type Kernel struct {
	// cfg is the program's configuration, the history's own: one copy.
	cfg       *model.Config
	bugs      BugSet
	tree      tree
	rtnl      sched.Mutex
	class     *node // /sys/class/net
	virtual   *node // /sys/devices/virtual, the glue directory's parent
	uids      *node // /sys/kernel/uids, tagged by user namespace
	users     []*userns
	types     tagTypes
	ns        []*netns // by id; nil until born
	nextAddr  int
	freeAddrs []int
	procs     []*netns // each process's namespace
	procUsers []*userns
	mounts    []*sysfsMount // by id; nil where there is none (mountOf)
	ifindex   int
	files     map[int]openFile // open descriptors
	clock     int64
	hist      history.History
	faults    []history.Fault
	cov       coverer // what the execution reached (Coverage)
	probe     bool    // Options.Probe: records nothing
	// sched runs the concurrent part; nil during setup. See now.
	sched *sched.Scheduler
	// alone: the setup runs without the scheduler's bookkeeping
	// (alone.go).
	alone bool

	// uidsMutex is uids_mutex, which alloc_uid held across
	// uids_user_create (see addUID).
	uidsMutex sched.Mutex

	// glue is the driver core's side of the glue directory (glue.go).
	glue glueState

	// mem holds the namespaces, user namespaces and mounts (arena.go):
	// the arena's, by pointer, which a reset need not copy aside and back.
	mem *kmem
	// nodeBufs, glueBufs and entryBufs lend buffers to the removals and
	// listings in flight, which hold them across preemption points.
	nodeBufs  buffers[*node]
	glueBufs  buffers[*glueDir]
	entryBufs buffers[model.Entry]
}

// What each preemption point declares the step after it touches (until the
// next preemption point), for exhaustive search: see sched.Thread.Access.
// The shared state falls in three parts.
//
//   - The history: records, faults and the clock they are stamped with.
//     It is touched only through now, which also ticks the scheduler's
//     clock, so any two steps that record or fault conflict, whatever they
//     declare: their order is real-time order, which linearizability
//     judges. Mount and open-file state (mounts, their users, files) is
//     touched only in steps that also record (an observer's first step,
//     its last, and mount and umount's), so the clock orders those too.
//   - The tree: nodes with their counts and names, namespaces and their
//     structs, user namespaces, processes' namespaces. A step that may
//     touch any of it, locked or not, declares the tree lock (treeStep):
//     read while the thread holds it shared, written otherwise; a step
//     after Lock(&tree.lock) or RLock is declared so by sched.
//     Node counts and namespace structs are also touched with the lock
//     released (a remover's puts, a read's active reference, freeNS), so
//     it is the common declaration, not the lock, that orders them. A
//     step of a path walk (walk), which may change the mount's dentry
//     cache, declares a write even under the shared lock.
//   - k.ifindex, declared by the one step that touches it (caller.create).
//
// A step that touches nothing else declares private{}, which no step
// writes. Steps left on Yield conflict with everything.

// private is what a step that touches no shared state but the history
// declares.
type private struct{}

// treeStep is the preemption point before a step that touches the tree
// (and maybe the history): see above.
func (k *Kernel) treeStep(t *sched.Thread) {
	k.access(t, &k.tree.lock, !k.tree.lock.HeldShared(t))
}

// newKernel makes the kernel of a program, on a's memory if a is not nil.
func newKernel(cfg *model.Config, bugs BugSet, a *arena) *Kernel {
	var k *Kernel
	if a != nil {
		k = a.resetKernel()
	} else {
		k = new(Kernel)
	}
	k.hist.Config, k.bugs = *cfg, bugs
	k.cfg = &k.hist.Config
	if k.mem == nil {
		k.mem = new(kmem)
	}
	if k.files == nil {
		k.files = map[int]openFile{}
	}
	k.tree.k = k
	k.tree.lock.Name = "kernfs_rwsem"
	k.rtnl.Name = "rtnl"
	k.uidsMutex.Name = "uids_mutex"
	k.glue.mutex.Name = "gdp_mutex"
	if a != nil {
		a.bootTree(k)
	} else {
		k.makeInitialTree()
	}
	k.types.register(model.NetTag)  // net_ns_init
	k.types.register(model.UserTag) // the seed's kernel/uids example
	k.initNamespaces()
	return k
}

// initialTree is the tree every kernel boots with, active directories in
// the order they are made, each with its parent's index (the root has
// none) and its hash, made once.
var initialTree = func() [7]initialDir {
	dirs := [...]initialDir{
		{name: ""}, {name: "class"}, {name: "net", parent: 1},
		{name: "devices"}, {name: "virtual", parent: 3},
		{name: "kernel"}, {name: "uids", parent: 5},
	}
	for i := range dirs {
		dirs[i].hash = nameHash(dirs[i].name, 0)
	}
	return dirs
}()

// initialNodes and initialChildren are the tree a kernel boots with, made
// once by the code that makes any node, on a tree of their own: each
// directory as allocated, activated and linked, less its pointers, which
// are each kernel's own (makeInitialTree), and its children's indices in
// sibling order. A kernel copies them rather than making its tree anew,
// with a search and an insertion per directory.
var initialNodes, initialChildren = func() (nodes [len(initialTree)]node, kids [len(initialTree)][]int) {
	var tr tree
	var made [len(initialTree)]*node
	for i, d := range initialTree {
		n := tr.allocHashed(dirNode, d.name, 0, d.hash)
		n.active, n.activated = 0, true
		if i > 0 {
			tr.link(made[d.parent], n)
		}
		made[i] = n
	}
	for i, n := range made {
		for _, c := range n.children {
			kids[i] = append(kids[i], c.id)
		}
		nodes[i] = *n
		nodes[i].parent, nodes[i].children, nodes[i].nameBuf = nil, nil, nil
	}
	return nodes, kids
}()

// The directories of initialTree the kernel holds.
const (
	initialClass   = 2 // class/net
	initialVirtual = 4 // devices/virtual
	initialUIDs    = 6 // kernel/uids
)

type initialDir struct {
	name   string
	parent int
	hash   uint32
}

// makeInitialTree makes the tree of initialNodes on k's empty tree: the
// first nodes of the slab, with their pointers.
func (k *Kernel) makeInitialTree() {
	tr := &k.tree
	var made [len(initialNodes)]*node
	// By index: a range over the arrays' values would copy them first.
	for i := range initialNodes {
		n, children, drained := tr.slot()
		*n = initialNodes[i] // numbered i, as the tree is empty
		n.children, n.drained, n.nameBuf = children, drained, &n.name0
		tr.nodes = append(tr.nodes, n)
		made[i] = n
	}
	for i := range initialChildren {
		p := made[i]
		for _, c := range initialChildren[i] {
			p.children = append(p.children, made[c])
			made[c].parent = p
		}
	}
	tr.root, k.class, k.virtual, k.uids = made[0], made[initialClass], made[initialVirtual], made[initialUIDs]
}

// dir is directory d as the kernel's own code reaches it: the glue
// directory, which may be absent (nil), is the one linked now (devDir).
func (k *Kernel) dir(d model.Dir) *node {
	switch d {
	case model.Devices:
		return k.devDir()
	case model.UIDs:
		return k.uids
	}
	return k.class
}

// now stamps an event of the history. It ticks the scheduler's clock too, so
// that exhaustive search sees every step that records as touching the
// history: swapping two of them would change the history's real-time order.
func (k *Kernel) now() int64 {
	if k.sched != nil {
		k.sched.Now()
	}
	k.clock++
	return k.clock
}

// fault records what the simulator noticed about itself; t is nil for the
// scheduler's own findings.
func (k *Kernel) fault(t *sched.Thread, kind history.FaultKind, detail string) {
	thread := -1
	if t != nil {
		thread = t.ID()
	}
	k.faults = append(k.faults, history.Fault{Kind: kind, Thread: thread, Time: k.now(), Detail: detail})
}

// record runs one atomic operation (a kernfs step, an observer or an exit)
// and records its call and return; it returns the error recorded, all its
// callers read of the result. thread is the number recorded, which
// for setup differs from t.ID().
func (k *Kernel) record(t *sched.Thread, thread int, op *model.Op) model.Errno {
	var r model.Result
	if k.probe { // the same clock and scheduler ticks, no record
		k.now()
		k.atomic(t, op, &r)
		k.now()
		return r.Err
	}
	i := len(k.hist.Records)
	// Past its length the records' array may hold an earlier execution's
	// records (resetKernel keeps them): every field of the new one is
	// written in place, the result and return zero while it is pending.
	if i < cap(k.hist.Records) {
		k.hist.Records = k.hist.Records[:i+1]
	} else {
		k.hist.Records = append(k.hist.Records, history.Record{})
	}
	// One field at a time: a tuple assignment would copy the operation
	// and the result to temporaries first.
	rec := &k.hist.Records[i]
	rec.Op = *op
	rec.Thread = thread
	rec.Call = k.now()
	rec.Pending = true
	rec.Result = model.Result{}
	rec.Return = 0
	was := k.coverStep(t, op.Kind)
	// The result goes straight to the record, rather than through a
	// copy: each operation writes its result once, when it returns, and
	// nothing reads a record before the execution is over.
	k.atomic(t, op, &rec.Result)
	k.coverStepEnd(t, was)
	if moved := &k.hist.Records[i]; moved != rec {
		// The array grew meanwhile, copying the record while pending.
		moved.Result = rec.Result
		rec = moved
	}
	rec.Return = k.now()
	rec.Pending = false
	return rec.Result.Err
}

// do runs one operation of a program: a device flow, an observer or an
// exit. op is the program's, which do leaves as it is; flow is the
// thread's, for a device flow to be made in.
func (k *Kernel) do(t *sched.Thread, thread int, op *model.Op, flow *model.Flow) {
	// A thread may be preempted before any operation starts. What follows
	// up to the next preemption point is the operation's first step: a
	// flow reaches Lock(rtnl) (or, under unlocked-add, its declared
	// access to ifindex), an atomic
	// operation records its call, checks its arguments and reaches its
	// first Lock, or for open, read, close and the observers also starts
	// using a mount or a file, which only recording steps touch. Gone
	// alone reads a namespace first.
	if op.Kind == model.Gone {
		k.yield(t)
	} else {
		k.access(t, private{}, false)
	}
	c := caller{k, t, thread, flow}
	k.coverBegin(t, op)
	// The operations that are more than one atomic step: the device
	// flows, and an exit under the kernel's scheme (cleanup_net).
	switch op.Kind {
	case model.Create:
		c.create(op)
	case model.Remove, model.Rename, model.Move:
		c.locked(op)
	case model.Exit:
		c.exit(op)
	default:
		k.record(t, thread, op)
	}
	// Not deferred: a thread the scheduler aborts unwinds past this and
	// leaves its operation marked running, but the scheduler aborts
	// threads only once the execution is over, when nothing counts, and
	// a setup that did not finish before the threads start (prepare
	// clears its mark).
	k.coverEnd(t)
}

// exit is a namespace's exit: one step under the seed's scheme, a flow of
// its devices' removals under the kernel's.
func (c caller) exit(op *model.Op) {
	if c.k.cfg.Exit == model.ExitKernel {
		c.exitKernel(op)
		return
	}
	c.k.record(c.t, c.thread, op)
}

// atomic runs an operation that is a single step, its result in *r.
func (k *Kernel) atomic(t *sched.Thread, op *model.Op, r *model.Result) {
	if !k.runAtomic(t, op, r) {
		*r = errno(model.EINVAL)
	}
}

// runAtomic runs op by the function of its kind, as kernfs and the net
// core do it, its result in *r; false if no function runs the kind. A
// switch, not a table of functions, so that op, passed by pointer, stays
// on its caller's stack; the result goes to *r rather than back through
// each caller, a copy at every level.
func (k *Kernel) runAtomic(t *sched.Thread, op *model.Op, r *model.Result) bool {
	switch op.Kind {
	case model.Lookup:
		*r = k.lookup(t, op)
	case model.Readdir:
		*r = k.readdir(t, op)
	case model.Readlink:
		*r = k.readlink(t, op)
	case model.Open:
		*r = k.open(t, op)
	case model.Read:
		*r = k.read(t, op)
	case model.Close:
		*r = k.close(t, op)
	case model.Exit:
		*r = k.exit(t, op.NS)
	case model.Clone:
		*r = k.clone(t, op)
	case model.Setns:
		*r = k.setns(t, op)
	case model.Mount:
		*r = k.mount(t, op)
	case model.Umount:
		*r = k.umount(t, op)
	case model.Gone:
		*r = k.gone(t, op)
	case model.AddUID:
		*r = k.addUID(t, op)
	case model.DelUID:
		*r = k.delUID(t, op)
	case model.ExitUser:
		*r = k.exitUser(t, op)
	case model.AddDev:
		*r = k.addDev(t, op)
	case model.AddLink:
		*r = k.addLink(t, op)
	case model.DelLink:
		*r = k.remove(t, model.ClassNet, op)
	case model.DelDev:
		*r = k.remove(t, model.Devices, op)
	case model.Unregister:
		*r = k.unregister(t, op)
	case model.RenameLink, model.MoveLink:
		*r = k.renameLink(t, op)
	case model.RenameDev, model.MoveDev:
		*r = k.renameDev(t, op)
	default:
		return false
	}
	return true
}

func errno(e model.Errno) model.Result { return model.Result{Err: e} }

func (k *Kernel) validNS(ns int) bool { return ns >= 1 && ns <= k.cfg.Namespaces }

// closeAll closes what the program left open, then checks that every node
// no longer in the tree has been freed.
func (k *Kernel) closeAll() {
	k.closeFiles()
	// Then the mounts left: kill_sysfs_super drops each one's reference
	// (they stay readable for View, which shows the final state).
	for _, x := range k.mounts { // by id
		if x != nil && !x.gone && !x.killed {
			x.killed = true
			x.shrink(nil, k)
			k.dropNS(nil, x.ns)
		}
	}
	// A symlink still in the tree legitimately holds its target, even a
	// removed one (a dangling link).
	for _, n := range k.tree.nodes {
		if n.linked && n.parent != k.tree.root && !n.parent.linked {
			k.faults = append(k.faults, history.Fault{Kind: history.Leak, Thread: -1, Time: k.now(),
				Detail: fmt.Sprintf("node %v still linked under the removed %v: never unlinked, never freed", n, n.parent)})
		}
		if !n.linked && !n.freed && n != k.tree.root && n.refs > 0 && n.refs > k.linksTo(n) {
			k.faults = append(k.faults, history.Fault{Kind: history.Leak, Thread: -1, Time: k.now(),
				Detail: fmt.Sprintf("node %v unlinked but still holds %d references", n, n.refs)})
		}
	}
}

// closeFiles closes the descriptors the program left open.
func (k *Kernel) closeFiles() {
	if len(k.files) == 0 {
		return // most leave none: no map iteration to set up
	}
	for fd, f := range k.files {
		f.attr.refs--
		if f.attr.refs == 0 {
			f.attr.freed = true
		}
		f.mount.done()
		delete(k.files, fd)
	}
}

// linksTo counts the symlinks in the tree that hold n, their target.
func (k *Kernel) linksTo(n *node) int {
	links := 0
	for _, l := range k.tree.nodes {
		if l.linked && l.target == n {
			links++
		}
	}
	return links
}
