package campaign

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
	"github.com/sysfsim/sysfsim/traces"
)

// budget is how many executions a campaign may take to find a seeded bug,
// as a median over budgetSeeds campaigns: one seed's figure depends on
// how its draws fall (a change to the generator moves it by thousands),
// the median much less. Every bug gets the default shape, what `sysfsim
// run --bug NAME` draws: since the generator's themes reach the slow
// races (session 8) none needs a shape of its own, and the slowest
// median over seeds 1-5 is about 1,000 (BENCHMARKS.md, "Themes that
// reach the slow races").
const (
	budget      = 3000
	budgetSeeds = 5
)

// Every seeded bug is caught by its own property within the budget in
// most of budgetSeeds campaigns (so the median is within it), and the
// correct simulator passes the very same executions.
func TestEveryBugCaughtWithinBudget(t *testing.T) {
	for _, b := range sim.Bugs {
		t.Run(string(b.Name), func(t *testing.T) {
			var found []int64 // executions to the bug, by seed that found it
			for seed := uint64(1); seed <= budgetSeeds; seed++ {
				n, ok := executionsToBug(b, seed)
				if ok {
					found = append(found, n)
				}
				checkCorrect(t, seed, n)
			}
			t.Logf("caught by %s after %v executions (seeds 1-%d)", b.Property, found, budgetSeeds)
			if len(found) <= budgetSeeds/2 {
				t.Fatalf("%s caught by %s within %d executions in %d of %d seeds: the median is beyond the budget",
					b.Name, b.Property, budget, len(found), budgetSeeds)
			}
		})
	}
}

// executionsToBug is how many executions the campaign of seed takes to
// catch b, if it does within the budget.
func executionsToBug(b sim.Bug, seed uint64) (int64, bool) {
	for n := range int64(budget) {
		_, rep, x := One(ExecSeed(seed, n), sim.BugSet{b.Name}, gen.Options{}, properties.Options{})
		x.Release()
		if has(rep.Violations, b.Property) {
			return n + 1, true
		}
	}
	return budget, false
}

// checkCorrect runs the correct simulator on the first n executions of
// the campaign of seed, of the given shape: all must pass.
func checkCorrect(t *testing.T, seed uint64, n int64) {
	t.Helper()
	for i := range n {
		_, rep, x := One(ExecSeed(seed, i), nil, gen.Options{}, properties.Options{})
		x.Release()
		if !rep.OK() {
			t.Fatalf("correct simulator, seed %d, execution %d: %v %v", seed, i, rep.Violations, rep.Unknown)
		}
	}
}

