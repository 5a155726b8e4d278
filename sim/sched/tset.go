package sched

import (
	"errors"
	"math/bits"
)

// tset is a set of thread ids below maxDPORThreads, as a bitmask: DPOR
// keeps several per state, and the cheapest-first search keeps a tree of
// states, so they are kept to a word each.
type tset uint32

// maxDPORThreads is the number of threads DPOR handles; Explore falls
// back to the sleep-set search for programs with more.
const maxDPORThreads = 32

// errManyThreads is the error of a DPOR search that met a thread it
// cannot keep in a tset.
var errManyThreads = errors.New("sched: explore: DPOR takes at most 32 threads")

func (s tset) has(tid int) bool     { return s&(1<<tid) != 0 }
func (s *tset) add(tid int)         { *s |= 1 << tid }
func (s tset) without(tid int) tset { return s &^ (1 << tid) }

// each calls f with the threads of s, ascending.
func (s tset) each(f func(tid int)) {
	for s != 0 {
		tid := bits.TrailingZeros32(uint32(s))
		f(tid)
		s &= s - 1
	}
}

// tsetOf returns the set of ids, and false if one is too large for it.
func tsetOf(ids []int) (tset, bool) {
	var s tset
	for _, id := range ids {
		if id >= maxDPORThreads {
			return 0, false
		}
		s.add(id)
	}
	return s, true
}

// appendTids appends the threads of s to buf, ascending.
func (s tset) appendTids(buf []int) []int {
	s.each(func(tid int) { buf = append(buf, tid) })
	return buf
}
