package campaign

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// bench3x4 are the programs of the throughput target: 3 threads of 4
// operations at most.
var bench3x4 = gen.Options{MinThreads: 3, MaxThreads: 3, MaxOps: 4}

// BenchmarkCampaign measures checked executions per second (generate, run,
// check every property, porcupine included) of a default-strategy
// campaign on 3x4 programs, with 1 and 2 workers; compare the two for the
// scaling ratio. threads=goroutine runs the same campaign, execution for
// execution, with the simulated threads as goroutines handing a baton over
// channels: the baseline the coroutine scheduler is measured against.
func BenchmarkCampaign(b *testing.B) {
	for _, w := range []int{1, 2} {
		for _, threads := range []string{"coroutine", "goroutine"} {
			b.Run(fmt.Sprintf("workers=%d/threads=%s", w, threads), func(b *testing.B) {
				b.ReportAllocs()
				c := Config{Seed: 1, Executions: b.N, Workers: w, Gen: bench3x4, goroutineBaseline: threads == "goroutine"}
				start := time.Now()
				s, err := Run(context.Background(), c)
				if err != nil || s.Executions != int64(b.N) {
					b.Fatalf("%d of %d executions: %v", s.Executions, b.N, err)
				}
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "execs/s")
				b.ReportMetric(float64(s.Steps)/time.Since(start).Seconds(), "steps/s")
			})
		}
	}
}

// BenchmarkExecution splits one checked execution into its parts, to show
// where the time of BenchmarkCampaign goes: generating the program,
// running it, checking its history. Each part runs over the same 256
// programs and executions.
func BenchmarkExecution(b *testing.B) {
	const n = 256
	progs := make([]history.Program, n)
	xs := make([]sim.Execution, n)
	for i := range n {
		s := ExecSeed(1, int64(i))
		progs[i] = gen.Program(gen.NewRand(s), bench3x4)
		xs[i] = sim.Run(progs[i], sched.NewRandom(s), sim.Options{})
	}
	c := Config{Seed: 1, Gen: bench3x4, Strategy: "random"}
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			runOne(&c, int64(i%n), 0)
		}
	})
	b.Run("gen", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			gen.Program(gen.NewRand(ExecSeed(1, int64(i%n))), bench3x4)
		}
	})
	b.Run("run", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			x := sim.Run(progs[i%n], sched.NewRandom(ExecSeed(1, int64(i%n))), sim.Options{})
			x.Release()
		}
	})
	b.Run("check", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			properties.Check(xs[i%n].History, properties.Options{})
		}
	})
}

// BenchmarkExhaustive measures the exhaustive strategy: one op is the
// bounded search of one 3x4 program (preemption bound 2, at most
// DefaultSchedules checked schedules), every schedule checked; schedules/s
// counts the checked ones, reruns/s those the search replayed or abandoned.
func BenchmarkExhaustive(b *testing.B) {
	c := Config{Seed: 1, Gen: bench3x4, Strategy: Exhaustive, Preemptions: 2, Schedules: DefaultSchedules}
	var execs, reruns int64
	for i := 0; b.Loop(); i++ {
		u := explore(&c, int64(i%64))
		execs, reruns = execs+u.execs, reruns+u.reruns
	}
	b.ReportMetric(float64(execs)/b.Elapsed().Seconds(), "schedules/s")
	b.ReportMetric(float64(reruns)/b.Elapsed().Seconds(), "reruns/s")
}

// BenchmarkExhaustiveUnbounded is BenchmarkExhaustive without a bound, by
// the methods sched.Explore has: the sleep-set search (sub-benchmark
// sleep-sets, the method before DPOR), source-DPOR depth first
// (dpor-depth-first, before its branches were taken cheapest first) and
// source-DPOR cheapest first (dpor, what explore runs). Each checks up to DefaultSchedules schedules of one
// program per op, as the campaign does: schedules/s are checked ones,
// each a distinct Mazurkiewicz trace under either method (so traces/s is
// the same figure), and runs/s adds the runs the search abandoned.
func BenchmarkExhaustiveUnbounded(b *testing.B) {
	for _, m := range []struct {
		name string
		eo   sched.ExploreOptions
	}{
		{"sleep-sets", sched.ExploreOptions{Bound: sched.Unbounded, SleepSets: true, MaxExecutions: DefaultSchedules}},
		{"dpor-depth-first", sched.ExploreOptions{Bound: sched.Unbounded, DepthFirst: true, MaxExecutions: DefaultSchedules}},
		{"dpor", sched.ExploreOptions{Bound: sched.Unbounded, MaxExecutions: DefaultSchedules}},
	} {
		b.Run(m.name, func(b *testing.B) {
			var execs, runs int64
			for i := 0; b.Loop(); i++ {
				p := gen.Program(gen.NewRand(ExecSeed(1, int64(i%64))), bench3x4)
				st := sim.Explore(p, sim.Options{}, m.eo, func(x sim.Execution) bool {
					properties.Check(x.History, properties.Options{})
					x.Release()
					return true
				})
				execs += int64(st.Executions)
				runs += int64(st.Executions + st.Pruned + st.Repeats)
			}
			b.ReportMetric(float64(execs)/b.Elapsed().Seconds(), "schedules/s")
			b.ReportMetric(float64(execs)/b.Elapsed().Seconds(), "traces/s")
			b.ReportMetric(float64(runs)/b.Elapsed().Seconds(), "runs/s")
			b.ReportMetric(float64(runs)/float64(max(execs, 1)), "runs/trace")
			b.ReportMetric(float64(execs)/float64(b.N), "schedules/op")
		})
	}
}
