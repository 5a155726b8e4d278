package sched

import (
	"fmt"
	"math/bits"
	"slices"
)

// This file is the search Explore runs without a bound: source-DPOR with
// sleep sets (Abdulla, Aronis, Jonsson and Sagonas, "Source Sets: A
// Foundation for Optimal Dynamic Partial Order Reduction", JACM 2017,
// Algorithm 1, in the stateless form Nidhugg implements). Where the
// sleep-set search of explore.go tries every thread that can run at every
// state and abandons the runs that only reach covered classes, this one
// tries, at a state, only the threads a race seen in some execution asks
// for: after each execution it finds every pair of dependent steps of two
// threads with nothing ordering them in between (a race), and at the state
// before the first it adds a thread that starts the reversed order (an
// initial of notdep(e, E).e'), unless one already is there or asleep. The
// sleep sets make every complete execution explored a different
// Mazurkiewicz trace; the source sets keep the runs that sleep sets would
// block, and so abandon, few (TestDPORExploresEachTraceOnce counts them).
// The backtrack points are taken cheapest first, by the preemptions of
// their schedules (frontier.go), or depth first (ExploreOptions.
// DepthFirst, and always within a bound).
//
// Wakeup trees (the paper's Algorithm 2) would remove the blocked runs
// altogether, but they compare steps of earlier executions with steps of
// the current one, and a step's accesses are pointers into one
// execution's state, built anew by the next: here every comparison is
// between steps of one execution, or with the live state of a thread that
// has not moved (a sleeping one).
//
// Locks: a thread waiting for a mutex cannot run, so the race between the
// step that releases it and the step that acquires it cannot be reversed
// at the state before the release, where the mutex is still held. The race
// that matters is between the two acquisitions, critical section against
// critical section, as in Nidhugg: for a step of a thread that holds the
// mutex (its release, or a declared access of the mutex) racing with an
// acquisition of it, the reversal is taken at the state before that
// thread acquired it (see holding). Not so when both hold it shared (a
// reader's step racing with another reader's RLock, through the clock,
// say): readers do not wait for readers, so the acquisition can run
// where the first step is, and the race is reversed there, as any other;
// taken from the first reader's acquisition instead, the orders in which
// the second reader takes the lock inside the first's hold are never
// tried (TestDPORSharedHolders). And a thread still waiting for a mutex
// when a run ends (deadlocked, or blocked by sleep sets) has its
// acquisition analysed as if it came next, as Flanagan and Godefroid's
// DPOR analyses every thread's next transition (see blockedRaces).
//
// Conditions: a thread waiting for a condition that a step falsified (a
// lock made of a flag, say) cannot run where the step that makes it true
// again is, so the race between that step and its wait is also reversed
// from the last state before where it could run (see enabledBefore).

// dporEvent is one step of the current execution.
type dporEvent struct {
	tid    int
	lo, hi int    // its accesses, in dpor.accs
	acq    *Mutex // the mutex the step acquires, if its thread waited for one
	shared bool   // acq is taken shared (RLock)
	cond   bool   // the step's thread waited for a condition
}

// dnode is one state along the current schedule of the DPOR search.
// Its sets of threads are bitmasks (tset), so that a state is one small
// object: the cheapest-first search keeps a tree of them (frontier.go).
type dnode struct {
	// In the cheapest-first search the states form a tree: parent is the
	// state before (see also via, kids and pending).
	parent *dnode
	// enabled holds the threads that can run here; done those whose
	// step was taken from here (the current one once it has run); sleep
	// those asleep on arrival: taking them only leads to schedules
	// equivalent to ones covered from an ancestor. doneClock and
	// sleepClock say which of their steps used the clock.
	enabled, done, doneClock, sleep, sleepClock tset
	// backtrack holds the threads to take from here: the first one tried
	// and those races asked for.
	backtrack tset
	// spent counts the preemptions before this state.
	spent int32
	// last took the previous step (-1: none), chosen takes the step from
	// here, via took the step that led here from parent.
	last, chosen, via int8
	// kids counts the states after this one still in the tree, pending
	// the branches waiting in the frontier to be taken from here.
	kids, pending uint8
}

