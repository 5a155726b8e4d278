package campaign

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/sim"
)

// A summary.json is read back as written; one naming an unknown bug,
// strategy or property, anywhere, is rejected with the known names, so
// that a resumed or merged campaign never runs or counts under a name it
// does not know. One naming no strategy is not a campaign's at all.
func TestLoadSummaryRejectsUnknownNames(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, Config{Seed: 3, Executions: 1000, OutDir: dir, Bugs: sim.BugSet{sim.BugUnlockedAdd}, KeepGoing: true, NoShrink: true, NoViz: true})
	good, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadSummary(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Violations) == 0 || len(s.ByStrategy) < 2 {
		t.Fatalf("the campaign found no violation, or ran one strategy: %+v", s)
	}
	again := t.TempDir()
	if err := SaveSummary(again, s); err != nil {
		t.Fatal(err)
	}
	if back, _ := os.ReadFile(filepath.Join(again, SummaryFile)); string(back) != string(good) {
		t.Errorf("written back differently:\n%s\nwant\n%s", back, good)
	}
	for _, c := range []struct {
		name  string
		edit  func(m map[string]any)
		known string
	}{
		{"bug", func(m map[string]any) { m["bugs"] = []string{"no-such-bug"} }, `unknown bug "no-such-bug" (known: tag-blind-lookup,`},
		{"strategy", func(m map[string]any) { m["strategy"] = "dfs" }, `unknown strategy "dfs" (known: random, pct, pct:D, pos, surw, portfolio, exhaustive)`},
		{"no strategy", func(m map[string]any) { delete(m, "strategy") }, "not a campaign summary: it names no strategy"},
		{"row strategy", func(m map[string]any) { row(m)["strategy"] = "pct:zero" }, `strategy "pct:zero": depth must be a positive integer`},
		{"row property", func(m map[string]any) { row(m)["violations"] = map[string]int{"speed": 1} }, `unknown property "speed" (known: linearizability,`},
		{"negative count", func(m map[string]any) { m["executions"] = -5 }, `"executions" is -5: a count is never negative`},
		{"mistyped count", func(m map[string]any) { m["steps"] = "many" }, `summary.json:1: json: cannot unmarshal string`},
		{"found property", func(m map[string]any) {
			m["violations"].([]any)[0].(map[string]any)["property"] = "speed"
		}, `unknown property "speed" (known: linearizability,`},
	} {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		c.edit(m)
		b, _ := json.Marshal(m)
		bad := t.TempDir()
		os.WriteFile(filepath.Join(bad, SummaryFile), b, 0o644)
		if _, err := LoadSummary(bad); err == nil || !strings.Contains(err.Error(), c.known) || !strings.Contains(err.Error(), SummaryFile) {
			t.Errorf("%s: %v; want an error naming the file and saying %s", c.name, err, c.known)
		}
	}
}

// A summary.json cut short is refused with the line it breaks at.
func TestLoadSummaryNamesTheLine(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, Config{Seed: 3, Executions: 100, OutDir: dir, NoShrink: true, NoViz: true})
	b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	cut := b[:len(b)/2]
	cut = cut[:strings.LastIndex(string(cut), "\n")+1]
	line := strings.Count(string(cut), "\n")
	os.WriteFile(filepath.Join(dir, SummaryFile), append(cut, "}}\n"...), 0o644)
	want := fmt.Sprintf("%s:%d: ", SummaryFile, line+1)
	if _, err := LoadSummary(dir); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("%v; want an error at %s", err, want)
	}
}

// row returns the first strategy row of a summary decoded as a map.
func row(m map[string]any) map[string]any { return m["by_strategy"].([]any)[0].(map[string]any) }

