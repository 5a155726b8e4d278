package sched

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestExploreFindsLostUpdateAndLockPreventsIt(t *testing.T) {
	for _, locked := range []bool{false, true} {
		var x int
		lost := 0
		st := Explore(func(s *Scheduler) {
			x = 0
			lostUpdate(s, &x, locked, &Mutex{Name: "mu"})
		}, ExploreOptions{Bound: DefaultPreemptionBound}, func(r Result) bool {
			if r.Outcome != Finished {
				t.Fatalf("outcome %v", r.Outcome)
			}
			if x != 2 {
				lost++
			}
			return true
		})
		if st.Err != nil || !st.Exhausted {
			t.Fatalf("locked=%v: %v, err %v", locked, st, st.Err)
		}
		if locked != (lost == 0) {
			t.Errorf("locked=%v: %d lost updates in %v", locked, lost, st)
		}
	}
}

func TestExploreFindsABBADeadlockWithOnePreemption(t *testing.T) {
	deadlocks := 0
	st := Explore(func(s *Scheduler) {
		// Each execution needs its own state, mutexes included.
		a, b := &Mutex{Name: "a"}, &Mutex{Name: "b"}
		s.Go("ab", func(t *Thread) { t.Lock(a); t.Lock(b); t.Unlock(b); t.Unlock(a) })
		s.Go("ba", func(t *Thread) { t.Lock(b); t.Lock(a); t.Unlock(a); t.Unlock(b) })
	}, ExploreOptions{Bound: 1}, func(r Result) bool {
		if r.Outcome == Deadlocked {
			deadlocks++
		}
		return true
	})
	if deadlocks == 0 || !st.Exhausted {
		t.Fatalf("%d deadlocks, %v", deadlocks, st)
	}
}

func TestExploreVisitStopsSearch(t *testing.T) {
	var x int
	st := Explore(func(s *Scheduler) { x = 0; lostUpdate(s, &x, false, nil) },
		ExploreOptions{Bound: DefaultPreemptionBound}, func(Result) bool { return x == 2 })
	if st.Exhausted || st.Executions == 0 {
		t.Fatalf("search not stopped at first lost update: %v", st)
	}
	st = Explore(func(s *Scheduler) { x = 0; lostUpdate(s, &x, false, nil) },
		ExploreOptions{Bound: DefaultPreemptionBound, MaxExecutions: 2}, func(Result) bool { return true })
	if st.Exhausted || st.Executions != 2 {
		t.Fatalf("MaxExecutions 2: %v", st)
	}
}

// TestExploreCountsInterleavings checks the search against a closed form:
// two threads of m steps that all conflict have C(2m, m) schedules, and
// with a preemption bound of 0 only the two serial ones remain.
func TestExploreCountsInterleavings(t *testing.T) {
	prog := func(m int) func(*Scheduler) {
		return func(s *Scheduler) {
			for range 2 {
				s.Go("w", func(t *Thread) {
					for range m - 1 {
						t.Yield()
					}
				})
			}
		}
	}
	all := func(Result) bool { return true }
	// m-1 Yields give m steps: the first runs up to the first Yield.
	for m, want := range map[int]int{1: 2, 2: 6, 3: 20, 4: 70} {
		st := Explore(prog(m), ExploreOptions{Bound: Unbounded}, all)
		if st.Executions != want || !st.Exhausted || st.BoundHit {
			t.Errorf("m=%d: %v, want %d executions", m, st, want)
		}
	}
	// With a bound: a schedule of j blocks (maximal runs of one thread)
	// has j-2 preemptions, the last switch being free. Two blocks: 2
	// schedules; three: 2(m-1); four: 2(m-1)^2.
	for m := 2; m <= 5; m++ {
		for b, want := range map[int]int{1: 2 + 2*(m-1), 2: 2 + 2*(m-1) + 2*(m-1)*(m-1)} {
			st := Explore(prog(m), ExploreOptions{Bound: b}, all)
			if st.Executions != want || !st.Exhausted || !st.BoundHit != (m == 2 && b == 2) {
				t.Errorf("m=%d bound %d: %v, want %d executions", m, b, st, want)
			}
		}
	}
}

// program is a random straight-line program over a few shared variables,
// for checking that the reduction keeps every reachable final state.
type program [][]op

type op struct {
	v     int // variable index
	write bool
	val   int
	lock  bool // hold mutex v around the access
}