// boundedSteps are a state's done and sleeping steps in order, with what
// a bound needs of them (see nocheaper and wakes); bounded DPOR, always
// depth first, keeps them per state of its stack (dpor.bsteps).
type boundedSteps struct{ done, sleep []step }

func (n *dnode) asleep(tid int) bool   { return n.sleep.has(tid) }
func (n *dnode) explored(tid int) bool { return n.done.has(tid) }

// cost returns the preemptions spent up to and including taking tid from
// n: one more when the thread that ran last could go on and tid is not it.
func (n *dnode) cost(tid int) int {
	if n.last >= 0 && int(n.last) != tid && n.enabled.has(int(n.last)) {
		return int(n.spent) + 1
	}
	return int(n.spent)
}

// asNode returns n as the sleep-set search's node, with its enabled
// threads listed in buf, for the bounded checks it shares (nocheaper).
func (n *dnode) asNode(buf []int) node {
	return node{enabled: n.enabled.appendTids(buf[:0]), last: int(n.last), spent: int(n.spent), chosen: int(n.chosen)}
}

// dpor is the Strategy Explore runs each execution with, without a bound.
type dpor struct {
	s     *Scheduler
	stack []*dnode
	free  []*dnode
	stepLog
	buf []access
	// noSleep turns sleep sets off, for the test that shows the trace
	// check catches equivalent executions.
	noSleep bool
	// noConservative turns off bounded DPOR's conservative reversals.
	noConservative bool
	err            error
	// pred[j] holds the steps that happen before step j, as a bitset.
	pred  [][]uint64
	vbits []uint64
	// from is the step of the current execution where it branches off
	// the schedule that reached that state: races before it were analysed
	// then. The happens-before of steps before valid (at most from) is
	// the last execution's, which shared them.
	from, valid int
	// fr, when not nil, holds the backtrack points to take, cheapest
	// first (frontier.go); the search is depth first otherwise. lastTids
	// lists the threads of the last execution's steps, and spare is a
	// stack to reuse.
	fr       *frontier
	lastTids []int
	spare    []*dnode
	// branches, if not nil, logs the branches taken (logBranch).
	branches *[]takenBranch
	// blocked lists the threads that, as the execution ended, could not
	// run for waiting on a mutex, with the acquisition each would take,
	// and, in a run the bound cut, the threads that could run but were
	// not taken (see ending); nextAccs holds what their steps touch.
	blocked  []blockedAcq
	nextAccs []access
	// bound is the preemption bound, negative for none (see bounded.go);
	// boundHit is set when it cut some schedule off, and cut when it cut
	// the current execution, whose last state's sleep set is cutSleep.
	bound         int
	boundHit, cut bool
	cutSleep      tset
	// tids is a buffer for lists of threads.
	tids []int
	// bsteps[i] are the done and sleeping steps of state i of the stack,
	// under a bound.
	bsteps []boundedSteps
	// chunk holds states not used yet, allocated together: the
	// cheapest-first search keeps many.
	chunk []dnode
}

// blockedAcq is the next step of a thread that did not take it as the
// execution ended: for one waiting on a mutex, taking it.
type blockedAcq struct {
	tid    int
	lo, hi int // what the step touches, in dpor.nextAccs
	acq    *Mutex
	shared bool
	cond   bool
}

// ending implements ender: it notes the threads blocked on a mutex and,
// when the bound cut the execution, those the bound kept from running.
func (d *dpor) ending() {
	d.blocked, d.nextAccs = d.blocked[:0], d.nextAccs[:0]
	for _, t := range d.s.threads {
		switch {
		case t.done:
		case t.wait == onMutex && !t.enabled():
			d.noteNext(t, []access{t.pending})
		case d.cut && t.enabled() && !d.cutSleep.has(t.id):
			acc, ok := touchesOf(d.s, step{tid: t.id}, d.buf)
			d.buf = acc
			if !ok {
				acc = []access{{all: true}}
			}
			d.noteNext(t, acc)
		}
	}
}