// A summary.json whose gen block has Go's field names, as written before
// the keys were snake_case, reads as the same options, and a campaign
// resumes it; it is written back snake_case.
func TestLoadSummaryReadsBothGenSpellings(t *testing.T) {
	g := gen.Options{MinThreads: 2, MaxThreads: 3, MaxOps: 1, MaxNamespaces: 2}
	for _, c := range []struct {
		name, block string
		want        gen.Options
	}{
		{"snake_case", `{"min_threads": 2, "max_threads": 3, "max_ops": 1, "max_namespaces": 2, "no_users": false}`, g},
		{"Go names", `{"MinThreads": 2, "MaxThreads": 3, "MaxOps": 1, "MaxNamespaces": 2, "NoUsers": false}`, g},
		{"Go names, defaults", `{"MinThreads": 0, "MaxThreads": 0, "MaxOps": 0, "MaxNamespaces": 0, "NoUsers": false}`, gen.Options{}},
		{"Go names, no users", `{"MinThreads": 0, "MaxThreads": 0, "MaxOps": 0, "MaxNamespaces": 0, "NoUsers": true}`, gen.Options{NoUsers: true}},
	} {
		dir := t.TempDir()
		cfg := Config{Seed: 3, Executions: 50, OutDir: dir, Gen: c.want, NoViz: true}
		mustRun(t, cfg)
		b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		m["gen"] = json.RawMessage(c.block)
		b, _ = json.Marshal(m)
		os.WriteFile(filepath.Join(dir, SummaryFile), b, 0o644)
		if s, err := LoadSummary(dir); err != nil || s.Gen != c.want {
			t.Errorf("%s: gen %+v, %v; want %+v", c.name, s.Gen, err, c.want)
		}
		if s := mustRun(t, cfg); s.Runs != 2 || s.Gen != c.want {
			t.Errorf("%s: resumed as run %d with gen %+v, want run 2 with %+v", c.name, s.Runs, s.Gen, c.want)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, SummaryFile)); c.want != (gen.Options{}) && !strings.Contains(string(b), `"min_threads": `) {
			t.Errorf("%s: written back without snake_case gen keys:\n%s", c.name, b)
		}
	}
}

// Each run records its settings in the summary, the last run's replacing
// the earlier ones: they are not part of the identity.
func TestSummaryRecordsSettings(t *testing.T) {
	dir := t.TempDir()
	bugs := sim.BugSet{sim.BugUnlockedAdd}
	for _, c := range []struct {
		cfg  Config
		want [3]any // keep_going, max_violations, no_shrink
	}{
		{Config{KeepGoing: true, MaxViolations: 2, NoShrink: true}, [3]any{true, 2, true}},
		{Config{}, [3]any{false, DefaultMaxViolations, false}},
		{Config{KeepGoing: true}, [3]any{true, DefaultMaxViolations, false}},
	} {
		c.cfg.Seed, c.cfg.Executions, c.cfg.OutDir, c.cfg.Bugs, c.cfg.NoViz = 3, 50, dir, bugs, true
		mustRun(t, c.cfg)
		s, err := LoadSummary(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := [3]any{s.KeepGoing, s.MaxViolations, s.NoShrink}; got != c.want {
			t.Errorf("run %d: recorded %v, want %v", s.Runs, got, c.want)
		}
	}
}

// A summary says what part of the campaign it covers; only a merge says
// "merged".
func TestCoverage(t *testing.T) {
	two := Shard{Index: 0, Count: 2}
	for _, c := range []struct {
		name   string
		s      Summary
		merged bool
		want   string
	}{
		{"whole campaign", Summary{Shard: Shard{Count: 1}}, false, ""},
		{"one shard", Summary{Shard: Shard{Index: 1, Count: 2}}, false, "shard 1/2"},
		{"merged", Summary{Shard: two, Shards: []int{0, 1}, MergedFrom: []string{"/a", "/b"}}, true, "shards 0,1 of 2 merged from 2 directories"},
		{"merged, directories not recorded", Summary{Shard: two, Shards: []int{0, 1}}, true, "shards 0,1 of 2 merged"},
		{"one shard merged", Summary{Shard: Shard{Count: 3}, Shards: []int{2}, MergedFrom: []string{"/c"}}, true, "shard 2 of 3 merged from 1 directory"},
	} {
		if got := c.s.Coverage(); got != c.want || c.s.Merged() != c.merged {
			t.Errorf("%s: Coverage %q Merged %v, want %q %v", c.name, got, c.s.Merged(), c.want, c.merged)
		}
	}
	a := mustRun(t, Config{Seed: 1, Executions: 20, Shard: Shard{Index: 0, Count: 2}, NoViz: true})
	b := mustRun(t, Config{Seed: 1, Executions: 20, Shard: Shard{Index: 1, Count: 2}, NoViz: true})
	a.MergedFrom, b.MergedFrom = []string{"/a"}, []string{"/b"}
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Coverage(), "shards 0,1 of 2 merged from 2 directories"; got != want || a.Merged() {
		t.Errorf("Merge: Coverage %q, want %q; a shard merged: %v", got, want, a.Merged())
	}
}
