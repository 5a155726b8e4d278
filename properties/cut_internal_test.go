package properties

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// at builds a record of thread on op, over [call, ret], with result res;
// ret < 0 makes it pending.
func at(thread int, call, ret int64, op model.Op, res model.Result) history.Record {
	if ret < 0 {
		return history.Record{Thread: thread, Op: op, Call: call, Pending: true}
	}
	return history.Record{Thread: thread, Op: op, Result: res, Call: call, Return: ret}
}

// The cut falls exactly at the quiescent points: between two operations
// when everything called before returned strictly before the next call
// ([Call, Return] is closed, as porcupine has it), never after a pending
// operation, and a device flow's steps stay together.
func TestSegmentsAreTheQuiescentPoints(t *testing.T) {
	lookup := model.Op{Kind: model.Lookup, Mount: 1, Name: "eth0"}
	create := model.Op{Kind: model.Create, NS: 1, Name: "eth0"}
	readdir := model.Op{Kind: model.Readdir, Mount: 1}
	none := model.Result{Err: model.ENOENT}
	tests := []struct {
		name string
		recs []history.Record
		want [][]int // records of each segment
	}{
		{"sequential", []history.Record{at(0, 1, 2, lookup, none), at(1, 3, 4, lookup, none), at(0, 5, 6, lookup, none)},
			[][]int{{0}, {1}, {2}}},
		{"a chain of overlaps is one segment", []history.Record{at(0, 1, 4, lookup, none), at(1, 2, 6, lookup, none), at(2, 5, 8, lookup, none), at(0, 9, 10, lookup, none)},
			[][]int{{0, 1, 2}, {3}}},
		{"touching intervals are concurrent", []history.Record{at(0, 1, 3, lookup, none), at(1, 3, 5, lookup, none)},
			[][]int{{0, 1}}},
		{"nested, and out of record order", []history.Record{at(1, 11, 12, lookup, none), at(0, 1, 10, lookup, none), at(1, 2, 3, lookup, none), at(2, 4, 5, lookup, none)},
			[][]int{{1, 2, 3}, {0}}},
		{"no quiescent point after a pending call", []history.Record{at(0, 1, 2, lookup, none), at(1, 3, -1, lookup, none), at(0, 5, 6, lookup, none), at(0, 7, 8, lookup, none)},
			[][]int{{0}, {1, 2, 3}}},
		{"a flow's steps stay together; a listing is not linearized", []history.Record{at(0, 1, 2, create, model.Result{}), at(1, 3, 4, readdir, model.Result{}), at(0, 5, 6, lookup, model.Result{Tag: 1})},
			[][]int{{0, 0}, {2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := history.History{Config: model.Config{Namespaces: 1, Mounts: []int{1}}, Records: tc.recs}
			steps := h.Steps(nil)
			var got [][]int
			for _, seg := range segments(steps) {
				var recs []int
				for _, i := range seg {
					recs = append(recs, steps[i].Record)
				}
				got = append(got, recs)
			}
			if !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Errorf("segments %v, want %v", got, tc.want)
			}
		})
	}
}

// setnsRace is a history whose first segment can end in two states: a
// process moved to ns2 and to ns3 by two concurrent setns, both ok. The
// mount it makes in the next segment captures the namespace it was left
// in, last: ns2 or ns3. Either is linearizable, so a check that carried
// one end state of the first segment into the second would fail one of
// them.
func setnsRace(last int) history.History {
	c := model.Config{Namespaces: 3, Procs: []int{1}, Mounts: []int{1}}
	setns := func(ns int) model.Op { return model.Op{Kind: model.Setns, Proc: 1, NS: ns} }
	mount := model.Op{Kind: model.Mount, Proc: 1, Mount: 2}
	return history.History{Config: c, Records: []history.Record{
		at(0, 1, 4, setns(2), model.Result{}),
		at(1, 2, 3, setns(3), model.Result{}),
		at(0, 5, 6, mount, model.Result{Tag: last}),
	}}
}

// withPieces runs f with pieces of at least n steps, and, if every, with
// porcupine deciding every piece.
func withPieces(t *testing.T, n int, every bool, f func()) {
	t.Helper()
	oldN, oldEvery := pieceSteps, porcupineEveryPiece
	pieceSteps, porcupineEveryPiece = n, every
	defer func() { pieceSteps, porcupineEveryPiece = oldN, oldEvery }()
	f()
}

