package campaign

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
	"github.com/sysfsim/sysfsim/traces"
)

func mustRun(t *testing.T, c Config) Summary {
	t.Helper()
	s, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The first violation, the counts and the trace bytes do not depend on
// the number of workers or on GOMAXPROCS.
func TestWorkersDoNotChangeTheResult(t *testing.T) {
	type result struct {
		sum   Summary
		trace []byte
	}
	run := func(workers, procs int) result {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		dir := t.TempDir()
		s := mustRun(t, Config{Seed: 11, Executions: budget, Bugs: sim.BugSet{sim.BugUnlockedAdd}, OutDir: dir, Workers: workers, NoViz: true})
		if len(s.Violations) != 1 {
			t.Fatalf("%d workers: violations %+v", workers, s.Violations)
		}
		b, err := os.ReadFile(s.Violations[0].Trace)
		if err != nil {
			t.Fatal(err)
		}
		return result{s, b}
	}
	want := run(1, 1)
	for _, w := range [][2]int{{2, 1}, {4, 2}, {8, 4}} {
		got := run(w[0], w[1])
		a, b := want.sum, got.sum
		if a.Executions != b.Executions || a.Steps != b.Steps || a.NextIndex != b.NextIndex ||
			a.DistinctSchedules != b.DistinctSchedules || a.Violations[0].Index != b.Violations[0].Index ||
			a.Violations[0].Seed != b.Violations[0].Seed || a.Violations[0].Detail != b.Violations[0].Detail {
			t.Fatalf("%d workers, GOMAXPROCS %d:\n%+v\nwant (1 worker)\n%+v", w[0], w[1], b, a)
		}
		if !bytes.Equal(want.trace, got.trace) {
			t.Fatalf("%d workers: the trace differs", w[0])
		}
	}
	if want.sum.Violations[0].Index != want.sum.Executions-1 {
		t.Fatalf("stopped at execution %d after %d executions", want.sum.Violations[0].Index, want.sum.Executions)
	}
}

func TestCorrectCampaignSameWithAnyWorkers(t *testing.T) {
	a := mustRun(t, Config{Seed: 4, Executions: 400, Workers: 1})
	b := mustRun(t, Config{Seed: 4, Executions: 400, Workers: 3})
	if a.Executions != 400 || b.Executions != 400 || a.Steps != b.Steps || a.DistinctSchedules != b.DistinctSchedules {
		t.Fatalf("1 worker %+v\n3 workers %+v", a, b)
	}
	if len(a.ByStrategy) != 3 {
		t.Fatalf("the portfolio ran %+v, want random, pos, surw", a.ByStrategy)
	}
}

// Shards i/N for i in 0..N-1 run disjoint index sets whose union is the
// index space, and Local inverts Global.
func TestShardArithmeticDisjointAndComplete(t *testing.T) {
	for n := 1; n <= 9; n++ {
		const per = 50
		seen := make([]int, n*per)
		for i := range n {
			sh := Shard{Index: i, Count: n}
			for j := range int64(per) {
				g := sh.Global(j)
				if g < 0 || g >= int64(len(seen)) {
					t.Fatalf("shard %v: index %d of %d outside [0,%d)", sh, j, per, len(seen))
				}
				seen[g]++
				if back, ok := sh.Local(g); !ok || back != j {
					t.Fatalf("shard %v: Local(Global(%d)) = %d, %v", sh, j, back, ok)
				}
				for k := range n {
					if _, ok := (Shard{Index: k, Count: n}).Local(g); ok != (k == i) {
						t.Fatalf("index %d claimed by shard %d/%d: %v", g, k, n, ok)
					}
				}
			}
		}
		for g, c := range seen {
			if c != 1 {
				t.Fatalf("N=%d: index %d run %d times", n, g, c)
			}
		}
	}
	if (Shard{}).Global(5) != 5 {
		t.Fatal("the zero shard is not the whole space")
	}
	for _, bad := range []string{"3/3", "-1/2", "1", "a/b", "0/0", "1/0"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
	if s, err := ParseShard("2/5"); err != nil || s != (Shard{2, 5}) {
		t.Errorf("ParseShard(2/5) = %v, %v", s, err)
	}
}

// Three shards run exactly the executions of one unsharded campaign, and
// merging their summaries gives its figures.
func TestShardsMergeToTheWholeCampaign(t *testing.T) {
	whole := mustRun(t, Config{Seed: 9, Executions: 300, Strategy: "random"})
	var parts []Summary
	for i := range 3 {
		parts = append(parts, mustRun(t, Config{Seed: 9, Executions: 100, Strategy: "random", Shard: Shard{i, 3}}))
	}
	m, err := Merge(parts...)
	if err != nil {
		t.Fatal(err)
	}
	if m.Executions != whole.Executions || m.Steps != whole.Steps || m.DistinctSchedules != whole.DistinctSchedules {
		t.Fatalf("merged %d executions, %d steps, %d distinct; whole %d, %d, %d",
			m.Executions, m.Steps, m.DistinctSchedules, whole.Executions, whole.Steps, whole.DistinctSchedules)
	}
	if len(m.Shards) != 3 || len(m.Timeline) == 0 || m.Timeline[len(m.Timeline)-1].Executions != 300 {
		t.Fatalf("shards %v, timeline %+v", m.Shards, m.Timeline)
	}
	if !reflect.DeepEqual(m.StateCoverage, whole.StateCoverage) {
		t.Fatalf("merged coverage %+v\nwhole %+v", m.StateCoverage, whole.StateCoverage)
	}
	if _, err := Merge(parts[0], parts[0]); err == nil {
		t.Fatal("a shard merged twice")
	}
	other := mustRun(t, Config{Seed: 10, Executions: 10, Strategy: "random", Shard: Shard{1, 3}})
	if _, err := Merge(parts[0], other); !errors.Is(err, ErrMismatch) {
		t.Fatalf("shards of two seeds merged: %v", err)
	}
}

// A campaign directory resumes where the last run stopped: two runs of
// 150 are one run of 300.
func TestResumeExtendsWithoutRepeating(t *testing.T) {
	dir := t.TempDir()
	c := Config{Seed: 5, Executions: 150, OutDir: dir, Shard: Shard{1, 2}}
	first := mustRun(t, c)
	if first.NextIndex != 1+2*150 || first.Runs != 1 {
		t.Fatalf("first run: next index %d, runs %d", first.NextIndex, first.Runs)
	}
	second := mustRun(t, c)
	whole := mustRun(t, Config{Seed: 5, Executions: 300, Shard: Shard{1, 2}})
	if second.Executions != 300 || second.RunExecutions != 150 || second.Runs != 2 || second.Steps != whole.Steps ||
		second.DistinctSchedules != whole.DistinctSchedules || second.NextIndex != whole.NextIndex {
		t.Fatalf("resumed %+v\nwhole %+v", second, whole)
	}
	if !reflect.DeepEqual(second.StateCoverage, whole.StateCoverage) {
		t.Fatalf("resumed coverage %+v\nwhole %+v", second.StateCoverage, whole.StateCoverage)
	}
	if len(second.Timeline) < 3 || second.Timeline[len(second.Timeline)-1].T < first.ElapsedS {
		t.Fatalf("timeline does not continue: %+v", second.Timeline)
	}
	for _, bad := range []Config{
		{Seed: 6, Executions: 1, OutDir: dir, Shard: Shard{1, 2}},
		{Seed: 5, Executions: 1, OutDir: dir, Shard: Shard{0, 2}},
		{Seed: 5, Executions: 1, OutDir: dir, Shard: Shard{1, 2}, Strategy: "random"},
	} {
		if _, err := Run(context.Background(), bad); !errors.Is(err, ErrMismatch) {
			t.Errorf("%+v resumed another campaign: %v", bad, err)
		}
	}
}

// A run that stopped at a violation resumes after it.
func TestResumeAfterViolation(t *testing.T) {
	dir := t.TempDir()
	c := Config{Seed: 7, Executions: budget, Bugs: sim.BugSet{sim.BugUnlockedAdd}, OutDir: dir, NoShrink: true, NoViz: true}
	a := mustRun(t, c)
	b := mustRun(t, c)
	if len(a.Violations) != 1 || len(b.Violations) != 2 || b.Violations[1].Index <= a.Violations[0].Index ||
		b.Violations[0] != a.Violations[0] {
		t.Fatalf("first %+v\nsecond %+v", a.Violations, b.Violations)
	}
}

func TestKeepGoingCollectsViolations(t *testing.T) {
	s := mustRun(t, Config{Seed: 3, Executions: 400, Bugs: sim.BugSet{sim.BugTagBlindLookup}, OutDir: filepath.Join(t.TempDir(), "new"),
		KeepGoing: true, MaxViolations: 3, NoShrink: true, NoViz: true, Workers: 2})
	if s.Executions != 400 || len(s.Violations) != 3 || s.ViolationCount <= 3 || s.Stopped != "executions" {
		t.Fatalf("%d executions, %d saved of %d violations, stopped %q", s.Executions, len(s.Violations), s.ViolationCount, s.Stopped)
	}
	for i := 1; i < len(s.Violations); i++ {
		if s.Violations[i].Index <= s.Violations[i-1].Index {
			t.Fatalf("violations out of order: %+v", s.Violations)
		}
	}
	var n int64
	for _, r := range s.ByStrategy {
		for _, v := range r.Violations {
			n += v
		}
	}
	if n < s.ViolationCount {
		t.Fatalf("table counts %d violations, %d found", n, s.ViolationCount)
	}
}

func TestPCTGuaranteeReported(t *testing.T) {
	s := mustRun(t, Config{Seed: 2, Executions: 50, Strategy: "pct:2", Workers: 1})
	p := s.PCT
	if p == nil || p.K < 1 || p.MaxSteps < 1 || len(p.Guarantees) != 1 || p.Guarantees[0].Depth != 2 {
		t.Fatalf("%+v", p)
	}
	if want := 1 / float64(p.MaxThreads*p.MaxSteps); p.Guarantees[0].Bound != want {
		t.Fatalf("bound %g, want 1/(n*k) = %g", p.Guarantees[0].Bound, want)
	}
}

func TestPortfolioMembersNamed(t *testing.T) {
	count := map[sched.StrategyName]int{}
	for i := range int64(400) {
		_, name := strategyFor("portfolio", ExecSeed(1, i), 3, 50)
		count[name]++
	}
	if len(count) != 3 || count["random"] == 0 || count["pos"] == 0 || count["surw"] == 0 {
		t.Fatalf("members %v", count)
	}
}

// The exhaustive strategy covers every schedule of small programs and
// says so; every schedule it checks is distinct.
func TestExhaustiveCoversSmallPrograms(t *testing.T) {
	g := gen.Options{MinThreads: 2, MaxThreads: 2, MaxOps: 1}
	c := Config{Seed: 1, Strategy: Exhaustive, Preemptions: 1, Schedules: 100000, Gen: g}
	c.Workers, c.Schedules, c.MaxViolations = 1, 100000, 1
	for i := range int64(5) {
		u := explore(&c, i)
		if u.err != nil || u.found != nil || !u.exhausted {
			t.Fatalf("program %d: %+v", i, u)
		}
		seen := map[uint64]bool{}
		for _, h := range u.hashes {
			if seen[h] {
				t.Fatalf("program %d: a schedule checked twice", i)
			}
			seen[h] = true
		}
		unbounded := c
		unbounded.Preemptions = -1
		v := explore(&unbounded, i)
		// Without a bound the search is DPOR: one schedule per trace.
		// Within one, sleep sets weakened by the bound may check two
		// schedules of one trace, but cover every trace when no
		// schedule lies beyond the bound.
		if !v.exhausted || v.boundHit || v.traces != v.execs || (!u.boundHit && u.execs < v.execs) {
			t.Fatalf("program %d: bound 1 %d schedules (bound hit %v), unbounded %d", i, u.execs, u.boundHit, v.execs)
		}
	}
	s := mustRun(t, Config{Seed: 1, Strategy: Exhaustive, Preemptions: 2, Gen: g, Executions: 200})
	x := s.Exhaustive
	if x == nil || x.Programs == 0 || x.Schedules != s.Executions || !x.Exhausted || x.ProgramsExhausted != x.Programs {
		t.Fatalf("%+v %+v", s, x)
	}
}

func TestExhaustiveFindsSeededBugAndRespectsBudget(t *testing.T) {
	dir := t.TempDir()
	s := mustRun(t, Config{Seed: 1, Strategy: Exhaustive, Preemptions: 2, Schedules: 50, Executions: 20000,
		Bugs: sim.BugSet{sim.BugUnlockedAdd}, OutDir: dir, NoViz: true})
	if len(s.Violations) != 1 || s.Exhaustive.Exhausted && s.Exhaustive.Programs > 1 {
		t.Fatalf("%+v %+v", s.Violations, s.Exhaustive)
	}
	// The program that found the violation stopped there, neither
	// exhausted nor at its budget: the summary says so.
	if x := s.Exhaustive; x.ProgramsViolated != 1 || x.ProgramsExhausted+x.ProgramsViolated > x.Programs {
		t.Fatalf("programs %d, exhausted %d, stopped at a violation %d; want 1 at a violation", x.Programs, x.ProgramsExhausted, x.ProgramsViolated)
	}
	v := s.Violations[0]
	if !strings.HasPrefix(v.Strategy, "exhaustive:2") || v.Schedule < 1 || v.Schedule > 50 {
		t.Fatalf("%+v", v)
	}
	tr, err := traces.ReadFile(v.Trace)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := traces.Replay(tr); err != nil {
		t.Fatal(err)
	}
}

func TestSketchEstimates(t *testing.T) {
	for _, n := range []int{0, 10, 1000, 100000} {
		var h sketch
		for i := range n {
			h.add(scheduleHash([]int{i, i >> 8, i >> 16}))
			h.add(scheduleHash([]int{i, i >> 8, i >> 16})) // duplicates do not count
		}
		e := h.estimate()
		if d := float64(e-int64(n)) / float64(max(n, 1)); d > 0.05 || d < -0.05 {
			t.Errorf("%d distinct: estimate %d", n, e)
		}
	}
}

func TestTimelineStaysBounded(t *testing.T) {
	r := newRunner(Config{})
	r.sampleEvery = 1
	for i := range 10000 {
		r.sum.Executions = int64(i)
		r.sample(time.Duration(i) * time.Second)
	}
	if n := len(r.sum.Timeline); n > maxSamples+1 || n < maxSamples/2 {
		t.Fatalf("%d samples", n)
	}
	last := r.sum.Timeline[len(r.sum.Timeline)-1]
	if last.Executions != 9999 {
		t.Fatalf("last sample %+v", last)
	}
}

func TestReportEscapesAndDraws(t *testing.T) {
	evil := `<script>alert(1)</script>`
	// Names a summary.json could not hold: the page escapes whatever it is given.
	s := Summary{Seed: 1, Strategy: sched.StrategyName(evil), Executions: 10, ViolationCount: 1,
		ByStrategy: []StrategyRow{{Strategy: sched.StrategyName(evil), Executions: 10, Violations: map[properties.Property]int64{properties.Property(evil): 1}}},
		Violations: []Found{{Property: properties.Property(evil), Detail: evil, Trace: "/d/a\"b.jsonl", Replay: evil, HTML: "/d/x.html"}},
		Timeline:   []Sample{{0, 0, 0}, {1, 5, 1}, {2, 10, 1}}}
	var b bytes.Buffer
	if err := WriteReport(&b, s, "/d"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "<script>") || !strings.Contains(out, "&lt;script&gt;") {
		t.Fatalf("unescaped:\n%s", out)
	}
	for _, want := range []string{"<svg", "<polyline", `href="x.html"`, "<table"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %s", want)
		}
	}
}

// scheduleHash, four steps at a time, hashes as one step at a time does,
// whatever the schedule's length past a multiple of four.
func TestScheduleHashStepByStep(t *testing.T) {
	for n := range 10 {
		s := make([]int, n)
		for i := range s {
			s[i] = (i*7 + n) % 4
		}
		h := uint64(14695981039346656037)
		for _, step := range s {
			h ^= uint64(step) + 1
			h *= 1099511628211
		}
		h ^= uint64(len(s))
		h = (h ^ h>>30) * 0xbf58476d1ce4e5b9
		h = (h ^ h>>27) * 0x94d049bb133111eb
		if want := h ^ h>>31; scheduleHash(s) != want {
			t.Errorf("schedule %v: hash %#x, step by step %#x", s, scheduleHash(s), want)
		}
	}
}
