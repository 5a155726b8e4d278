package sched

import "math/bits"

// The enabled set. A thread that waits for nothing is enabled until it
// waits or returns, whatever the other threads do, so the scheduler keeps
// those in a bitset (ready) that only the thread itself changes; the few
// threads waiting for a mutex or a condition (waiting, another bitset)
// are the only ones whose enabledness decide must evaluate at each step.
// The list handed to the strategy is rebuilt only when the set differs
// from the one it lists. Programs of more than maxReady threads rescan
// every thread instead.

// maxReady is the most threads the bitsets hold.
const maxReady = 64

// wide reports whether s has too many threads for the bitsets.
func (s *Scheduler) wide() bool { return len(s.threads) > maxReady }

// block notes that t waits from now on, for a mutex or a condition.
func (s *Scheduler) block(t *Thread) {
	if !s.wide() {
		s.ready &^= 1 << t.id
		s.waiting |= 1 << t.id
	}
}

// unblock notes that t, picked, waits no longer.
func (s *Scheduler) unblock(t *Thread) {
	if !s.wide() {
		s.waiting &^= 1 << t.id
		s.ready |= 1 << t.id
	}
}

// retire notes that t returned (or was unwound).
func (s *Scheduler) retire(t *Thread) {
	s.live--
	if !s.wide() {
		s.ready &^= 1 << t.id
		s.waiting &^= 1 << t.id
	}
}

// enable brings s.enabled up to date: the ready threads and the waiting
// ones whose mutex is free or whose condition holds now.
func (s *Scheduler) enable() {
	if s.wide() {
		s.rescan()
		return
	}
	set := s.ready
	for b := s.waiting; b != 0; b &= b - 1 {
		if id := bits.TrailingZeros64(b); s.threads[id].enabled() {
			set |= 1 << id
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