// A piece starts in every state the pieces before it can end in, not in
// one of them.
func TestPieceStartsInEveryEndState(t *testing.T) {
	for _, last := range []int{2, 3} {
		h := setnsRace(last)
		steps := h.Steps(nil)
		segs := segments(steps)
		if len(segs) != 2 {
			t.Fatalf("%d segments, want 2", len(segs))
		}
		end, ok := newEndSearch(h.Config).ends(steps, segs[0], []model.State{model.Init()})
		if !ok || len(end) != 2 {
			t.Fatalf("the first segment ends in %d states (searched: %v), want 2", len(end), ok)
		}
		for _, every := range []bool{false, true} {
			withPieces(t, 1, every, func() {
				if v := checkPieces(h, steps, bounds{}); !v.decided || len(v.violations) > 0 {
					t.Errorf("mount captures ns%d, porcupine on every piece %v: decided %v, %v", last, every, v.decided, v.violations)
				}
			})
		}
		// The mount capturing ns1, where the process never was last, is
		// a violation, found in the second piece.
		h.Records[2].Result.Tag = 1
		withPieces(t, 1, false, func() {
			v := checkPieces(h, h.Steps(nil), bounds{})
			if !v.decided || len(v.violations) != 1 || v.violations[0].Records[0] != 2 {
				t.Fatalf("mount captures ns1: decided %v, %v", v.decided, v.violations)
			}
		})
	}
}

// cutCase is a generated history for the agreement tests: a 4-thread
// program on the simulator, with a seeded bug or none.
func cutCase(t *testing.T, seed uint64, perThread int, bugs sim.BugSet) history.History {
	t.Helper()
	p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 4, MaxThreads: 4, MaxOps: perThread})
	x := sim.Run(p, sched.NewRandom(seed), sim.Options{Bugs: bugs, MaxSteps: 1 << 22})
	defer x.Release()
	return x.History.Clone()
}

// A history cut at its quiescent points gets the verdict of the whole,
// on correct and buggy simulator histories and on correct ones with a
// wrong result injected: the cut's pieces are small (a few steps each),
// so that the short histories porcupine can still judge whole are cut
// many times. Porcupine deciding every piece too never disagrees with the
// end search, and the end search naming every culprit finds the same
// violations.
func TestCutAgreesWithTheWhole(t *testing.T) {
	bugs := []sim.BugSet{nil}
	for _, b := range sim.Bugs {
		bugs = append(bugs, sim.BugSet{b.Name})
	}
	var checked, violations int
	for seed := range uint64(40) {
		for k, bug := range bugs {
			if seed%4 != 0 && k > 0 {
				continue // every bug on 10 seeds, the correct simulator on all
			}
			h := cutCase(t, seed, 40, bug)
			hs := []history.History{h}
			if bug == nil {
				wrong := h.Clone()
				injectAt(wrong, gen.NewRand(seed+77))
				hs = append(hs, wrong)
			}
			for _, h := range hs {
				whole, _ := Linearize(h, 0)
				for mode, every := range []bool{false, true, false} {
					withPieces(t, 3, every, func() {
						if mode == 2 { // the end search names every culprit
							old := porcupineSteps
							porcupineSteps = 0
							defer func() { porcupineSteps = old }()
						}
						v := checkPieces(h, h.Steps(nil), bounds{})
						if !v.decided || (whole == porcupine.Illegal) != (len(v.violations) > 0) {
							t.Fatalf("seed %d, bug %v, mode %d: whole %v, cut decided %v with %v (%s)", seed, bug, mode, whole, v.decided, v.violations, v.progress)
						}
					})
				}
				checked++
				if whole == porcupine.Illegal {
					violations++
				}
			}
		}
	}
	t.Logf("%d histories, %d not linearizable", checked, violations)
	if violations < checked/10 {
		t.Fatalf("only %d of %d histories are violations: the test tells little", violations, checked)
	}
}

// injectAt makes one record's result wrong, as culprit_test's inject does,
// and returns its index.
func injectAt(h history.History, r gen.Rand) int {
	var can []int
	for i, rc := range h.Records {
		if rc.Op.Kind != model.Readdir && !rc.Op.Kind.IsFlow() && !rc.Pending {
			can = append(can, i)
		}
	}
	i := can[r.IntN(len(can), "injected")]
	if rc := &h.Records[i]; rc.Result.Err == model.OK {
		rc.Result = model.Result{Err: model.ENOENT}
	} else {
		rc.Result = model.Result{}
	}
	return i
}

