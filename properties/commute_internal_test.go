package properties

import (
	"fmt"
	"slices"
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

// The recorder's 60 s recording, and one of 32k operations at three
// times its rate, are followed by the end search from end to end: every segment is explained from the states the ones before can
// end in, none too concurrent to search (before the persistent sets and
// the canonical states, the first teardown's 2^18 placed sets sent the
// rest of it to porcupine whole, which ran out of memory). A lookup made
// to return another namespace's tag is then named as the culprit.
func TestRecordedTeardownsAreSearched(t *testing.T) {
	h := kernelHistory(t, kernelRecorded32k)
	searchedThrough(t, h)
	h = kernelHistory(t, kernelRecorded60s)
	searchedThrough(t, h)
	wrong := -1

	for i, r := range h.Records {
		if r.Op.Kind == model.Lookup && r.Result.Err == model.OK && i > len(h.Records)/2 {
			wrong = i
			break
		}
	}
	if wrong < 0 {
		t.Fatal("no successful lookup in the second half")
	}
	h.Records = append([]history.Record(nil), h.Records...)
	h.Records[wrong].Result.Tag = h.Records[wrong].Result.Tag%h.Config.Namespaces + 1
	v := checkPieces(h, h.Steps(nil), bounds{})
	if !v.decided || len(v.violations) != 1 || !slices.Contains(v.violations[0].Records, wrong) {
		t.Fatalf("record %d made wrong: decided %v, %v", wrong, v.decided, v.violations)
	}
}

// A persistent set keeps real time: while a move is under way, a lookup
// of another name returns, and then a lookup of the moved device finds
// it where it was. The second lookup is tied to the move, and the first
// lookup, which returned before the second was called, must join their
// set: without it the set {move, second lookup} is followed alone, the
// second lookup cannot go first (the first returned before it was
// called) and the move first makes it miss the device, so a linearizable
// history is failed. Taken from the 60 s recording; with the lookup made
// to find the device where it goes before the move begins, it is not
// linearizable.
func TestPersistentSetKeepsRealTime(t *testing.T) {
	c := model.Config{Namespaces: 2, Mounts: []int{1, 2}, Exit: model.ExitKernel}
	recs := []history.Record{
		at(0, 1, 2, model.Op{Kind: model.Create, NS: 1, Name: "d4"}, model.Result{}),
		at(0, 3, 4, model.Op{Kind: model.Create, NS: 2, Name: "lo"}, model.Result{}),
		at(0, 10, 100, model.Op{Kind: model.Move, NS: 1, To: 2, Name: "d4"}, model.Result{}),
		at(1, 20, 30, model.Op{Kind: model.Lookup, Mount: 2, Name: "lo"}, model.Result{Tag: 2}),
		at(2, 40, 50, model.Op{Kind: model.Lookup, Mount: 1, Name: "d4"}, model.Result{Tag: 1}),
	}
	h := history.History{Config: c, Records: recs}
	for _, wrong := range []bool{false, true} {
		if wrong { // the device found where it went, before the move
			h.Records[4].Op.Mount, h.Records[4].Result.Tag = 2, 2
			h.Records[4].Return = 5
			h.Records[4].Call = 5
		}
		withPieces(t, 1, true, func() {
			v := checkPieces(h, h.Steps(nil), bounds{})
			if !v.decided || (len(v.violations) > 0) != wrong {
				t.Fatalf("wrong %v: decided %v, %v, %s", wrong, v.decided, v.violations, v.progress)
			}
		})
	}
}

// searchedThrough fails t unless the end search explains every segment
// of h, each from the states the ones before can end in.
func searchedThrough(t *testing.T, h history.History) {
	t.Helper()
	steps := h.Steps(nil)
	search := newEndSearch(h.Config)
	start := []model.State{model.Init()}
	for n, seg := range segments(steps) {
		end, ok := search.ends(steps, seg, start)
		if !ok || len(end) == 0 {
			t.Fatalf("segment %d (%d steps, from record %d): searched %v, %d end states", n, len(seg), steps[seg[0]].Record, ok, len(end))
		}
		start = end
	}
}
