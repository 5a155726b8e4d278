package tracefile

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
)

// recordedExample is FORMAT.md's whole recorded history, one line a
// string.
func recordedExample(t *testing.T) []string {
	t.Helper()
	d := readFormat(t).rec
	if len(d.traces) == 0 {
		t.Fatal("FORMAT.md has no recorded history")
	}
	return strings.Split(strings.TrimSuffix(d.traces[0], "\n"), "\n")
}

// TestReadRecordedExample: the reader fills in what the recorder could
// not see, the way FORMAT.md says, and the checkers pass the history.
func TestReadRecordedExample(t *testing.T) {
	lines := recordedExample(t)
	tr, err := Read(strings.NewReader(strings.Join(lines, "\n")+"\n"), "FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	recs := tr.History.Records
	// lo in ns1 and ns2 at the start, lo in ns3 after its clone.
	lo := func(ns int) model.Op { return model.Op{Kind: model.Create, NS: ns, Name: "lo"} }
	if recs[0].Op != lo(1) || recs[1].Op != lo(2) || recs[0].Thread != history.SetupThread {
		t.Errorf("initial entries: %v, %v", recs[0], recs[1])
	}
	byOp := map[model.Kind][]history.Record{}
	for _, r := range recs {
		byOp[r.Op.Kind] = append(byOp[r.Op.Kind], r)
	}
	if c := byOp[model.Create]; len(c) != 4 || c[2].Op.Index != 2 || c[3].Op != lo(3) || c[3].Call != 3500 {
		t.Errorf("creates: %v", c)
	}
	if l := byOp[model.Lookup]; len(l) != 1 || l[0].Result.Tag != 2 {
		t.Errorf("lookup: %v, want its tag filled with ns2", l)
	}
	if r := byOp[model.Readdir]; len(r) != 3 || r[0].Result.Entries[0] != (model.Entry{Name: "lo", Tag: 2}) || r[1].Result.Entries[0].Tag != 3 {
		t.Errorf("readdirs: %v, want the mounts' tags", r)
	}
	if m := byOp[model.Mount]; len(m) != 1 || m[0].Op.Proc != 1 || tr.History.Config.Procs[0] != 3 || !reflect.DeepEqual(m[0].Result, model.Result{Tag: 3, User: 1}) {
		t.Errorf("mount: %v with procs %v, want a process of its own in ns3", m, tr.History.Config.Procs)
	}
	if recs[2].Thread != 0 || recs[3].Thread != 1 || recs[4].Thread != 0 {
		t.Errorf("lanes: %d %d %d, want 0 1 0", recs[2].Thread, recs[3].Thread, recs[4].Thread)
	}
	if len(tr.Program.Setup) != 2 || len(tr.Program.Threads) != 2 {
		t.Errorf("derived program: %d setup, %d threads", len(tr.Program.Setup), len(tr.Program.Threads))
	}
	if rep := properties.Check(tr.History, properties.Options{}); !rep.OK() {
		t.Errorf("the example violates %v (undecided %v)", rep.Violations, rep.Unknown)
	}
}

// TestRecordedExampleBroken: the same history with what a recorder would
// see of a broken kernel is caught, tags filled or not.
func TestRecordedExampleBroken(t *testing.T) {
	lines := recordedExample(t)
	find := func(prefix string) int {
		for i, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return i
			}
		}
		t.Fatalf("no line %s", prefix)
		return 0
	}
	cases := []struct {
		name, line, repl string
		want             properties.Property
	}{
		// ns3's mount shows ns2's device: no ifb1 was ever made in ns3.
		{"another namespace's device listed", `{"kind":"return","id":4,`, `{"kind":"return","id":4,"time":4200,"result":{"entries":[{"name":"lo"},{"name":"ifb1"}]}}`, properties.Regularity},
		{"seen after the teardown", `{"kind":"return","id":8,`, `{"kind":"return","id":8,"time":9600,"result":{"entries":[{"name":"ifb1"}]}}`, properties.Teardown},
		{"the old name after the rename", `{"kind":"call","id":4,`, `{"kind":"call","id":4,"time":4100,"op":{"op":"lookup","mount":2,"name":"ifb0"}}`, properties.Linearizability},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			edited := append([]string{}, lines...)
			edited[find(c.line)] = c.repl
			if c.name == "the old name after the rename" {
				edited[find(`{"kind":"return","id":4,`)] = `{"kind":"return","id":4,"time":4200,"result":{}}`
			}
			tr, err := Read(strings.NewReader(strings.Join(edited, "\n")+"\n"), "broken.jsonl")
			if err != nil {
				t.Fatal(err)
			}
			rep := properties.Check(tr.History, properties.Options{})
			for _, v := range rep.Violations {
				if v.Property == c.want {
					return
				}
			}
			t.Errorf("not caught as %s: %v", c.want, rep.Violations)
		})
	}
}

