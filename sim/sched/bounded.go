package sched

// This file is what a preemption bound changes in source-DPOR (dpor.go),
// after Bounded Partial-Order Reduction (Coons, Musuvathi and McKinley,
// OOPSLA 2013). A bound makes steps that commute dependent: of two
// schedules of one Mazurkiewicz trace, one may lie within the bound and
// the other not, so that DPOR pruning by the bound alone misses states
// the bounded search reaches. Three things compensate, in one pass and
// without deepening the bound level by level:
//
//   - A race is reversed not only at the state before its first step but
//     also, conservatively, at every state of the run of steps of that
//     step's thread it belongs to (reverseBounded). Coons et al. take the
//     state where the run started; that is not enough here: a thread that
//     preempts another inside a critical section blocks on its mutex, and
//     the switch back is free, so the schedule that reaches some states
//     within the bound switches in the middle of the run, not at its
//     start (TestBPORPrototypeKeepsFinalStates, and TestBPORFigures in
//     sim, which lose states and outcomes with fewer reversals).
//   - A step sleeps on only where the schedules that take it first cost
//     no more than those it stands for, as in the bounded sleep-set search
//     (nocheaper, wakes; see explore.go).
//   - A run the bound cuts off analyses the next steps of the threads it
//     kept from running, as if each came next (ending), as a run that
//     ends with threads waiting for a mutex does.
//
// A thread a race asks for that the bound does not allow at its state is
// skipped, and the search notes the bound hit.
//
// Status: a prototype, behind ExploreOptions.ExperimentalBPOR, not the
// bounded search Explore runs by default. Measured on generated kernfs
// programs (TestBPORFigures, BENCHMARKS.md, "Bounded DPOR") it reaches every outcome
// the sleep-set search reaches at bounds 0 to 3, in somewhat fewer runs,
// but the weakened sleep sets let it run many traces more than once,
// about as many as the one-pass sleep-set search does. Removing those
// needs a sleep set that knows the cost of the schedule it stands for
// (the cost a step adds where it is taken early, and saves where it is
// no longer taken late), or wakeup sequences whose cost is known before
// they are inserted.

// reverseBounded reverses the race of step j against step e (see
// reverse) and, under a bound, also from every earlier state of the run
// of steps of e's thread that e belongs to.
func (d *dpor) reverseBounded(e, j int) {
	d.reverse(e, j)
	if d.bound < 0 || d.noConservative {
		return
	}
	for k := d.runStart(e); k < e; k++ {
		d.reverse(k, j)
	}
}

// runStart returns the first step of the run of consecutive steps of step
// e's thread that e belongs to.
func (d *dpor) runStart(e int) int {
	k := e
	for k > 0 && d.events[k-1].tid == d.events[e].tid {
		k--
	}
	return k
}
