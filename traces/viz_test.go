package traces

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// A history that is not linearizable has its culprit drawn on a row of its
// own; a long one is drawn as a window around it, which the page says,
// while a short one is drawn whole.
func TestVisualizeCulpritAndWindow(t *testing.T) {
	tests := []struct {
		name   string
		ops    int // per thread
		window bool
	}{
		{"short", 3, false},
		{"long", 600, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, at := injectedTrace(t, tc.ops)
			var b bytes.Buffer
			if err := Visualize(&b, tr, 0); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			r := tr.History.Records[at]
			if !strings.Contains(out, `"Tag":"`+vizCulprit+`"`) || !strings.Contains(out, jsonText(r.Op.String())) {
				t.Errorf("the page has no culprit row for record %d, %v", at, r.Op)
			}
			bars := strings.Count(out, `"OriginalStart"`)
			ops, _ := tr.History.Operations()
			windowed := strings.Contains(out, "a window: ")
			if windowed != tc.window {
				t.Fatalf("%d operations: drawn as a window %v, want %v", len(ops), windowed, tc.window)
			}
			t.Logf("%d of %d operations drawn", bars, len(ops))
			if tc.window && (bars > 4*VizAround+2 || bars >= len(ops)) {
				t.Errorf("the window draws %d of %d operations", bars, len(ops))
			}
			if !tc.window && bars != len(ops) {
				t.Errorf("%d of %d operations drawn", bars, len(ops))
			}
		})
	}
}

// injectedTrace is the trace of a correct simulator's execution of a
// program of 4 threads of up to ops operations each, with one record's
// result made wrong where no order of the history explains it. It returns
// the record's index.
func injectedTrace(t *testing.T, ops int) (*Trace, int) {
	for seed := range uint64(50) {
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 4, MaxThreads: 4, MaxOps: ops})
		x := sim.Run(p, sched.NewRandom(seed), sim.Options{MaxSteps: 1 << 24})
		tr := FromExecution(p, seed, "random", sim.Options{}, x, nil)
		x.Release()
		h := tr.History
		for i := len(h.Records) / 2; i < len(h.Records); i++ {
			r := &h.Records[i]
			if r.Thread == history.SetupThread || r.Pending || r.Op.Kind != model.Lookup {
				continue
			}
			saved := r.Result
			r.Result = model.Result{Err: model.ENOENT}
			if saved.Err != model.OK {
				r.Result = model.Result{Tag: 1}
			}
			if vs, _ := properties.CheckLinearizable(h, 0); len(vs) == 1 && vs[0].Records[0] == i {
				tr.Violations = Violations(vs)
				return tr, i
			}
			r.Result = saved
		}
	}
	t.Fatal("no history with a lookup whose wrong result is not explained")
	return nil, 0
}

// jsonText is s as the page's JSON writes it.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}
