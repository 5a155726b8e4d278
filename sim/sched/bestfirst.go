package sched

import (
	"container/heap"
	"slices"
)

// An iterative search (ExploreOptions.Iterative) used to deepen the bound
// level by level, rerunning at each level every schedule of the levels
// below (about a third of its runs in a campaign). It now keeps the states
// it has seen as a tree and takes, from all of them, the cheapest thread
// not yet tried: one search in which every schedule within the bound runs
// once, cheap ones first. The sleep sets are those of the depth-first
// search: a state's steps are tried in some order, and each sleeps in the
// states after the ones tried later; the order is the queue's instead of
// the stack's, which changes which schedule of a class runs, not that one
// does (TestBoundedReductionKeepsFinalStates runs both).

// pendingStep is a thread not yet taken from a state of the search tree.
type pendingStep struct {
	n         *node
	tid, cost int
	seq       int // order of discovery: the latest first among equal costs
}

// pendingQueue is a heap of pending steps, cheapest first, and among
// equal costs the one found last, so that the search goes depth first
// within a cost.
type pendingQueue []pendingStep

func (q pendingQueue) Len() int { return len(q) }
func (q pendingQueue) Less(i, j int) bool {
	if q[i].cost != q[j].cost {
		return q[i].cost < q[j].cost
	}
	return q[i].seq > q[j].seq
}
func (q pendingQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *pendingQueue) Push(x any)   { *q = append(*q, x.(pendingStep)) }
func (q *pendingQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// queueRest queues, for a new state n on the current path, the threads
// other than the chosen one that may be taken from it within the bound.
func (e *explorer) queueRest(i int, n *node) {
	if i > 0 {
		n.parent = e.stack[i-1]
		n.in = n.parent.chosen
	}
	for j, tid := range n.enabled {
		if tid == n.chosen || n.tried(tid) {
			continue
		}
		c := n.cost(j, e.delays)
		if e.bound >= 0 && c > e.bound {
			e.boundHit = true
			continue
		}
		e.seq++
		heap.Push(&e.queue, pendingStep{n: n, tid: tid, cost: c, seq: e.seq})
	}
}

// nextCheapest makes the cheapest pending step the next execution's
// branch, its path from the root the prefix to replay; it reports false
// when none is left.
func (e *explorer) nextCheapest() bool {
	for e.queue.Len() > 0 {
		p := heap.Pop(&e.queue).(pendingStep)
		if p.n.tried(p.tid) {
			continue
		}
		clear(e.stack)
		e.stack = e.stack[:0]
		for n := p.n; n != nil; n = n.parent {
			e.stack = append(e.stack, n)
		}
		slices.Reverse(e.stack)
		for i := range len(e.stack) - 1 {
			e.stack[i].chosen = e.stack[i+1].in
		}
		p.n.chosen = p.tid
		return true
	}
	return false
}
