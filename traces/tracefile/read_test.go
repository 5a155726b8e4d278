package tracefile

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

// baseTrace is a small valid trace recorded by the simulator, one line a
// string: setup creates eth1, then create(ns1, "eth0") || lookup(m1,
// "eth0"). Package traces's replay tests read the same file.
var baseTrace = readLines("testdata/base.jsonl")

// readLines returns the lines of a test file.
func readLines(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// edit returns baseTrace with line n (1-based) replaced by repl, which may
// hold several lines or none.
func edit(n int, repl ...string) string {
	lines := append(append(append([]string{}, baseTrace[:n-1]...), repl...), baseTrace[n:]...)
	return strings.Join(lines, "\n") + "\n"
}

// insert returns baseTrace with extra lines before line n.
func insert(n int, extra ...string) string {
	return edit(n, append(extra, baseTrace[n-1])...)
}

// badInputs are malformed traces, each with the line its error must name
// and a fragment of the message. They also seed FuzzRead. An unknown bug
// is the simulator's to reject (traces.Read), not the format's.
var badInputs = []struct {
	name string
	text string
	line int
	want string
}{
	{"empty file", "", 0, "empty file"},
	{"blank lines only", "\n \n", 2, "truncated"},
	{"truncated: no end line", edit(10), 9, "truncated"},
	{"truncated in the middle of a line", strings.Join(baseTrace[:7], "\n") + "\n" + baseTrace[7][:20], 8, "not a JSON object"},
	{"not JSON", edit(3, "hello"), 3, "not a JSON object"},
	{"two values on a line", edit(10, baseTrace[9]+baseTrace[9]), 10, "after top-level value"},
	{"wrong version", edit(1, strings.Replace(baseTrace[0], `"format":1`, `"format":3`, 1)), 1, "format version 3"},
	{"header not first", edit(1, baseTrace[1], baseTrace[0]), 1, "first line must be the header"},
	{"program not second", edit(2, baseTrace[2]), 2, "second line must be the program"},
	{"second header", insert(3, baseTrace[0]), 3, "second header"},
	{"second program", insert(3, baseTrace[1]), 3, "second program"},
	{"unknown event", insert(3, `{"kind":"checkpoint","time":1}`), 3, `unknown event kind "checkpoint"`},
	{"unknown field", edit(3, `{"kind":"call","time":1,"thread":-1,"op":{"op":"create","ns":1,"name":"eth1"},"cpu":3}`), 3, `unknown field "cpu"`},
	{"unknown operation", edit(3, `{"kind":"call","time":1,"thread":-1,"op":{"op":"mkdir","ns":1,"name":"eth1"}}`), 3, `unknown operation "mkdir" (known: create, remove, rename, move, lookup,`},
	{"a record not the program's", edit(6, `{"kind":"call","time":4,"thread":0,"op":{"op":"create","ns":1,"name":"eth9"}}`), 6, `create(ns1, "eth9") on thread 0 is not the program's`},
	{"a found entry without its tag", edit(8, `{"kind":"return","time":6,"thread":1,"result":{}}`), 8, "found its entry but the result has no tag"},
	{"operation without a kind", edit(3, `{"kind":"call","time":1,"thread":-1,"op":{"ns":1,"name":"eth1"}}`), 3, "without a known kind"},
	{"program operation without a kind", edit(2, strings.Replace(baseTrace[1], `"op":"lookup",`, "", 1)), 2, "thread 1: an operation without a known kind"},
	{"operation with a field its kind does not take", edit(3, `{"kind":"call","time":1,"thread":-1,"op":{"op":"create","ns":1,"name":"eth1","fd":2}}`), 3, `create takes no "fd"`},
	{"observer without a mount", edit(2, strings.Replace(baseTrace[1], `"mount":1,`, "", 1)), 2, `thread 1: lookup needs "mount"`},
	{"unknown directory", edit(2, strings.Replace(baseTrace[1], `"mount":1,`, `"mount":1,"dir":"net",`, 1)), 2, `lookup: unknown directory "net"`},
	{"result its operation never gives", edit(4, `{"kind":"return","time":2,"thread":-1,"result":{"tag":1}}`), 4, `create(ns1, "eth1"): create returns no "tag"`},
	{"unknown exit scheme", edit(2, strings.Replace(baseTrace[1], `"mounts":[1]`, `"mounts":[1],"exit":"cleanup_net"`, 1)), 2, `unknown exit scheme "cleanup_net" (known: tag, kernel)`},
	{"unknown fault kind", insert(9, `{"kind":"fault","fault":"oops","thread":0,"time":7,"detail":"?"}`), 9, `unknown fault "oops" (known: use-after-free, leak, deadlock, step-bound, crash)`},
	{"header without a seed", edit(1, strings.Replace(baseTrace[0], `"seed":3,`, "", 1)), 1, `the "header" line has no "seed" (it must have sysfsim, source, seed, options)`},
	{"misspelled field", edit(3, `{"kind":"call","time":1,"thread":-1,"opp":{"op":"create","ns":1,"name":"eth1"}}`), 3, `unknown field "opp" in a "call" line (its fields: kind, time, thread, op)`},
	{"negative time", edit(3, strings.Replace(baseTrace[2], `"time":1`, `"time":-5`, 1)), 3, "time -5 is negative"},
	{"undeclared mount", edit(2, strings.Replace(baseTrace[1], `"mount":1,`, `"mount":4,`, 1)), 2, `thread 1: lookup(m4, class/net/eth0) goes through mount 4, which the program never has`},
	{"a failed result with a tag", edit(8, `{"kind":"return","time":6,"thread":1,"result":{"tag":2,"err":"ENOENT"}}`), 8, `lookup failed with ENOENT, but its result has "tag"`},
	{"a tag no namespace has", edit(8, `{"kind":"return","time":6,"thread":1,"result":{"tag":-3}}`), 8, "tag -3: a namespace's is 1 to 63"},
	{"unknown errno", edit(4, `{"kind":"return","time":2,"thread":-1,"result":{"err":"ENOTFOUND"}}`), 4, `unknown errno "ENOTFOUND" (the model's: EEXIST, ENOENT,`},
	{"setup call without a setup", edit(2, strings.Replace(baseTrace[1], `"setup":[{"op":"create","ns":1,"name":"eth1"}],`, "", 1)), 3, "a setup call (thread -1), but the program has no setup"},
	{"negative step bound", edit(1, strings.Replace(baseTrace[0], `"options":{}`, `"options":{"max_steps":-1}`, 1)), 1, "max_steps -1"},
	{"no namespaces", edit(2, strings.Replace(baseTrace[1], `"namespaces":1`, `"namespaces":0`, 1)), 2, "0 namespaces"},
	{"mount of a missing namespace", edit(2, strings.Replace(baseTrace[1], `"mounts":[1]`, `"mounts":[3]`, 1)), 2, "captures namespace 3"},
	{"later namespace missing", edit(2, strings.Replace(baseTrace[1], `"mounts":[1]`, `"mounts":[1],"later":[2]`, 1)), 2, "namespace 2 comes to life later"},
	{"process in a missing namespace", edit(2, strings.Replace(baseTrace[1], `"mounts":[1]`, `"mounts":[1],"procs":[1,4]`, 1)), 2, "process 2 starts in namespace 4"},
	{"return without a call", edit(5), 7, "return on thread 1 without a call"},
	{"call on a busy thread", insert(7, `{"kind":"call","time":4,"thread":0,"op":{"op":"create","ns":1,"name":"eth0"}}`), 7, "has not returned"},
	{"call on a missing thread", edit(5, strings.Replace(baseTrace[4], `"thread":1`, `"thread":2`, 1)), 5, "call on thread 2"},
	{"times out of order", edit(7, strings.Replace(baseTrace[6], `"time":5`, `"time":2`, 1)), 7, "time 2 is before the previous event's 4"},
	{"fault without a kind", insert(9, `{"kind":"fault","thread":0,"time":7,"detail":"?"}`), 9, "fault without a kind"},
	{"schedule picks a missing thread", edit(9, `{"kind":"schedule","picks":[1,5]}`), 9, "picks thread 5"},
	{"second schedule", insert(10, baseTrace[8]), 10, "second schedule"},
	{"violation of a missing operation", insert(10, `{"kind":"violation","property":"uniqueness","detail":"x","records":[3]}`), 10, "names operation 3"},
	{"end miscounts", edit(10, `{"kind":"end","operations":4}`), 10, "counts 4 operations"},
	{"line after the end", edit(10, baseTrace[9], baseTrace[2]), 11, "after the end line"},
}

func TestReadRejectsBadInput(t *testing.T) {
	for _, c := range badInputs {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.text), "bad.jsonl")
			if err == nil {
				t.Fatalf("accepted:\n%s", c.text)
			}
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("error %v is a %T, not a *tracefile.Error", err, err)
			}
			if te.File != "bad.jsonl" || te.Line != c.line {
				t.Errorf("error names %s:%d, want bad.jsonl:%d (%v)", te.File, te.Line, c.line, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
}

func TestReadWriteRoundTrip(t *testing.T) {
	text := strings.Join(baseTrace, "\n") + "\n"
	tr, err := Read(strings.NewReader(text), "base.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, tr); err != nil {
		t.Fatal(err)
	}
	if b.String() != text {
		t.Errorf("written back differently:\n%s\nwant\n%s", b.String(), text)
	}
}

// TestReaderCheckOptions: the format takes any bug name; a tool's
// CheckOptions judges the options at line 1, before the format's own
// checks.
func TestReaderCheckOptions(t *testing.T) {
	noBugs := func(o Options) error {
		if len(o.Bugs) > 0 {
			return errors.New("this tool has no bugs")
		}
		return nil
	}
	withOptions := func(opts string) string {
		return edit(1, strings.Replace(baseTrace[0], `"options":{}`, `"options":`+opts, 1))
	}
	cases := []struct {
		name  string
		check func(Options) error
		text  string
		want  string // "" for accepted
	}{
		{"any bug name, no check", nil, withOptions(`{"bugs":["no-such-bug"]}`), ""},
		{"no bug, checked", noBugs, withOptions(`{}`), ""},
		{"a bug the tool rejects", noBugs, withOptions(`{"bugs":["no-such-bug"]}`), "bad.jsonl:1: this tool has no bugs"},
		{"the tool's check comes first", noBugs, withOptions(`{"bugs":["no-such-bug"],"max_steps":-1}`), "bad.jsonl:1: this tool has no bugs"},
		{"then the format's", nil, withOptions(`{"bugs":["no-such-bug"],"max_steps":-1}`), "bad.jsonl:1: max_steps -1 is negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Reader{CheckOptions: c.check}.Read(strings.NewReader(c.text), "bad.jsonl")
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case c.want != "" && (err == nil || err.Error() != c.want):
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}