func has(vs []properties.Violation, p string) bool {
	for _, v := range vs {
		if string(v.Property) == p {
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

var (
	bugFigures       = flag.Bool("bugfigures", false, "print the table of seeded-bug detection figures (BENCHMARKS.md, \"Seeded bugs\")")
	bugFiguresSeeds  = flag.Int("bugfigures.seeds", 10, "campaign seeds per bug and strategy")
	bugFiguresMax    = flag.Int("bugfigures.max", 20000, "executions (programs, for exhaustive) a campaign may take")
	bugFiguresOnly   = flag.String("bugfigures.bugs", "", "comma-separated bugs to measure (default: all)")
	bugFiguresStrats = flag.String("bugfigures.strategies", "", "comma-separated strategies to measure (default: random, pct:2, pct:3, pos, surw, portfolio; none: only -bugfigures.mix)")
	bugFiguresExh    = flag.Bool("bugfigures.exhaustive", false, "measure the exhaustive strategy too (slow: up to 1000 schedules per program)")
	bugFiguresBound  = flag.Int("bugfigures.preemptions", DefaultPreemptions, "the exhaustive strategy's preemption bound (-1, the default: none, DPOR cheapest first)")
	bugFiguresMix    = flag.String("bugfigures.mix", "", "comma-separated strategies a candidate portfolio cycles through, execution by execution (row \"mix\")")
)

// TestBugFigures measures, for every seeded bug and strategy, what a
// single-worker campaign (`sysfsim run --bug NAME --strategy S --workers 1
// --seed N`) takes to find a violation of the bug's property: executions
// and seconds (PCT's calibration included), medians over the seeds (a
// seed that finds nothing within -bugfigures.max counts as never), and
// the size of the trace traces.Shrink makes of it (operations,
// preemptions; medians over the seeds that found it). Run with:
//
//	go test ./campaign -run TestBugFigures -bugfigures -timeout 1h
//
// -bugfigures.exhaustive adds the exhaustive strategy (no preemption
// bound, or -bugfigures.preemptions; 1000 schedules per program), which is not
// cheap. -bugfigures.mix measures a candidate portfolio, as row "mix".
func TestBugFigures(t *testing.T) {
	if !*bugFigures {
		t.Skip("run with -bugfigures")
	}
	strategies := []sched.StrategyName{"random", "pct:2", "pct:3", "pos", "surw", "portfolio"}
	if *bugFiguresStrats != "" {
		strategies = nil
		for _, n := range strings.Split(*bugFiguresStrats, ",") {
			if n == "none" {
				continue
			}
			st, err := sched.ParseStrategy(n)
			if err != nil {
				t.Fatal(err)
			}
			strategies = append(strategies, st)
		}
	}
	if *bugFiguresMix != "" {
		strategies = append(strategies, mixName)
	}
	if *bugFiguresExh {
		strategies = append(strategies, Exhaustive)
	}
	fmt.Printf("| bug | property | strategy | found | median executions | median seconds | shrunk ops | shrunk preemptions |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|\n")
	for _, b := range sim.Bugs {
		if *bugFiguresOnly != "" && !slices.Contains(strings.Split(*bugFiguresOnly, ","), string(b.Name)) {
			continue
		}
		for _, st := range strategies {
			var execs, secs, ops, pre []float64
			found := 0
			for seed := 1; seed <= *bugFiguresSeeds; seed++ {
				n, d, tr, ok := detect(b, st, uint64(seed), *bugFiguresMax)
				if !ok {
					// A miss counts as never: the median is over every seed.
					execs, secs = append(execs, math.Inf(1)), append(secs, math.Inf(1))
					continue
				}
				found++
				execs, secs = append(execs, float64(n)), append(secs, d.Seconds())
				_, stats, err := traces.Shrink(tr, traces.ShrinkOptions{Property: properties.Property(b.Property)})
				if err != nil {
					t.Fatalf("%s %s seed %d: shrink: %v", b.Name, st, seed, err)
				}
				ops, pre = append(ops, float64(stats.OpsAfter)), append(pre, float64(stats.PreemptionsAfter))
			}
			if found == 0 {
				fmt.Printf("| `%s` | %s | %s | 0/%d | >%d | | | |\n", b.Name, b.Property, st, *bugFiguresSeeds, *bugFiguresMax)
				continue
			}
			me, ms := fmt.Sprintf("%.0f", median(execs)), fmt.Sprintf("%.3f", median(secs))
			if math.IsInf(median(execs), 1) {
				me, ms = fmt.Sprintf(">%d", *bugFiguresMax), "-"
			}
			fmt.Printf("| `%s` | %s | %s | %d/%d | %s | %s | %.0f | %.0f |\n", b.Name, b.Property, st, found, *bugFiguresSeeds,
				me, ms, median(ops), median(pre))
		}
	}
}

// mixName is the row of -bugfigures.mix, a candidate portfolio.
const mixName sched.StrategyName = "mix"

// detect runs the campaign of seed and strategy st with bug b on one
// worker until an execution violates b's property: it returns the
// executions it took (schedules, for exhaustive), the time, and the trace.
func detect(b sim.Bug, st sched.StrategyName, seed uint64, maxExecs int) (int64, time.Duration, *traces.Trace, bool) {
	c := Config{Seed: seed, Bugs: sim.BugSet{b.Name}, Strategy: st, Preemptions: *bugFiguresBound, Schedules: DefaultSchedules}
	start := time.Now()
	k := 0
	if usesPCT(st) {
		k = calibrate(c)
	}
	var mix []sched.StrategyName
	if st == mixName {
		for _, n := range strings.Split(*bugFiguresMix, ",") {
			mix = append(mix, sched.StrategyName(n))
		}
		k = calibrate(c)
	}
	var execs int64
	for i := int64(0); i < int64(maxExecs); i++ {
		var u unit
		switch {
		case st == Exhaustive:
			u = explore(&c, i)
		case mix != nil:
			// The member by execution seed, as NewPortfolio does.
			m := c
			m.Strategy = mix[ExecSeed(c.Seed, i)%uint64(len(mix))]
			u = runOne(&m, i, k)
		default:
			u = runOne(&c, i, k)
		}
		execs += u.execs
		if u.found != nil && slices.Contains(u.props, properties.Property(b.Property)) {
			return execs, time.Since(start), u.found.trace, true
		}
	}
	return execs, time.Since(start), nil, false
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
