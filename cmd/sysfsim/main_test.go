package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(args, &o, &e)
	return code, o.String(), e.String()
}

func TestRunJSONContract(t *testing.T) {
	code, out, errs := run(t, "run", "--executions", "200", "--seed", "5", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"executions", "steps", "elapsed_s", "violations"} {
		if _, ok := m[k]; !ok {
			t.Errorf("--json lacks %q: %s", k, out)
		}
	}
	if m["executions"].(float64) != 200 {
		t.Errorf("executions = %v", m["executions"])
	}
}

func TestRunWithBugExitsOneAndSavesReplayableTrace(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := run(t, "run", "--bug", "unlocked-add", "--out", dir, "--json")
	if code != exitViolation {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	var s struct {
		Violations []struct{ Property, Trace, Replay string }
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || len(s.Violations) != 1 {
		t.Fatalf("%v\n%s", err, out)
	}
	v := s.Violations[0]
	if v.Property == "" || filepath.Dir(v.Trace) != dir || v.Replay != "sysfsim replay "+v.Trace {
		t.Fatalf("violation %+v", v)
	}
	if code, out, errs := run(t, "replay", v.Trace); code != exitOK || !strings.Contains(out, "reproduces") {
		t.Fatalf("replay exit %d: %s %s", code, out, errs)
	}
	if code, out, _ := run(t, "check", v.Trace); code != exitViolation || !strings.Contains(out, "VIOLATION") {
		t.Fatalf("check exit %d: %s", code, out)
	}
}

func TestReplayReportsDivergence(t *testing.T) {
	dir := t.TempDir()
	_, out, _ := run(t, "run", "--bug", "tag-blind-lookup", "--out", dir, "--json")
	var s struct{ Violations []struct{ Trace string } }
	json.Unmarshal([]byte(out), &s)
	data, err := os.ReadFile(s.Violations[0].Trace)
	if err != nil {
		t.Fatal(err)
	}
	// The same schedule on the correct simulator: a different history.
	fixed := strings.Replace(string(data), `"options":{"bugs":["tag-blind-lookup"]}`, `"options":{}`, 1)
	path := filepath.Join(dir, "fixed.jsonl")
	os.WriteFile(path, []byte(fixed), 0o644)
	code, out, _ := run(t, "replay", path)
	if code != exitViolation || !strings.Contains(out, "diverges") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func TestBugsJSON(t *testing.T) {
	code, out, _ := run(t, "bugs", "--json")
	var bugs []map[string]string
	if code != exitOK || json.Unmarshal([]byte(out), &bugs) != nil || len(bugs) == 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, b := range bugs {
		for _, k := range []string{"name", "reference", "property"} {
			if b[k] == "" {
				t.Errorf("bug %v lacks %s", b, k)
			}
		}
	}
}

func TestBadUsageExitsTwo(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte(`{"kind":"header","format":1,"sysfsim":"0.1.0","source":"hand","seed":0,"options":{}}`+"\n"+`{"kind":"bogus"}`+"\n"), 0o644)
	for _, args := range [][]string{
		{"frobnicate"},
		{"run", "--bug", "no-such-bug"},
		{"run", "--executions", "-1"},
		{"run", "--no-such-flag"},
		{"run", "extra"},
		{"replay"},
		{"replay", "/no/such/file"},
		{"check", bad},
	} {
		code, _, errs := run(t, args...)
		if code != exitUsage || errs == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	_, _, errs := run(t, "check", bad)
	if !strings.Contains(errs, "bad.jsonl:2") {
		t.Errorf("the error does not name file and line: %s", errs)
	}
}