// noteNext notes the next step of t, which touches acc, as one blocked.
func (d *dpor) noteNext(t *Thread, acc []access) {
	b := blockedAcq{tid: t.id, lo: len(d.nextAccs), cond: t.wait == onCond}
	if t.wait == onMutex {
		b.acq, b.shared = t.mutex, t.shared
	}
	d.nextAccs = append(d.nextAccs, acc...)
	b.hi = len(d.nextAccs)
	d.blocked = append(d.blocked, b)
}

// blockedRaces analyses, for an execution that ended with threads blocked
// on a mutex (a deadlock, or a run sleep sets blocked), the races of the
// acquisitions those threads would take next, each as if it were the
// execution's next step, as Flanagan and Godefroid's DPOR does with the
// next transition of every thread, enabled or not. The steps that took the
// mutex away from such a thread are otherwise never seen racing with it,
// since it never gets to take it: in a run blocked with the holder
// waiting for another mutex, the order in which the blocked thread takes
// the first mutex before the holder does would never be tried
// (TestDPORBlockedAcquisitions).
func (d *dpor) blockedRaces() {
	n, lo := len(d.events), len(d.accs)
	for _, b := range d.blocked {
		d.events = append(d.events, dporEvent{tid: b.tid, lo: lo, hi: lo + b.hi - b.lo, acq: b.acq, shared: b.shared, cond: b.cond})
		d.accs = append(d.accs, d.nextAccs[b.lo:b.hi]...)
		d.races(n, n)
		d.events, d.accs = d.events[:n], d.accs[:lo]
	}
}

// exploreDPOR is Explore without a bound.
func exploreDPOR(setup func(*Scheduler), opts ExploreOptions, visit func(Result) bool) (st ExploreStats) {
	d := &dpor{noSleep: opts.noSleep, noConservative: opts.noConservative, bound: opts.dporBound(), branches: opts.branches}
	if d.bound < 0 && !opts.DepthFirst {
		d.fr = &frontier{}
	}
	st.DPOR = d.bound < 0 // bounded DPOR explores some traces twice: no certificate
	defer func() { st.BoundHit = d.boundHit }()
	var traces traceSet
	if opts.CheckTraces {
		traces = traceSet{}
	}
	for opts.MaxExecutions <= 0 || st.Executions < opts.MaxExecutions {
		if d.s == nil {
			d.s = New(d, opts.MaxSteps)
		} else {
			d.s.Reset(d, opts.MaxSteps)
		}
		d.reset()
		d.cut = false
		setup(d.s)
		r := d.s.Run()
		if d.open() {
			d.record(nil)
		}
		if d.err == nil && r.Outcome != abandoned && r.Steps < len(d.stack) {
			d.err = fmt.Errorf("sched: explore: execution ended after %d steps, replaying a prefix of %d", r.Steps, len(d.stack))
		}
		if d.err != nil {
			st.Err = d.err
			return st
		}
		d.races(d.valid, d.from)
		d.blockedRaces()
		d.noteSchedule()
		if r.Outcome == abandoned {
			st.Pruned++
		} else {
			st.Executions++
			traces.add(&d.stepLog, &st)
			r.Schedule = slices.Clone(r.Schedule)
			if !visit(r) {
				return st
			}
		}
		if !d.next() {
			st.Exhausted = true
			return st
		}
	}
	return st
}

// Pick implements Strategy: it replays the current prefix, then extends it
// with the first thread in round-robin order that does not sleep.
func (d *dpor) Pick(i int, enabled []int) int {
	if i > 0 {
		d.record(enabled)
	}
	set, ok := tsetOf(enabled)
	if !ok {
		d.err = errManyThreads
		return -1
	}
	if i < len(d.stack) {
		n := d.stack[i]
		if n.enabled != set {
			d.err = fmt.Errorf("sched: explore: nondeterministic program: at step %d threads %v can run, earlier %v", i, enabled, n.enabled.appendTids(nil))
			return -1
		}
		d.start(int(n.chosen))
		return int(n.chosen)
	}
	n := d.newNode(set, i)
	if i > 0 {
		d.inherit(n, i, enabled)
	}
	c := d.first(n)
	if c < 0 {
		// Every thread sleeps, or would break the bound: blocked.
		if d.cut {
			d.cutSleep = n.sleep
		}
		d.free = append(d.free, n)
		return -1
	}
	n.chosen = int8(c)
	n.backtrack.add(c)
	if i > 0 {
		n.parent = d.stack[i-1]
		n.via = n.parent.chosen
		n.parent.kids++
	}
	d.stack = append(d.stack, n)
	d.start(c)
	return c
}

