package properties_test

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// catchTB stands in for *testing.T under rapid.Check, so that a test can
// require a property test to fail.
type catchTB struct {
	name   string
	failed bool
	out    strings.Builder
}

func (c *catchTB) Helper()                           {}
func (c *catchTB) Name() string                      { return c.name }
func (c *catchTB) Logf(format string, args ...any)   { fmt.Fprintf(&c.out, format+"\n", args...) }
func (c *catchTB) Log(args ...any)                   { fmt.Fprintln(&c.out, args...) }
func (c *catchTB) Skipf(format string, args ...any)  {}
func (c *catchTB) Skip(args ...any)                  {}
func (c *catchTB) SkipNow()                          {}
func (c *catchTB) Errorf(format string, args ...any) { c.failed = true; c.Logf(format, args...) }
func (c *catchTB) Error(args ...any)                 { c.failed = true; c.Log(args...) }
func (c *catchTB) Fatalf(format string, args ...any) { c.Errorf(format, args...) }
func (c *catchTB) Fatal(args ...any)                 { c.Error(args...) }
func (c *catchTB) FailNow()                          { c.failed = true }
func (c *catchTB) Fail()                             { c.failed = true }
func (c *catchTB) Failed() bool                      { return c.failed }

// setFlags sets rapid's flags for the duration of a test.
func setFlags(t *testing.T, kv map[string]string) {
	for k, v := range kv {
		old := flag.Lookup(k).Value.String()
		if err := flag.Set(k, v); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { flag.Set(k, old) })
	}
}

// maxShrunkOps bounds the operations (setup and threads) of the
// counterexample rapid shrinks a seeded bug's violation to. The bugs'
// scenarios (sim.Bug.Scenario) have at most four; the counterexamples
// have 2 to 8 (BENCHMARKS.md, "The property tests' reach"), and the rest is room for a
// shrink that rapid cuts short on a loaded machine (rapid.shrinktime
// bounds it by time). Unshrunk programs have up to 18, and neighbours
// not cut to the drawn program's size (trim) shrank to 9 to 11.
const maxShrunkOps = 10

// TestPropEveryBugCaught: the general property test (prop) finds every
// seeded bug at rapid's default settings, with a fixed seed so that this
// is a fact, not a hope, and no program shape of the bug's own; the
// counterexample rapid shrinks it to is a real program, small, whose
// schedule violates the bug's property again when run anew.
func TestPropEveryBugCaught(t *testing.T) {
	setFlags(t, map[string]string{"rapid.checks": "100", "rapid.seed": "1", "rapid.nofailfile": "true", "rapid.shrinktime": "300ms"})
	for _, b := range sim.Bugs {
		t.Run(string(b.Name), func(t *testing.T) {
			bugs, property := sim.BugSet{b.Name}, properties.Property(b.Property)
			c := &catchTB{name: t.Name()}
			var last failure
			rapid.Check(c, prop(bugs, property, &last))
			if !c.failed {
				t.Fatalf("rapid found no %s violation with bug %s", b.Property, b.Name)
			}
			if !strings.Contains(c.out.String(), b.Property) {
				t.Fatalf("the failure does not name %s:\n%s", b.Property, c.out.String())
			}
			if err := shrunkIsReal(last, bugs, property); err != nil {
				t.Fatalf("%v\n%s", err, c.out.String())
			}
			t.Logf("shrunk to %d operations: %v", last.P.Ops(), last.P)
		})
	}
}

// shrunkIsReal checks the counterexample rapid shrank to: a valid
// program of at most maxShrunkOps operations that, run anew under its
// strategy, violates property again.
func shrunkIsReal(f failure, bugs sim.BugSet, property properties.Property) error {
	if ops := f.P.Ops(); ops == 0 || ops > maxShrunkOps {
		return fmt.Errorf("the shrunk counterexample has %d operations, want 1 to %d: %+v", ops, maxShrunkOps, f.P)
	}
	x := sim.Run(f.P, sched.NewPortfolio(f.Seed, 0, 0), sim.Options{Bugs: bugs})
	defer x.Release()
	vs, err := properties.CheckProperty(x.History, property, checkOpts)
	if err != nil || len(vs) == 0 {
		return fmt.Errorf("the shrunk counterexample run anew violates no %s (%v): %+v", property, err, f.P)
	}
	return nil
}