// TestRecordedPrefixesRead: a recording cut anywhere after its config
// line reads, as far as it went: a crash loses at most the line it was
// writing.
func TestRecordedPrefixesRead(t *testing.T) {
	text := strings.Join(recordedExample(t), "\n") + "\n"
	start := len(strings.Join(recordedExample(t)[:2], "\n")) + 1
	full, err := Read(strings.NewReader(text), "full.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for n := start; n < len(text); n++ {
		tr, err := Read(strings.NewReader(text[:n]), "cut.jsonl")
		if err != nil {
			t.Fatalf("cut at byte %d: %v", n, err)
		}
		if tr.Cut != (n < len(text)-1) || len(tr.History.Records) > len(full.History.Records) {
			t.Fatalf("cut at byte %d: Cut %v, %d records", n, tr.Cut, len(tr.History.Records))
		}
	}
	// Cut in the middle of a line that is not the last: an error.
	lines := recordedExample(t)
	mid := strings.Join(append(append([]string{}, lines[:3]...), lines[3][:10], lines[4]), "\n")
	if _, err := Read(strings.NewReader(mid), "mid.jsonl"); err == nil {
		t.Error("a line cut in the middle of the file was dropped silently")
	}
}

// recordedBase is a small recorded history for the bad inputs below.
var recordedBase = []string{
	`{"kind":"header","format":2,"sysfsim":"0.1.0","source":"kernel","seed":0,"options":{}}`,
	`{"kind":"config","config":{"namespaces":2,"mounts":[1,2],"exit":"kernel"}}`,
	`{"kind":"call","id":1,"time":10,"op":{"op":"create","ns":1,"name":"eth0"}}`,
	`{"kind":"return","id":1,"time":20,"result":{}}`,
	`{"kind":"call","id":2,"time":30,"op":{"op":"lookup","mount":1,"name":"eth0"}}`,
	`{"kind":"return","id":2,"time":40,"result":{}}`,
	`{"kind":"end","operations":2}`,
}

func recEdit(n int, repl ...string) string {
	lines := append(append(append([]string{}, recordedBase[:n-1]...), repl...), recordedBase[n:]...)
	return strings.Join(lines, "\n") + "\n"
}

var recordedBadInputs = []struct {
	name string
	text string
	line int
	want string
}{
	{"config in version 1", strings.Replace(recEdit(1, strings.Replace(recordedBase[0], `"format":2`, `"format":1`, 1)), "", "", 1), 2, `a "config" line in a version 1 trace`},
	{"no config", recEdit(2), 2, "the second line must be the config or the program"},
	{"second config", recEdit(3, recordedBase[1], recordedBase[2]), 3, "a second config"},
	{"event in version 1", insert(3, `{"kind":"event","time":0,"op":{"op":"clone","ns":1}}`), 3, `a "event" line in a version 1 trace`},
	{"call without id", recEdit(3, `{"kind":"call","time":10,"op":{"op":"create","ns":1,"name":"eth0"}}`), 3, `no "id"`},
	{"id used twice", recEdit(5, strings.Replace(recordedBase[4], `"id":2`, `"id":1`, 1)), 5, "a second call with id 1"},
	{"return of an unknown id", recEdit(4, `{"kind":"return","id":9,"time":20,"result":{}}`), 4, "return of id 9 without a call"},
	{"undeclared mount", recEdit(5, strings.Replace(recordedBase[4], `"mount":1`, `"mount":3`, 1)), 5, "goes through mount 3, which neither the config"},
	{"event not lifecycle", recEdit(3, `{"kind":"event","time":10,"op":{"op":"lookup","mount":1,"name":"eth0"}}`), 3, "an event is a lifecycle operation"},
	{"mount event without its namespace", recEdit(3, `{"kind":"event","time":10,"op":{"op":"mount","mount":3}}`), 3, "captures namespace 0"},
	{"unknown field in an op", recEdit(3, `{"kind":"call","id":1,"time":10,"op":{"op":"create","ns":1,"nmae":"eth0"}}`), 3, `unknown field "nmae" in the create operation of a "call" line (create takes: ns, name, index, phys)`},
	{"unknown field in a result", recEdit(4, `{"kind":"return","id":1,"time":20,"result":{"errno":"EEXIST"}}`), 4, `unknown field "errno" in the result of a "return" line (its fields: err, tag, entries, target, index, user)`},
	{"unknown field in the config", recEdit(2, `{"kind":"config","config":{"namespaces":2,"mount":[1,2]}}`), 2, `unknown field "mount" in the config of a "config" line (its fields: namespaces, mounts,`},
	{"negative first time", recEdit(3, strings.Replace(recordedBase[2], `"time":10`, `"time":-5`, 1)), 3, "time -5 is negative"},
	{"initial entry not a name", recEdit(2, `{"kind":"config","config":{"namespaces":2,"mounts":[1,2]},"initial":["a/b"]}`), 2, `initial entry "a/b"`},
	{"schedule without program", recEdit(7, `{"kind":"schedule","picks":[]}`, recordedBase[6]), 7, "a schedule without a program"},
	{"by ifindex without a name", recEdit(3, `{"kind":"call","id":1,"time":10,"op":{"op":"remove","ns":1,"index":3}}`), 3, "names none"},
	{"header without sysfsim", recEdit(1, strings.Replace(recordedBase[0], `"sysfsim":"0.1.0",`, "", 1)), 1, `no "sysfsim"`},
	{"end miscounts", recEdit(7, `{"kind":"end","operations":3}`), 7, "counts 3 operations"},
	{"a lane the program does not have", recEdit(2, `{"kind":"program","config":{"namespaces":2,"mounts":[1,2]},"threads":[]}`), 3, "on thread 0, which the program (threads 0..-1) does not have"},
	{"a record not the program's", recEdit(2, `{"kind":"program","config":{"namespaces":2,"mounts":[1,2]},"threads":[[{"op":"create","ns":1,"name":"eth0"},{"op":"lookup","mount":2,"name":"eth0"}]]}`), 5, `lookup(m1, class/net/eth0) on thread 0 is not the program's`},
}

