package campaign

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/traces"
)

// budget is how many executions a campaign may take to find a seeded bug.
const budget = 10000

// Every seeded bug is caught by its own property within the budget, and
// the correct simulator passes the very same executions.
func TestEveryBugCaughtWithinBudget(t *testing.T) {
	for _, b := range sim.Bugs {
		t.Run(b.Name, func(t *testing.T) {
			n := int64(0)
			for ; n < budget; n++ {
				_, rep, _ := One(ExecSeed(1, n), sim.BugSet{b.Name}, gen.Options{}, properties.Options{})
				if has(rep.Violations, b.Property) {
					break
				}
			}
			if n == budget {
				t.Fatalf("%s not caught by %s in %d executions", b.Name, b.Property, budget)
			}
			t.Logf("caught by %s after %d executions", b.Property, n+1)
			for i := range n + 1 {
				if _, rep, _ := One(ExecSeed(1, i), nil, gen.Options{}, properties.Options{}); !rep.OK() {
					t.Fatalf("correct simulator, execution %d: %v %v", i, rep.Violations, rep.Unknown)
				}
			}
		})
	}
}

func has(vs []properties.Violation, p string) bool {
	for _, v := range vs {
		if v.Property == p {
			return true
		}
	}
	return false
}

func TestRunStopsAtFirstViolationAndSavesReplayableTrace(t *testing.T) {
	dir := t.TempDir()
	sum, err := Run(context.Background(), Config{Seed: 7, Executions: budget, Bugs: sim.BugSet{sim.BugUnlockedAdd}, OutDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Violations) != 1 {
		t.Fatalf("violations: %+v", sum.Violations)
	}
	v := sum.Violations[0]
	if filepath.Dir(v.Trace) != dir || v.Replay != "sysfsim replay "+v.Trace {
		t.Fatalf("trace %q, replay %q", v.Trace, v.Replay)
	}
	tr, err := traces.ReadFile(v.Trace)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := traces.Replay(tr); err != nil {
		t.Fatalf("saved trace does not replay: %v", err)
	}
	if tr.Header.Seed != v.Seed {
		t.Fatalf("trace seed %d, summary seed %d", tr.Header.Seed, v.Seed)
	}
	if v.Original == "" || v.HTML == "" || filepath.Dir(v.Original) != dir || filepath.Dir(v.HTML) != dir {
		t.Fatalf("shrunk trace without the original or the visualization: %+v", v)
	}
	orig, err := traces.ReadFile(v.Original)
	if err != nil {
		t.Fatal(err)
	}
	if orig.Program.Ops() < tr.Program.Ops() {
		t.Fatalf("the shrunk trace has more operations (%d) than the original (%d)", tr.Program.Ops(), orig.Program.Ops())
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{filepath.Base(v.HTML), filepath.Base(v.Original), filepath.Base(v.Trace), SummaryFile}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("output directory holds %v, want %v", names, want)
	}
	saved, err := LoadSummary(dir)
	if err != nil || len(saved.Violations) != 1 || saved.Violations[0] != v || saved.Executions != sum.Executions {
		t.Fatalf("summary.json %+v, %v; want %+v", saved, err, sum)
	}
}

func TestCorrectCampaignIsDeterministic(t *testing.T) {
	run := func() Summary {
		s, err := Run(context.Background(), Config{Seed: 3, Executions: 300})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := run(), run()
	if len(a.Violations) != 0 || a.Executions != 300 || a.Steps != b.Steps {
		t.Fatalf("runs differ or fail: %+v vs %+v", a, b)
	}
}

func TestCancelledCampaignSaysSo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s, err := Run(ctx, Config{Seed: 1})
	if err != nil || !s.Interrupted || s.Executions != 0 {
		t.Fatalf("%+v %v", s, err)
	}
}
