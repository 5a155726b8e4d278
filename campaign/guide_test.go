package campaign

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/traces"
)

// guidedFigures are what must not depend on workers or on resuming.
type guidedFigures struct {
	Executions, Steps int64
	Corpus            []int64
	Coverage          *CoverageSummary
	Violations        []int64
}

func figuresOf(s Summary) guidedFigures {
	f := guidedFigures{Executions: s.Executions, Steps: s.Steps, Corpus: s.GuideCorpus, Coverage: s.StateCoverage}
	for _, v := range s.Violations {
		f.Violations = append(f.Violations, v.Index)
	}
	return f
}

// A guided campaign draws from its corpus, so it is not the unguided
// campaign of its seed; and it is the same whatever the number of
// workers, though workers run ahead of the commits the corpus grows by.
func TestGuidedCampaignIsDeterministic(t *testing.T) {
	const n = 1500 // well past guideLag: most executions draw from a corpus
	plain := mustRun(t, Config{Seed: 8, Executions: n, Workers: 2})
	var runs []guidedFigures
	for _, w := range []int{1, 2, 5} {
		s := mustRun(t, Config{Seed: 8, Executions: n, Workers: w, Guided: true})
		if !s.Guided || len(s.GuideCorpus) == 0 {
			t.Fatalf("%d workers: guided %v, corpus %d", w, s.Guided, len(s.GuideCorpus))
		}
		runs = append(runs, figuresOf(s))
	}
	for i, f := range runs[1:] {
		if !reflect.DeepEqual(f, runs[0]) {
			t.Fatalf("guided run %d differs from the first:\n%+v\n%+v", i+1, f, runs[0])
		}
	}
	if plain.Steps == runs[0].Steps {
		t.Fatalf("the guided campaign took the unguided one's %d steps: guidance changed nothing", plain.Steps)
	}
}

// A guided campaign resumed is the campaign run at once: the corpus is
// rebuilt from the indices summary.json lists.
func TestGuidedResumeIsOneRun(t *testing.T) {
	dir := t.TempDir()
	c := Config{Seed: 11, Executions: 700, OutDir: dir, Guided: true}
	mustRun(t, c)
	second := mustRun(t, c)
	whole := mustRun(t, Config{Seed: 11, Executions: 1400, Guided: true})
	if a, b := figuresOf(second), figuresOf(whole); !reflect.DeepEqual(a, b) {
		t.Fatalf("resumed:\n%+v\nat once:\n%+v", a, b)
	}
	if _, err := Run(context.Background(), Config{Seed: 11, Executions: 1, OutDir: dir}); !errors.Is(err, ErrMismatch) {
		t.Fatalf("an unguided run resumed a guided campaign: %v", err)
	}
}

// A guided campaign still finds a seeded bug and saves a trace that
// replays: its program and schedule, not its seed, name the execution.
func TestGuidedCampaignFindsBug(t *testing.T) {
	s := mustRun(t, Config{Seed: 1, Executions: 20000, Guided: true, Bugs: sim.BugSet{sim.BugReaddirCursorNoRef}, NoViz: true, NoShrink: true, OutDir: t.TempDir()})
	if len(s.Violations) != 1 {
		t.Fatalf("violations %+v", s.Violations)
	}
	tr, err := traces.ReadFile(s.Violations[0].Trace)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := traces.Replay(tr); err != nil {
		t.Fatalf("the trace of a guided execution does not replay: %v", err)
	}
	if !strings.Contains(strings.Join(tr.Notes, "\n"), "guided by coverage") {
		t.Fatalf("the trace does not say it was guided: %q", tr.Notes)
	}
}

func TestGuidedExhaustiveRefused(t *testing.T) {
	if _, err := Run(context.Background(), Config{Executions: 1, Guided: true, Strategy: Exhaustive}); err == nil {
		t.Fatal("a guided exhaustive campaign ran")
	}
}

var guideFigures = flag.Bool("guidefigures", false, "TestGuidedFigures: measure executions to each seeded bug, guided and not (10 seeds each; minutes)")

// TestGuidedFigures prints, per seeded bug, the executions a default
// campaign (two workers) takes to its first violation over 10 seeds,
// unguided and guided, with the medians: the figures BENCHMARKS.md
// quotes. A seed that finds nothing in 20,000 counts as 20,001.
func TestGuidedFigures(t *testing.T) {
	if !*guideFigures {
		t.Skip("-guidefigures not set")
	}
	const seeds, limit = 10, 20000
	for _, b := range sim.Bugs {
		if *bugFiguresOnly != "" && !slices.Contains(strings.Split(*bugFiguresOnly, ","), string(b.Name)) {
			continue
		}
		line := fmt.Sprintf("%-26s", b.Name)
		for _, guided := range []bool{false, true} {
			var ns []float64
			found := 0
			for seed := uint64(1); seed <= seeds; seed++ {
				s := mustRun(t, Config{Seed: seed, Executions: limit, Guided: guided, Workers: 2, Bugs: sim.BugSet{b.Name}, NoShrink: true, NoViz: true, OutDir: t.TempDir()})
				n := float64(limit + 1)
				if len(s.Violations) > 0 {
					n, found = float64(s.Violations[0].Index+1), found+1
				}
				ns = append(ns, n)
			}
			line += fmt.Sprintf(" | guided=%-5v median %6.0f, found %2d/%d %v", guided, median(ns), found, seeds, ns)
		}
		t.Log(line)
	}
}

// Workers draw programs into buffers they reuse: every saved trace still
// holds its own program, the one its seed draws, and its history the same
// configuration.
func TestSavedTracesKeepTheirPrograms(t *testing.T) {
	s := mustRun(t, Config{Seed: 3, Executions: 400, Workers: 2, Strategy: "random", Bugs: sim.BugSet{sim.BugUnlockedAdd},
		KeepGoing: true, MaxViolations: 10, NoShrink: true, NoViz: true, OutDir: t.TempDir()})
	if len(s.Violations) < 3 {
		t.Fatalf("%d violations saved: too few to tell", len(s.Violations))
	}
	for _, v := range s.Violations {
		tr, err := traces.ReadFile(v.Trace)
		if err != nil {
			t.Fatal(err)
		}
		want := gen.Program(gen.NewRand(v.Seed), gen.Options{})
		if !reflect.DeepEqual(tr.Program, want) || !reflect.DeepEqual(tr.History.Config, want.Config) {
			t.Fatalf("execution %d: the trace holds\n%+v\n%+v\nits seed draws\n%+v", v.Index, tr.Program, tr.History.Config, want)
		}
	}
}