func TestReadRecordedRejectsBadInput(t *testing.T) {
	if _, err := Read(strings.NewReader(strings.Join(recordedBase, "\n")+"\n"), "ok.jsonl"); err != nil {
		t.Fatalf("the base is rejected: %v", err)
	}
	for _, c := range recordedBadInputs {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.text), "bad.jsonl")
			var te *Error
			if err == nil || !errors.As(err, &te) {
				t.Fatalf("accepted or not an *Error: %v", err)
			}
			if te.Line != c.line || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want line %d saying %q", err, c.line, c.want)
			}
		})
	}
}

// TestRecordedRoundTrip: a recorded history, read, written and read
// again, is the same history, in the recorded form and, converted, in
// version 1.
func TestRecordedRoundTrip(t *testing.T) {
	text := strings.Join(recordedExample(t), "\n") + "\n"
	tr, err := Read(strings.NewReader(text), "FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, version := range []int{RecordedVersion, FormatVersion} {
		c, err := Convert(tr, version)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := Write(&b, c); err != nil {
			t.Fatal(err)
		}
		back, err := Read(&b, "back.jsonl")
		if err != nil {
			t.Fatalf("version %d: %v\n%s", version, err, b.String())
		}
		if d := historyDiff(tr.History, back.History); d != "" {
			t.Errorf("version %d: %s", version, d)
		}
	}
}

// canonical returns h as a file holds it: records in the order of their
// calls (stably), empty listings and fault lists as nil.
func canonical(h history.History) history.History {
	h = h.Clone()
	slices.SortStableFunc(h.Records, func(a, b history.Record) int { return cmp.Compare(a.Call, b.Call) })
	for i := range h.Records {
		if len(h.Records[i].Result.Entries) == 0 {
			h.Records[i].Result.Entries = nil
		}
	}
	if len(h.Faults) == 0 {
		h.Faults = nil
	}
	return h
}

// historyDiff says how back, a history read back, differs from h, or ""
// when they are the same (canonical).
func historyDiff(h, back history.History) string {
	h, back = canonical(h), canonical(back)
	if !reflect.DeepEqual(h.Config, back.Config) {
		return fmt.Sprintf("config %+v, read back %+v", h.Config, back.Config)
	}
	if len(h.Records) != len(back.Records) {
		return fmt.Sprintf("%d records, read back %d", len(h.Records), len(back.Records))
	}
	for i := range h.Records {
		if !reflect.DeepEqual(h.Records[i], back.Records[i]) {
			return fmt.Sprintf("record %d: %+v, read back %+v", i, h.Records[i], back.Records[i])
		}
	}
	if !reflect.DeepEqual(h.Faults, back.Faults) {
		return fmt.Sprintf("faults %v, read back %v", h.Faults, back.Faults)
	}
	return ""
}
