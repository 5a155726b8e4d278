package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/campaign"
	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/sim/sched"
)

func runJSON(t *testing.T, want int, args ...string) map[string]any {
	t.Helper()
	code, out, errs := run(t, args...)
	if code != want {
		t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, want, out, errs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%v: not JSON: %v\n%s", args, err, out)
	}
	return m
}

func TestRunStrategies(t *testing.T) {
	for _, s := range []string{"random", "pct", "pct:2", "portfolio"} {
		m := runJSON(t, exitOK, "run", "--executions", "100", "--strategy", s, "--json")
		if m["strategy"] != s || m["executions"].(float64) != 100 {
			t.Errorf("%s: %v %v", s, m["strategy"], m["executions"])
		}
		if strings.HasPrefix(s, "pct") != (m["pct"] != nil) {
			t.Errorf("%s: PCT guarantee %v; want one for PCT only (the portfolio has none)", s, m["pct"])
		}
	}
	code, out, _ := run(t, "run", "--executions", "100", "--strategy", "pct:2")
	if code != exitOK || !strings.Contains(out, "1/(n*k^(d-1))") || !strings.Contains(out, "depth 2:") {
		t.Errorf("PCT summary lacks the guarantee:\n%s", out)
	}
	m := runJSON(t, exitOK, "run", "--strategy", "exhaustive", "--preemptions", "1", "--threads", "2", "--ops", "1", "--executions", "100", "--json")
	x, ok := m["exhaustive"].(map[string]any)
	if !ok || x["preemptions"].(float64) != 1 || x["schedules"].(float64) < 100 || x["exhausted"] != true {
		t.Errorf("exhaustive: %v", m["exhaustive"])
	}
	code, out, _ = run(t, "run", "--strategy", "exhaustive", "--executions", "50", "--schedules", "10")
	if code != exitOK || !strings.Contains(out, "schedules covered") || !strings.Contains(out, "space exhausted: no") {
		t.Errorf("exhaustive summary:\n%s", out)
	}
}

func TestRunBadNewFlags(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--strategy", "bogus"},
		{"run", "--strategy", "pct:0"},
		{"run", "--workers", "0"},
		{"run", "--shard", "2/2"},
		{"run", "--shard", "x"},
		{"run", "--threads", "3-2"},
		{"merge"},
		{"merge", "/no/such/dir"},
		{"report"},
		{"report", "/no/such/dir"},
	} {
		if code, _, errs := run(t, args...); code != exitUsage || errs == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
}

// Shards run in their own directories, merge folds them, report draws the
// result; a resumed directory keeps its seed and refuses another.
func TestShardMergeReportResume(t *testing.T) {
	tmp := t.TempDir()
	var dirs []string
	for _, sh := range []string{"0/2", "1/2"} {
		d := filepath.Join(tmp, "shard"+sh[:1])
		dirs = append(dirs, d)
		runJSON(t, exitOK, "run", "--seed", "3", "--executions", "100", "--shard", sh, "--out", d, "--json")
	}
	merged := filepath.Join(tmp, "merged")
	m := runJSON(t, exitOK, append(append([]string{"merge"}, dirs...), "-o", merged, "--json")...)
	if m["executions"].(float64) != 200 || len(m["shards"].([]any)) != 2 {
		t.Fatalf("merged: %v %v", m["executions"], m["shards"])
	}
	if code, _, _ := run(t, "merge", dirs[0], dirs[0]); code != exitUsage {
		t.Errorf("a shard merged with itself: exit %d", code)
	}
	report := filepath.Join(tmp, "r.html")
	if code, out, errs := run(t, "report", merged, "-o", report); code != exitOK {
		t.Fatalf("report: exit %d %s %s", code, out, errs)
	}
	b, err := os.ReadFile(report)
	if err != nil || !strings.Contains(string(b), "<svg") || !strings.Contains(string(b), "portfolio") {
		t.Fatalf("report: %v\n%.300s", err, b)
	}
	// Resume shard 0: seed and shard come from the directory.
	r := runJSON(t, exitOK, "run", "--executions", "50", "--out", dirs[0], "--json")
	if r["executions"].(float64) != 150 || r["seed"].(float64) != 3 || r["next_index"].(float64) != 300 {
		t.Fatalf("resumed: executions %v seed %v next %v", r["executions"], r["seed"], r["next_index"])
	}
	if code, _, errs := run(t, "run", "--seed", "4", "--out", dirs[0]); code != exitUsage || !strings.Contains(errs, "seed") {
		t.Errorf("resumed with another seed: exit %d %s", code, errs)
	}
	if code, _, _ := run(t, "run", "--out", merged); code != exitUsage {
		t.Errorf("a merged directory resumed: exit %d", code)
	}
}

