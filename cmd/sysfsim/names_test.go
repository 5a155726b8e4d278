package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every name the command line reads goes through its type's parser: an
// unknown one exits 2 with the known names, never runs as the default.
func TestUnknownNameFlagsExitTwo(t *testing.T) {
	out := filepath.Join(t.TempDir(), "small.jsonl")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--strategy", "nope"}, `--strategy: sched: unknown strategy "nope" (known: random, pct, pct:D, pos, surw, portfolio, exhaustive)`},
		{[]string{"run", "--strategy", "pct:0"}, `strategy "pct:0": depth must be a positive integer`},
		{[]string{"run", "--bug", "nope"}, `unknown bug "nope" (known: tag-blind-lookup,`},
		{[]string{"shrink", bugTrace, "-o", out, "--property", "speed"}, `--property: unknown property "speed" (known: linearizability, tag-isolation,`},
		{[]string{"kernel", "--exit-scheme", "cleanup_net"}, `--exit-scheme: unknown exit scheme "cleanup_net" (known: kernel, tag, drawn)`},
		{[]string{"kernel", "--exit-scheme", ""}, `unknown exit scheme "" (known: kernel, tag, drawn)`},
	} {
		code, _, errs := run(t, c.args...)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("shrink wrote a trace for an unknown property")
	}
}

// A trace naming an unknown exit scheme, fault or property is rejected at
// its line, with the known names.
func TestCheckRejectsUnknownNamesAtTheirLine(t *testing.T) {
	orig, err := os.ReadFile("../../traces/testdata/bugs/exit-handback-clash.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ from, to, want string }{
		{`"exit":"kernel"`, `"exit":"cleanup_net"`, `unknown exit scheme "cleanup_net" (known: tag, kernel)`},
		{`"fault":"crash"`, `"fault":"bug"`, `unknown fault "bug" (known: use-after-free, leak, deadlock, step-bound, crash)`},
		{`"property":"liveness"`, `"property":"speed"`, `unknown property "speed" (known: linearizability,`},
	} {
		lines := strings.Split(string(orig), "\n")
		line := 0
		for i, l := range lines {
			if strings.Contains(l, c.from) {
				lines[i], line = strings.Replace(l, c.from, c.to, 1), i+1
				break
			}
		}
		if line == 0 {
			t.Fatalf("the trace holds no %s", c.from)
		}
		bad := filepath.Join(t.TempDir(), "bad.jsonl")
		os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o644)
		code, _, errs := run(t, "check", bad)
		if at := fmt.Sprintf("%s:%d: ", bad, line); code != exitUsage || !strings.Contains(errs, at+c.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", c.to, code, errs, at+c.want)
		}
	}
}

// A campaign directory whose summary names an unknown bug or strategy is
// neither resumed nor merged.
func TestUnknownNamesInSummaryExitTwo(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := run(t, "run", "--executions", "20", "--out", dir, "--json"); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	path := filepath.Join(dir, "summary.json")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ from, to, want string }{
		{`"bugs": []`, `"bugs": ["nope"]`, `unknown bug "nope" (known: tag-blind-lookup,`},
		{`"strategy": "portfolio"`, `"strategy": "dfs"`, `unknown strategy "dfs" (known: random, pct, pct:D, pos, surw, portfolio, exhaustive)`},
	} {
		if !strings.Contains(string(good), c.from) {
			t.Fatalf("the summary holds no %s", c.from)
		}
		os.WriteFile(path, []byte(strings.Replace(string(good), c.from, c.to, 1)), 0o644)
		for _, args := range [][]string{{"run", "--executions", "20", "--out", dir}, {"merge", dir}} {
			code, _, errs := run(t, args...)
			if code != exitUsage || !strings.Contains(errs, c.want) || !strings.Contains(errs, path) {
				t.Errorf("%s, %v: exit %d, stderr %q; want 2, the file and %q", c.to, args, code, errs, c.want)
			}
		}
	}
}