// A wrong result injected at a random place in a long correct history,
// long enough to be cut into pieces of the default size, is found and
// named: its record is among those the violation names (first, most of
// the time), in the piece the violation says, with its time in the whole
// history; whether porcupine names it (a piece of a few thousand steps)
// or the end search does (a stretch too long for porcupine, here made
// so), and both name the same record first.
func TestCutNamesAnInjectedError(t *testing.T) {
	const histories = 10
	var named, first int
	for seed := range uint64(histories) {
		h := longHistory(t, seed, 6000)
		if vs, decided := CheckLinearizable(h, 0); !decided || len(vs) != 0 {
			t.Fatalf("seed %d: the correct simulator's history: decided %v, %v", seed, decided, vs)
		}
		i := injectAt(h, gen.NewRand(seed+1000))
		var byPorcupine, bySearch []Violation
		for _, limit := range []int{1 << 30, 0} {
			old := porcupineSteps
			porcupineSteps = limit
			vs, decided := CheckLinearizable(h, 0)
			porcupineSteps = old
			if !decided {
				t.Fatalf("seed %d: undecided without a timeout", seed)
			}
			if limit == 0 {
				bySearch = vs
			} else {
				byPorcupine = vs
			}
		}
		if len(byPorcupine) != len(bySearch) {
			t.Fatalf("seed %d: porcupine finds %v, the end search %v", seed, byPorcupine, bySearch)
		}
		if len(bySearch) == 0 {
			continue // some order explains the wrong result
		}
		r := h.Records[i]
		for _, v := range []Violation{byPorcupine[0], bySearch[0]} {
			if rs := v.Records; !slices.Contains(rs, i) || len(rs) > 5 {
				t.Fatalf("seed %d: injected at record %d (%v -> %v), the violation names %v: %s", seed, i, r.Op, r.Result, rs, v.Detail)
			}
			if v.Records[0] == i && !strings.Contains(v.Detail, fmt.Sprintf("on T%d at t=%d..%d", r.Thread, r.Call, r.Return)) {
				t.Errorf("seed %d: the violation does not give the record's thread and time: %s", seed, v.Detail)
			}
			if !strings.Contains(v.Detail, "of piece ") {
				t.Errorf("seed %d: the violation does not name its piece: %s", seed, v.Detail)
			}
		}
		if byPorcupine[0].Records[0] != bySearch[0].Records[0] {
			t.Errorf("seed %d: porcupine names %s, the end search %s", seed, byPorcupine[0].Detail, bySearch[0].Detail)
		}
		named++
		if bySearch[0].Records[0] == i {
			first++
		}
	}
	t.Logf("%d of %d injected errors found and named, %d first", named, histories, first)
	if named < histories/2 {
		t.Fatalf("only %d of %d injected errors found", named, histories)
	}
}

// Out of time, a long history's check is undecided, never a pass, and
// says which pieces it decided; with time, the same history passes. The
// clock advances a minute each time the check looks at it (once a
// piece), and the budget is three and a half.
func TestCutOutOfTimeSaysHowFar(t *testing.T) {
	h := longHistory(t, 2, 6000)
	if r := Check(h, Options{}); !r.OK() || len(r.Progress) != 0 {
		t.Fatalf("the correct simulator's history: %+v", r)
	}
	var now time.Time
	clock = func() time.Time { now = now.Add(time.Minute); return now }
	defer func() { clock = time.Now }()
	for _, timeout := range []time.Duration{7 * time.Minute / 2, 0} {
		withPieces(t, 50, false, func() {
			r := Check(h, Options{LinearizabilityTimeout: timeout})
			if timeout == 0 {
				if !r.OK() || len(r.Progress) != 0 {
					t.Fatalf("with time: %+v", r)
				}
				return
			}
			if !slices.Equal(r.Unknown, []Property{Linearizability}) || len(r.Progress) != 1 {
				t.Fatalf("out of time: unknown %v, progress %v", r.Unknown, r.Progress)
			}
			if d := r.Progress[0].Detail; !strings.HasPrefix(d, "pieces 1-3 (") || !strings.Contains(d, "from piece 4 on, nothing is decided within 3m30s") {
				t.Errorf("progress %q", d)
			}
		})
	}
}

