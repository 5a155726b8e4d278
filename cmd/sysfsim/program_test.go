package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// run --program runs a litmus test's program, or a trace's, in every
// execution: a seeded bug is found, shrunk and saved, its trace replays,
// a saved trace's program runs again, and a resumed campaign keeps its
// program. The generator's flags and a bad file are refused.
func TestRunProgram(t *testing.T) {
	lib := "../../litmus/testdata"
	dir := t.TempDir()
	code, out, errs := run(t, "run", "--program", filepath.Join(lib, "bug-unlocked-add.litmus"), "--bug", "unlocked-add", "--executions", "2000", "--out", filepath.Join(dir, "bug"))
	if code != exitViolation || !strings.Contains(out, "VIOLATION uniqueness") || !strings.Contains(out, "shrunk:") {
		t.Fatalf("exit %d, want 1 and a shrunk uniqueness violation:\n%s%s", code, out, errs)
	}
	trace := regexp.MustCompile(`replay: \S+ replay (\S+)`).FindStringSubmatch(out)
	if trace == nil {
		t.Fatalf("no replay command in:\n%s", out)
	}
	if code, out, errs := run(t, "replay", trace[1]); code != exitOK || !strings.Contains(out, "VIOLATION uniqueness") {
		t.Errorf("replay: exit %d:\n%s%s", code, out, errs)
	}
	if code, out, errs := run(t, "run", "--program", trace[1], "--bug", "unlocked-add", "--executions", "2000"); code != exitViolation {
		t.Errorf("run --program TRACE: exit %d, want 1:\n%s%s", code, out, errs)
	}

	camp := filepath.Join(dir, "ok")
	if code, out, errs := run(t, "run", "--program", filepath.Join(lib, "two-eth0.litmus"), "--executions", "300", "--out", camp); code != exitOK || !strings.Contains(out, "300 executions") {
		t.Fatalf("exit %d, want 0:\n%s%s", code, out, errs)
	}
	if code, out, errs := run(t, "run", "--executions", "100", "--out", camp); code != exitOK || !strings.Contains(out, "400 executions") {
		t.Errorf("resume: exit %d, want 0 and 400 executions:\n%s%s", code, out, errs)
	}

	bad := filepath.Join(dir, "bad.litmus")
	os.WriteFile(bad, []byte("sysfs bad\n{ namespaces 1 }\nT0: creat(ns1, \"eth0\")\nexists r0 = ok\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--program", filepath.Join(lib, "listing-own-ns.litmus"), "--out", camp}, "another fixed program"},
		{[]string{"--program", filepath.Join(lib, "two-eth0.litmus"), "--threads", "2"}, "not with --program"},
		{[]string{"--program", bad}, bad + `:3:5: unknown operation "creat"`},
		{[]string{"--program", filepath.Join(dir, "missing")}, "no such file"},
	} {
		code, out, errs := run(t, append([]string{"run", "--executions", "10"}, c.args...)...)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, want 2 and %q:\n%s%s", c.args, code, c.want, out, errs)
		}
	}
}