// inherit sets up n, the state after p's step, which left enabled able to
// run: the thread that ran, the preemptions spent, and the sleep set, the
// steps asleep or done at p that commute with p's step. Under a bound a
// step sleeps on only where the sleep-set search lets it (nocheaper,
// wakes): the bound makes steps that commute dependent.
func (d *dpor) inherit(n *dnode, i int, enabled []int) {
	p := d.stack[i-1]
	n.last = p.chosen
	n.spent = int32(p.cost(int(p.chosen)))
	if d.noSleep {
		return
	}
	if d.bound >= 0 {
		d.inheritBounded(n, i, enabled)
		return
	}
	ran := d.s.stepAcc
	keep := func(set, clock tset) {
		set.each(func(tid int) {
			if d.independent(step{tid: tid, clock: clock.has(tid)}, ran) {
				n.sleep.add(tid)
				if clock.has(tid) {
					n.sleepClock.add(tid)
				}
			}
		})
	}
	keep(p.sleep, p.sleepClock)
	keep(p.done.without(int(p.chosen)), p.doneClock)
}

// inheritBounded is inherit under a bound, where a sleeping step needs
// more than its thread and clock (see nocheaper and wakes).
func (d *dpor) inheritBounded(n *dnode, i int, enabled []int) {
	ran := d.s.stepAcc
	pn := d.stack[i-1].asNode(d.tids)
	d.tids = pn.enabled
	ps, ns := &d.bsteps[i-1], &d.bsteps[i]
	for _, s := range ps.sleep {
		if d.independent(s, ran) && !d.wakes(s, enabled) {
			n.sleep.add(s.tid)
			ns.sleep = append(ns.sleep, s)
		}
	}
	for _, s := range ps.done[:len(ps.done)-1] {
		if d.independent(s, ran) && !d.wakes(s, enabled) && nocheaper(&pn, s, false) {
			n.sleep.add(s.tid)
			ns.sleep = append(ns.sleep, s)
		}
	}
}

// wakes reports whether, under a bound, taking s could change which
// threads can run (see wakes).
func (d *dpor) wakes(s step, enabled []int) bool {
	if d.bound < 0 {
		return false
	}
	w, buf := wakes(d.s, s, enabled, d.buf)
	d.buf = buf
	return w
}

// first returns the first thread in round-robin order (the one that ran
// last, if it can go on, else the next by id, cyclically) that neither
// sleeps nor breaks the bound, or -1.
func (d *dpor) first(n *dnode) int {
	from := tset(0)
	if n.last >= 0 {
		from = ^tset(0) << n.last // the threads from the last on
	}
	for _, cands := range [2]tset{n.enabled & from &^ n.sleep, n.enabled &^ from &^ n.sleep} {
		for ; cands != 0; cands &= cands - 1 {
			tid := bits.TrailingZeros32(uint32(cands))
			if !d.affordable(n, tid) {
				d.boundHit, d.cut = true, true
				continue
			}
			return tid
		}
	}
	return -1
}

// affordable reports whether taking tid from n keeps within the bound.
func (d *dpor) affordable(n *dnode, tid int) bool {
	return d.bound < 0 || n.cost(tid) <= d.bound
}

// newNode returns state i of the schedule, where the threads of enabled
// can run, reusing one the search let go of.
func (d *dpor) newNode(enabled tset, i int) *dnode {
	var n *dnode
	if k := len(d.free); k > 0 {
		n = d.free[k-1]
		d.free = d.free[:k-1]
	} else {
		if len(d.chunk) == 0 {
			d.chunk = make([]dnode, 64)
		}
		n, d.chunk = &d.chunk[0], d.chunk[1:]
	}
	*n = dnode{enabled: enabled, last: -1}
	if d.bound >= 0 {
		for len(d.bsteps) <= i {
			d.bsteps = append(d.bsteps, boundedSteps{})
		}
		b := &d.bsteps[i]
		b.done, b.sleep = b.done[:0], b.sleep[:0]
	}
	return n
}

