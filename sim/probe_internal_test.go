package sim

import (
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// BenchmarkRecording splits what an execution records from what it runs,
// over the same 256 programs of 3 threads of 4 operations, under SURW
// without counts (campaign's probe): full is Run; nocoverage is Run with
// coverage off, records kept (the per-step cost of coverage is full's time
// less this); probe is Options.Probe, neither records nor coverage.
func BenchmarkRecording(b *testing.B) {
	const n = 256
	progs := make([]history.Program, n)
	for i := range n {
		progs[i] = gen.Program(gen.NewRand(uint64(i)), gen.Options{MinThreads: 3, MaxThreads: 3, MaxOps: 4})
	}
	for _, c := range []struct {
		name       string
		probe, cov bool
	}{{"full", false, true}, {"nocoverage", false, false}, {"probe", true, false}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			steps := 0
			for i := 0; b.Loop(); i++ {
				a := arenas.Get().(*arena)
				p, opt := progs[i%n], Options{Probe: c.probe}
				k := prepare(&p, opt, a)
				if !c.cov { // as Probe turns it off: no thread to count for
					k.cov.off, k.cov.running = true, k.cov.running[:0]
				}
				s := a.scheduler(sched.NewSURW(uint64(i), nil), maxSteps(opt), opt)
				spawn(s, k, &p)
				var x Execution
				finish(k, s.Run(), &x)
				x.arena, x.gen = a, a.gen
				steps += x.Steps
				x.Release()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(steps), "ns/step")
		})
	}
}
