package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Values out of range, or contradicting another flag, exit 2 with a
// message naming what is wrong, before anything runs; the values beside
// them that are right are taken.
func TestBadValuesRefused(t *testing.T) {
	tmp := t.TempDir()
	camp := filepath.Join(tmp, "camp")
	if code, _, errs := run(t, "run", "--executions", "10", "--out", camp); code != exitOK {
		t.Fatalf("campaign: exit %d %s", code, errs)
	}
	for _, c := range []struct {
		args []string
		want string // on stderr; "" for a value taken
	}{
		{[]string{"show", bugTrace, "--width", "-3"}, "--width -3: a timeline needs at least 40 columns"},
		{[]string{"show", bugTrace, "--width", "5"}, "--width 5: a timeline needs at least 40 columns"},
		{[]string{"show", bugTrace, "--width", "39"}, "--width 39: a timeline needs at least 40 columns"},
		{[]string{"show", bugTrace, "--width", "40"}, ""},
		{[]string{"run", "--preemptions", "-5"}, "--preemptions -5: want a bound of 0 or more, or -1 for none"},
		{[]string{"run", "--preemptions", "-2", "--strategy", "exhaustive"}, "--preemptions -2: want"},
		{[]string{"run", "--preemptions", "-1", "--strategy", "exhaustive", "--executions", "1", "--threads", "2", "--ops", "1"}, ""},
		{[]string{"kernel", "--exit-nowait"}, "--exit-nowait applies to --exit-scheme tag (or drawn) only"},
		{[]string{"kernel", "--exit-nowait", "--exit-scheme", "kernel"}, "--exit-nowait applies to"},
		{[]string{"shrink", bugTrace, "-o", filepath.Join(tmp, "s.jsonl"), "--property", "nonsense"}, `--property: unknown property "nonsense"`},
		{[]string{"shrink", bugTrace, "-o", filepath.Join(tmp, "s.jsonl"), "--property", "liveness"}, "the trace violates uniqueness, linearizability, not liveness"},
		{[]string{"viz", bugTrace, "-o", "/missing/dir/x.html"}, "-o /missing/dir/x.html: the directory /missing/dir does not exist"},
		{[]string{"viz", bugTrace, "-o", bugTrace + "/x.html"}, "is not a directory"},
		{[]string{"shrink", bugTrace, "-o", "/missing/dir/x.jsonl"}, "-o /missing/dir/x.jsonl: the directory /missing/dir does not exist"},
		{[]string{"report", camp, "-o", "/missing/dir/r.html"}, "-o /missing/dir/r.html: the directory /missing/dir does not exist"},
		{[]string{"run", "--time", "5"}, `invalid value "5" for flag -time: a duration needs a unit: 5s, 5m or 5h`},
		{[]string{"run", "--time", "1.5"}, "a duration needs a unit: 1.5s"},
		{[]string{"run", "--time", "soon"}, "not a duration: want a number and a unit"},
		{[]string{"kernel", "--time", "60"}, `invalid value "60" for flag -time: a duration needs a unit`},
		{[]string{"viz", bugTrace, "-o", filepath.Join(tmp, "v.html"), "--timeout", "3"}, "a duration needs a unit: 3s"},
		{[]string{"run", "--time", "300ms"}, ""},
	} {
		code, _, errs := run(t, c.args...)
		if c.want == "" {
			if code == exitUsage {
				t.Errorf("%v: refused: %s", c.args, errs)
			}
			continue
		}
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "s.jsonl")); err == nil {
		t.Error("a refused shrink wrote its trace")
	}
}

// An exhaustive campaign's --executions bound is checked between programs:
// the summary says so when a program's search took it past the bound.
func TestExhaustiveBudgetExplained(t *testing.T) {
	code, out, _ := run(t, "run", "--strategy", "exhaustive", "--executions", "3")
	if code != exitOK || !strings.Contains(out, "--executions 3 bounds an exhaustive search between programs") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out, _ = run(t, "run", "--executions", "3")
	if code != exitOK || strings.Contains(out, "between programs") {
		t.Errorf("a random campaign explains an exhaustive budget: exit %d:\n%s", code, out)
	}
}
