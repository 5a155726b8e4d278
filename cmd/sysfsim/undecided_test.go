package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/kernel"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
	"github.com/sysfsim/sysfsim/traces"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

// undecidedTrace writes the trace of a correct execution of a few
// thousand operations whose history, replayed in the order its operations
// returned, the model does not explain: deciding it takes porcupine's
// search, which a nanosecond's bound stops before it ends.
func undecidedTrace(t *testing.T) string {
	t.Helper()
	for seed := uint64(1); seed < 50; seed++ {
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 4, MaxThreads: 4, MaxOps: 1000})
		x := sim.Run(p, sched.NewRandom(seed), sim.Options{MaxSteps: 1 << 20})
		if r := properties.Check(x.History, properties.Options{}); !r.OK() {
			continue
		}
		if r := properties.Check(x.History, properties.Options{LinearizabilityTimeout: time.Nanosecond}); len(r.Unknown) == 0 {
			continue
		}
		path := filepath.Join(t.TempDir(), "undecided.jsonl")
		if err := traces.WriteFile(path, traces.FromExecution(p, seed, "random", sim.Options{}, x, nil)); err != nil {
			t.Fatal(err)
		}
		return path
	}
	t.Fatal("no correct history that takes porcupine's search in 50 seeds")
	return ""
}

// Undecided is its own verdict: exit 3, said in the text and the JSON of
// every command that gives a verdict, beside a violation (exit 1) and a
// clean history (exit 0).
func TestUndecided(t *testing.T) {
	undecided := undecidedTrace(t)
	dir := t.TempDir()
	camp := filepath.Join(dir, "campaign")
	cases := []struct {
		name string
		args []string
		code int
		out  []string // in stdout
	}{
		{"check, out of time", []string{"check", "--timeout", "1ns", undecided}, exitUndecided,
			[]string{"no violation found, but not every property was decided", "UNDECIDED linearizability: not decided within 1ns"}},
		{"check json, out of time", []string{"check", "--json", "--timeout", "1ns", undecided}, exitUndecided,
			[]string{`"violations":[]`, `"undecided":["linearizability"]`}},
		{"check, in time", []string{"check", undecided}, exitOK, []string{"every property holds"}},
		{"check json, in time", []string{"check", "--json", "--timeout", "1m", undecided}, exitOK, []string{`"undecided":[]`}},
		{"check a violation, out of time", []string{"check", "--timeout", "1ns", bugTrace}, exitViolation, []string{"VIOLATION uniqueness"}},
		{"viz, out of time", []string{"viz", "--timeout", "1ns", undecided, "-o", filepath.Join(dir, "u.html")}, exitOK,
			[]string{"0 violations drawn", "UNDECIDED linearizability: not decided within 1ns"}},
		{"shrink, out of time", []string{"shrink", "--timeout", "1ns", undecided, "-o", filepath.Join(dir, "s.jsonl")}, exitUndecided, nil},
		// The return order and the reordering search decide nearly every
		// history without porcupine, and so without its timeout: larger
		// programs, 1,000 of them, hold 3 that need it.
		{"run, out of time", []string{"run", "--timeout", "1ns", "--executions", "1000", "--threads", "5", "--ops", "12", "--workers", "1", "--out", camp}, exitUndecided,
			[]string{"UNDECIDED ", "executions: the linearizability check ran out of its --timeout", "no violation found, "}},
		{"run, in time", []string{"run", "--executions", "500", "--workers", "1"}, exitOK, []string{"\nno violation\n"}},
		{"run a bug, out of time", []string{"run", "--timeout", "1ns", "--bug", "unlocked-add", "--out", filepath.Join(dir, "bug")}, exitViolation,
			[]string{"VIOLATION "}},
		{"merge, out of time", []string{"merge", camp}, exitUndecided, []string{"no violation found, "}},
		{"report, out of time", []string{"report", camp}, exitOK, []string{"report in"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expectRun(t, c.args, c.code, c.out)
		})
	}
	page, err := os.ReadFile(filepath.Join(camp, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte("executions undecided</b>: not counted as passing")) || bytes.Contains(page, []byte("undecided executions</dt><dd>0<")) {
		t.Errorf("the report does not show the undecided executions:\n%s", page)
	}
}

func TestVerdictExit(t *testing.T) {
	cases := []struct {
		violated, undecided bool
		want                int
	}{
		{false, false, exitOK},
		{true, false, exitViolation},
		{true, true, exitViolation},
		{false, true, exitUndecided},
	}
	for _, c := range cases {
		if got := verdictExit(c.violated, c.undecided); got != c.want {
			t.Errorf("verdictExit(%v, %v) = %d, want %d", c.violated, c.undecided, got, c.want)
		}
	}
}

// The kernel's summary says undecided histories as it says violations.
func TestKernelSummaryUndecided(t *testing.T) {
	cases := []struct {
		s    kernel.Summary
		want []string
		not  []string
	}{
		{kernel.Summary{Histories: 5, Unknown: 2}, []string{"UNDECIDED 2 histories", "no violation found, 2 undecided"}, []string{"\nno violation\n"}},
		{kernel.Summary{Histories: 5}, []string{"\nno violation\n"}, []string{"UNDECIDED"}},
	}
	for _, c := range cases {
		var b bytes.Buffer
		printKernelSummary(&b, c.s)
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%+v: summary lacks %q:\n%s", c.s, w, b.String())
			}
		}
		for _, w := range c.not {
			if strings.Contains(b.String(), w) {
				t.Errorf("%+v: summary says %q:\n%s", c.s, w, b.String())
			}
		}
	}
}

