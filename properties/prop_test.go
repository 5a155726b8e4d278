package properties_test

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

var checkOpts = properties.Options{LinearizabilityTimeout: 10 * time.Second}

// The reach of one rapid check of the general property test (explore):
// a program rapid draws and neighbours-1 mutants of it, each under
// schedules schedules. Each seeded bug needs a shape of program
// (operations of the right kinds on the same names, in the right
// threads, over the right setup) that even a drawing made for contention
// (gen.Contended) takes in a few programs in a hundred at most, so one
// program per check leaves most bugs unfound in rapid's 100 checks
// however many schedules it runs; more programs per check is what finds
// them. Measured (BENCHMARKS.md, "The property tests' reach"): with 60 programs of 3
// schedules each, every seeded bug is found in 20 of 20 rapid seeds.
const (
	neighbours = 60
	schedules  = 3
	// mutationRate: a neighbour changes each of the drawn program's
	// choices with odds 1 in mutationRate (gen.Mutant).
	mutationRate = 2
)

// explored counts the executions explore has run, for
// TestRapidSeedsPerBug's figures: a count that does not depend on the
// machine's load.
var explored int

// failure is an execution explore's judge rejected, with what made it.
type failure struct {
	P history.Program
	X sim.Execution
	// Neighbour is the program's place among the check's (0: the one
	// rapid drew), Seed the seed of its schedule's strategy
	// (sched.NewPortfolio).
	Neighbour int
	Seed      uint64
}

// explore is one check of the general property test: rapid draws a
// contended program (gen.Contended) and a seed; the program and
// neighbours-1 mutants of it, drawn from the seed, each run under
// schedules schedules (random walks, POS and SURW in turn,
// sched.NewPortfolio), on the simulator with bugs, until bad rejects
// one. It returns that execution and true, or the last one run and
// false; the caller releases it. Everything follows from rapid's draws,
// so rapid shrinks a failure by shrinking the program it drew and the
// seed: the neighbours of a smaller program are no larger (within,
// trim).
func explore(t *rapid.T, bugs sim.BugSet, bad func(history.History) bool) (failure, bool) {
	rec := &gen.Recorder{C: gen.Rapid{T: t}}
	drawn := gen.Contended(rec, gen.Options{})
	seed := rapid.Uint64().Draw(t, "seed")
	var f failure
	for n := range neighbours {
		p := drawn
		if n > 0 {
			m := &gen.Mutant{Base: rec.Choices, R: gen.NewRand(seed + uint64(n)), Rate: mutationRate}
			p = trim(gen.Contended(m, within(drawn)), drawn)
		}
		for s := range schedules {
			f.X.Release()
			f.P, f.Neighbour, f.Seed = p, n, seed+uint64(n*schedules+s)
			f.X = sim.Run(p, sched.NewPortfolio(f.Seed, 0, 0), sim.Options{Bugs: bugs})
			explored++
			if bad(f.X.History) {
				return f, true
			}
		}
	}
	return f, false
}

// within bounds a neighbour to the drawn program's threads and
// operations per thread, so that when rapid shrinks the drawn program the
// neighbours, one of which may be the counterexample, shrink with it.
func within(p history.Program) gen.Options {
	ops := 1
	for _, th := range p.Threads {
		ops = max(ops, len(th))
	}
	return gen.Options{MinThreads: len(p.Threads), MaxThreads: len(p.Threads), MaxOps: ops}
}

// trim cuts p to what fits in the drawn program, as a prefix of its
// setup and of each thread: no neighbour is larger than the program rapid
// drew, so the counterexample is no larger than what rapid shrank. A
// prefix keeps the program valid: a thread reads only what it opened
// before, and an operation on a mount that a Mount cut off would have
// made fails as one on a mount not made yet does.
func trim(p, drawn history.Program) history.Program {
	p.Setup = p.Setup[:min(len(p.Setup), len(drawn.Setup))]
	for i := range p.Threads {
		p.Threads[i] = p.Threads[i][:min(len(p.Threads[i]), len(drawn.Threads[i]))]
	}
	return p
}

// execute is explore judged by every checker, for FuzzProgram: the
// program and execution of the first violation, or of the last execution
// when there is none.
func execute(t *rapid.T, bugs sim.BugSet) (history.Program, sim.Execution) {
	f, _ := explore(t, bugs, func(h history.History) bool { return !properties.Check(h, checkOpts).OK() })
	return f.P, f.X
}

// prop is the property every test here checks: in every execution
// explore runs, every checker passes (or, if property is set, that
// property's checker: what a seeded bug is expected to break), and none
// is undecided. last, if not nil, is set to each failure, its execution
// left out, so that the last one is what rapid shrank to.
func prop(bugs sim.BugSet, property properties.Property, last *failure) func(*rapid.T) {
	var r properties.Report
	bad := func(h history.History) bool {
		if property != "" {
			vs, err := properties.CheckProperty(h, property, checkOpts)
			r = properties.Report{Violations: vs}
			if err != nil { // undecided is never a pass
				r.Unknown = []properties.Property{property}
			}
			return !r.OK()
		}
		r = properties.Check(h, checkOpts)
		return !r.OK()
	}
	return func(t *rapid.T) {
		f, ok := explore(t, bugs, bad)
		defer f.X.Release()
		if !ok {
			return
		}
		if last != nil {
			*last = f
			last.X = sim.Execution{} // released below
		}
		t.Logf("program (neighbour %d): %+v", f.Neighbour, f.P)
		t.Logf("strategy: sched.NewPortfolio(%d)", f.Seed)
		for _, rec := range f.X.History.Records {
			t.Logf("  T%d [%d,%d] %v -> %v", rec.Thread, rec.Call, rec.Return, rec.Op, rec.Result)
		}
		t.Fatalf("violations %v, undecided %v", r.Violations, r.Unknown)
	}
}

func TestPropCorrectSimulatorKeepsEveryProperty(t *testing.T) {
	rapid.Check(t, prop(nil, "", nil))
}
