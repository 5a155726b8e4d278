package sched

import (
	"fmt"
	"slices"
)

// DefaultPreemptionBound is the usual bound of a bounded search (the
// command line's default until session 7; it now searches without a
// bound, cheapest first, see Explore). Empirically (Musuvathi and Qadeer, PLDI 2007; Thomson et al.,
// "Concurrency testing using controlled schedulers", TOPC 2016) most
// concurrency bugs need at most two preemptions, while the number of
// schedules grows polynomially in the program length for a fixed bound and
// exponentially without one.
const DefaultPreemptionBound = 2

// Unbounded, as ExploreOptions.Bound, lifts the bound.
const Unbounded = -1

// Bounding says what ExploreOptions.Bound counts.
type Bounding uint8

const (
	// Preemptions counts switches away from a thread that could have gone
	// on; switching away from a thread that blocked or returned is free.
	// Every order in which threads may start after others finish is
	// still explored, so the schedule count grows with the factorial of
	// the thread count.
	Preemptions Bounding = iota
	// Delays counts deviations from a round-robin scheduler that runs a
	// thread until it blocks or returns and then moves to the next thread
	// by id: picking the j-th enabled thread after the round-robin choice
	// costs j (Emmi, Qadeer and Rakamaric, POPL 2011). Bound 0 is a single
	// schedule, and the count grows with the steps, not the threads, so
	// it copes with many similar threads where Preemptions does not.
	Delays
)

// ExploreOptions configures Explore.
type ExploreOptions struct {
	// Bound caps the preemptions (or delays, see Bounding) in one
	// schedule: zero means none at all; Unbounded (or any negative value)
	// means no bound. DefaultPreemptionBound is the usual choice.
	Bound int
	// Bounding selects what Bound counts; the default is Preemptions.
	Bounding Bounding
	// MaxExecutions stops the search after this many executions have been
	// reported to visit; zero means no limit.
	MaxExecutions int
	// MaxSteps bounds each execution as in New; zero means no bound.
	MaxSteps int
	// Iterative searches with bound 0, then 1, and so on up to Bound
	// (Unbounded: until a bound is not hit), so that bugs needing few
	// preemptions or delays are found first (iterative context bounding,
	// Musuvathi and Qadeer, PLDI 2007). Each level reruns the schedules of
	// the levels below but reports only its own to visit.
	Iterative bool
	// NoReduction turns sleep sets off, so that every schedule within the
	// bound runs, equivalent or not. It is there to measure the reduction.
	NoReduction bool
	// SleepSets makes a search without a bound use the sleep-set search
	// that bounded ones use, instead of source-DPOR: the method before
	// DPOR, there to compare them. It overrides ExperimentalBPOR too.
	SleepSets bool
	// DepthFirst makes a search without a bound take DPOR's backtrack
	// points depth first, as it did before they were taken cheapest first
	// (frontier.go): the same traces, in another order, with the states
	// of one schedule kept instead of a tree of them. It is there to
	// compare the two.
	DepthFirst bool
	// CheckTraces makes a DPOR search compute the Mazurkiewicz trace of
	// every complete execution, in canonical form, and count the distinct
	// ones (ExploreStats.Traces) and the executions equivalent to an
	// earlier one (Duplicates, which DPOR without a bound keeps at zero). It costs time
	// cubic in the steps of an execution; tests and figures use it.
	CheckTraces bool

	// ExperimentalBPOR makes a search within a preemption bound (not
	// Iterative, NoReduction or SleepSets) use bounded DPOR (bounded.go)
	// instead of the sleep-set search. It is a prototype, there to be
	// measured (TestBPORFigures, BENCHMARKS.md, "Bounded DPOR"): it reaches the
	// outcomes the sleep-set search reaches, in one pass, but explores
	// many traces more than once, so ExploreStats.Duplicates is not zero
	// and Executions are not a count of traces.
	ExperimentalBPOR bool

	// noConservative turns off bounded DPOR's conservative reversals, to
	// show the test of final states catches their absence.
	noConservative bool
	// noSleep turns sleep sets off in DPOR, to show that the trace check
	// catches a weakened reduction.
	noSleep bool
	// rerunDone makes an iterative search run again, at every level, the
	// subtrees a lower level finished without cutting anything off
	// (deepening.go), as it did before it skipped them.
	rerunDone bool
	// branches, if not nil, gets the branches DPOR takes, in order
	// (TestDPORCheapestFirst).
	branches *[]takenBranch
}