// start notes the step thread tid is about to take.
func (d *dpor) start(tid int) { d.stepLog.start(d.s, tid) }

// record notes what the last step touched, and, the first time it is
// taken from its state, adds it to that state's done steps, with the
// threads that could run after it (after, nil if the execution ended).
func (d *dpor) record(after []int) {
	d.stepLog.record(d.s)
	i := len(d.events) - 1
	n := d.stack[i]
	c := int(n.chosen)
	if n.explored(c) {
		return
	}
	s := doneStep(d.s, c)
	n.done.add(c)
	if s.clock {
		n.doneClock.add(c)
	}
	if d.bound >= 0 {
		s.after = slices.Clone(after)
		d.bsteps[i].done = append(d.bsteps[i].done, s)
	}
}

// independent reports whether the next step of the sleeping st commutes
// with the step that just ran, which touched ran.
func (d *dpor) independent(st step, ran []access) bool {
	acc, ok := touchesOf(d.s, st, d.buf)
	d.buf = acc
	return ok && !conflict(acc, ran)
}

// next makes the next branch to explore the next execution's, cheapest
// first or depth first; it reports false when none is left.
func (d *dpor) next() bool {
	if d.fr != nil {
		return d.nextCheapest()
	}
	return d.backtrack()
}

// noteSchedule keeps the threads of the execution's steps, for the next
// one to know which of them it shares (see path).
func (d *dpor) noteSchedule() {
	d.lastTids = d.lastTids[:0]
	for _, ev := range d.events {
		d.lastTids = append(d.lastTids, ev.tid)
	}
}

// leastWaiting returns the least cost of the branches left to take from
// the states of the current schedule, for logBranch.
func (d *dpor) leastWaiting() int {
	least := -1
	for _, n := range d.stack {
		(n.backtrack &^ n.done &^ n.sleep).each(func(tid int) {
			if c := n.cost(tid); least < 0 || c < least {
				least = c
			}
		})
	}
	return least
}

// backtrack moves to the deepest state with a thread left to take that
// neither was taken there nor sleeps, and makes it the next execution's
// branch; it reports false when none is left.
func (d *dpor) backtrack() bool {
	for i := len(d.stack) - 1; i >= 0; i-- {
		n := d.stack[i]
		for left := n.backtrack &^ n.done &^ n.sleep; left != 0; left &= left - 1 {
			tid := bits.TrailingZeros32(uint32(left))
			if !d.affordable(n, tid) {
				d.boundHit = true
				continue
			}
			if d.branches != nil {
				least := d.leastWaiting()
				n.chosen, d.from = int8(tid), i
				d.logBranch(n.cost(tid), least)
			}
			n.chosen, d.from, d.valid = int8(tid), i, i
			d.free = append(d.free, d.stack[i+1:]...)
			clear(d.stack[i+1:])
			d.stack = d.stack[:i+1]
			return true
		}
	}
	return false
}

// races finds the races of the steps from step from on (the earlier ones
// were analysed in an earlier execution with the same prefix) and, for
// each, asks the state before its first step for a thread that starts
// the reversed order. It computes pred on the way, from step valid on
// (the earlier steps' is the last execution's): looking back from step
// j, a step already known to happen before j happens before some step j
// depends on, so it is no race and its own past is there already; a step
// j depends on that is not yet known is a race, when another thread's.
func (d *dpor) races(valid, from int) {
	n := len(d.events)
	for len(d.pred) < n {
		d.pred = append(d.pred, nil)
	}
	for j := valid; j < n; j++ {
		pj := clearBits(d.pred[j], j/64+1)
		for i := j - 1; i >= 0; i-- {
			if has(pj, i) || !d.dependent(i, j) {
				continue
			}
			pj[i/64] |= 1 << (i % 64)
			for w, x := range d.pred[i] {
				pj[w] |= x
			}
			if j >= from && d.events[i].tid != d.events[j].tid {
				d.race(i, j)
			}
		}
		d.pred[j] = pj
	}
}

