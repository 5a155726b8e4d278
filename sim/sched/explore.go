package sched

import (
	"fmt"
	"slices"
)

// DefaultPreemptionBound is the preemption bound Explore uses unless told
// otherwise. Empirically (Musuvathi and Qadeer, PLDI 2007; Thomson et al.,
// "Concurrency testing using controlled schedulers", TOPC 2016) most
// concurrency bugs need at most two preemptions, while the number of
// schedules grows polynomially in the program length for a fixed bound and
// exponentially without one.
const DefaultPreemptionBound = 2

// Unbounded, as ExploreOptions.PreemptionBound, lifts the preemption bound.
const Unbounded = -1

// ExploreOptions configures Explore.
type ExploreOptions struct {
	// PreemptionBound caps the preemptions in one schedule: switches away
	// from a thread that could have gone on. Switching away from a thread
	// that blocked or returned is free. Zero means DefaultPreemptionBound;
	// Unbounded (or any negative value) means no bound.
	PreemptionBound int
	// MaxExecutions stops the search after this many executions have been
	// reported to visit; zero means no limit.
	MaxExecutions int
	// MaxSteps bounds each execution as in New; zero means no bound.
	MaxSteps int
	// NoReduction turns sleep sets off, so that every schedule within the
	// bound runs, equivalent or not. It is there to measure the reduction.
	NoReduction bool
}

// ExploreStats summarises a search.
type ExploreStats struct {
	// Executions counts the executions reported to visit: pairwise
	// inequivalent schedules, unless NoReduction was set.
	Executions int
	// Pruned counts executions abandoned part way, because every thread
	// that could run next would only lead to schedules already covered (a
	// sleep-set block) or past the preemption bound.
	Pruned int
	// Exhausted is set when the search ran out of schedules rather than
	// being stopped by visit or MaxExecutions.
	Exhausted bool
	// BoundHit is set when some schedule was skipped for needing more
	// preemptions than the bound allows. Exhausted && !BoundHit means every
	// schedule of the program was covered, up to equivalence.
	BoundHit bool
	// Err reports a program that is not deterministic under its schedule:
	// replaying a prefix led to different threads being able to run.
	Err error
}

func (st ExploreStats) String() string {
	return fmt.Sprintf("%d executions, %d pruned, exhausted=%v, bound hit=%v",
		st.Executions, st.Pruned, st.Exhausted, st.BoundHit)
}

// Explore runs the program that setup creates (setup calls Go on the
// scheduler it is given, once per execution, on fresh state) under every
// schedule with at most the preemption bound of preemptions, depth first,
// and calls visit with each execution's result; visit returns false to stop
// the search. It is a stateless model checker in the manner of CHESS
// (Musuvathi et al., OSDI 2008): each execution replays a prefix of the
// previous one and then branches.
//
// Two schedules that differ only in the order of adjacent independent steps
// (see Thread.Access) end in the same state; Explore covers only one of each
// such class, using sleep sets (Godefroid, 1996). Schedules that would only
// reach classes already covered are abandoned and counted in Pruned.
//
// With a preemption bound, the reduction may skip a schedule within the
// bound whose only equivalent covered schedules need more preemptions
// (Coons, Musuvathi and McKinley, OOPSLA 2013), so a bug the bound admits
// can in rare cases be missed; Unbounded with sleep sets is complete.
func Explore(setup func(*Scheduler), opts ExploreOptions, visit func(Result) bool) ExploreStats {
	e := &explorer{bound: opts.PreemptionBound, reduce: !opts.NoReduction}
	if e.bound == 0 {
		e.bound = DefaultPreemptionBound
	}
	var st ExploreStats
	for opts.MaxExecutions <= 0 || st.Executions < opts.MaxExecutions {
		e.s = New(e, opts.MaxSteps)
		setup(e.s)
		r := e.s.Run()
		if r.Steps > 0 {
			e.record(r.Steps - 1)
		}
		if e.err == nil && r.Outcome != abandoned && r.Steps < len(e.stack) {
			e.err = fmt.Errorf("sched: explore: execution ended after %d steps, replaying a prefix of %d", r.Steps, len(e.stack))
		}
		if e.err != nil {
			st.Err = e.err
			break
		}
		if r.Outcome == abandoned {
			st.Pruned++
		} else {
			st.Executions++
			if !visit(r) {
				break
			}
		}
		if !e.backtrack() {
			st.Exhausted = true
			break
		}
	}
	st.BoundHit = e.boundHit
	return st
}

// step is a step a thread took, or will take, from some state. What it
// touches is not stored, because objects are pointers into one
// execution's state and every execution builds its state afresh; it is
// derived from the thread's live state instead (see touches), which is
// valid because a thread in a sleep or done set has not moved since.
type step struct {
	tid   int
	clock bool // the step called Now when it ran
}

