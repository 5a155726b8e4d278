package sched

import (
	"fmt"
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
// critical section, as in Nidhugg: for a release racing with an
// acquisition, the reversal is taken at the state before the releasing
// thread acquired the mutex.

// dporEvent is one step of the current execution.
type dporEvent struct {
	tid    int
	lo, hi int    // its accesses, in dpor.accs
	acq    *Mutex // the mutex the step acquires, if its thread waited for one
}

// dnode is one state along the current schedule of the DPOR search.
type dnode struct {
	enabled []int
	last    int // thread that took the previous step, or -1
	chosen  int
	// backtrack lists the threads to take from here: the first one tried
	// and those races asked for, in order.
	backtrack []int
	// done lists the steps already taken from here, the current one
	// included once it has run; sleep lists those asleep on arrival.
	done, sleep []step
}

func (n *dnode) asleep(tid int) bool {
	return slices.ContainsFunc(n.sleep, func(s step) bool { return s.tid == tid })
}

func (n *dnode) explored(tid int) bool {
	return slices.ContainsFunc(n.done, func(s step) bool { return s.tid == tid })
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
	err     error
	// pred[j] holds the steps that happen before step j, as a bitset;
	// cover[j] those that happen before a step j depends on.
	pred, cover [][]uint64
}

// exploreDPOR is Explore without a bound.
func exploreDPOR(setup func(*Scheduler), opts ExploreOptions, visit func(Result) bool) ExploreStats {
	d := &dpor{noSleep: opts.noSleep}
	st := ExploreStats{DPOR: true}
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
		setup(d.s)
		r := d.s.Run()
		if d.open() {
			d.record()
		}
		if d.err == nil && r.Outcome != abandoned && r.Steps < len(d.stack) {
			d.err = fmt.Errorf("sched: explore: execution ended after %d steps, replaying a prefix of %d", r.Steps, len(d.stack))
		}
		if d.err != nil {
			st.Err = d.err
			return st
		}
		d.races()
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
		if !d.backtrack() {
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
		d.record()
	}
	if i < len(d.stack) {
		n := d.stack[i]
		if !slices.Equal(n.enabled, enabled) {
			d.err = fmt.Errorf("sched: explore: nondeterministic program: at step %d threads %v can run, earlier %v", i, enabled, n.enabled)
			return -1
		}
		d.start(n.chosen)
		return n.chosen
	}
	n := d.newNode(enabled)
	if i > 0 {
		p := d.stack[i-1]
		n.last = p.chosen
		if !d.noSleep {
			ran := d.s.stepAcc
			for _, s := range p.sleep {
				if d.independent(s, ran) {
					n.sleep = append(n.sleep, s)
				}
			}
			for _, s := range p.done[:len(p.done)-1] {
				if d.independent(s, ran) {
					n.sleep = append(n.sleep, s)
				}
			}
		}
	}
	c := n.first()
	if c < 0 {
		d.free = append(d.free, n) // every thread sleeps: blocked
		return -1
	}
	n.chosen, n.backtrack = c, append(n.backtrack, c)
	d.stack = append(d.stack, n)
	d.start(c)
	return c
}

// first returns the first thread in round-robin order that does not
// sleep, or -1.
func (n *dnode) first() int {
	rr := node{enabled: n.enabled, last: n.last}
	r := rr.rr()
	for j := range n.enabled {
		if tid := n.enabled[(r+j)%len(n.enabled)]; !n.asleep(tid) {
			return tid
		}
	}
	return -1
}

func (d *dpor) newNode(enabled []int) *dnode {
	k := len(d.free)
	if k == 0 {
		return &dnode{enabled: slices.Clone(enabled), last: -1}
	}
	n := d.free[k-1]
	d.free = d.free[:k-1]
	*n = dnode{enabled: append(n.enabled[:0], enabled...), last: -1,
		backtrack: n.backtrack[:0], done: n.done[:0], sleep: n.sleep[:0]}
	return n
}

// start notes the step thread tid is about to take.
func (d *dpor) start(tid int) { d.stepLog.start(d.s, tid) }

// record notes what the last step touched, and, the first time it is
// taken from its state, adds it to that state's done steps.
func (d *dpor) record() {
	d.stepLog.record(d.s)
	n := d.stack[len(d.events)-1]
	if n.explored(n.chosen) {
		return
	}
	s := step{tid: n.chosen}
	for _, a := range d.s.stepAcc[1:] {
		switch a.obj.(type) {
		case clockKey:
			s.clock = true
		case *Mutex:
			s.unlocks = true
		}
	}
	n.done = append(n.done, s)
}

// independent reports whether the next step of the sleeping st commutes
// with the step that just ran, which touched ran.
func (d *dpor) independent(st step, ran []access) bool {
	acc, ok := touchesOf(d.s, st, d.buf)
	d.buf = acc
	return ok && !conflict(acc, ran)
}

// backtrack moves to the deepest state with a thread left to take that
// neither was taken there nor sleeps, and makes it the next execution's
// branch; it reports false when none is left.
func (d *dpor) backtrack() bool {
	for i := len(d.stack) - 1; i >= 0; i-- {
		n := d.stack[i]
		for _, tid := range n.backtrack {
			if !n.explored(tid) && !n.asleep(tid) {
				n.chosen = tid
				d.free = append(d.free, d.stack[i+1:]...)
				clear(d.stack[i+1:])
				d.stack = d.stack[:i+1]
				return true
			}
		}
	}
	return false
}

// happens computes pred and cover for the current execution.
func (d *dpor) happens() {
	n := len(d.events)
	words := (n + 63) / 64
	d.pred = growBits(d.pred, n, words)
	d.cover = growBits(d.cover, n, words)
	for j := range n {
		pj, cj := d.pred[j], d.cover[j]
		for i := range j {
			if d.dependent(i, j) {
				pj[i/64] |= 1 << (i % 64)
				for w, x := range d.pred[i] {
					pj[w] |= x
					cj[w] |= x
				}
			}
		}
	}
}

// growBits returns n cleared bitsets of words words each, reusing bs.
func growBits(bs [][]uint64, n, words int) [][]uint64 {
	for len(bs) < n {
		bs = append(bs, nil)
	}
	for i := range n {
		bs[i] = append(bs[i][:0], make([]uint64, words)...)
	}
	return bs[:n]
}

func has(bits []uint64, i int) bool { return bits[i/64]&(1<<(i%64)) != 0 }

// races finds every race of the current execution and, for each, asks the
// state before its first step for a thread that starts the reversed order.
func (d *dpor) races() {
	d.happens()
	for j := range d.events {
		for i := j - 1; i >= 0; i-- {
			if d.events[i].tid == d.events[j].tid || !has(d.pred[j], i) || has(d.cover[j], i) || !d.dependent(i, j) {
				continue
			}
			e := i
			if m := d.events[j].acq; m != nil {
				// A step under m racing with an acquisition of m:
				// reverse the critical sections, from the acquisition
				// before it.
				if e = d.holding(i, m); e < i && d.before(e, j) {
					continue
				}
			}
			d.reverse(e, j)
		}
	}
}

// holding returns the step where step i's thread acquired m, when it
// holds m as step i starts, and i otherwise: the reversal of a race
// between step i and an acquisition of m starts where m is free.
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
// asleep, or none can run there.
func (d *dpor) reverse(i, j int) {
	n := d.stack[i]
	var v []int
	for k := i + 1; k < j; k++ {
		if !has(d.pred[k], i) {
			v = append(v, k)
		}
	}
	v = append(v, j)
	pick := -1
	for x, k := range v {
		tid := d.events[k].tid
		if !d.initial(v, x) {
			continue
		}
		if slices.Contains(n.backtrack, tid) || n.asleep(tid) {
			return
		}
		if pick < 0 && slices.Contains(n.enabled, tid) {
			pick = tid
		}
	}
	if pick >= 0 {
		n.backtrack = append(n.backtrack, pick)
	}
}

// initial reports whether step v[x] is an initial of the sequence of
// steps v: no step before it in v happens before it within v.
func (d *dpor) initial(v []int, x int) bool {
	k := v[x]
	last := x == len(v)-1
	for _, y := range v[:x] {
		if d.events[y].tid == d.events[k].tid {
			return false
		}
		// The last step of v happens after the first one (the race), so
		// its order within v is its direct dependences there; for the
		// others, pred is exact, as nothing ordering them comes from i.
		if last && d.dependent(y, k) || !last && has(d.pred[k], y) {
			return false
		}
	}
	return true
}
