package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		if s != "random" && m["pct"] == nil {
			t.Errorf("%s: no PCT guarantee", s)
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
