package traces

import "slices"

// Preemptions counts the context switches in a schedule that leave a thread
// which has not finished: pick i differs from pick i-1 and the thread of
// pick i-1 is picked again later. It reads the schedule alone, so it cannot
// tell a thread that was preempted from one that blocked (on a lock or a
// drain): it is an upper bound on the preemptions proper, which ShrinkStats
// reports from the execution itself.
func Preemptions(schedule []int) int {
	n := 0
	for i := 1; i < len(schedule); i++ {
		if schedule[i] != schedule[i-1] && slices.Contains(schedule[i:], schedule[i-1]) {
			n++
		}
	}
	return n
}

// follow is the strategy candidates run under while shrinking: it follows
// the old schedule step by step where the recorded thread can run, and
// otherwise keeps running the current thread, so that a schedule that no
// longer fits adds as few preemptions as possible. It counts preemptions
// proper: switches away from a thread that could have continued.
type follow struct {
	picks       []int
	prev        int
	preemptions int
}

func newFollow(picks []int) *follow { return &follow{picks: picks, prev: -1} }

// Pick implements sched.Strategy.
func (f *follow) Pick(step int, enabled []int) int {
	prevEnabled := f.prev >= 0 && slices.Contains(enabled, f.prev)
	id := enabled[0]
	switch {
	case step < len(f.picks) && slices.Contains(enabled, f.picks[step]):
		id = f.picks[step]
	case prevEnabled:
		id = f.prev
	}
	if prevEnabled && id != f.prev {
		f.preemptions++
	}
	f.prev = id
	return id
}

// switches returns the steps i where the schedule switches threads.
func switches(s []int) []int {
	var at []int
	for i := 1; i < len(s); i++ {
		if s[i] != s[i-1] {
			at = append(at, i)
		}
	}
	return at
}

// continueAt returns s with the context switch at step i undone: the
// previous thread's next run of picks is moved up to step i, and the other
// threads' picks from i on follow in their old order. Every thread keeps
// the same sequence of steps, so the result fits wherever the order of the
// moved steps does not matter. It returns nil when the previous thread
// never runs again.
func continueAt(s []int, i int) []int {
	prev := s[i-1]
	start := slices.Index(s[i:], prev)
	if start < 0 {
		return nil
	}
	start += i
	end := start
	for end < len(s) && s[end] == prev {
		end++
	}
	out := make([]int, 0, len(s))
	out = append(out, s[:i]...)
	out = append(out, s[start:end]...)
	out = append(out, s[i:start]...)
	return append(out, s[end:]...)
}

// dropThread returns s without thread k's picks, with the threads above k
// renumbered, as when thread k is removed from the program.
func dropThread(s []int, k int) []int {
	out := make([]int, 0, len(s))
	for _, th := range s {
		switch {
		case th < k:
			out = append(out, th)
		case th > k:
			out = append(out, th-1)
		}
	}
	return out
}
