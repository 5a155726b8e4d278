package sched

import (
	"math/rand/v2"
	"testing"
)

// costReplay is a Strategy that replays a schedule prefix, then runs the
// lowest thread, counting the preemptions of the prefix the way the
// bounded search defines them: a switch away from a thread that could go
// on.
type costReplay struct {
	prefix      []int
	preemptions int
}

func (c *costReplay) Pick(i int, enabled []int) int {
	if i >= len(c.prefix) {
		return enabled[0]
	}
	if i > 0 && c.prefix[i] != c.prefix[i-1] {
		for _, id := range enabled {
			if id == c.prefix[i-1] {
				c.preemptions++
			}
		}
	}
	return c.prefix[i]
}

// scheduleCost returns the preemptions of the first steps of a schedule
// of the program setup makes.
func scheduleCost(setup func(*Scheduler), prefix []int) int {
	c := &costReplay{prefix: prefix}
	s := New(c, 0)
	setup(s)
	s.Run()
	return c.preemptions
}

// TestDPORCheapestFirst checks that DPOR without a bound takes its
// branches cheapest first: every branch it takes costs (in preemptions of
// its schedule up to its step, counted here by replaying the schedule)
// what its key says, and no branch waiting then costs less; so the costs
// of the explored schedules rise except where a race found late asks for
// a cheaper branch than the last one taken. The same check fails on the
// depth-first order, which also explores every trace once.
func TestDPORCheapestFirst(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	all := func(Result) bool { return true }
	taken, outOfOrder, depthFirstOutOfOrder, drops := 0, 0, 0, 0
	for i := range 30 {
		p := randomProgram(rng, 2+i%2, 2+i%2, 2)
		var out func() string
		setup := p.setup(&out, true)
		var cheap, deep []takenBranch
		st := Explore(setup, ExploreOptions{Bound: Unbounded, CheckTraces: true, branches: &cheap}, all)
		dst := Explore(setup, ExploreOptions{Bound: Unbounded, CheckTraces: true, DepthFirst: true, branches: &deep}, all)
		if !st.Exhausted || st.Duplicates != 0 || st.Traces != dst.Traces || st.Executions != dst.Executions {
			t.Fatalf("program %d %v: cheapest first %+v, depth first %+v", i, p, st, dst)
		}
		for k, b := range cheap {
			if c := scheduleCost(setup, b.prefix); c != b.cost {
				t.Fatalf("program %d, branch %d %v: key %d, the schedule costs %d", i, k, b.prefix, b.cost, c)
			}
			if b.least < b.cost {
				outOfOrder++
				if outOfOrder == 1 {
					t.Errorf("program %d, branch %d: cost %d taken while one of cost %d waited", i, k, b.cost, b.least)
				}
			}
			if k > 0 && b.cost < cheap[k-1].cost {
				drops++
			}
		}
		taken += len(cheap)
		for _, b := range deep {
			if b.least < b.cost {
				depthFirstOutOfOrder++
			}
		}
	}
	if outOfOrder > 0 {
		t.Errorf("%d branches taken while a cheaper one waited", outOfOrder)
	}
	if taken < 300 {
		t.Fatalf("only %d branches taken", taken)
	}
	if depthFirstOutOfOrder == 0 {
		t.Errorf("depth first took no branch while a cheaper one waited: the check cannot fail")
	}
	t.Logf("%d branches taken cheapest first, %d cheaper than the one before (a race found late); depth first, %d taken while a cheaper one waited",
		taken, drops, depthFirstOutOfOrder)
}

// A program with more threads than a tset holds is searched with sleep
// sets instead of DPOR, rather than failing.
func TestDPORManyThreads(t *testing.T) {
	var xs [maxDPORThreads + 1]int
	setup := func(s *Scheduler) {
		for i := range xs {
			s.Go("t", func(t *Thread) { t.Access(&xs[i], true); xs[i]++ })
		}
	}
	st := Explore(setup, ExploreOptions{Bound: Unbounded, MaxExecutions: 3}, func(Result) bool { return true })
	if st.Err != nil || st.DPOR || st.Executions == 0 {
		t.Fatalf("%d threads: %+v", len(xs), st)
	}
}
