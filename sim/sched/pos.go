package sched

// POS is partial order sampling, after Yuan, Yang and Gu ("Partial Order
// Aware Concurrency Sampling", CAV 2018).
//
// Each thread's next step gets a random priority, and the enabled thread
// with the highest one runs. Its next step is a new event, so it draws a
// new priority. So does every other enabled thread whose next step races
// with the one that ran: the two declare the same object and one of them
// writes, or one may touch anything (Thread.Access, Yield). Nothing else
// changes, so a step that only ever meets independent steps keeps its
// priority however long it waits.
//
// A random walk tosses a coin at every step, independent or not, so the
// chance that a thread's racing step comes before another's, behind k
// independent steps of its own, falls exponentially with k. Under POS
// only priorities decide, and the chance falls as 1/k
// (TestPOSOrdersARaceByPriorityAlone): the partial orders of the racing
// steps, which are what can make executions differ, come out far more
// evenly (TestPOSSamplesPartialOrders). Where nearly every step races,
// nearly every priority is redrawn at every step, and POS is little more
// than a random walk.
//
// The races are the ones the preemption points declare, as in Fray
// (cmu-pasta/fray, POSScheduler) and Shuttle (pos.rs), which compare the
// pending operations of the enabled threads; what a step turns out to
// touch beyond its declaration (a mutex it releases, the clock) is known
// only once it has run, and does not count. One POS value drives one
// execution.
type POS struct {
	rng  pcg
	prio []uint64 // by thread id
	s    *Scheduler
	// room holds prio for a program of few threads, which is most of
	// them: one allocation per execution, the POS itself.
	room [smallThreads]uint64
}

// smallThreads is how many threads the per-thread slices of a strategy
// made for one execution hold without allocating.
const smallThreads = 4

// NewPOS returns a POS strategy; one seed gives one schedule for a given
// program.
func NewPOS(seed uint64) *POS {
	p := &POS{rng: newPCG(seed, 0x905a3b1e)}
	p.prio = p.room[:0]
	return p
}

func (p *POS) bind(s *Scheduler) { p.s = s }

// Pick implements Strategy. It finds the highest priority itself, not
// through a call, as it runs at every step.
func (p *POS) Pick(_ int, enabled []int) int {
	prio := p.prio
	best, top := -1, uint64(0)
	for _, id := range enabled {
		if id >= len(prio) { // seen for the first time
			prio = p.draw(id)
		}
		if v := prio[id]; best < 0 || v > top { // the first of equals
			best, top = id, v
		}
	}
	threads := p.s.threads
	ran := &threads[best].pending
	for _, id := range enabled {
		if id == best || ran.conflicts(&threads[id].pending) {
			prio[id] = p.rng.Uint64()
		}
	}
	return best
}

// draw gives priorities to the threads up to id, in the order of their
// ids: whatever order highest meets them in, each gets the draw it got
// when highest drew as it went.
func (p *POS) draw(id int) []uint64 {
	for id >= len(p.prio) {
		p.prio = append(p.prio, p.rng.Uint64())
	}
	return p.prio
}

// conflicts reports whether two declared steps race: one may touch
// anything, or both touch one object and one of them writes. It takes
// pointers because Pick asks it of every enabled thread at every step,
// and an access is three words to copy.
func (a *access) conflicts(b *access) bool {
	// The writes come first: comparing the objects is an interface
	// comparison, and most pairs of steps are two reads.
	return a.all || b.all || ((a.write || b.write) && a.obj == b.obj)
}
