package sim_test

import (
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

func programs(n int) []history.Program {
	ps := make([]history.Program, n)
	for i := range ps {
		ps[i] = gen.Program(gen.NewRand(uint64(i)), gen.Options{})
	}
	return ps
}

// BenchmarkScheduler runs generated sysfs programs on the simulator and
// reports scheduler steps per second: the default programs of a campaign
// (2-4 threads of 1-4 operations over 2-3 namespaces) and the 3x4 programs
// of the throughput target (3 threads of at most 4 operations). Each runs
// with the threads as coroutines, as always, and as goroutines handing a
// baton over channels, the baseline the coroutines are measured against:
// the same programs, seeds and executions.
func BenchmarkScheduler(b *testing.B) {
	for _, progs := range []struct {
		name string
		opt  gen.Options
	}{
		{"default", gen.Options{}},
		{"3x4", gen.Options{MinThreads: 3, MaxThreads: 3, MaxOps: 4}},
	} {
		ps := make([]history.Program, 256)
		for i := range ps {
			ps[i] = gen.Program(gen.NewRand(uint64(i)), progs.opt)
		}
		for _, threads := range []string{"coroutine", "goroutine"} {
			opt := sim.Options{GoroutineBaseline: threads == "goroutine"}
			b.Run("programs="+progs.name+"/threads="+threads, func(b *testing.B) {
				b.ReportAllocs()
				steps := 0
				for i := 0; b.Loop(); i++ {
					x := sim.Run(ps[i%len(ps)], sched.NewRandom(uint64(i)), opt)
					steps += x.Steps
					x.Release()
				}
				b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "execs/s")
			})
		}
	}
}

// BenchmarkCheckedExecution adds every checker, porcupine included, to
// each execution: the cost of one campaign execution.
func BenchmarkCheckedExecution(b *testing.B) {
	ps := programs(256)
	for i := 0; b.Loop(); i++ {
		x := sim.Run(ps[i%len(ps)], sched.NewRandom(uint64(i)), sim.Options{})
		if r := properties.Check(x.History, properties.Options{}); !r.OK() {
			b.Fatal(r.Violations)
		}
		x.Release()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "execs/s")
}
