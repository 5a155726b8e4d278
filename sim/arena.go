package sim

import (
	"sync"

	"github.com/sysfsim/sysfsim/history"
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
	slab   []node // tree.alloc hands these out in order
	sched  sched.Scheduler
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
	records, faults := k.hist.Records[:0], k.faults[:0]
	nodes, files, mounts := k.tree.nodes[:0], k.files, k.mounts
	cov := k.cov
	cov.reset()
	glues := k.glue.made[:0]
	clear(files)
	clear(mounts)
	clear(records[:cap(records)]) // let go of the last execution's strings and entries
	clear(glues[:cap(glues)])
	*k = Kernel{files: files, mounts: mounts, faults: faults, cov: cov}
	k.glue.made = glues
	k.hist.Records = records
	k.tree.nodes = nodes
	k.tree.slab = a.slab
	return k
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