func randomProgram(rng *rand.Rand, threads, steps, vars int) program {
	p := make(program, threads)
	for i := range p {
		for range steps {
			p[i] = append(p[i], op{v: rng.IntN(vars), write: rng.IntN(2) == 0, val: rng.IntN(3), lock: rng.IntN(3) == 0})
		}
	}
	return p
}

// setup returns a setup function for p; after each execution, *out holds
// the final state: the variables and every value each thread read.
func (p program) setup(out *func() string, declare bool) func(*Scheduler) {
	return func(s *Scheduler) {
		vars := make([]int, 4)
		mus := make([]Mutex, 4)
		reads := make([][]int, len(p))
		*out = func() string { return fmt.Sprint(vars, reads) }
		for i, ops := range p {
			s.Go(fmt.Sprint("t", i), func(t *Thread) {
				for _, o := range ops {
					if o.lock {
						t.Lock(&mus[o.v])
					}
					if declare {
						t.Access(&vars[o.v], o.write)
					} else {
						t.Yield()
					}
					if o.write {
						vars[o.v] = o.val
					} else {
						reads[i] = append(reads[i], vars[o.v])
					}
					if o.lock {
						t.Unlock(&mus[o.v])
					}
				}
			})
		}
	}
}

// TestReductionKeepsFinalStates compares, on random programs, the final
// states reached with sleep sets against those reached by every schedule.
func TestReductionKeepsFinalStates(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 25 {
		p := randomProgram(rng, 3, 2, 2)
		states := func(opts ExploreOptions) ([]string, ExploreStats) {
			var out func() string
			seen := map[string]bool{}
			st := Explore(p.setup(&out, !opts.NoReduction), opts, func(Result) bool {
				seen[out()] = true
				return true
			})
			keys := make([]string, 0, len(seen))
			for k := range seen {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			return keys, st
		}
		full, fst := states(ExploreOptions{Bound: Unbounded, NoReduction: true})
		red, rst := states(ExploreOptions{Bound: Unbounded})
		if !slices.Equal(full, red) {
			t.Fatalf("program %d %v: reduction lost states\nfull %v\nreduced %v", i, p, full, red)
		}
		if rst.Executions > fst.Executions || !rst.Exhausted {
			t.Fatalf("program %d: reduced %v, full %v", i, rst, fst)
		}
		if i == 0 {
			t.Logf("program 0: %d final states; full search %v; reduced %v", len(full), fst, rst)
		}
	}
}

func TestExploreReportsNondeterminism(t *testing.T) {
	for _, bound := range []int{DefaultPreemptionBound, Unbounded} {
		calls := 0
		st := Explore(func(s *Scheduler) {
			calls++
			n := 1 + calls%2 // a different number of threads each time
			for range n {
				s.Go("w", func(t *Thread) { t.Yield() })
			}
		}, ExploreOptions{Bound: bound}, func(Result) bool { return true })
		if st.Err == nil {
			t.Fatalf("bound %d: no error: %v", bound, st)
		}
	}
}

// DPOR stops where visit or MaxExecutions says, and says it did not
// exhaust the space.
func TestDPORStops(t *testing.T) {
	var x int
	prog := func(s *Scheduler) { x = 0; lostUpdate(s, &x, false, nil) }
	st := Explore(prog, ExploreOptions{Bound: Unbounded}, func(Result) bool { return x == 2 })
	if !st.DPOR || st.Exhausted || st.Executions == 0 {
		t.Fatalf("search not stopped at first lost update: %v", st)
	}
	st = Explore(prog, ExploreOptions{Bound: Unbounded, MaxExecutions: 2}, func(Result) bool { return true })
	if st.Exhausted || st.Executions != 2 {
		t.Fatalf("MaxExecutions 2: %v", st)
	}
	st = Explore(prog, ExploreOptions{Bound: Unbounded}, func(Result) bool { return true })
	if !st.Exhausted || st.Executions < 3 {
		t.Fatalf("full search: %v", st)
	}
}

// TestBoundedReductionKeepsFinalStates is TestReductionKeepsFinalStates
// under a preemption or delay bound: sleep sets must not lose a final state
// that some schedule within the bound reaches (see Explore).
func TestBoundedReductionKeepsFinalStates(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 80 {
		p := randomProgram(rng, 2+i%2, 3+i%3, 2+i%2)
		for _, bounding := range []Bounding{Preemptions, Delays} {
			for bound := range 3 {
				states := func(noReduction bool) (map[string]bool, ExploreStats) {
					var out func() string
					seen := map[string]bool{}
					st := Explore(p.setup(&out, !noReduction), ExploreOptions{Bound: bound, Bounding: bounding, NoReduction: noReduction}, func(Result) bool {
						seen[out()] = true
						return true
					})
					return seen, st
				}
				full, fst := states(true)
				red, rst := states(false)
				for s := range full {
					if !red[s] {
						t.Fatalf("program %d %v, bounding %d, bound %d: reduction lost %s\nfull %v\nreduced %v", i, p, bounding, bound, s, fst, rst)
					}
				}
				// The iterative search, the campaign's, reaches them too,
				// and visits no schedule twice.
				var out func() string
				iter, seen := map[string]bool{}, map[string]bool{}
				ist := Explore(p.setup(&out, true), ExploreOptions{Bound: bound, Bounding: bounding, Iterative: true}, func(r Result) bool {
					iter[out()] = true
					k := fmt.Sprint(r.Schedule)
					if seen[k] {
						t.Fatalf("program %d, bound %d: schedule %s visited twice", i, bound, k)
					}
					seen[k] = true
					return true
				})
				for s := range full {
					if !iter[s] || !ist.Exhausted {
						t.Fatalf("program %d %v, bounding %d, bound %d: the iterative search (%v) lost %s\nfull %v", i, p, bounding, bound, ist, s, fst)
					}
				}
			}
		}
	}
}

// An iterative search that a budget stops at some level has not exhausted
// the space, though the levels below it were exhausted.
func TestIterativeBudgetIsNotExhausted(t *testing.T) {
	prog := incrementers(3)
	level0 := Explore(prog, ExploreOptions{Bound: 0}, func(Result) bool { return true })
	full := Explore(prog, ExploreOptions{Bound: 2, Iterative: true}, func(Result) bool { return true })
	if !level0.Exhausted || !full.Exhausted || full.Executions <= level0.Executions+1 {
		t.Fatalf("setup: level 0 %v, bound 2 %v", level0, full)
	}
	st := Explore(prog, ExploreOptions{Bound: 2, Iterative: true, MaxExecutions: level0.Executions + 1}, func(Result) bool { return true })
	if st.Exhausted {
		t.Fatalf("stopped after %d of %d executions, yet exhausted: %v", st.Executions, full.Executions, st)
	}
}

// TestDPORExploresEachTraceOnce checks source-DPOR against the search of
// every schedule on random programs with locks: the complete executions it
// explores are pairwise inequivalent (no two share a Mazurkiewicz trace),
// they are every trace of the program (as many as the full search finds,
// which are all of them), and the runs it abandons, blocked by sleep
// sets, stay under 5% of the traces. The trace check is shown to fail on a
// weakened reduction: DPOR without sleep sets explores some traces twice.
func TestDPORExploresEachTraceOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	all := func(Result) bool { return true }
	runs, traces, weakDup, sleepRuns := 0, 0, 0, 0
	for i := range 40 {
		p := randomProgram(rng, 2+i%2, 2+i%3, 2)
		var out func() string
		setup := p.setup(&out, true)
		full := Explore(setup, ExploreOptions{Bound: Unbounded, NoReduction: true, CheckTraces: true, MaxExecutions: 10000}, all)
		if !full.Exhausted {
			continue
		}
		st := Explore(setup, ExploreOptions{Bound: Unbounded, CheckTraces: true}, all)
		if !st.DPOR || !st.Exhausted || st.Duplicates != 0 || st.Traces != full.Traces || st.Executions != st.Traces {
			t.Fatalf("program %d %v: DPOR %+v, every schedule %+v", i, p, st, full)
		}
		runs += st.Executions + st.Pruned
		traces += st.Traces
		weak := Explore(setup, ExploreOptions{Bound: Unbounded, CheckTraces: true, noSleep: true}, all)
		weakDup += weak.Duplicates
		old := Explore(setup, ExploreOptions{Bound: Unbounded, SleepSets: true}, all)
		sleepRuns += old.Executions + old.Pruned
	}
	if traces < 500 {
		t.Fatalf("only %d traces compared", traces)
	}
	if r := float64(runs) / float64(traces); r > 1.05 {
		t.Errorf("%d runs for %d traces: %.3f per trace", runs, traces, r)
	}
	if weakDup == 0 {
		t.Errorf("the trace check found no duplicate in DPOR without sleep sets")
	}
	t.Logf("%d traces, %d runs (sleep sets alone: %d); DPOR without sleep sets, %d duplicates", traces, runs, sleepRuns, weakDup)
}