// wideTrace writes a hand-made history too wide for the end search: n
// threads each creating a device at once, then a lookup that misses the
// first (found: finds it). Porcupine then searches every order of the
// creates.
func wideTrace(t *testing.T, n int, found bool) string {
	t.Helper()
	cfg := model.Config{Namespaces: 1, Mounts: []int{1}}
	tr := &traces.Trace{
		Header:  tracefile.Header{Format: tracefile.FormatVersion, Sysfsim: tracefile.Version, Source: "hand"},
		Program: history.Program{Config: cfg, Threads: make([][]model.Op, n)},
		History: history.History{Config: cfg},
	}
	add := func(thread int, op model.Op, res model.Result, call, ret int64) {
		tr.Program.Threads[thread] = append(tr.Program.Threads[thread], op)
		tr.History.Records = append(tr.History.Records, history.Record{Thread: thread, Op: op, Result: res, Call: call, Return: ret})
	}
	for i := range n {
		add(i, model.Op{Kind: model.Create, NS: 1, Name: fmt.Sprintf("d%d", i)}, model.Result{}, 10+int64(i), 1000)
	}
	res := model.Result{Err: model.ENOENT}
	if found {
		res = model.Result{Tag: 1}
	}
	add(0, model.Op{Kind: model.Lookup, Mount: 1, Name: "d0"}, res, 2000, 2001)
	path := filepath.Join(t.TempDir(), "wide.jsonl")
	if err := traces.WriteFile(path, tr); err != nil {
		t.Fatal(err)
	}
	return path
}

// A history too wide for the end search is undecided at the memory
// bound (--memory, here 1 MiB: below the heap the command starts with),
// exit 3, saying which part and why, with the cause in the JSON; a
// narrow one of the same shape is decided under the default bound.
func TestCheckMemoryBound(t *testing.T) {
	wide := wideTrace(t, 70, false)
	cases := []struct {
		name string
		args []string
		code int
		out  []string
	}{
		{"wide", []string{"check", "--memory", "1", wide}, exitUndecided,
			[]string{"UNDECIDED linearizability: not decided within the memory bound (--memory)", "too wide: 140 steps pending at once", "passed the memory bound"}},
		{"wide, json", []string{"check", "--json", "--memory", "1", wide}, exitUndecided,
			[]string{`"undecided":["linearizability"]`, `"cause":"memory"`}},
		{"viz, wide", []string{"viz", "--memory", "1", wide, "-o", filepath.Join(t.TempDir(), "w.html")}, exitOK,
			[]string{"UNDECIDED linearizability: not decided within the memory bound (--memory)"}},
		{"narrow, violated", []string{"check", wideTrace(t, 3, false)}, exitViolation, []string{"VIOLATION linearizability"}},
		{"narrow, linearizable", []string{"check", wideTrace(t, 3, true)}, exitOK, []string{"every property holds"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := expectRun(t, c.args, c.code, c.out)
			if c.name == "wide" {
				readmeHolds(t, out)
			}
		})
	}
}

// readmeHolds fails t unless README.md's sample of an undecided check at
// the memory bound (run there with --memory 64) shows what check printed
// (out), but for the heap figures.
func readmeHolds(t *testing.T, out string) {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		line, _, _ = strings.Cut(line, " (heap ")
		if !bytes.Contains(readme, []byte(line)) {
			t.Errorf("README.md's sample of the memory bound lacks %q", line)
		}
	}
}

// expectRun runs sysfsim with args and requires exit code and every
// string of wants in its stdout, which it returns.
func expectRun(t *testing.T, args []string, code int, wants []string) string {
	t.Helper()
	got, out, errs := run(t, args...)
	if got != code {
		t.Errorf("sysfsim %s: exit %d, want %d\n%s%s", strings.Join(args, " "), got, code, out, errs)
	}
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("sysfsim %s: stdout lacks %q:\n%s", strings.Join(args, " "), want, out)
		}
	}
	return out
}
