package sched

import "fmt"

// stepLog records the steps of one execution with what each touched, for
// the race analysis of DPOR and for the trace check (ExploreOptions.
// CheckTraces). The accesses are live pointers into the execution's
// state: a log is read before the next execution starts.
type stepLog struct {
	events []dporEvent
	accs   []access
}

func (l *stepLog) reset() { l.events, l.accs = l.events[:0], l.accs[:0] }

// start notes the step thread tid of s is about to take.
func (l *stepLog) start(s *Scheduler, tid int) {
	ev := dporEvent{tid: tid, hi: -1}
	switch t := s.threads[tid]; t.wait {
	case onMutex:
		ev.acq, ev.shared = t.mutex, t.shared
	case onCond:
		ev.cond = true
	}
	l.events = append(l.events, ev)
}

// open reports whether the last step started has not been recorded.
func (l *stepLog) open() bool { return len(l.events) > 0 && l.events[len(l.events)-1].hi < 0 }

// record notes what the last step started touched: s.stepAcc, read
// before s decides the next step.
func (l *stepLog) record(s *Scheduler) {
	ev := &l.events[len(l.events)-1]
	ev.lo = len(l.accs)
	l.accs = append(l.accs, s.stepAcc...)
	ev.hi = len(l.accs)
}

// dependent reports whether steps i and j do not commute: one thread's,
// or touching a common object, one writing.
func (l *stepLog) dependent(i, j int) bool {
	a, b := l.events[i], l.events[j]
	return a.tid == b.tid || conflict(l.accs[a.lo:a.hi], l.accs[b.lo:b.hi])
}

// traceKey returns the Mazurkiewicz trace of the logged execution in a
// canonical form, its lexicographic normal form: at each point, the step
// of the lowest thread whose dependences have all been taken. Two
// executions have the same key exactly when they order every pair of
// dependent steps alike.
func (l *stepLog) traceKey() string {
	n := len(l.events)
	taken := make([]bool, n)
	key := make([]byte, 0, 2*n)
	for range n {
		best := -1
		for k := range n {
			if taken[k] || (best >= 0 && l.events[k].tid >= l.events[best].tid) {
				continue
			}
			ready := true
			for y := range k {
				if !taken[y] && l.dependent(y, k) {
					ready = false
					break
				}
			}
			if ready {
				best = k
			}
		}
		taken[best] = true
		key = fmt.Appendf(key, "%d.", l.events[best].tid)
	}
	return string(key)
}

// traceSet counts the distinct traces of the complete executions of a
// search (see ExploreOptions.CheckTraces).
type traceSet map[string]bool

// add notes the logged execution's trace in st.
func (ts traceSet) add(l *stepLog, st *ExploreStats) {
	if ts == nil {
		return
	}
	k := l.traceKey()
	if ts[k] {
		st.Duplicates++
	}
	ts[k] = true
	st.Traces = len(ts)
}
