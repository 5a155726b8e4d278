package traces_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sysfsim/sysfsim/campaign"
	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/traces"
)

var (
	update = flag.Bool("update", false, "rewrite the golden files of testdata/bugs and testdata/pass from their traces")
	regen  = flag.Bool("regen-bugs", false, "find, shrink and save a fresh trace of every seeded bug in testdata/bugs (implies -update)")
	// regenOnly limits -regen-bugs to the bugs named, so that a change to
	// the simulator rewrites only the traces it broke.
	regenOnly = flag.String("regen-bugs.only", "", "comma-separated bugs whose traces -regen-bugs rewrites (default: all)")
)

var corpusCheck = properties.Options{LinearizabilityTimeout: 10 * time.Second}

// TestBugCorpus: the minimized trace of every seeded bug still reports the
// bug's property, replays to the same history, and renders as its golden
// file says.
func TestBugCorpus(t *testing.T) {
	if *regen {
		only, err := sim.ParseBugs(*regenOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range sim.Bugs {
			if len(only) == 0 || only.Has(b.Name) {
				regenerate(t, b)
			}
		}
	}
	for _, b := range sim.Bugs {
		t.Run(string(b.Name), func(t *testing.T) {
			path := filepath.Join("testdata", "bugs", string(b.Name)+".jsonl")
			tr, err := traces.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (regenerate with: go test ./traces -run TestBugCorpus -regen-bugs)", err)
			}
			r := properties.Check(tr.History, corpusCheck)
			if !slices.ContainsFunc(r.Violations, func(v properties.Violation) bool { return string(v.Property) == b.Property }) {
				t.Errorf("the checkers no longer report %s: %v", b.Property, r.Violations)
			}
			if _, err := traces.Replay(tr); err != nil {
				t.Errorf("replay: %v", err)
			}
			golden(t, path, tr, r)
		})
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "bugs", "*.jsonl"))
	for _, f := range files {
		if _, err := sim.ParseBug(strings.TrimSuffix(filepath.Base(f), ".jsonl")); err != nil {
			t.Errorf("%s is the trace of no seeded bug", f)
		}
	}
}

// TestPassCorpus: every trace in testdata/pass keeps every property: each
// is the regression of a false alarm of the checkers. They are not
// replayed: a history recorded by an older simulator is still a history to
// judge, while its schedule need not fit the current one.
func TestPassCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "pass", "*.jsonl"))
	if len(files) == 0 {
		t.Fatal("no traces in testdata/pass")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			tr, err := traces.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r := properties.Check(tr.History, corpusCheck)
			if !r.OK() {
				t.Errorf("violations %v, undecided %v", r.Violations, r.Unknown)
			}
			golden(t, path, tr, r)
		})
	}
}

// golden compares the verdict and the timeline of a trace with the file
// beside it (NAME.golden), or rewrites it under -update.
func golden(t *testing.T, path string, tr *traces.Trace, r properties.Report) {
	t.Helper()
	var shown bytes.Buffer
	tr.Violations = traces.Violations(r.Violations)
	if err := traces.Show(&shown, tr, 80); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(shown.String(), "\n") {
		if n := len([]rune(line)); n > 80 {
			t.Errorf("line %d of the timeline is %d columns wide: %q", i+1, n, line)
		}
	}
	var b bytes.Buffer
	b.WriteString(verdict(tr, r))
	b.WriteString("\n")
	b.Write(shown.Bytes())
	gpath := strings.TrimSuffix(path, ".jsonl") + ".golden"
	if *update || *regen {
		if err := os.WriteFile(gpath, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(gpath)
	if err != nil {
		t.Fatalf("%v (write it with: go test ./traces -update)", err)
	}
	if !bytes.Equal(want, b.Bytes()) {
		t.Errorf("%s differs (go test ./traces -update rewrites it); got:\n%s", gpath, b.String())
	}
}

// verdict renders the checkers' report as sysfsim check prints it.
func verdict(tr *traces.Trace, r properties.Report) string {
	var b strings.Builder
	if r.OK() {
		fmt.Fprintf(&b, "every property holds (%d operations)\n", len(tr.History.Records))
	}
	for _, v := range r.Violations {
		fmt.Fprintf(&b, "VIOLATION %s\n", v)
		for _, i := range v.Records {
			rec := tr.History.Records[i]
			fmt.Fprintf(&b, "  T%d [%d,%d] %v -> %v\n", rec.Thread, rec.Call, rec.Return, rec.Op, rec.Result)
		}
	}
	for _, u := range r.Unknown {
		fmt.Fprintf(&b, "UNKNOWN %s\n", u)
	}
	return b.String()
}

// regenerate runs the campaign `sysfsim run --bug NAME` runs (seed 1) until
// an execution reports the bug's property, shrinks it keeping that
// property, and saves it.
func regenerate(t *testing.T, b sim.Bug) {
	const seed, tries = 1, 100000
	for i := int64(0); i < tries; i++ {
		s := campaign.ExecSeed(seed, i)
		tr, r, _ := campaign.One(s, sim.BugSet{b.Name}, gen.Options{}, corpusCheck)
		if !slices.ContainsFunc(r.Violations, func(v properties.Violation) bool { return string(v.Property) == b.Property }) {
			continue
		}
		tr.Notes = append(tr.Notes, fmt.Sprintf("found by sysfsim run --bug %s --seed %d, execution %d", b.Name, seed, i))
		small, st, err := traces.Shrink(tr, traces.ShrinkOptions{Property: properties.Property(b.Property), Check: corpusCheck})
		if err != nil {
			t.Fatalf("%s: shrink: %v", b.Name, err)
		}
		t.Logf("%s: execution %d, %v", b.Name, i, st)
		if err := traces.WriteFile(filepath.Join("testdata", "bugs", string(b.Name)+".jsonl"), small); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%s: no execution of %d reports %s", b.Name, tries, b.Property)
}