func TestRunKeepGoingAndShrinkPrintsReplay(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := run(t, "run", "--bug", "tag-blind-lookup", "--keep-going", "--max-violations", "2", "--executions", "200", "--workers", "2", "--out", dir)
	if code != exitViolation || strings.Count(out, "VIOLATION") != 2 || !strings.Contains(out, "not saved") ||
		!strings.Contains(out, "shrunk:") || !strings.Contains(out, "replay: sysfsim replay "+dir) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// asBeforeSettings rewrites dir's summary.json as builds before the
// settings were recorded wrote it: without keep_going, max_violations and
// no_shrink.
func asBeforeSettings(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, campaign.SummaryFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"keep_going", "max_violations", "no_shrink"} {
		if _, ok := m[k]; !ok {
			t.Fatalf("summary.json lacks %q", k)
		}
		delete(m, k)
	}
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// resumed returns the configuration run builds for args: the command line
// filled in from the directory it names.
func resumed(t *testing.T, args ...string) campaign.Config {
	t.Helper()
	var f runFlags
	fs := f.flagSet()
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	cfg, err := f.config()
	if err == nil {
		err = resume(&cfg, fs)
	}
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// A resumed run takes every setting it is not given from its directory;
// a directory written before settings were recorded leaves them to the
// command line, as it did then.
func TestResumeTakesSettingsFromDirectory(t *testing.T) {
	bug := func(more ...string) []string {
		return append([]string{"--bug", "tag-blind-lookup", "--executions", "50"}, more...)
	}
	// settings are the fields of a Config resume may fill in.
	type settings struct {
		KeepGoing     bool
		MaxViolations int
		NoShrink      bool
		Strategy      sched.StrategyName
		Gen           gen.Options
		Preemptions   int
		Schedules     int
	}
	dflt := settings{MaxViolations: campaign.DefaultMaxViolations, Strategy: campaign.DefaultStrategy,
		Preemptions: campaign.DefaultPreemptions, Schedules: campaign.DefaultSchedules}
	with := func(f func(*settings)) settings { s := dflt; f(&s); return s }
	for _, c := range []struct {
		name  string
		first []string
		old   bool // the summary as written before settings were recorded
		again []string
		want  settings
	}{
		{"keep-going and max-violations kept", bug("--keep-going", "--max-violations", "2"), false, nil,
			with(func(s *settings) { s.KeepGoing, s.MaxViolations = true, 2 })},
		{"old summary: from the command line", bug("--keep-going", "--max-violations", "2"), true, nil, dflt},
		{"old summary: the command line says", bug("--keep-going"), true, []string{"--keep-going", "--max-violations", "3"},
			with(func(s *settings) { s.KeepGoing, s.MaxViolations = true, 3 })},
		{"told otherwise", bug("--keep-going", "--max-violations", "2"), false, []string{"--keep-going=false", "--max-violations", "5"},
			with(func(s *settings) { s.MaxViolations = 5 })},
		{"no shrink kept", bug("--shrink=false"), false, nil, with(func(s *settings) { s.NoShrink = true })},
		{"old summary: shrink again", bug("--shrink=false"), true, nil, dflt},
		{"shrink told", bug("--shrink=false"), false, []string{"--shrink"}, dflt},
		{"exhaustive and generator kept",
			[]string{"--strategy", "exhaustive", "--preemptions", "1", "--schedules", "10", "--threads", "2", "--ops", "1", "--executions", "20"}, false, nil,
			with(func(s *settings) {
				s.Strategy, s.Preemptions, s.Schedules = campaign.Exhaustive, 1, 10
				s.Gen = gen.Options{MinThreads: 2, MaxThreads: 2, MaxOps: 1}
			})},
		{"pct depth kept", []string{"--strategy", "pct:2", "--executions", "20"}, false, nil,
			with(func(s *settings) { s.Strategy = "pct:2" })},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if code, out, errs := run(t, append([]string{"run", "--out", dir}, c.first...)...); code == exitUsage {
				t.Fatalf("first run: exit %d\n%s%s", code, out, errs)
			}
			if c.old {
				asBeforeSettings(t, dir)
			}
			cfg := resumed(t, append([]string{"--out", dir}, c.again...)...)
			got := settings{cfg.KeepGoing, cfg.MaxViolations, cfg.NoShrink, cfg.Strategy, cfg.Gen, cfg.Preemptions, cfg.Schedules}
			if got != c.want {
				t.Errorf("resumed with %v:\n got %+v\nwant %+v", c.again, got, c.want)
			}
		})
	}
}

