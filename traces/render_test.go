package traces

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

// oddTrace has what a timeline must still draw: a name that is HTML, a
// readdir listing, a pending call, a fault and violations.
func oddTrace() *Trace {
	cfg := model.Config{Namespaces: 1, Mounts: []int{1}}
	create := model.Op{Kind: model.Create, NS: 1, Name: "<b>x"}
	list := model.Op{Kind: model.Readdir, Mount: 1}
	return &Trace{
		Header:  tracefile.Header{Format: tracefile.FormatVersion, Sysfsim: tracefile.Version, Source: "kernel"},
		Program: history.Program{Config: cfg, Threads: [][]model.Op{{create}, {list}, {create}}},
		History: history.History{Config: cfg,
			Records: []history.Record{
				{Thread: 0, Op: create, Call: 1, Return: 3},
				{Thread: 1, Op: list, Call: 2, Return: 5, Result: model.Result{Entries: []model.Entry{{Name: "<b>x", Tag: 1}, {Name: "<b>x", Tag: 1}}}},
				{Thread: 2, Op: create, Call: 4, Pending: true},
			},
			Faults: []history.Fault{{Kind: history.Deadlock, Thread: -1, Time: 6, Detail: "T2 waits for kernfs_rwsem held by T0\n"}},
		},
		Violations: []tracefile.Violation{{Property: string(properties.Uniqueness), Detail: "listed twice", Records: []int{1}}, {Property: string(properties.Liveness), Detail: "deadlock"}},
	}
}

func TestShowFitsAndMarks(t *testing.T) {
	var b bytes.Buffer
	if err := Show(&b, oddTrace(), 80); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"┌ create(ns1, \"<b>x\")", "FAULT deadlock", "never returned", "!1", "!2 liveness"} {
		if !strings.Contains(out, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if utf8.RuneCountInString(line) > 80 {
			t.Errorf("line wider than 80 columns: %q", line)
		}
	}
}

func TestWrap(t *testing.T) {
	cases := []struct {
		text  string
		width int
		want  []string
	}{
		{"", 5, []string{""}},
		{"ab cd ef", 5, []string{"ab cd", "ef"}},
		{"abcdefgh", 3, []string{"abc", "def", "gh"}},
		{"a\nb", 5, []string{"a", "b"}},
	}
	for _, c := range cases {
		if got := wrap(c.text, c.width); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", c.text, c.width, got, c.want)
		}
	}
}

func TestVisualizeEscapes(t *testing.T) {
	var b bytes.Buffer
	if err := Visualize(&b, oddTrace(), 0); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// JSON in the page escapes < and &, so no name is raw in the file.
	// What the page's script then inserts as HTML, the state
	// descriptions, must have been escaped before; the rest it inserts as
	// text.
	if strings.Contains(out, "<b>x") {
		t.Error("a name reaches the page raw")
	}
	states := regexp.MustCompile(`"StateDescription":"((?:[^"\\]|\\.)*)"`).FindAllStringSubmatch(out, -1)
	if len(states) == 0 {
		t.Fatal("no state descriptions in the page")
	}
	escaped := false
	for _, s := range states {
		if strings.Contains(s[1], `\u003c`) {
			t.Errorf("state description %s holds a raw <", s[1])
		}
		escaped = escaped || strings.Contains(s[1], `\u0026lt;b\u0026gt;x`)
	}
	if !escaped {
		t.Errorf("no state description shows the name escaped: %v", states)
	}
	// A row per violated property, named after it.
	for _, want := range []string{vizListings, vizFaults, `"Tag":"uniqueness"`, `"Tag":"liveness"`, "listed twice"} {
		if !strings.Contains(out, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestShowNanosecondsFromTheStart(t *testing.T) {
	tr := oddTrace()
	const base = 1732781234567890123
	for i := range tr.History.Records {
		tr.History.Records[i].Call += base
		tr.History.Records[i].Return += base
	}
	tr.History.Faults[0].Time += base
	var b bytes.Buffer
	if err := Show(&b, tr, 80); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "times from 1732781234567890124") || strings.Count(b.String(), "17327812345678901") != 1 {
		t.Errorf("times not shown from the first event:\n%s", b.String())
	}
}

// An empty listing comes back from a trace file with no entries at all;
// the timeline still says it listed nothing, not "ok".
func TestShowEmptyListing(t *testing.T) {
	tr := oddTrace()
	tr.History.Records = append(tr.History.Records, history.Record{Thread: 1, Op: model.Op{Kind: model.Readdir, Mount: 1}, Call: 6, Return: 7})
	var b bytes.Buffer
	if err := Show(&b, tr, 80); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "└ []") {
		t.Errorf("the empty listing is not drawn as []:\n%s", b.String())
	}
}
