package sched

import (
	"math/bits"
	"slices"
)

// The enabled set. A thread that waits for nothing is enabled until it
// waits or returns, whatever the other threads do, so the scheduler keeps
// those in a bitset (ready) that only the thread itself changes; the few
// threads waiting for a mutex or a condition are the only ones whose
// enabledness decide must evaluate at each step. The list handed to the
// strategy is rebuilt only when the set differs from the one it lists.
// Programs of more than maxReady threads rescan every thread instead.

// maxReady is the most threads the ready bitset holds.
const maxReady = 64

// block notes that t waits from now on, for a mutex or a condition.
func (s *Scheduler) block(t *Thread) {
	if len(s.threads) > maxReady {
		return
	}
	s.ready &^= 1 << t.id
	s.waiting = append(s.waiting, t)
}

// unblock notes that t, picked, waits no longer.
func (s *Scheduler) unblock(t *Thread) {
	if len(s.threads) > maxReady {
		return
	}
	s.forget(t)
	s.ready |= 1 << t.id
}

// retire notes that t returned (or was unwound).
func (s *Scheduler) retire(t *Thread) {
	s.live--
	if len(s.threads) > maxReady {
		return
	}
	s.forget(t)
	s.ready &^= 1 << t.id
}

// forget takes t out of the waiting threads, if it is there.
func (s *Scheduler) forget(t *Thread) {
	if i := slices.Index(s.waiting, t); i >= 0 {
		s.waiting = slices.Delete(s.waiting, i, i+1)
	}
}

// enable brings s.enabled up to date: the ready threads and the waiting
// ones whose mutex is free or whose condition holds now.
func (s *Scheduler) enable() {
	if len(s.threads) > maxReady {
		s.rescan()
		return
	}
	set := s.ready
	for _, t := range s.waiting {
		if t.enabled() {
			set |= 1 << t.id
		}
	}
	if set == s.listed { // what s.enabled lists: nothing changed
		return
	}
	s.enabled = s.enabled[:0]
	for b := set; b != 0; b &= b - 1 {
		s.enabled = append(s.enabled, bits.TrailingZeros64(b))
	}
	s.listed = set
}

// rescan is enable for many threads: every thread not returned is asked.
func (s *Scheduler) rescan() {
	s.enabled = s.enabled[:0]
	for _, t := range s.threads {
		if !t.done && t.enabled() {
			s.enabled = append(s.enabled, t.id)
		}
	}
}
