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

// BenchmarkScheduler runs generated sysfs programs (2-4 threads of 1-4
// operations over 2-3 namespaces) on the simulator and reports scheduler
// steps per second.
func BenchmarkScheduler(b *testing.B) {
	ps := programs(256)
	steps := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		x := sim.Run(ps[i%len(ps)], sched.NewRandom(uint64(i)), sim.Options{})
		steps += x.Steps
	}
	b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "execs/s")
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
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "execs/s")
}