// touches over-approximates, in the current execution, what the next step
// of thread st.tid touches: its declared access, every mutex it holds
// (the step may unlock any of them), and the clock if it used it before.
// A nil result with ok false means it may touch anything.
func (e *explorer) touches(st step) (acc []access, ok bool) {
	t := e.s.threads[st.tid]
	if t.pending.all {
		return nil, false
	}
	acc = append(e.buf[:0], t.pending)
	for _, m := range t.held {
		acc = append(acc, access{obj: m, write: true})
	}
	if st.clock {
		acc = append(acc, access{obj: clockKey{}, write: true})
	}
	e.buf = acc
	return acc, true
}

// independent reports whether the next step of st commutes with the step
// that just ran, whose touches the scheduler recorded in ran: neither may
// touch everything, and no object is touched by both with one of them
// writing.
func (e *explorer) independent(st step, ran []access) bool {
	acc, ok := e.touches(st)
	if !ok {
		return false
	}
	for _, y := range ran {
		if y.all {
			return false
		}
		for _, x := range acc {
			if x.obj == y.obj && (x.write || y.write) {
				return false
			}
		}
	}
	return true
}

// node is one state along the current schedule.
type node struct {
	enabled []int
	last    int // thread that took the previous step, or -1
	pre     int // preemptions before this state
	chosen  int // thread that takes the step from here
	// done lists the steps already taken from here, in order, including
	// the current one once it has run.
	done []step
	// sleep lists the steps that need not be taken from here: taking them
	// only leads to schedules equivalent to ones covered from an ancestor.
	sleep []step
}

func (n *node) preemptions(tid int) int {
	if n.last >= 0 && tid != n.last && slices.Contains(n.enabled, n.last) {
		return n.pre + 1
	}
	return n.pre
}

func (n *node) tried(tid int) bool {
	return slices.ContainsFunc(n.done, func(s step) bool { return s.tid == tid }) ||
		slices.ContainsFunc(n.sleep, func(s step) bool { return s.tid == tid })
}

// explorer is the Strategy Explore runs each execution with.
type explorer struct {
	bound    int
	reduce   bool
	s        *Scheduler
	stack    []*node
	buf      []access
	boundHit bool
	err      error
}

// Pick implements Strategy: it replays the current prefix, then extends it
// with the first thread that neither sleeps nor breaks the bound,
// preferring the thread that ran last so that preemptions come late in the
// order of search.
func (e *explorer) Pick(i int, enabled []int) int {
	if i > 0 {
		e.record(i - 1)
	}
	if i < len(e.stack) {
		n := e.stack[i]
		if !slices.Equal(n.enabled, enabled) {
			e.err = fmt.Errorf("sched: explore: nondeterministic program: at step %d threads %v can run, earlier %v", i, enabled, n.enabled)
			return -1
		}
		return n.chosen
	}
	n := &node{enabled: slices.Clone(enabled), last: -1}
	if i > 0 {
		p := e.stack[i-1]
		n.last, n.pre = p.chosen, p.preemptions(p.chosen)
		if e.reduce {
			ran := e.s.stepAcc
			for _, s := range p.sleep {
				if e.independent(s, ran) {
					n.sleep = append(n.sleep, s)
				}
			}
			for _, s := range p.done[:len(p.done)-1] {
				if e.independent(s, ran) {
					n.sleep = append(n.sleep, s)
				}
			}
		}
	}
	c := e.choose(n)
	if c < 0 {
		return -1
	}
	n.chosen = c
	e.stack = append(e.stack, n)
	return c
}

// choose returns the next thread to try from n, or -1.
func (e *explorer) choose(n *node) int {
	try := func(tid int) bool {
		if n.tried(tid) {
			return false
		}
		if e.bound >= 0 && n.preemptions(tid) > e.bound {
			e.boundHit = true
			return false
		}
		return true
	}
	if n.last >= 0 && slices.Contains(n.enabled, n.last) && try(n.last) {
		return n.last
	}
	for _, tid := range n.enabled {
		if tid != n.last && try(tid) {
			return tid
		}
	}
	return -1
}

// record notes what step i of the current execution touched, the first
// time that step runs.
func (e *explorer) record(i int) {
	n := e.stack[i]
	if len(n.done) > 0 && n.done[len(n.done)-1].tid == n.chosen {
		return
	}
	s := step{tid: n.chosen}
	for _, a := range e.s.stepAcc {
		if a.obj == (clockKey{}) {
			s.clock = true
		}
	}
	n.done = append(n.done, s)
}

// backtrack moves to the deepest state with a step left to try and makes
// that step the next execution's branch; it reports false when none is
// left.
func (e *explorer) backtrack() bool {
	for i := len(e.stack) - 1; i >= 0; i-- {
		n := e.stack[i]
		if c := e.choose(n); c >= 0 {
			n.chosen = c
			clear(e.stack[i+1:])
			e.stack = e.stack[:i+1]
			return true
		}
	}
	return false
}
