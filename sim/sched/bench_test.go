package sched

import (
	"fmt"
	"testing"
)

// spawner is Scheduler.Go or its goroutine baseline.
type spawner func(s *Scheduler, name string, fn func(*Thread)) *Thread

var spawners = []struct {
	name  string
	spawn spawner
}{
	{"coroutine", (*Scheduler).Go},
	{"baton", func(s *Scheduler, name string, fn func(*Thread)) *Thread {
		s.UseGoroutines()
		return s.Go(name, fn)
	}},
}

// yielders is the smallest program: threads that only take steps.
func yielders(spawn spawner, s *Scheduler, threads, steps int) {
	for range threads {
		spawn(s, "w", func(t *Thread) {
			for range steps - 1 {
				t.Yield()
			}
		})
	}
}

// counters is a small program with shared state and a lock: each thread
// increments a counter under a mutex and another one without
// (countersState, which reports the counters too).
func counters(spawn spawner, s *Scheduler, threads, steps int) {
	countersState(spawn, s, threads, steps)
}

// BenchmarkSteps measures scheduling throughput: one op is one execution
// of 4 threads of 250 steps under a random walk; steps/s is the figure of
// merit, and allocs/op shows that steps themselves do not allocate.
func BenchmarkSteps(b *testing.B) {
	for _, prog := range []struct {
		name string
		run  func(spawner, *Scheduler, int, int)
	}{{"yield", yielders}, {"counters", counters}} {
		for _, sp := range spawners {
			b.Run(fmt.Sprintf("%s/%s", prog.name, sp.name), func(b *testing.B) {
				b.ReportAllocs()
				steps := 0
				for b.Loop() {
					s := New(NewRandom(1), 0)
					prog.run(sp.spawn, s, 4, 250)
					steps += s.Run().Steps
				}
				b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(steps), "ns/step")
			})
		}
	}
}

// BenchmarkStrategies compares the cost per step of the strategies on the
// coroutine scheduler.
func BenchmarkStrategies(b *testing.B) {
	for _, st := range []struct {
		name string
		make func(seed uint64) Strategy
	}{
		{"random", func(seed uint64) Strategy { return NewRandom(seed) }},
		{"pct3", func(seed uint64) Strategy { return NewPCT(seed, 3, 4, 1000) }},
		{"pos", func(seed uint64) Strategy { return NewPOS(seed) }},
		{"surw", func(seed uint64) Strategy { return NewSURW(seed, nil) }},
	} {
		b.Run(st.name, func(b *testing.B) {
			steps, seed := 0, uint64(0)
			for b.Loop() {
				seed++
				s := New(st.make(seed), 0)
				counters((*Scheduler).Go, s, 4, 250)
				steps += s.Run().Steps
			}
			b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

// BenchmarkExplore measures systematic search: executions per second on a
// lost-update program of 3 threads, preemption bound 2, with sleep sets.
func BenchmarkExplore(b *testing.B) {
	execs := 0
	for b.Loop() {
		st := Explore(incrementers(3), ExploreOptions{Bound: DefaultPreemptionBound}, func(Result) bool { return true })
		execs += st.Executions + st.Pruned
	}
	b.ReportMetric(float64(execs)/b.Elapsed().Seconds(), "execs/s")
}

// incrementers is a lost update of n threads: each reads a shared counter,
// then writes it plus one, with a preemption point in between.
func incrementers(n int) func(*Scheduler) {
	return func(s *Scheduler) {
		x := 0
		for range n {
			s.Go("inc", func(t *Thread) {
				t.Access(&x, false)
				v := x
				t.Access(&x, true)
				x = v + 1
			})
		}
	}
}
