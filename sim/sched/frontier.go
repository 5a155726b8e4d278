package sched

import "slices"

// This file orders source-DPOR's backtrack points (dpor.go) cheapest
// first. Depth first, DPOR tries the alternatives of the deepest state
// before those of any shallower one, so that a budget of schedules too
// small for the program goes on the orders of its last steps; the
// iterative sleep-set search, by contrast, runs every schedule without a
// preemption, then those with one, and finds the bugs that need few
// preemptions early. Here the backtrack points wait in a frontier, a heap
// keyed by the preemptions their schedule has spent once it takes its
// branch, and the search always takes the cheapest: schedules with no
// preemption first, then one, and so on, within the program's single pass.
// The race analysis and the sleep sets are DPOR's, unchanged, so every
// trace is still explored once (TestDPORExploresEachTraceOnce); what
// changes is that the states along the schedules are kept as a tree
// rather than a stack, since the next branch need not lie on the current
// schedule. A state stays in the tree while a branch waits at it or below
// it (dnode.pending, dnode.kids), and goes back to the free list after.
//
// A key is a lower bound on the cost of the schedule the branch leads
// to: past the branch the search goes on in round-robin order, free of
// preemptions unless the thread that ran sleeps; and a race found late
// can ask for a branch cheaper than the one just taken, at a state near
// the root. So the costs of the explored schedules only rise where the
// frontier allows it (TestDPORCheapestFirst).

// branch is a backtrack point waiting in the frontier: thread tid, to be
// taken from state n, at depth depth, whose schedule then has spent cost
// preemptions.
type branch struct {
	n           *dnode
	seq         uint64
	cost, depth int32
	tid         int8
}

// frontier is the heap of waiting branches, cheapest first.
type frontier struct {
	q   []branch
	seq uint64
}

// takenBranch describes a branch a DPOR search took, for
// TestDPORCheapestFirst (ExploreOptions.branches): the schedule up to and
// including its step, the preemptions it spent, and the least spent by
// any branch waiting then, itself included.
type takenBranch struct {
	prefix      []int
	cost, least int
}

// logBranch notes, if asked to, the branch just taken at state d.from,
// which costs cost, when the cheapest waiting one cost least.
func (d *dpor) logBranch(cost, least int) {
	if d.branches == nil {
		return
	}
	b := takenBranch{cost: cost, least: least}
	for _, n := range d.stack[:d.from+1] {
		b.prefix = append(b.prefix, int(n.chosen))
	}
	*d.branches = append(*d.branches, b)
}

// before orders the frontier: the cheaper first; between equal costs
// the deeper, then the later pushed, so that within a cost the search is
// depth first, which keeps the tree small.
func (f *frontier) before(i, j int) bool {
	a, b := &f.q[i], &f.q[j]
	if a.cost != b.cost {
		return a.cost < b.cost
	}
	if a.depth != b.depth {
		return a.depth > b.depth
	}
	return a.seq > b.seq
}

// push adds b to the heap (container/heap would box every branch).
func (f *frontier) push(b branch) {
	f.q = append(f.q, b)
	for i := len(f.q) - 1; i > 0; {
		up := (i - 1) / 2
		if !f.before(i, up) {
			break
		}
		f.q[i], f.q[up] = f.q[up], f.q[i]
		i = up
	}
}

// pop removes and returns the first branch of the heap.
func (f *frontier) pop() branch {
	b, last := f.q[0], len(f.q)-1
	f.q[0] = f.q[last]
	f.q = f.q[:last]
	for i := 0; ; {
		k := 2*i + 1
		if k >= last {
			break
		}
		if k+1 < last && f.before(k+1, k) {
			k++
		}
		if !f.before(k, i) {
			break
		}
		f.q[i], f.q[k] = f.q[k], f.q[i]
		i = k
	}
	return b
}

// addBacktrack adds tid to the threads to take from state i of the
// schedule, as a race asks, and in the cheapest-first search queues the
// branch.
func (d *dpor) addBacktrack(i, tid int) {
	n := d.stack[i]
	n.backtrack.add(tid)
	if f := d.fr; f != nil {
		f.seq++
		f.push(branch{n: n, tid: int8(tid), cost: int32(n.cost(tid)), depth: int32(i), seq: f.seq})
		n.pending++
	}
}

// release returns to the free list the states of the current schedule,
// deepest first, at which no branch waits, at them or below them.
func (d *dpor) release() {
	for i := len(d.stack) - 1; i >= 0; i-- {
		n := d.stack[i]
		if n.pending > 0 || n.kids > 0 {
			return
		}
		if n.parent != nil {
			n.parent.kids--
		}
		n.parent = nil
		d.free = append(d.free, n)
	}
}

// nextCheapest makes the cheapest waiting branch the next execution's:
// the schedule becomes the path to its state, and the branch's thread
// the step taken there. It reports false when the frontier is empty.
func (d *dpor) nextCheapest() bool {
	d.release()
	f := d.fr
	for len(f.q) > 0 {
		least := int(f.q[0].cost)
		if d.branches != nil {
			for _, w := range f.q {
				least = min(least, int(w.cost))
			}
		}
		b := f.pop()
		n := b.n
		n.pending--
		if n.explored(int(b.tid)) || n.asleep(int(b.tid)) {
			continue // cannot happen: a thread enters a backtrack set once
		}
		d.keepPrefix(d.path(n))
		n.chosen = b.tid
		d.logBranch(int(b.cost), least)
		return true
	}
	return false
}

// path makes d.stack the states from the root to n, each ancestor's
// step the one toward n (another branch may have taken it since), and
// returns how many steps of the last execution the new schedule shares:
// their happens-before the race analysis may keep.
func (d *dpor) path(n *dnode) int {
	depth := 0
	for x := n; x.parent != nil; x = x.parent {
		depth++
	}
	old := d.stack
	d.stack = slices.Grow(d.spare[:0], depth+1)[:depth+1]
	d.spare = old[:0]
	d.stack[depth] = n
	for i := depth; i > 0; i-- {
		x := d.stack[i]
		x.parent.chosen = x.via
		d.stack[i-1] = x.parent
	}
	same := 0
	for same < depth && same < len(d.lastTids) && int(d.stack[same].chosen) == d.lastTids[same] {
		same++
	}
	return same
}

// keepPrefix sets where the next race analysis starts (see dpor.valid).
func (d *dpor) keepPrefix(same int) {
	d.from = len(d.stack) - 1
	d.valid = min(same, d.from)
}