// usesDPOR reports whether Explore searches with source-DPOR: without a
// bound, levels or NoReduction, unless SleepSets asks for the old search.
func (o ExploreOptions) usesDPOR() bool {
	if o.Iterative || o.NoReduction || o.SleepSets {
		return false
	}
	return o.Bound < 0 || o.ExperimentalBPOR && o.Bounding == Preemptions
}

// dporBound is the preemption bound DPOR keeps to, negative for none.
func (o ExploreOptions) dporBound() int {
	if o.Bound < 0 {
		return -1
	}
	return o.Bound
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
	// Repeats counts the executions an iterative search ran again at a
	// level because a lower level had already visited their schedule.
	Repeats int
	// Exhausted is set when the search ran out of schedules rather than
	// being stopped by visit or MaxExecutions.
	Exhausted bool
	// BoundHit is set when some schedule was skipped for needing more
	// preemptions (or delays) than the bound allows. Exhausted && !BoundHit means every
	// schedule of the program was covered, up to equivalence.
	BoundHit bool
	// DPOR is set when the search was source-DPOR (see Explore); its
	// Executions are then pairwise inequivalent complete executions, each
	// a Mazurkiewicz trace of the program, and with Exhausted they are
	// all of them: Exhausted and Executions are the program's
	// certificate.
	DPOR bool
	// Traces counts the distinct Mazurkiewicz traces among the complete
	// executions, and Duplicates the executions whose trace an earlier
	// one had; both only with ExploreOptions.CheckTraces.
	Traces, Duplicates int
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
// schedule within the bound (see ExploreOptions), depth first within a
// bound and cheapest first without one (fewer preemptions first, see
// frontier.go), and calls visit with each execution's result; visit
// returns false to stop the search. It is a stateless model checker in
// the manner of CHESS (Musuvathi et al., OSDI 2008): each execution
// replays a prefix of an earlier one and then branches.
//
// Two schedules that differ only in the order of adjacent independent steps
// (see Thread.Access) end in the same state; Explore covers only one of each
// such class (a Mazurkiewicz trace). Without a bound (and not Iterative,
// NoReduction or SleepSets) it does so with source-DPOR (dpor.go): it
// tries a thread at a state only when a race asks for it, and almost never
// abandons a run (TestDPORExploresEachTraceOnce). Otherwise, and for
// programs of more threads than DPOR's sets hold (maxDPORThreads), it
// uses sleep sets alone (Godefroid, 1996), trying every thread at every state:
// schedules that would only reach classes already covered are abandoned
// and counted in Pruned.
//
// A bound makes independent steps dependent (Coons, Musuvathi and
// McKinley, OOPSLA 2013): the covered schedule of a class may need more
// preemptions or delays than a skipped one, and fall outside the bound.
// So, under a bound, a step sleeps only where the schedules that take it
// first cost no more than those it stands for (see nocheaper and wakes),
// and every state some schedule within the bound reaches is still reached
// (TestBoundedReductionKeepsFinalStates); the reduction is smaller than
// without a bound, which also covers every state. ExperimentalBPOR runs
// source-DPOR within the bound instead (bounded.go), a prototype that
// keeps the outcomes but not yet one run per trace.
func Explore(setup func(*Scheduler), opts ExploreOptions, visit func(Result) bool) ExploreStats {
	if opts.usesDPOR() {
		st := exploreDPOR(setup, opts, visit)
		if st.Err == errManyThreads && st.Executions+st.Pruned == 0 {
			opts.SleepSets = true // met in the first execution: start over
			return Explore(setup, opts, visit)
		}
		return st
	}
	bound := opts.Bound
	var st ExploreStats
	if !opts.Iterative {
		e := newExplorer(opts, bound)
		st.Exhausted = e.search(setup, opts, visit, &st, 0)
		st.BoundHit = e.boundHit
		return st
	}
	var done doneSet
	if !opts.rerunDone {
		done = doneSet{}
	}
	for level := 0; bound < 0 || level <= bound; level++ {
		e := newExplorer(opts, level)
		e.done = done
		// A level stopped part way leaves the search not exhausted, even
		// when the levels below were.
		st.Exhausted = e.search(setup, opts, visit, &st, level)
		st.BoundHit = e.boundHit
		if !st.Exhausted {
			return st
		}
		if !e.boundHit {
			break
		}
	}
	return st
}

func newExplorer(opts ExploreOptions, bound int) *explorer {
	e := &explorer{bound: bound, delays: opts.Bounding == Delays, reduce: !opts.NoReduction}
	if opts.CheckTraces {
		e.log, e.traces = &stepLog{}, traceSet{}
	}
	return e
}

// search runs executions until the space within e.bound is exhausted,
// which it reports, or visit or the limit stops it. Executions that cost
// less than min are run but not visited.
func (e *explorer) search(setup func(*Scheduler), opts ExploreOptions, visit func(Result) bool, st *ExploreStats, min int) bool {
	for opts.MaxExecutions <= 0 || st.Executions < opts.MaxExecutions {
		if e.s == nil {
			e.s = New(e, opts.MaxSteps)
		} else {
			e.s.Reset(e, opts.MaxSteps) // its threads and buffers serve again
		}
		if e.log != nil {
			e.log.reset()
		}
		setup(e.s)
		r := e.s.Run()
		if r.Steps > 0 {
			e.record(r.Steps-1, nil)
		}
		if e.log != nil && e.log.open() {
			e.log.record(e.s)
		}
		if e.err == nil && r.Outcome != abandoned && r.Steps < len(e.stack) {
			e.err = fmt.Errorf("sched: explore: execution ended after %d steps, replaying a prefix of %d", r.Steps, len(e.stack))
		}
		switch {
		case e.err != nil:
			st.Err = e.err
			return false
		case r.Outcome == abandoned:
			st.Pruned++
		case e.cost() < min:
			st.Repeats++
		default:
			st.Executions++
			e.traces.add(e.log, st)
			r.Schedule = slices.Clone(r.Schedule) // the scheduler's, reused next
			if !visit(r) {
				return false
			}
		}
		if !e.backtrack() {
			return true
		}
	}
	return false
}

// cost returns the preemptions or delays the current schedule spent.
func (e *explorer) cost() int {
	if len(e.stack) == 0 {
		return 0
	}
	n := e.stack[len(e.stack)-1]
	return n.cost(slices.Index(n.enabled, n.chosen), e.delays)
}

// step is a step a thread took, or will take, from some state. What it
// touches is not stored, because objects are pointers into one
// execution's state, which the next execution builds anew (on the same
// memory, maybe, but not the same objects); it is derived from the
// thread's live state instead (see touches), which is valid because a
// thread in a sleep or done set has not moved since.
type step struct {
	tid   int
	clock bool // the step called Now when it ran
	// unlocks: the step released a mutex.
	unlocks bool
	// after lists the threads that could run right after the step, nil
	// if unknown (the execution ended there).
	after []int
}

// touches over-approximates, in the current execution, what the next step
// of thread st.tid touches (see touchesOf).
func (e *explorer) touches(st step) (acc []access, ok bool) {
	acc, ok = touchesOf(e.s, st, e.buf)
	e.buf = acc
	return acc, ok
}

// touchesOf over-approximates, in the execution s runs, what the next step
// of thread st.tid touches: its declared access, every mutex it holds
// (the step may unlock any of them: see holdAccess), and the clock if it
// used it before.
// A nil result with ok false means it may touch anything. The result is
// built on buf.
func touchesOf(s *Scheduler, st step, buf []access) (acc []access, ok bool) {
	t := s.threads[st.tid]
	if t.pending.all {
		return buf[:0], false
	}
	acc = append(buf[:0], t.pending)
	for _, m := range t.held {
		acc = append(acc, t.holdAccess(m))
	}
	if st.clock {
		acc = append(acc, access{obj: clockKey{}, write: true})
	}
	return acc, true
}

// independent reports whether the next step of st commutes with the step
// that just ran, whose touches the scheduler recorded in ran.
func (e *explorer) independent(st step, ran []access) bool {
	acc, ok := e.touches(st)
	return ok && !conflict(acc, ran)
}

// conflict reports whether two steps that touch xs and ys do not commute:
// some pair of their accesses conflicts.
func conflict(xs, ys []access) bool {
	for _, y := range ys {
		for _, x := range xs {
			if dependent(x, y) {
				return true
			}
		}
	}
	return false
}

// dependent is the independence relation of every search, in one place:
// two accesses conflict when either may touch anything, or both touch one
// object and one of them writes. A lock acquisition declares a write of
// its mutex (Thread.Lock), and a release writes it too (Thread.Unlock), so
// that acquisitions of one mutex are ordered; a shared acquisition that
// declared a read would commute with another.
func dependent(x, y access) bool {
	return x.all || y.all || x.obj == y.obj && (x.write || y.write)
}

// Under a bound, a sleeping step s stands for schedules that take it later
// than an explored schedule does, which takes it first, at the state where
// it was tried. The explored one must not cost more preemptions (or
// delays), or the bound may have cut it off (Coons, Musuvathi and
// McKinley, OOPSLA 2013: the bound makes independent steps dependent).
// Taking s early costs what picking it there costs, plus the switch from
// its thread to the step taken instead (nocheaper checks that, once); the
// steps that follow switch between the same threads at the same cost,
// provided s does not change whether some other thread can run (wakes
// checks that, at every state), and taking s later can only cost more.

// nocheaper reports whether, under a bound, the schedules from p that take
// s first cost no more than those that take p.chosen first, up to the
// step after s.
func (e *explorer) nocheaper(p *node, s step) bool {
	return e.bound < 0 || nocheaper(p, s, e.delays)
}

// nocheaper reports whether the schedules from p that take s first cost
// no more than those that take p.chosen first, up to the step after s: the
// condition under which a bounded search (this one or bounded DPOR) may
// put s to sleep after p.chosen.
func nocheaper(p *node, s step, delays bool) bool {
	b := slices.Index(s.after, p.chosen)
	if b < 0 {
		return false
	}
	// The costs of picking p.chosen after s, from the state s led to.
	after := node{enabled: s.after, last: s.tid}
	first := p.cost(slices.Index(p.enabled, s.tid), delays) + after.cost(b, delays)
	return first <= p.cost(slices.Index(p.enabled, p.chosen), delays)
}

// wakes reports whether, under a bound, taking s could change whether a
// thread that cannot run now (enabled lists those that can) could: it waits
// for a condition, or for a mutex that s may release.
func (e *explorer) wakes(s step, enabled []int) bool {
	if e.bound < 0 {
		return false
	}
	w, buf := wakes(e.s, s, enabled, e.buf)
	e.buf = buf
	return w
}

// wakes reports whether taking s, in the execution sch runs, could change
// whether a thread that cannot run now (enabled lists those that can)
// could: it waits for a condition, or for a mutex that s may release. It
// returns buf, maybe grown, for reuse.
func wakes(sch *Scheduler, s step, enabled []int, buf []access) (bool, []access) {
	for _, t := range sch.threads {
		if t.done || t.id == s.tid || slices.Contains(enabled, t.id) {
			continue
		}
		if t.wait != onMutex {
			return true, buf
		}
		if !s.unlocks {
			continue
		}
		acc, ok := touchesOf(sch, s, buf)
		buf = acc
		if !ok || slices.ContainsFunc(acc, func(a access) bool { return a.obj == t.mutex }) {
			return true, buf
		}
	}
	return false, buf
}

// node is one state along the current schedule.
type node struct {
	enabled []int
	last    int // thread that took the previous step, or -1
	spent   int // preemptions or delays before this state
	chosen  int // thread that takes the step from here
	// done lists the steps already taken from here, in order, including
	// the current one once it has run.
	done []step
	// sleep lists the steps that need not be taken from here: taking them
	// only leads to schedules equivalent to ones covered from an ancestor.
	sleep []step
	// key names the schedule that led here, hit records that the bound
	// cut something off here or below, and skipped lists the threads
	// whose step from here leads where a lower level of an iterative
	// search found nothing cut (deepening.go).
	key     uint64
	hit     bool
	skipped []int
}

// rr returns the index in n.enabled of the thread a round-robin scheduler
// runs next: the last one if it can go on, else the next by id, cyclically.
func (n *node) rr() int {
	for i, id := range n.enabled {
		if id >= n.last {
			// Either the last thread itself, or the first after it.
			return i
		}
	}
	return 0
}

// cost returns the preemptions or delays spent up to and including picking
// n.enabled[i].
func (n *node) cost(i int, delays bool) int {
	r := n.rr()
	if delays {
		return n.spent + (i-r+len(n.enabled))%len(n.enabled)
	}
	if n.last >= 0 && n.enabled[r] == n.last && i != r {
		return n.spent + 1
	}
	return n.spent
}

func (n *node) tried(tid int) bool {
	return slices.ContainsFunc(n.done, func(s step) bool { return s.tid == tid }) ||
		slices.ContainsFunc(n.sleep, func(s step) bool { return s.tid == tid }) ||
		slices.Contains(n.skipped, tid)
}

// explorer is the Strategy Explore runs each execution with.
type explorer struct {
	bound    int
	delays   bool
	reduce   bool
	s        *Scheduler
	stack    []*node
	free     []*node // nodes backtracking discarded, for newNode
	buf      []access
	boundHit bool
	err      error
	// log and traces check the traces of complete executions
	// (ExploreOptions.CheckTraces); nil otherwise.
	log    *stepLog
	traces traceSet
	// done holds, in an iterative search, the schedules below which a
	// level cut nothing off (deepening.go); nil otherwise.
	done doneSet
}

// Pick implements Strategy: it replays the current prefix, then extends it
// with the first thread in round-robin order that neither sleeps nor
// breaks the bound, so that the first schedule has no preemption and
// deviations come late in the order of search.
func (e *explorer) Pick(i int, enabled []int) int {
	if e.log != nil && i > 0 {
		e.log.record(e.s)
	}
	c := e.pick(i, enabled)
	if e.log != nil && c >= 0 {
		e.log.start(e.s, c)
	}
	return c
}

func (e *explorer) pick(i int, enabled []int) int {
	if i > 0 {
		e.record(i-1, enabled)
	}
	if i < len(e.stack) {
		n := e.stack[i]
		if !slices.Equal(n.enabled, enabled) {
			e.err = fmt.Errorf("sched: explore: nondeterministic program: at step %d threads %v can run, earlier %v", i, enabled, n.enabled)
			return -1
		}
		return n.chosen
	}
	n := e.newNode(enabled)
	if i > 0 {
		p := e.stack[i-1]
		n.last, n.spent = p.chosen, p.cost(slices.Index(p.enabled, p.chosen), e.delays)
		if e.done != nil {
			n.key = childKey(p.key, p.chosen)
		}
		if e.reduce {
			ran := e.s.stepAcc
			for _, s := range p.sleep {
				if e.independent(s, ran) && !e.wakes(s, enabled) {
					n.sleep = append(n.sleep, s)
				}
			}
			for _, s := range p.done[:len(p.done)-1] {
				if e.independent(s, ran) && !e.wakes(s, enabled) && e.nocheaper(p, s) {
					n.sleep = append(n.sleep, s)
				}
			}
		}
	}
	c := e.choose(n)
	if c < 0 {
		if n.hit && i > 0 {
			e.stack[i-1].hit = true // the cut is below the last state kept
		}
		e.free = append(e.free, n)
		return -1
	}
	n.chosen = c
	e.stack = append(e.stack, n)
	return c
}

// newNode returns a node for a state where enabled can run, reusing one
// that backtracking discarded: a search makes a node per step of every
// execution, most of them past the branch point of the next.
func (e *explorer) newNode(enabled []int) *node {
	k := len(e.free)
	if k == 0 {
		return &node{enabled: slices.Clone(enabled), last: -1}
	}
	n := e.free[k-1]
	e.free = e.free[:k-1]
	*n = node{enabled: append(n.enabled[:0], enabled...), last: -1, done: n.done[:0], sleep: n.sleep[:0], skipped: n.skipped[:0]}
	return n
}

// choose returns the next thread to try from n, or -1: the first in
// round-robin order that has not been tried and keeps within the bound.
func (e *explorer) choose(n *node) int {
	r := n.rr()
	for j := range n.enabled {
		i := (r + j) % len(n.enabled)
		tid := n.enabled[i]
		if n.tried(tid) {
			continue
		}
		if e.bound >= 0 && n.cost(i, e.delays) > e.bound {
			e.boundHit, n.hit = true, true
			continue
		}
		if e.done != nil && e.done[childKey(n.key, tid)] {
			n.skipped = append(n.skipped, tid)
			continue
		}
		return tid
	}
	return -1
}

// record notes what step i of the current execution touched, and which
// threads could run after it (after, nil if unknown), the first time that
// step runs.
func (e *explorer) record(i int, after []int) {
	n := e.stack[i]
	if len(n.done) > 0 && n.done[len(n.done)-1].tid == n.chosen {
		return
	}
	s := doneStep(e.s, n.chosen)
	s.after = slices.Clone(after)
	n.done = append(n.done, s)
}

// backtrack moves to the deepest state with a step left to try and makes
// that step the next execution's branch; it reports false when none is
// left.
func (e *explorer) backtrack() bool {
	for i := len(e.stack) - 1; i >= 0; i-- {
		n := e.stack[i]
		if c := e.choose(n); c >= 0 {
			e.finish(i + 1)
			n.chosen = c
			e.free = append(e.free, e.stack[i+1:]...)
			clear(e.stack[i+1:])
			e.stack = e.stack[:i+1]
			return true
		}
	}
	e.finish(0)
	return false
}

// doneStep is the step thread tid just ran as a sleep set keeps it:
// whether it ticked the clock or released a mutex, from what the scheduler
// recorded it touching. The sleep-set search and DPOR both keep it.
func doneStep(s *Scheduler, tid int) step {
	st := step{tid: tid}
	for _, a := range s.stepAcc[1:] {
		switch a.obj.(type) {
		case clockKey:
			st.clock = true
		case *Mutex:
			st.unlocks = true
		}
	}
	return st
}
