package sctbench

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/sim/sched"
)

const limit = 10000

// idb is the systematic search the tests rely on: iterative delay
// bounding. Preemption bounding (the Explore default) is in the table
// too, but it explores every order in which wronglock_bad's seven
// identical threads can start one after another and does not reach the
// bug within the limit.
var idb = sched.ExploreOptions{Bounding: sched.Delays, Bound: sched.Unbounded, Iterative: true, MaxExecutions: limit}

// strategies are the per-execution strategy families compared here; k is
// the step estimate PCT needs and seed tells runs apart.
var strategies = []struct {
	name string
	make func(p Program, seed uint64, k int) func(e int) sched.Strategy
}{
	{"random", func(p Program, seed uint64, k int) func(int) sched.Strategy {
		return func(e int) sched.Strategy { return sched.NewRandom(seed<<32 | uint64(e)) }
	}},
	{"pct:2", func(p Program, seed uint64, k int) func(int) sched.Strategy {
		return func(e int) sched.Strategy { return sched.NewPCT(seed<<32|uint64(e), 2, p.Threads, k) }
	}},
	{"pct:3", func(p Program, seed uint64, k int) func(int) sched.Strategy {
		return func(e int) sched.Strategy { return sched.NewPCT(seed<<32|uint64(e), 3, p.Threads, k) }
	}},
	{"portfolio", func(p Program, seed uint64, k int) func(int) sched.Strategy {
		return func(e int) sched.Strategy { return sched.NewPortfolio(seed<<32|uint64(e), p.Threads, k) }
	}},
	{"pos", func(p Program, seed uint64, k int) func(int) sched.Strategy {
		return func(e int) sched.Strategy { return sched.NewPOS(seed<<32 | uint64(e)) }
	}},
	{"surw", func(p Program, seed uint64, k int) func(int) sched.Strategy {
		counts := InterestingSteps(p, seed)
		return func(e int) sched.Strategy { return sched.NewSURW(seed<<32|uint64(e), counts) }
	}},
}

func TestEveryStrategyFindsEveryBug(t *testing.T) {
	for _, p := range All {
		k := Steps(p, 0)
		for _, st := range strategies {
			if n := ExecutionsToBug(p, limit, st.make(p, 1, k)); n == 0 {
				t.Errorf("%s: %s missed the bug in %d executions", p.Name, st.name, limit)
			}
		}
		n, stats := ExploreToBug(p, idb)
		if n == 0 {
			t.Errorf("%s: exhaustive search missed the bug: %v", p.Name, stats)
		}
	}
}

// TestSerialRunsPass checks the ports are not buggy by accident: running
// the threads one after another in creation order shows no bug.
func TestSerialRunsPass(t *testing.T) {
	for _, p := range All {
		if p.Name == "account_bad" {
			continue // its assertion fails whenever check_result runs last
		}
		s := sched.New(lowest{}, 0)
		if p.Setup(s)(s.Run()) {
			t.Errorf("%s: bug in the serial schedule", p.Name)
		}
	}
}

type lowest struct{}

func (lowest) Pick(_ int, enabled []int) int { return enabled[0] }

// TestBPORKeepsOutcomes compares, on every port within preemption bounds
// 0 to 3, the outcomes (bug shown or not, how the execution ended, its
// length) that the bounded-DPOR prototype reaches with those of the
// campaign's search, sleep sets deepened level by level: the prototype
// must reach every one. Searches either leaves unfinished within the
// limit are not compared.
func TestBPORKeepsOutcomes(t *testing.T) {
	compared := 0
	for _, p := range All {
		for bound := range 4 {
			old, ost := outcomeSet(p, sched.ExploreOptions{Bound: bound, Iterative: true, MaxExecutions: limit})
			bp, bst := outcomeSet(p, sched.ExploreOptions{Bound: bound, ExperimentalBPOR: true, MaxExecutions: limit})
			if !ost.Exhausted || !bst.Exhausted {
				continue
			}
			compared++
			for o := range old {
				if !bp[o] {
					t.Errorf("%s, bound %d: bounded DPOR (%v) misses %s, which sleep sets (%v) reach", p.Name, bound, bst, o, ost)
				}
			}
		}
	}
	if compared < 12 {
		t.Fatalf("only %d searches compared", compared)
	}
}

// outcomeSet explores p with opts and returns the outcomes it reached.
func outcomeSet(p Program, opts sched.ExploreOptions) (map[string]bool, sched.ExploreStats) {
	var bug func(sched.Result) bool
	seen := map[string]bool{}
	st := sched.Explore(func(s *sched.Scheduler) { bug = p.Setup(s) }, opts, func(r sched.Result) bool {
		seen[fmt.Sprintf("bug=%v %v after %d steps", bug(r), r.Outcome, r.Steps)] = true
		return true
	})
	return seen, st
}

// TestExecutionsToFirstBug prints, with -v, the median number of
// executions each strategy needs to show each bug, over independent seeds;
// systematic search is deterministic and needs one run. A 0 from search,
// or limit+1 from a strategy, means not found within limit executions.
//
// Each strategy's cell is its median and, in parentheses, how many seeds
// found the bug. dpor is the search without a bound (source-DPOR), sleep
// the sleep-set search it replaced, pb2-bpor the bounded-DPOR prototype
// at bound 2 (sched.ExploreOptions.ExperimentalBPOR), all counting every
// run, abandoned ones included.
func TestExecutionsToFirstBug(t *testing.T) {
	seeds := 10
	if testing.Short() {
		seeds = 5
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-16s %6s", "program", "k")
	for _, st := range strategies {
		fmt.Fprintf(&b, " %12s", st.name)
	}
	fmt.Fprintf(&b, " %10s %10s %10s %10s %10s %10s\n", "pb2", "pb2-noPOR", "pb2-bpor", "idb", "dpor", "sleep")
	for _, p := range All {
		k := Steps(p, 0)
		fmt.Fprintf(&b, "%-16s %6d", p.Name, k)
		for _, st := range strategies {
			var ns []int
			found := 0
			for seed := range uint64(seeds) {
				n := ExecutionsToBug(p, limit, st.make(p, seed+1, k))
				if n == 0 {
					n = limit + 1 // counts as "more than the limit"
				} else {
					found++
				}
				ns = append(ns, n)
			}
			slices.Sort(ns)
			fmt.Fprintf(&b, " %12s", fmt.Sprintf("%d (%d/%d)", ns[len(ns)/2], found, seeds))
		}
		n, _ := ExploreToBug(p, sched.ExploreOptions{Bound: sched.DefaultPreemptionBound, MaxExecutions: limit})
		nr, _ := ExploreToBug(p, sched.ExploreOptions{Bound: sched.DefaultPreemptionBound, MaxExecutions: limit, NoReduction: true})
		bp, _ := ExploreToBug(p, sched.ExploreOptions{Bound: sched.DefaultPreemptionBound, MaxExecutions: limit, ExperimentalBPOR: true})
		db, _ := ExploreToBug(p, idb)
		dp, _ := ExploreToBug(p, sched.ExploreOptions{Bound: sched.Unbounded, MaxExecutions: limit})
		sl, _ := ExploreToBug(p, sched.ExploreOptions{Bound: sched.Unbounded, SleepSets: true, MaxExecutions: limit})
		fmt.Fprintf(&b, " %10d %10d %10d %10d %10d %10d\n", n, nr, bp, db, dp, sl)
	}
	t.Log(b.String())
}
