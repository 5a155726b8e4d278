package sched

import "slices"

// Prefixed replays a schedule prefix, then lets another strategy pick: a
// guided campaign reruns the start of an execution that reached rare
// coverage and lets the walk diverge after it. A thread of the prefix that
// is not enabled (the program took another turn) hands over at once, and
// for good.
type Prefixed struct {
	prefix []int
	then   Strategy
	off    bool
}

// NewPrefixed returns the strategy that follows prefix, then then.
func NewPrefixed(prefix []int, then Strategy) *Prefixed {
	return &Prefixed{prefix: prefix, then: then}
}

// Pick implements Strategy.
func (p *Prefixed) Pick(step int, enabled []int) int {
	if !p.off && step < len(p.prefix) && slices.Contains(enabled, p.prefix[step]) {
		return p.prefix[step]
	}
	p.off = true
	return p.then.Pick(step, enabled)
}

// bind hands the scheduler on to the strategy after the prefix, which may
// read what the threads' next steps declare (POS, SURW).
func (p *Prefixed) bind(s *Scheduler) { bindTo(s, p.then) }
