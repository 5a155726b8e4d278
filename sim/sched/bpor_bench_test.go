package sched_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// BenchmarkBoundedExhaust measures the searches within preemption bound 2
// on generated programs small enough to exhaust (2 or 3 threads of at
// most 2 operations, the programs of sim's TestBPORFigures): one op
// exhausts one program, checking every property of every execution it
// visits, as the campaign does, so ns/op is the CPU per program. The
// methods: the campaign's (sleep sets, the bound deepened level by
// level), the same search in one pass, and the bounded-DPOR prototype.
// schedules/s counts the executions visited, runs/s every run (repeated
// and abandoned ones too), traces/s the program's Mazurkiewicz traces
// within the bound (counted beforehand, by the one-pass search), and
// cpu-ns/op the process's CPU time per program, which other processes on
// a loaded machine change less than the elapsed time.
func BenchmarkBoundedExhaust(b *testing.B) {
	const programs = 40
	var ps []genProgram
	for seed := range uint64(programs) {
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 2, MaxThreads: 3, MaxOps: 2})
		st := sim.Explore(p, sim.Options{}, sched.ExploreOptions{Bound: 2, SleepSets: true, CheckTraces: true}, release)
		ps = append(ps, genProgram{p, st.Traces})
	}
	for _, m := range []struct {
		name string
		eo   sched.ExploreOptions
	}{
		{"sleep-sets-iterative", sched.ExploreOptions{Bound: 2, Iterative: true}},
		{"sleep-sets-one-pass", sched.ExploreOptions{Bound: 2}},
		{"bpor", sched.ExploreOptions{Bound: 2, ExperimentalBPOR: true}},
	} {
		b.Run(m.name, func(b *testing.B) {
			var visited, runs, traces int
			cpu0 := cpuTime()
			for i := 0; b.Loop(); i++ {
				p := ps[i%programs]
				st := sim.Explore(p.p, sim.Options{}, m.eo, func(x sim.Execution) bool {
					properties.Check(x.History, properties.Options{})
					x.Release()
					return true
				})
				visited += st.Executions
				runs += st.Executions + st.Pruned + st.Repeats
				traces += p.traces
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
			s := b.Elapsed().Seconds()
			b.ReportMetric(float64(visited)/s, "schedules/s")
			b.ReportMetric(float64(runs)/s, "runs/s")
			b.ReportMetric(float64(traces)/s, "traces/s")
		})
	}
}

type genProgram struct {
	p      history.Program
	traces int
}

func release(x sim.Execution) bool { x.Release(); return true }

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