// DPOR on programs whose threads wait for conditions (Wait steps conflict
// with every step, and a waiter cannot run until its condition holds)
// explores every trace once, as the search of every schedule finds them.
func TestDPORWithConditionWaits(t *testing.T) {
	waiters := func(n int) func(*Scheduler) {
		return func(s *Scheduler) {
			var flag, x, y int
			mu := &Mutex{Name: "mu"}
			s.Go("setter", func(t *Thread) {
				t.Access(&y, true)
				y = 1
				t.Access(&flag, true)
				flag++
			})
			for i := range n {
				s.Go("waiter", func(t *Thread) {
					t.Wait("flag", func() bool { return flag > 0 })
					t.Lock(mu)
					x += i
					t.Unlock(mu)
					t.Access(&y, false)
				})
			}
			s.Go("writer", func(t *Thread) {
				t.Lock(mu)
				x = 7
				t.Unlock(mu)
				t.Access(&y, true)
				y = 2
			})
		}
	}
	all := func(Result) bool { return true }
	for n := 1; n <= 2; n++ {
		full := Explore(waiters(n), ExploreOptions{Bound: Unbounded, NoReduction: true, CheckTraces: true}, all)
		st := Explore(waiters(n), ExploreOptions{Bound: Unbounded, CheckTraces: true}, all)
		if !full.Exhausted || !st.Exhausted || st.Duplicates != 0 || st.Traces != full.Traces || st.Executions != st.Traces {
			t.Fatalf("%d waiters: DPOR %+v, every schedule %+v", n, st, full)
		}
		t.Logf("%d waiters: %d traces, DPOR %d runs, every schedule %d", n, st.Traces, st.Executions+st.Pruned, full.Executions)
	}
}

