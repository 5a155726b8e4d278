package sim_test

import (
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// TestProbeRunsTheSameExecution checks Options.Probe against a full run
// of the same program and SURW seed: the same schedule, steps, outcome,
// faults and SURW counts (what campaign's surwCounts reads), with no
// records and no coverage. Programs run with and without each seeded
// bug, so that faults and deadlocks are among them; a probe that skipped
// one of the clock ticks a record takes, or recorded coverage, fails.
func TestProbeRunsTheSameExecution(t *testing.T) {
	bugs := []sim.BugSet{nil}
	for _, b := range sim.BugNames() {
		bugs = append(bugs, sim.BugSet{b})
	}
	faults := 0
	for seed := range uint64(120) {
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 2, MaxThreads: 4, MaxOps: 4})
		for _, bs := range bugs {
			full, probe := sched.NewSURW(seed, nil), sched.NewSURW(seed, nil)
			x := sim.Run(p, full, sim.Options{Bugs: bs})
			y := sim.Run(p, probe, sim.Options{Bugs: bs, Probe: true})
			switch {
			case !slices.Equal(x.Schedule, y.Schedule) || x.Steps != y.Steps || x.Outcome != y.Outcome:
				t.Fatalf("seed %d bugs %v: probe ran %d steps (%v), the full run %d (%v)", seed, bs, y.Steps, y.Outcome, x.Steps, x.Outcome)
			case !slices.Equal(full.Counts(), probe.Counts()):
				t.Fatalf("seed %d bugs %v: probe counts %v, full run %v", seed, bs, probe.Counts(), full.Counts())
			case !slices.Equal(x.History.Faults, y.History.Faults):
				t.Fatalf("seed %d bugs %v: probe faults %v, full run %v", seed, bs, y.History.Faults, x.History.Faults)
			case len(y.History.Records) != 0 || y.Coverage.Count() != 0:
				t.Fatalf("seed %d bugs %v: probe kept %d records, %d coverage points", seed, bs, len(y.History.Records), y.Coverage.Count())
			}
			faults += len(x.History.Faults)
			x.Release()
			y.Release()
		}
	}
	if faults == 0 {
		t.Fatal("no execution faulted: the faults were not compared")
	}
}