// race handles the race between steps i and j.
func (d *dpor) race(i, j int) {
	e := i
	if m := d.events[j].acq; m != nil {
		// A step under m racing with an acquisition of m: reverse the
		// critical sections, from the acquisition before it, unless both
		// hold m shared: then j's thread could take m where step i is,
		// and the race is reversed there, as any other.
		if e = d.holding(i, m); e < i && d.events[j].shared && d.events[e].shared {
			e = i
		} else if e < i && d.before(e, j) {
			return
		}
	} else if d.events[j].cond {
		if k := d.enabledBefore(i, j); k >= 0 && k < i {
			d.reverseBounded(k, j)
		}
	}
	d.reverseBounded(e, j)
}

// enabledBefore returns the last state, not after step i, where step j's
// thread could take step j, or -1 if there is none: a thread waiting for a
// condition that step i's state falsifies cannot take its step there, and
// the race is reversed from where it last could, as Flanagan and
// Godefroid's DPOR does for steps that are not co-enabled.
func (d *dpor) enabledBefore(i, j int) int {
	tid := d.events[j].tid
	for k := i; k >= 0 && d.events[k].tid != tid; k-- {
		if d.stack[k].enabled.has(tid) {
			return k
		}
	}
	return -1
}

// clearBits returns a cleared bitset of words words, reusing bs.
func clearBits(bs []uint64, words int) []uint64 {
	bs = slices.Grow(bs[:0], words)[:words]
	clear(bs)
	return bs
}

func has(bits []uint64, i int) bool { return bits[i/64]&(1<<(i%64)) != 0 }

// holding returns the step where step i's thread acquired m, when it
// holds m as step i starts, and i otherwise: the reversal of a race
// between step i and an acquisition of m that conflicts with the hold
// starts where m is free (race leaves shared holds and acquisitions out).
func (d *dpor) holding(i int, m *Mutex) int {
	tid := d.events[i].tid
	for k := i; k >= 0; k-- {
		ev := d.events[k]
		switch {
		case ev.tid != tid:
		case k < i && slices.ContainsFunc(d.accs[ev.lo+1:ev.hi], func(a access) bool { return a.obj == m }):
			return i // released before step i
		case ev.acq == m:
			return k
		}
	}
	return i
}

// before reports whether step a happens before the step of j's thread
// that precedes j, so that j cannot be moved before a.
func (d *dpor) before(a, j int) bool {
	for k := j - 1; k > a; k-- {
		if d.events[k].tid == d.events[j].tid {
			return has(d.pred[k], a)
		}
	}
	return false
}

// reverse adds, at the state before step i, a thread that starts
// notdep(i).j: the steps between i and j that do not happen after i,
// then j. Nothing is added when one of its initials is already there or
// asleep, or none can run there. An initial is a step of v with no step
// before it in v happening before it within v; for the steps before j, pred
// says so exactly, as nothing ordering them comes from i; j happens after
// i, so for j it is its direct dependences in v.
func (d *dpor) reverse(i, j int) {
	n := d.stack[i]
	v := d.vbits[:0]
	v = clearBits(v, j/64+1)
	pick := -1
	for k := i + 1; k <= j; k++ {
		if k < j && has(d.pred[k], i) {
			continue // happens after i: not in notdep
		}
		tid := d.events[k].tid
		if d.initialIn(v, i, k, j) {
			if n.asleep(tid) || n.backtrack.has(tid) && d.affordable(n, tid) {
				d.vbits = v
				return
			}
			if pick < 0 && n.enabled.has(tid) && d.affordable(n, tid) {
				pick = tid
			}
		}
		v[k/64] |= 1 << (k % 64)
	}
	d.vbits = v
	if pick >= 0 {
		d.addBacktrack(i, pick)
	} else if d.bound >= 0 {
		d.boundHit = true // maybe: no initial could run within it
	}
}

// initialIn reports whether step k is an initial of the steps of v (a
// bitset of steps after i) followed by k, the last of which is j.
func (d *dpor) initialIn(v []uint64, i, k, j int) bool {
	tid := d.events[k].tid
	for y := i + 1; y < k; y++ {
		if !has(v, y) {
			continue
		}
		if d.events[y].tid == tid || k == j && d.dependent(y, k) || k < j && has(d.pred[k], y) {
			return false
		}
	}
	return true
}