// nestedLocks: t0 reads x under m; t1 writes x under m2; t2 takes m and
// lets it go, then takes m and, inside, m2. In the runs where t2 takes m
// the second time while t1 holds m2, and t1 sleeps (its step is covered
// elsewhere), t2 blocks on m2 with t0 blocked on m: sleep sets block the
// run, and t0's acquisition, never taken, races with t2's only there.
func nestedLocks(s *Scheduler) {
	var x int
	m, m2 := &Mutex{Name: "m"}, &Mutex{Name: "m2"}
	s.Go("t0", func(t *Thread) {
		t.Lock(m)
		t.Access(&x, false)
		t.Unlock(m)
	})
	s.Go("t1", func(t *Thread) {
		t.Lock(m2)
		t.Access(&x, true)
		x++
		t.Unlock(m2)
	})
	s.Go("t2", func(t *Thread) {
		t.Lock(m)
		t.Unlock(m)
		t.Lock(m)
		t.Lock(m2)
		t.Unlock(m2)
		t.Unlock(m)
	})
}

// DPOR explores every trace of nestedLocks, as the search of every
// schedule finds them: the acquisitions that threads blocked on a mutex
// would take next, at the end of a run sleep sets blocked, are analysed
// for races too (dpor.blockedRaces).
func TestDPORBlockedAcquisitions(t *testing.T) {
	all := func(Result) bool { return true }
	full := Explore(nestedLocks, ExploreOptions{Bound: Unbounded, NoReduction: true, CheckTraces: true}, all)
	st := Explore(nestedLocks, ExploreOptions{Bound: Unbounded, CheckTraces: true}, all)
	if !full.Exhausted || !st.Exhausted || st.Duplicates != 0 || st.Traces != full.Traces || st.Executions != st.Traces {
		t.Fatalf("DPOR %+v, every schedule %+v", st, full)
	}
	t.Logf("%d traces, DPOR %d runs, every schedule %d", st.Traces, st.Executions+st.Pruned, full.Executions)
}

// condLocked runs two threads that each take a lock made of a condition
// (wait until it is free, then take it) around one declared step. The
// step that frees the lock races with the other thread's wait, but that
// thread cannot run where the step is, the lock being taken: the order
// in which it takes the lock first is tried from where it last could.
func condLocked(s *Scheduler) {
	var x int
	held := false
	lock := func(t *Thread) {
		t.Wait("free", func() bool { return !held })
		held = true
	}
	unlock := func(t *Thread) {
		t.Access(&held, true)
		held = false
	}
	for i := range 2 {
		s.Go("t", func(t *Thread) {
			lock(t)
			t.Access(&x, i == 1)
			unlock(t)
		})
	}
}