// Resuming a --keep-going directory keeps going: the run ends at its
// bound, past new violations, and saves no more than --max-violations.
func TestResumeKeepsGoing(t *testing.T) {
	for _, c := range []struct {
		old         bool
		wantStopped string
		wantTraces  int
	}{
		{false, "executions", 2},
		// As before settings were recorded: the first violation stops the
		// run, and its trace is saved under the default --max-violations.
		{true, "violation", 3},
	} {
		dir := t.TempDir()
		runJSON(t, exitViolation, "run", "--bug", "tag-blind-lookup", "--keep-going", "--max-violations", "2", "--executions", "100", "--out", dir, "--json")
		if c.old {
			asBeforeSettings(t, dir)
		}
		m := runJSON(t, exitViolation, "run", "--executions", "100", "--out", dir, "--json")
		if n := len(m["violations"].([]any)); m["stopped"] != c.wantStopped || n != c.wantTraces {
			t.Errorf("old %v: stopped %v with %d traces, want %s with %d", c.old, m["stopped"], n, c.wantStopped, c.wantTraces)
		}
		if !c.old && (m["keep_going"] != true || m["max_violations"].(float64) != 2 || m["run_executions"].(float64) != 100) {
			t.Errorf("resumed: keep_going %v max_violations %v run_executions %v", m["keep_going"], m["max_violations"], m["run_executions"])
		}
	}
}

// A merged summary says what it merged, not the first shard's index nor a
// run of its own; a shard's summary still says its shard and run.
func TestMergedSummarySaysWhatItIs(t *testing.T) {
	tmp := t.TempDir()
	s0, s1, m := filepath.Join(tmp, "s0"), filepath.Join(tmp, "s1"), filepath.Join(tmp, "merged")
	for _, args := range [][]string{
		{"--shard", "0/2", "--out", s0},
		{"--shard", "1/2", "--out", s1},
		{"--out", s1}, // run 2 of shard 1
	} {
		runJSON(t, exitOK, append([]string{"run", "--seed", "3", "--executions", "30", "--json"}, args...)...)
	}
	for _, c := range []struct {
		name      string
		args      []string
		want, not []string
	}{
		{"two shards", []string{"merge", s0, s1, "-o", m},
			[]string{"shards 0,1 of 2 merged from 2 directories, 3 runs in all\n", "merged campaign written to " + m},
			[]string{"shard 0/2", "of the campaign", "in this one", "merged shards"}},
		{"a merged directory", []string{"merge", m},
			[]string{"shards 0,1 of 2 merged from 2 directories"}, []string{"shard 0/2", "of the campaign"}},
		{"one shard", []string{"merge", s1},
			[]string{"shard 1 of 2 merged from 1 directory, 2 runs in all\n"}, []string{"shard 1/2", "of the campaign"}},
		{"a shard resumed", []string{"run", "--executions", "10", "--out", s1},
			[]string{", shard 1/2 (", "; run 3 of the campaign, 10 executions in this one\n"}, []string{"merged"}},
	} {
		code, out, errs := run(t, c.args...)
		if code != exitOK {
			t.Fatalf("%s: exit %d\n%s%s", c.name, code, out, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: no %q in\n%s", c.name, w, out)
			}
		}
		for _, w := range c.not {
			if strings.Contains(out, w) {
				t.Errorf("%s: %q in\n%s", c.name, w, out)
			}
		}
	}
}

// run --coverage prints the share of the state space reached and what
// was never reached; without the flag the text has neither, and --json
// always carries it.
func TestRunCoverage(t *testing.T) {
	code, out, _ := run(t, "run", "--executions", "50", "--coverage")
	if code != exitOK || !strings.Contains(out, "points reached") || !strings.Contains(out, "never reached:") {
		t.Fatalf("run --coverage:\n%s", out)
	}
	if _, out, _ := run(t, "run", "--executions", "50"); strings.Contains(out, "points reached") {
		t.Fatalf("run without --coverage prints it:\n%s", out)
	}
	m := runJSON(t, exitOK, "run", "--executions", "50", "--json")
	c, ok := m["coverage"].(map[string]any)
	if !ok || c["reached"].(float64) < 1 || c["points"].(float64) <= c["reached"].(float64) {
		t.Fatalf("--json coverage: %v", m["coverage"])
	}
}

// run --guided runs a guided campaign, says so, and refuses exhaustive.
func TestRunGuided(t *testing.T) {
	m := runJSON(t, exitOK, "run", "--executions", "600", "--guided", "--json")
	if m["guided"] != true || len(m["guide_corpus"].([]any)) == 0 {
		t.Fatalf("guided %v, corpus %v", m["guided"], m["guide_corpus"])
	}
	if code, out, _ := run(t, "run", "--executions", "300", "--guided"); code != exitOK || !strings.Contains(out, "guided by coverage") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if code, _, errs := run(t, "run", "--guided", "--strategy", "exhaustive"); code != exitUsage || !strings.Contains(errs, "--guided") {
		t.Fatalf("guided exhaustive: exit %d, %s", code, errs)
	}
}
