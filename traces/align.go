package traces

import (
	"slices"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/sim"
)

// A schedule says which thread runs at each step, not which operation, so
// removing an operation shifts every later step of its thread: followed
// position by position, the old schedule then preempts the thread inside
// another operation than before, and the race it showed is often lost.
// bounds recovers which of a thread's steps belong to which operation, so
// that removing one can remove its steps too.

// bounds returns, for thread k of the current candidate, where each of its
// operations starts among k's steps: operation j runs k's steps b[j] to
// b[j+1]-1 (counted from 0), and b[len] is k's last step, the one that
// ends it. It measures b[j] by running the program with thread k cut
// after j operations under the current schedule: the cut thread ends on
// the step where operation j would have begun.
func (s *shrinker) bounds(k int) []int {
	if b, ok := s.boundsCache[k]; ok {
		return b
	}
	p := s.cur.prog
	n := len(p.Threads[k])
	b := make([]int, n+1)
	for j := range n {
		q := p
		q.Threads = slices.Clone(p.Threads)
		q.Threads[k] = p.Threads[k][:j]
		s.runs++
		x := sim.Run(q, newFollow(s.cur.x.Schedule), s.opt)
		b[j] = count(x.Schedule, k) - 1
	}
	b[n] = count(s.cur.x.Schedule, k) - 1
	s.boundsCache[k] = b
	return b
}

func count(s []int, k int) int {
	n := 0
	for _, th := range s {
		if th == k {
			n++
		}
	}
	return n
}

// aligned returns the current schedule without the steps of the
// operations at drop (setup operations have none).
func (s *shrinker) aligned(drop ...pos) []int {
	gone := map[int][][2]int{} // thread -> ranges of its steps to remove
	for _, d := range drop {
		if d.thread == history.SetupThread {
			continue
		}
		b := s.bounds(d.thread)
		gone[d.thread] = append(gone[d.thread], [2]int{b[d.index], b[d.index+1]})
	}
	var out []int
	seen := map[int]int{} // thread -> its steps so far
	for _, th := range s.cur.x.Schedule {
		i := seen[th]
		seen[th]++
		if slices.ContainsFunc(gone[th], func(r [2]int) bool { return i >= r[0] && i < r[1] }) {
			continue
		}
		out = append(out, th)
	}
	return out
}