// DPOR explores every trace of threads synchronising through a condition
// that a step falsifies, as the search of every schedule finds them (see
// dpor.enabledBefore).
func TestDPORConditionLock(t *testing.T) {
	all := func(Result) bool { return true }
	full := Explore(condLocked, ExploreOptions{Bound: Unbounded, NoReduction: true, CheckTraces: true}, all)
	st := Explore(condLocked, ExploreOptions{Bound: Unbounded, CheckTraces: true}, all)
	if !full.Exhausted || !st.Exhausted || st.Duplicates != 0 || st.Traces != full.Traces || st.Executions != st.Traces {
		t.Fatalf("DPOR %+v, every schedule %+v", st, full)
	}
	t.Logf("%d traces, DPOR %d runs, every schedule %d", st.Traces, st.Executions+st.Pruned, full.Executions)
}

// TestBPORPrototypeKeepsFinalStates holds what the bounded-DPOR prototype
// (ExperimentalBPOR) does keep: on the random programs of
// TestBoundedReductionKeepsFinalStates, every final state some schedule
// within preemption bound 0 to 2 reaches. On generated kernfs programs it
// does not (TestBPORFigures in sim). Without its conservative reversals
// (noConservative) it loses states here too.
func TestBPORPrototypeKeepsFinalStates(t *testing.T) {
	for _, weak := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(3, 4))
		lost := 0
		for i := range 80 {
			p := randomProgram(rng, 2+i%2, 3+i%3, 2+i%2)
			for bound := range 3 {
				states := func(opts ExploreOptions) map[string]bool {
					var out func() string
					seen := map[string]bool{}
					Explore(p.setup(&out, !opts.NoReduction), opts, func(Result) bool {
						seen[out()] = true
						return true
					})
					return seen
				}
				full := states(ExploreOptions{Bound: bound, NoReduction: true})
				red := states(ExploreOptions{Bound: bound, ExperimentalBPOR: true, noConservative: weak})
				for s := range full {
					if !red[s] {
						lost++
						if !weak {
							t.Errorf("program %d %v, bound %d: bounded DPOR lost %s", i, p, bound, s)
						}
						break
					}
				}
			}
		}
		if weak && lost == 0 {
			t.Errorf("bounded DPOR without conservative reversals lost no final state")
		}
		t.Logf("conservative reversals off: %v; searches that lost a final state: %d", weak, lost)
	}
}

// An iterative search does not run again, at each level, the subtrees a
// lower level explored without the bound cutting anything off: on random
// programs at bound 3, it reruns a small fraction of the schedules it
// reran when it did (rerunDone), and visits every schedule it visited
// (a few more: a skipped step is in no sibling's sleep set).
func TestIterativeSkipsFinishedSubtrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var with, without ExploreStats
	for i := range 30 {
		p := randomProgram(rng, 2+i%2, 2+i%3, 2)
		var out func() string
		visits := func(rerun bool, st *ExploreStats) []string {
			var ss []string
			r := Explore(p.setup(&out, true), ExploreOptions{Bound: 3, Iterative: true, rerunDone: rerun}, func(r Result) bool {
				ss = append(ss, fmt.Sprint(r.Schedule))
				return true
			})
			if !r.Exhausted {
				t.Fatalf("program %d: %v", i, r)
			}
			st.Executions += r.Executions
			st.Repeats += r.Repeats
			st.Pruned += r.Pruned
			slices.Sort(ss)
			return ss
		}
		a, b := visits(false, &with), visits(true, &without)
		for _, s := range b {
			if _, found := slices.BinarySearch(a, s); !found {
				t.Fatalf("program %d: skipping lost schedule %s (%d visited against %d)", i, s, len(a), len(b))
			}
		}
	}
	if without.Repeats < 1000 || with.Repeats*10 > without.Repeats {
		t.Errorf("reruns of lower levels: %d skipping finished subtrees, %d without", with.Repeats, without.Repeats)
	}
	t.Logf("runs: %d skipping (%d reruns), %d without (%d reruns); %d visited, %d without",
		with.Executions+with.Repeats+with.Pruned, with.Repeats, without.Executions+without.Repeats+without.Pruned, without.Repeats, with.Executions, without.Executions)
}
