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

// execute draws a program and a schedule seed and runs them on the
// simulator with bugs enabled.
func execute(t *rapid.T, bugs sim.BugSet) (history.Program, sim.Execution) {
	p := gen.Program(gen.Rapid{T: t}, gen.Options{})
	seed := rapid.Uint64().Draw(t, "schedule seed")
	return p, sim.Run(p, sched.NewRandom(seed), sim.Options{Bugs: bugs})
}

// prop is the property every test here checks: every checker passes.
func prop(bugs sim.BugSet) func(*rapid.T) {
	return func(t *rapid.T) {
		p, x := execute(t, bugs)
		r := properties.Check(x.History, checkOpts)
		if !r.OK() {
			t.Logf("program: %+v", p)
			for _, rec := range x.History.Records {
				t.Logf("  T%d [%d,%d] %v -> %v", rec.Thread, rec.Call, rec.Return, rec.Op, rec.Result)
			}
			t.Fatalf("violations %v, undecided %v", r.Violations, r.Unknown)
		}
	}
}

func TestPropCorrectSimulatorKeepsEveryProperty(t *testing.T) {
	rapid.Check(t, prop(nil))
}
