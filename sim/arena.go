package sim

import (
	"sync"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// arena is the memory of one execution that a later one can reuse once
// the caller is done with it (Execution.Release): the kernel and its tree
// nodes, the records and the scheduler. A campaign runs millions of small
// executions and checks each at once; allocating these anew for every one
// was half of the bytes it allocated, and the garbage collector's work
// came with them.
type arena struct {
	kernel Kernel
	mem    kmem   // the kernel's
	slab   []node // tree.alloc hands these out in order
	// boot is the initial tree as made on the slab whose first node is
	// bootSlab (bootTree), which is slab while it has not been replaced.
	boot     [len(initialNodes)]node
	bootSlab *node
	// bootNodes are the nodes of the tree boot makes, in order.
	bootNodes [len(initialNodes)]*node
	sched     sched.Scheduler
	// gen counts the executions released from the arena; an Execution
	// remembers the count it was made at, so that releasing a copy of one
	// released before does nothing, whoever uses the arena now.
	gen uint64
}

// arenas holds released arenas. A sync.Pool suits plain memory: what it
// drops at a collection is simply collected.
var arenas = sync.Pool{New: func() any { return new(arena) }}

// Release gives the memory of x to a later Run or Explore. Neither x nor
// anything taken from it (its History and Schedule, a View) may be used
// afterwards: clone what must outlive it first. Releasing is optional; an
// execution never released is collected as usual. Releasing x again, or a
// copy of x made before it was released, does nothing.
func (x *Execution) Release() {
	a := x.arena
	if a == nil || x.gen != a.gen {
		return
	}
	a.gen++ // every copy of x is stale from now on
	*x = Execution{}
	k := &a.kernel
	// Size the slab for the largest execution seen, so that the next one
	// allocates no node.
	if n := len(k.tree.nodes); n > len(a.slab) {
		a.slab = make([]node, n+n/2)
	}
	arenas.Put(a)
}

// resetKernel makes a.kernel a new kernel, as newKernel would, on the
// arena's memory. Every field is zeroed first, so that nothing of the last
// execution leaks into this one; only emptied buffers are kept.
func (a *arena) resetKernel() *Kernel {
	k := &a.kernel
	// The records are not cleared: record writes every field of each
	// new one, and clearing the last execution's records only let go of
	// their strings and entries a little sooner, a third of the kernel's
	// reset. The strings and entries past the next execution's records
	// stay reachable until a later one overwrites them.
	records, faults := k.hist.Records[:0], k.faults[:0]
	nodes, files, mounts := k.tree.nodes[:0], k.files, k.mounts
	running := k.cov.running[:0] // the rest of coverage starts zero
	glues := k.glue.made[:0]
	a.mem.reset()
	nodeBufs, glueBufs, entryBufs, freeAddrs := k.nodeBufs, k.glueBufs, k.entryBufs, k.freeAddrs[:0]
	ns, users, procs, procUsers := emptied(k.ns), emptied(k.users), emptied(k.procs), emptied(k.procUsers)
	readers := emptied(k.tree.lock.Readers())
	clear(files)
	mounts = emptied(mounts)
	clear(glues[:cap(glues)])
	// Cleared in place, then given back what it keeps: a Kernel literal
	// would be built aside and copied over whole.
	*k = Kernel{}
	k.files, k.mounts, k.faults, k.cov.running, k.mem = files, mounts, faults, running, &a.mem
	k.ns, k.users, k.procs, k.procUsers = ns, users, procs, procUsers
	k.nodeBufs, k.glueBufs, k.entryBufs, k.freeAddrs = nodeBufs, glueBufs, entryBufs, freeAddrs
	k.tree.lock.KeepReaders(readers)
	k.glue.made = glues
	k.hist.Records = records
	k.tree.nodes = nodes
	k.tree.slab = a.slab
	return k
}

// bootTree makes k's initial tree, whose nodes are the first of the
// slab, as makeInitialTree does. Made on the same slab before, the tree
// is copied from then, pointers and all: they point into the slab
// already. The copy shares its arrays of children with every execution's
// tree, which changes those of only the directories that start empty
// (class/net, devices/virtual, kernel/uids): no operation links or
// unlinks anything else of the initial tree, and those three keep
// their own. TestBootTreeAgrees holds the copy to makeInitialTree's
// tree.
func (a *arena) bootTree(k *Kernel) {
	tr := &k.tree
	if len(a.slab) < len(a.boot) {
		k.makeInitialTree() // on a slab of slot's
		return
	}
	if a.bootSlab != &a.slab[0] {
		k.makeInitialTree()
		a.boot = [len(initialNodes)]node(a.slab[:len(a.boot)])
		a.bootSlab = &a.slab[0]
		a.bootNodes = [len(initialNodes)]*node(tr.nodes)
		return
	}
	// The directories that start empty keep the arrays of children the
	// last execution grew, as slot keeps a node's.
	kids := [...][]*node{a.slab[initialClass].children, a.slab[initialVirtual].children, a.slab[initialUIDs].children}
	copy(a.slab, a.boot[:])
	a.slab[initialClass].children = kids[0][:0]
	a.slab[initialVirtual].children = kids[1][:0]
	a.slab[initialUIDs].children = kids[2][:0]
	tr.nodes = append(tr.nodes, a.bootNodes[:]...)
	tr.used = len(a.boot)
	tr.root, k.class, k.virtual, k.uids = &a.slab[0], &a.slab[initialClass], &a.slab[initialVirtual], &a.slab[initialUIDs]
}

// scheduler returns a's scheduler made new for strategy, or a new one if
// a is nil, with goroutine threads if opt asks for the baseline.
func (a *arena) scheduler(strategy sched.Strategy, maxSteps int, opt Options) *sched.Scheduler {
	var s *sched.Scheduler
	if a != nil {
		s = &a.sched
		s.Reset(strategy, maxSteps)
	} else {
		s = sched.New(strategy, maxSteps)
	}
	if opt.GoroutineBaseline {
		s.UseGoroutines()
	}
	return s
}

// growRecords returns rs if it has room for n records, else a new slice.
func growRecords(rs []history.Record, n int) []history.Record {
	if cap(rs) < n {
		return make([]history.Record, 0, n)
	}
	return rs
}

// emptied returns xs cleared and of length 0, for the next execution to
// fill again.
func emptied[T any](xs []T) []T {
	clear(xs)
	return xs[:0]
}

// kmem hands out the namespaces, user namespaces and mounts of one
// execution from slabs the arena keeps, as tree.alloc does nodes: each was
// a small allocation of every execution (a third of a campaign's). A
// mount keeps its dentry cache's memory for the next execution's mount.
type kmem struct {
	nss                []netns
	users              []userns
	mounts             []sysfsMount
	names              []nameBuf // the names renames make
	glues              []glueDir
	nsN, userN, mountN int // handed out in this execution
	nameN, glueN       int
	// bodies are the functions of the program's threads, by thread;
	// setup's is the setup thread's.
	bodies []*body
	setup  *body
}

// body is the function of program thread i: its operations in order. The
// arena keeps each with its method value, so that spawning a thread
// allocates no closure.
type body struct {
	k   *Kernel
	i   int
	ops []model.Op
	fn  func(*sched.Thread)
	// flow is the device flow the thread runs, made in place for each
	// (caller.flow): a Flow on the stack would be cleared first.
	flow model.Flow
}

func (b *body) run(t *sched.Thread) {
	for i := range b.ops {
		b.k.do(t, b.i, &b.ops[i], &b.flow)
	}
}

// body returns the function of thread i of k's program (or of its setup,
// history.SetupThread), which runs ops.
func (m *kmem) body(k *Kernel, i int, ops []model.Op) func(*sched.Thread) {
	var b *body
	if i == history.SetupThread {
		if m.setup == nil {
			m.setup = newBody()
		}
		b = m.setup
	} else {
		for len(m.bodies) <= i {
			m.bodies = append(m.bodies, newBody())
		}
		b = m.bodies[i]
	}
	b.k, b.i, b.ops = k, i, ops
	return b.fn
}

func newBody() *body {
	b := new(body)
	b.fn = b.run
	return b
}

// slabItem returns the next item of slab, made x, counting it in *n; past
// the slab's end, a new one.
func slabItem[T any](slab []T, n *int, x T) *T {
	*n++
	if *n > len(slab) {
		p := new(T)
		*p = x
		return p
	}
	p := &slab[*n-1]
	*p = x
	return p
}

func (m *kmem) netns(x netns) *netns       { return slabItem(m.nss, &m.nsN, x) }
func (m *kmem) userns(x userns) *userns    { return slabItem(m.users, &m.userN, x) }
func (m *kmem) glueDir(x glueDir) *glueDir { return slabItem(m.glues, &m.glueN, x) }
func (m *kmem) nameBuf(s string) *nameBuf  { return slabItem(m.names, &m.nameN, nameBuf{s: s}) }

// mount hands out a mount with the dentry cache's memory of the last
// one in its place. The cache is not cleared: walk appends whole dentries
// and reads none past the cache's length. The dentries past it keep an
// earlier execution's nodes and names reachable: the arena's own memory,
// except a slab the arena has since replaced by a larger one, which they
// then keep alive until overwritten (bounded by the cache's capacity).
func (m *kmem) mount(x sysfsMount) *sysfsMount {
	if m.mountN < len(m.mounts) {
		x.dcache = m.mounts[m.mountN].dcache[:0]
	}
	return slabItem(m.mounts, &m.mountN, x)
}

// reset makes the slabs serve a new execution from the start, grown to
// what the last one took where it took more.
func (m *kmem) reset() {
	m.nss = regrow(m.nss, m.nsN)
	m.users = regrow(m.users, m.userN)
	m.mounts = regrow(m.mounts, m.mountN)
	m.names = regrow(m.names, m.nameN)
	m.glues = regrow(m.glues, m.glueN)
	clear(m.names) // the strings of the last execution
	m.nsN, m.userN, m.mountN, m.nameN, m.glueN = 0, 0, 0, 0, 0
}

func regrow[T any](slab []T, n int) []T {
	if n > len(slab) {
		return make([]T, n+n/2)
	}
	return slab
}

// buffers is a free list of slices, for the steps of an execution that
// hold one across preemption points: several threads may hold one each.
// A buffer taken and never given back (its thread cut short) is only
// collected.
type buffers[T any] struct{ free [][]T }

// take returns an empty buffer.
func (b *buffers[T]) take() []T {
	n := len(b.free)
	if n == 0 {
		return nil
	}
	s := b.free[n-1]
	b.free = b.free[:n-1]
	return s
}

// give takes back a buffer take returned, as its holder grew it.
func (b *buffers[T]) give(s []T) {
	clear(s)
	b.free = append(b.free, s[:0])
}
