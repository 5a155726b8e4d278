package sched

import "math"

// PCT is the probabilistic concurrency testing strategy of Burckhardt,
// Kothari, Musuvathi and Nagarakatte ("A randomized scheduler with
// probabilistic guarantees of finding bugs", ASPLOS 2010).
//
// Each thread gets a distinct random priority, and the highest-priority
// enabled thread always runs. At d-1 steps chosen uniformly in [1,k] (the
// change points) the thread about to run is demoted below every thread that
// has not been demoted, so it is preempted there. A bug of depth d -- one
// that needs d ordering constraints between steps to show -- is then hit by
// one execution with probability at least PCTBound(n, k, d), for a program
// with at most n threads and k steps. A random walk has no such bound: its
// chance of hitting a fixed interleaving falls exponentially with k.
//
// One PCT value drives one execution; make a new one, with a new seed, for
// each execution.
type PCT struct {
	prio   []int // by thread id; the highest enabled runs
	change []int // change points, 1-based step numbers
}

// NewPCT returns a PCT strategy for bugs of depth depth (at least 1) in a
// program with about n threads and k steps; both estimates only need to be
// upper bounds for the guarantee to hold. Threads beyond the first n get
// the lowest priorities, in order of appearance.
func NewPCT(seed uint64, depth, n, k int) *PCT {
	depth, n, k = max(depth, 1), max(n, 1), max(k, 1)
	rng := newPCG(seed, 0x9c7c0de)
	p := &PCT{prio: make([]int, n)}
	// Priorities depth .. depth+n-1 in random order (rand.Rand.Perm's,
	// drawn in place); 1 .. depth-1 are left for the threads demoted at
	// change points.
	for i := range p.prio {
		p.prio[i] = i
	}
	rng.shuffle(p.prio)
	for i := range p.prio {
		p.prio[i] += depth
	}
	p.change = make([]int, depth-1)
	for i := range p.change {
		p.change[i] = 1 + rng.IntN(k)
	}
	return p
}

// Depth returns the bug depth p was made for.
func (p *PCT) Depth() int { return len(p.change) + 1 }

// Pick implements Strategy.
func (p *PCT) Pick(step int, enabled []int) int {
	best := p.highest(enabled)
	// The i-th change point (1-based) demotes the thread about to run to
	// priority i, as in the paper. The points are independent draws and
	// deliberately not sorted: which demoted thread outranks which is part
	// of the random choice the guarantee counts. Points that fall on one
	// step demote one thread each, in index order.
	for i, c := range p.change {
		if c == step+1 {
			p.prio[best] = i + 1
			best = p.highest(enabled)
		}
	}
	return best
}

func (p *PCT) highest(enabled []int) int {
	best, bp := enabled[0], math.MinInt
	for _, id := range enabled {
		for id >= len(p.prio) {
			// A thread the estimate n did not count ranks below every
			// thread, demoted or not, in order of appearance; the
			// guarantee only covers the first n.
			p.prio = append(p.prio, -len(p.prio))
		}
		if p.prio[id] > bp {
			best, bp = id, p.prio[id]
		}
	}
	return best
}

// PCTBound returns the probability with which one PCT execution is
// guaranteed to hit a given bug of depth d in a program with at most n
// threads and k steps: 1/(n*k^(d-1)).
func PCTBound(n, k, d int) float64 {
	return 1 / (float64(n) * math.Pow(float64(k), float64(d-1)))
}
