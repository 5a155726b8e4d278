package traces

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

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

// The page names its rows as Show does, gives each violated property a
// row, and tells its script which operations to outline: those the
// violations name and the culprit.
func TestVisualizeNamesAndMarks(t *testing.T) {
	tests := []struct {
		trace      string
		names      []string
		properties []string
		marks      int // outlined operations
		culprit    bool
	}{
		// Two racing add-devs: the uniqueness row is apart from the
		// linearizability row, and both operations are outlined.
		{"bugs/unlocked-add", []string{"T0", "T1"}, []string{"uniqueness", "linearizability"}, 2, true},
		{"bugs/rename-link-recreate", []string{"T0", "T1", "setup"}, []string{"no-resurrection", "linearizability"}, 2, true},
		// The listing is outlined in its row: not an operation of a thread.
		{"bugs/readdir-cursor-descent", []string{"T0", "T1", "setup"}, []string{"readdir-regularity"}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.trace, func(t *testing.T) {
			tr, err := ReadFile("testdata/" + tc.trace + ".jsonl")
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := Visualize(&b, tr, 0); err != nil {
				t.Fatal(err)
			}
			p, err := pageData(b.String())
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Names, tc.names) {
				t.Errorf("rows named %q, want %q", p.Names, tc.names)
			}
			for _, prop := range tc.properties {
				if !strings.Contains(b.String(), `"Tag":"`+prop+`"`) || !strings.Contains(p.Title, prop) {
					t.Errorf("no row for %s, or not in the title %q", prop, p.Title)
				}
			}
			if len(p.Marks) != tc.marks || (p.Culprit != "") != tc.culprit || (tc.culprit && !slices.Contains(p.Marks, p.Culprit)) {
				t.Errorf("outlined %q, culprit %q; want %d outlined, culprit %v", p.Marks, p.Culprit, tc.marks, tc.culprit)
			}
			if len(p.Errors) == 0 || len(p.Marks)+len(p.Outlined) == 0 {
				t.Errorf("no error to scroll to (%v) or nothing outlined", p.Errors)
			}
		})
	}
}

// pageData reads back what the page tells its script, and fails on a
// page without it, such as porcupine's own.
func pageData(page string) (vizPage, error) {
	var p vizPage
	const start = "const sysfsim = "
	i := strings.Index(page, start)
	if i < 0 {
		return p, errors.New("the page has no sysfsim script")
	}
	line, _, _ := strings.Cut(page[i+len(start):], "\n")
	err := json.Unmarshal([]byte(line), &p)
	return p, err
}

func TestPageDataFailsOnPorcupinesPage(t *testing.T) {
	tr, _ := injectedTrace(t, 3)
	_, info := properties.Linearize(tr.History, 0)
	var b bytes.Buffer
	if err := porcupine.Visualize(model.Porcupine(tr.History.Config), info, &b); err != nil {
		t.Fatal(err)
	}
	if _, err := pageData(b.String()); err == nil {
		t.Error("porcupine's page passes for sysfsim's")
	}
}

// The script goes at the end of the body, after porcupine's, so that it
// runs on what porcupine drew; a page with no body gets it at its end.
func TestInjectAfterPorcupine(t *testing.T) {
	p := vizPage{Title: "</script><b>", Names: []string{"T0"}}
	for _, tc := range []struct{ page, before, after string }{
		{"<body><script>render(data)</script></body></html>", "render(data)</script><script>\nconst sysfsim = ", "</script>\n</body></html>"},
		{"<p>no body", "<p>no body<script>\nconst sysfsim = ", "})()\n</script>\n"},
	} {
		out := string(p.inject([]byte(tc.page)))
		if !strings.Contains(out, tc.before) || !strings.HasSuffix(out, tc.after) {
			t.Errorf("inject(%q):\n%s", tc.page, out)
		}
		if strings.Contains(out, "</script><b>") {
			t.Errorf("a title closes the script:\n%s", out)
		}
	}
}

// A long history without a violation is drawn as a window from its
// beginning that says the check found none in the whole; out of time,
// the page says undecided on a row of its own, never no violation; a
// long one with a violation says so in its window's row.
func TestVisualizeLongVerdicts(t *testing.T) {
	wrong, _ := injectedTrace(t, 600)
	p := gen.Program(gen.NewRand(3), gen.Options{MinThreads: 4, MaxThreads: 4, MaxOps: 600}) // a program of many kinds, whose check takes time
	x := sim.Run(p, sched.NewRandom(1), sim.Options{MaxSteps: 1 << 24})
	correct := FromExecution(p, 1, "random", sim.Options{}, x, nil)
	x.Release()
	tests := []struct {
		name    string
		tr      *Trace
		timeout time.Duration
		want    []string
		not     []string
	}{
		{"correct", correct, 0, []string{"a window: ", "; no violation", "no violation of linearizability: the check decided the whole history linearizable"}, []string{`"Tag":"` + vizUndecided + `"`, `"Tag":"` + vizCulprit + `"`}},
		{"out of time", correct, time.Nanosecond, []string{"a window: ", "; undecided", `"Tag":"` + vizUndecided + `"`, "UNDECIDED linearizability"}, []string{"no violation"}},
		{"violated", wrong, 0, []string{"a window: ", "; not linearizable", `"Tag":"` + vizCulprit + `"`}, []string{"no violation", `"Tag":"` + vizUndecided + `"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Visualize(&b, tc.tr, tc.timeout); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			has := func(w string) bool { return strings.Contains(out, w) || strings.Contains(out, jsonText(w)) }
			for _, w := range tc.want {
				if !has(w) {
					t.Errorf("the page lacks %q", w)
				}
			}
			for _, w := range tc.not {
				if has(w) {
					t.Errorf("the page says %q", w)
				}
			}
			if bars := strings.Count(out, `"OriginalStart"`); bars > 4*VizAround+2 {
				t.Errorf("%d operations drawn", bars)
			}
		})
	}
}
