package properties

import (
	"fmt"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
)

// commuteCases are the histories the reduction's premises are tried on:
// generated programs under every exit scheme, correct and buggy, and long
// ones under the kernel's scheme, with its teardowns.
func commuteCases(t *testing.T) []history.History {
	var hs []history.History
	for seed := range uint64(24) {
		bug := sim.BugSet(nil)
		if seed%3 == 1 {
			bug = sim.BugSet{sim.Bugs[int(seed)%len(sim.Bugs)].Name}
		}
		hs = append(hs, cutCase(t, seed, 30, bug))
	}
	for seed := range uint64(4) {
		hs = append(hs, longHistory(t, seed, 400))
	}
	return hs
}

// outcomesOf returns, as a set of strings, the results and canonical end
// states of placing a then b from s.
func outcomesOf(c model.Config, s model.State, a, b model.Op, swap bool) map[string]bool {
	set := map[string]bool{}
	for _, x := range model.Step(c, s, a) {
		for _, y := range model.Step(c, x.State, b) {
			ra, rb := x.Result, y.Result
			if swap {
				ra, rb = rb, ra
			}
			set[fmt.Sprintf("%v|%v|%v", ra, rb, y.State.Canonical())] = true
		}
	}
	return set
}

// Two operations whose footprints are independent commute in every state
// the generated histories reach: either order gives each the same
// results and leads to the same states (up to Canonical). The end
// search's persistent sets rest on it; a footprint that left out what an
// operation reads or writes makes this test fail.
func TestFootprintsCommute(t *testing.T) {
	tried, dependent := 0, 0
	for n, h := range commuteCases(t) {
		steps := h.Steps(nil)
		s := model.Init()
		for k, st := range steps {
			if k%4 == 0 {
				window := steps[k:min(len(steps), k+24)]
				for i, a := range window {
					for _, b := range window[i+1:] {
						if !independent(footprintOf(h.Config, s, a.Op), footprintOf(h.Config, s, b.Op)) {
							dependent++
							continue
						}
						tried++
						ab := outcomesOf(h.Config, s, a.Op, b.Op, false)
						ba := outcomesOf(h.Config, s, b.Op, a.Op, true)
						if fmt.Sprint(ab) != fmt.Sprint(ba) {
							t.Fatalf("history %d: %v and %v are independent, but do not commute in\n%v\n%v first: %v\n%v first: %v", n, a.Op, b.Op, s, a.Op, ab, b.Op, ba)
						}
					}
				}
			}
			s = model.Step(h.Config, s, st.Op)[0].State
		}
	}
	if tried < 20000 || dependent < 5000 {
		t.Fatalf("only %d independent pairs tried (%d dependent)", tried, dependent)
	}
}

// A state and its canonical form behave alike: every operation has the
// same results from both, and leads to states with the same canonical
// form. The end search merges states by their canonical forms.
func TestCanonicalBehavesAlike(t *testing.T) {
	renumbered := 0
	for n, h := range commuteCases(t) {
		steps := h.Steps(nil)
		s := model.Init()
		for k, st := range steps {
			cs := s.Canonical()
			if !cs.Equal(s) {
				renumbered++
			}
			if !cs.Canonical().Equal(cs) {
				t.Fatalf("history %d: Canonical is not idempotent on\n%v", n, s)
			}
			if k%3 == 0 {
				for _, other := range steps[k:min(len(steps), k+30)] {
					x, y := model.Step(h.Config, s, other.Op), model.Step(h.Config, cs, other.Op)
					if len(x) != len(y) {
						t.Fatalf("history %d: %v has %d outcomes in\n%v\nand %d in its canonical form\n%v", n, other.Op, len(x), s, len(y), cs)
					}
					for i := range x {
						if !model.SameResult(x[i].Result, y[i].Result) || !x[i].State.Canonical().Equal(y[i].State.Canonical()) {
							t.Fatalf("history %d: %v in\n%v\ngives %v, %v; in its canonical form\n%v\n%v, %v", n, other.Op, s, x[i].Result, x[i].State, cs, y[i].Result, y[i].State)
						}
					}
				}
			}
			s = model.Step(h.Config, s, st.Op)[0].State
		}
	}
	if renumbered < 100 {
		t.Fatalf("only %d states renumbered", renumbered)
	}
}
