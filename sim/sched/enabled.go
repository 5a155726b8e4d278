package sched

import "math/bits"

// The enabled set. A thread that waits for nothing is enabled until it
// waits or returns, whatever the other threads do, so the scheduler keeps
// those in a bitset (ready) that only the thread itself changes. A thread
// waiting for a mutex is enabled while the mutex is free for it, which
// changes only when the mutex is taken or released: each mutex knows the
// threads waiting for it (Mutex.waiters), and the scheduler keeps those
// it would let in now in another bitset (lockable), updated by the
// threads that take and release it. Only the few threads waiting for a
// condition (conds) must be asked at each step, since a condition may
// read anything. The list handed to the strategy is rebuilt only when
// the set differs from the one it lists. Programs of more than maxReady
// threads rescan every thread instead; the bitsets then hold the first
// maxReady, and a bit past them is 0 (1 << id is 0 for an id of 64 or
// more), so the code that keeps them need not check.

// maxReady is the most threads the bitsets hold.
const maxReady = 64

// blockOnMutex notes that t waits from now on to take m, shared or not.
func (s *Scheduler) blockOnMutex(t *Thread, m *Mutex, shared bool) {
	b := t.bit
	s.ready &^= b
	m.waiters |= b
	if shared {
		m.sharers |= b
	}
	if m.free(shared) {
		s.lockable |= b
	}
}

// unblockMutex notes that t, picked, waits no longer for m, which it
// takes.
func (s *Scheduler) unblockMutex(t *Thread, m *Mutex) {
	b := t.bit
	s.ready |= b
	s.lockable &^= b
	m.waiters &^= b
	m.sharers &^= b
}

// taken notes that m was just taken, shared or not: none of its
// waiters may take it now, or, taken shared, only those that want it
// shared too.
func (s *Scheduler) taken(m *Mutex, shared bool) {
	if shared {
		s.lockable &^= m.waiters &^ m.sharers
	} else {
		s.lockable &^= m.waiters
	}
}

// freed notes that m was just released by its last holder: every one
// of its waiters may take it.
func (s *Scheduler) freed(m *Mutex) { s.lockable |= m.waiters }

// blockOnCond notes that t waits from now on for a condition.
func (s *Scheduler) blockOnCond(t *Thread) {
	b := t.bit
	s.ready &^= b
	s.conds |= b
}

// unblockCond notes that t, picked, waits no longer for its condition.
func (s *Scheduler) unblockCond(t *Thread) {
	b := t.bit
	s.ready |= b
	s.conds &^= b
}

// retire notes that t returned (or was unwound, maybe while it waited).
func (s *Scheduler) retire(t *Thread) {
	s.live--
	t.leave()
}

// leave takes t out of the bitsets, and out of the waiters of the mutex
// it waited for, which may outlive the execution.
func (t *Thread) leave() {
	s, b := t.s, t.bit
	s.ready &^= b
	s.lockable &^= b
	s.conds &^= b
	if t.wait == onMutex {
		t.mutex.waiters &^= b
		t.mutex.sharers &^= b
	}
}

// enable brings s.enabled up to date: the ready threads, the lockable
// ones and those whose condition holds now. Its common case, nothing
// changed and no condition to ask, is small enough to inline in decide.
func (s *Scheduler) enable() {
	if s.conds == 0 && s.ready|s.lockable == s.listed && !s.rescans {
		return
	}
	s.relist()
}

// relist is enable when something changed, threads wait for a
// condition, or too many threads for the bitsets run.
func (s *Scheduler) relist() {
	if s.rescans {
		s.rescan()
		return
	}
	set := s.ready | s.lockable
	for b := s.conds; b != 0; b &= b - 1 {
		if id := bits.TrailingZeros64(b); s.threads[id].cond() {
			set |= 1 << id
		}
	}
	if set != s.listed { // what s.enabled lists
		s.list(set)
	}
}

// list makes s.enabled list set.
func (s *Scheduler) list(set uint64) {
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
