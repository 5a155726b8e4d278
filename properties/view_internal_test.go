package properties

import (
	"slices"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// readmeFlip is the README walkthrough's kernel-30k with its lookup of
// veth0 at t=5137666024 made to miss it: the end search names it, in a
// stretch of 27,538 steps with no quiescent point.
func readmeFlip(t *testing.T) (history.History, int) {
	h := kernelHistory(t, kernel30k)
	i := slices.IndexFunc(h.Records, func(r history.Record) bool { return r.Call == 5137666024 && r.Op.Kind == model.Lookup })
	if i < 0 || h.Records[i].Result.Tag != 1 {
		t.Fatal("kernel-30k has no lookup of veth0 at t=5137666024 that found it")
	}
	h.Records[i].Result = model.Result{Err: model.ENOENT}
	return h, i
}

// A long history that is not linearizable is drawn as a window around
// its culprit, a few hundred steps, in which porcupine, from the state
// the window starts in, gets stuck at the same operation as the check:
// whether porcupine named it in its piece or the end search did in a
// stretch too long for porcupine (the README's flipped kernel
// recording). Started from the initial state instead, the window does
// not show it.
func TestDrawWindowAroundTheCulprit(t *testing.T) {
	const around = 100
	tests := []struct {
		name     string
		h        func(t *testing.T) (history.History, int)
		bySearch bool // the end search names the culprit
	}{
		{"generated, porcupine's culprit", func(t *testing.T) (history.History, int) {
			h := longHistory(t, 3, 6000)
			return h, injectAt(h, gen.NewRand(1003))
		}, false},
		{"kernel-30k flipped, the end search's culprit", readmeFlip, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, wrong := tc.h(t)
			d := Draw(h, Options{}, around)
			if d.Culprit == nil || d.Culprit.Record != wrong || !d.Decided || len(d.Violations) != 1 || (d.Culprit.Prefix == nil) != tc.bySearch {
				t.Fatalf("the drawing's verdict: decided %v, %v, culprit %v; want record %d named, by the end search %v", d.Decided, d.Violations, d.Culprit, wrong, tc.bySearch)
			}
			want := *d.Culprit
			w := d.Window
			if w.Whole || len(w.Ops) > 2*around+1 || len(w.Ops) < around {
				t.Fatalf("a window of %d of %d steps (whole %v)", len(w.Ops), d.Steps, w.Whole)
			}
			if d.First > want.Record || d.Last < want.Record {
				t.Errorf("the window's records %d-%d leave out the culprit's, %d", d.First, d.Last, want.Record)
			}
			if d.Result != porcupine.Illegal {
				t.Fatalf("porcupine finds the window %v", d.Result)
			}
			if got := windowCulprit(t, h, w.Model, w.Ops, d.Info); got != want.Step {
				t.Errorf("porcupine is stuck in the window at step %d, the check at %d", got, want.Step)
			}
			t.Logf("%d of %d steps, records %d-%d: %s", len(w.Ops), d.Steps, d.First, d.Last, d.How)
			init := startingIn(h.Config, []model.State{model.Init()})
			init.Partition = nil
			res, info := porcupine.CheckOperationsVerbose(init, w.Ops, 0)
			if res == porcupine.Illegal && windowCulprit(t, h, init, w.Ops, info) == want.Step {
				t.Errorf("from the initial state, the window shows the culprit too: the test cannot tell a wrong start")
			}
		})
	}
}

// windowCulprit is the step porcupine got stuck at in a window.
func windowCulprit(t *testing.T, h history.History, m porcupine.Model, win []porcupine.Operation, info porcupine.LinearizationInfo) int {
	t.Helper()
	ops, from := h.Operations()
	for i := range ops {
		ops[i].Metadata = i
	}
	start, ok := m.Init().(model.State)
	states := []model.State{start}
	if !ok {
		states = m.Init().(model.Set)
	}
	c, ok := findCulprit(h.Config, m, ops, from, win, states, info)
	if !ok {
		return -1
	}
	return c.Step
}

// A long linearizable history is drawn from its beginning, a window
// porcupine explains, the verdict the check's on the whole; a short one
// whole; out of time, the drawing is undecided, not linearizable.
func TestDrawLinearizable(t *testing.T) {
	const around = 100
	tests := []struct {
		name    string
		h       history.History
		timeout time.Duration
		whole   bool
		decided bool
	}{
		{"kernel-30k: a stretch with no quiescent point first", kernelHistory(t, kernel30k), 0, false, true},
		{"generated, long", longHistory(t, 4, 6000), 0, false, true},
		{"generated, short", longHistory(t, 4, 120), 0, true, true},
		{"out of time", longHistory(t, 4, 6000), time.Nanosecond, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Draw(tc.h, Options{LinearizabilityTimeout: tc.timeout}, around)
			if d.Decided != tc.decided || len(d.Violations) > 0 || d.Culprit != nil {
				t.Fatalf("decided %v, %v; want decided %v, no violation", d.Decided, d.Violations, tc.decided)
			}
			if !tc.decided && d.Progress == "" {
				t.Error("undecided, not saying how far the check got")
			}
			w := d.Window
			if w.Whole != tc.whole || (!w.Whole && (len(w.Ops) > 2*around || len(w.Ops) == 0)) {
				t.Fatalf("%d of %d steps drawn, whole %v", len(w.Ops), d.Steps, w.Whole)
			}
			if tc.decided && d.Result != porcupine.Ok {
				t.Errorf("porcupine finds the window %v", d.Result)
			}
			t.Logf("%d of %d steps, records %d-%d, t=%d..%d: %s", len(w.Ops), d.Steps, d.First, d.Last, d.From, d.To, d.How)
		})
	}
}

// CheckDrawn is Check, its linearizability verdict taken from the
// drawing: the same report, violation or not, decided or not.
func TestCheckDrawnIsCheck(t *testing.T) {
	h := longHistory(t, 5, 3000)
	wrong := h.Clone()
	injectAt(wrong, gen.NewRand(7))
	for _, h := range []history.History{h, wrong} {
		for _, timeout := range []time.Duration{0, time.Nanosecond} {
			o := Options{LinearizabilityTimeout: timeout}
			want := Check(h, o)
			got := CheckDrawn(h, o, Draw(h, o, 100))
			if timeout == 0 && !slices.EqualFunc(got.Violations, want.Violations, func(a, b Violation) bool {
				return a.Property == b.Property && a.Detail == b.Detail && slices.Equal(a.Records, b.Records)
			}) || !slices.Equal(got.Unknown, want.Unknown) {
				t.Errorf("timeout %v: CheckDrawn %+v, Check %+v", timeout, got, want)
			}
		}
	}
}