// The end search places a fitting failure first (failureFirst) because a
// failing step never changes the state: every failure of model.Step,
// from states reached by generated histories, with the operations they
// hold, leaves the state as it was. A model that changed this would make
// the search miss orders, and this test fail.
func TestFailuresLeaveTheStateAsItWas(t *testing.T) {
	var failures int
	for seed := range uint64(30) {
		bug := sim.BugSet(nil)
		if seed%3 == 1 {
			bug = sim.BugSet{sim.Bugs[int(seed)%len(sim.Bugs)].Name}
		}
		h := cutCase(t, seed, 30, bug)
		steps := h.Steps(nil)
		s := model.Init()
		for k, st := range steps {
			if k%5 == 0 {
				for _, other := range steps {
					for _, o := range model.Step(h.Config, s, other.Op) {
						if o.Result.Err == model.OK {
							continue
						}
						failures++
						if !o.State.Equal(s) {
							t.Fatalf("seed %d: %v fails with %v and changes the state\n%v\nto\n%v", seed, other.Op, o.Result, s, o.State)
						}
					}
				}
			}
			s = model.Step(h.Config, s, st.Op)[0].State
		}
	}
	if failures < 1000 {
		t.Fatalf("only %d failures tried", failures)
	}
}

// A stretch too concurrent for the end search (18 lookups at once, any of
// whose 2^18 subsets may be placed first: more than maxFrontier in the
// widest layer) goes to porcupine whole, which decides it: linearizable
// as recorded, and not once a lookup returns another namespace's tag.
func TestTooConcurrentGoesToPorcupine(t *testing.T) {
	c := model.Config{Namespaces: 2, Mounts: []int{1, 2}}
	recs := []history.Record{at(0, 1, 2, model.Op{Kind: model.Create, NS: 1, Name: "eth0"}, model.Result{})}
	for i := 1; i <= 18; i++ {
		recs = append(recs, at(i, 3, 100, model.Op{Kind: model.Lookup, Mount: 1, Name: "eth0"}, model.Result{Tag: 1}))
	}
	h := history.History{Config: c, Records: recs}
	steps := h.Steps(nil)
	segs := segments(steps)
	created := model.Init()
	for _, st := range steps[:2] { // the create's steps
		created = model.Step(c, created, st.Op)[0].State
	}
	if _, ok := newEndSearch(c).ends(steps, segs[len(segs)-1], []model.State{created}); ok {
		t.Fatal("the end search followed 18 concurrent lookups")
	}
	for _, wrong := range []bool{false, true} {
		if wrong {
			h.Records[10].Result.Tag = 2
		}
		withPieces(t, 1, false, func() {
			v := checkPieces(h, h.Steps(nil), bounds{})
			if !v.decided || (len(v.violations) > 0) != wrong {
				t.Fatalf("a wrong tag %v: decided %v, %v", wrong, v.decided, v.violations)
			}
			if wrong && !slices.Contains(v.violations[0].Records, 10) {
				t.Errorf("the violation names %v: %s", v.violations[0].Records, v.violations[0].Detail)
			}
		})
	}
}

// A short history that only the full search explains, found after its
// time ran out, is undecided, never a pass: the rule that an undecided
// check is reported as such holds on the path without pieces too.
func TestExplainedTooLateIsUndecided(t *testing.T) {
	var h history.History
	found := false
	for seed := uint64(0); seed < 300 && !found; seed++ {
		h = cutCase(t, seed, 20, nil)
		buf := stepBufs.Get().(*stepBuf)
		fast := buf.explainedInOrder(&h, false) || buf.explainedByReordering(&h) || buf.explainedInOrder(&h, true)
		stepBufs.Put(buf)
		found = len(h.Records) <= pieceSteps && !fast && explainedBySearch(h)
	}
	if !found {
		t.Fatal("no history of seeds 0-299 needs the full search: the test needs another source")
	}
	if v := checkLinearizable(&h, bounds{timeout: time.Second}); !v.decided {
		t.Fatalf("with time: undecided")
	}
	var now time.Time
	clock = func() time.Time { now = now.Add(time.Minute); return now }
	defer func() { clock = time.Now }()
	if v := checkLinearizable(&h, bounds{timeout: time.Second}); v.decided {
		t.Fatalf("explained after its time ran out, and called decided")
	}
	if r := Check(h, Options{LinearizabilityTimeout: time.Second}); !slices.Contains(r.Unknown, Linearizability) {
		t.Fatalf("Check: unknown %v, want linearizability among them", r.Unknown)
	}
}
