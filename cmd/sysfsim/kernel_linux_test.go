package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/sysfsim/sysfsim/kernel"
)

// skipWithoutKernel skips the test when the command could not run a
// kernel campaign here (no namespaces, no sysfs instances).
func skipWithoutKernel(t *testing.T, p *process, code int) {
	t.Helper()
	if errs := p.stderr.String(); code == exitUsage && (strings.Contains(errs, "kernel backend") || strings.Contains(errs, "isolated copy")) {
		t.Skip("no kernel campaign here:", strings.TrimSpace(errs))
	}
}

// The kernel's --out is made, with summary.json, however the campaign
// ends: nothing found, or cut short by SIGINT (exit 130). The directory
// is not a simulator campaign's: run, report and merge refuse it.
func TestKernelOutHasTheSummary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kernel campaigns")
	}
	for _, c := range []struct {
		name      string
		args      []string
		interrupt bool
		want      int
	}{
		{"nothing found", []string{"--executions", "3"}, false, exitOK},
		{"interrupted", []string{"--time", "10m"}, true, exitInterrupted},
		{"interrupted, json", []string{"--time", "10m", "--json"}, true, exitInterrupted},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "not", "yet")
			p := start(t, append([]string{"kernel", "--out", dir}, c.args...)...)
			if c.interrupt {
				// The directory is made after the signal is caught.
				waitUntil(t, p, "the directory made", func() bool { return exists(dir) || p.cmd.ProcessState != nil })
				if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
					t.Fatal(err)
				}
			}
			code := p.wait(t)
			skipWithoutKernel(t, p, code)
			if code != c.want {
				t.Fatalf("exit %d, want %d\n%s%s", code, c.want, &p.stdout, &p.stderr)
			}
			b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
			if err != nil {
				t.Fatalf("no summary: %v", err)
			}
			var s kernel.Summary
			if err := json.Unmarshal(b, &s); err != nil || s.Interrupted != c.interrupt || s.Seed != 1 {
				t.Fatalf("summary.json: %v, interrupted %v, seed %d\n%s", err, s.Interrupted, s.Seed, b)
			}
			if out := p.stdout.String(); strings.HasPrefix(out, "{") && out != string(b) {
				t.Errorf("summary.json is not what --json printed:\n%s\nprinted\n%s", b, out)
			}
			for _, args := range [][]string{{"run", "--out", dir}, {"report", dir}, {"merge", dir}} {
				if code, _, errs := run(t, args...); code != exitUsage || !strings.Contains(errs, "not a campaign summary") {
					t.Errorf("%v on a kernel directory: exit %d %s", args, code, errs)
				}
			}
		})
	}
	// Bad: an --out that cannot be made.
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	p := start(t, "kernel", "--executions", "1", "--out", filepath.Join(file, "sub"))
	code := p.wait(t)
	skipWithoutKernel(t, p, code)
	if code != exitUsage || !strings.Contains(p.stderr.String(), "--out") {
		t.Errorf("an --out under a file: exit %d %s", code, &p.stderr)
	}
}
