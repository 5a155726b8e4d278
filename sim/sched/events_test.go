package sched

import (
	"fmt"
	"slices"
	"strings"
)

// eventProgram describes a program one thread a string, one step a
// character: '.' touches only the thread's own state, a capital letter
// writes the shared variable it names and a small letter reads it. Every
// thread's first step, up to its first character, touches nothing shared.
type eventProgram []string

// event is a shared access, as it ran.
type event struct {
	thread int
	v      byte // the variable, in lower case
	write  bool
}

// setup adds p's threads to s; the shared accesses are appended to *log
// in the order they run.
func (p eventProgram) setup(s *Scheduler, log *[]event) {
	vars := map[byte]*int{}
	for _, steps := range p {
		for _, c := range []byte(strings.ToLower(steps)) {
			if c != '.' && vars[c] == nil {
				vars[c] = new(int)
			}
		}
	}
	for i, steps := range p {
		own := new(int)
		t := s.Go(fmt.Sprint("t", i), func(t *Thread) {
			for _, c := range []byte(steps) {
				if c == '.' {
					t.Access(own, false)
					continue
				}
				v := c | 0x20 // lower case
				t.Access(vars[v], c != v)
				*log = append(*log, event{thread: i, v: v, write: c != v})
			}
		})
		t.FirstAccess(own, false)
	}
}

// traceKey names the Mazurkiewicz trace of an execution: for each shared
// variable, the threads that accessed it in order, with each run of
// reads sorted, since reads commute. Program order fixes the rest, so two
// executions have the same key exactly when they order every pair of
// conflicting steps alike.
func traceKey(log []event) string {
	var vs []byte
	for _, e := range log {
		if !slices.Contains(vs, e.v) {
			vs = append(vs, e.v)
		}
	}
	slices.Sort(vs)
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "%c:", v)
		var reads []int
		flush := func() {
			slices.Sort(reads)
			for _, r := range reads {
				fmt.Fprintf(&b, " r%d", r)
			}
			reads = reads[:0]
		}
		for _, e := range log {
			switch {
			case e.v != v:
			case e.write:
				flush()
				fmt.Fprintf(&b, " W%d", e.thread)
			default:
				reads = append(reads, e.thread)
			}
		}
		flush()
		b.WriteString("; ")
	}
	return b.String()
}

// sample runs p once per seed 0..n-1 under the strategy mk makes and
// counts the executions by key.
func sample(p eventProgram, n int, mk func(seed uint64) Strategy, key func([]event) string) map[string]int {
	counts := map[string]int{}
	var log []event
	s := New(nil, 0)
	for seed := range uint64(n) {
		log = log[:0]
		s.Reset(mk(seed), 0)
		p.setup(s, &log)
		if r := s.Run(); r.Outcome != Finished {
			panic(fmt.Sprintf("seed %d: %v", seed, r.Outcome))
		}
		counts[key(log)]++
	}
	return counts
}

// traces returns the keys of every trace of p, one per execution of an
// unbounded search with sleep sets, which runs one schedule per trace.
func (p eventProgram) traces() []string {
	var log []event
	var keys []string
	Explore(func(s *Scheduler) { log = log[:0]; p.setup(s, &log) }, ExploreOptions{Bound: Unbounded},
		func(Result) bool { keys = append(keys, traceKey(log)); return true })
	return keys
}

// spread returns the largest count over the smallest, over every key in
// keys; a key never seen makes it infinite.
func spread(counts map[string]int, keys []string) float64 {
	lo, hi := -1, 0
	for _, k := range keys {
		c := counts[k]
		if lo < 0 || c < lo {
			lo = c
		}
		hi = max(hi, c)
	}
	return float64(hi) / float64(lo)
}
