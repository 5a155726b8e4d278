package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/sysfsim/sysfsim/kernel"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

// The flags --record refuses, before anything runs: a campaign's, and
// --rate without a recording.
func TestRecordFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--record", "1s", "--time", "1s"}, "--time is a campaign's"},
		{[]string{"--record", "1s", "--executions", "3"}, "--executions is a campaign's"},
		{[]string{"--record", "1s", "--exit-scheme", "tag"}, "kernel's exit scheme only"},
		{[]string{"--record", "1s", "--rate", "0"}, "--rate must not be 0"},
		{[]string{"--record", "-1s"}, "--record must not be negative"},
		{[]string{"--rate", "100"}, "--rate applies to --record only"},
		{[]string{"--record", "5"}, "a duration needs a unit"},
	} {
		code, out, errs := run(t, append([]string{"kernel"}, c.args...)...)
		if code != exitUsage || out != "" || !strings.Contains(errs, c.want) {
			t.Errorf("kernel %v: exit %d, stdout %q, stderr %q; want exit 2 saying %q", c.args, code, out, errs, c.want)
		}
	}
	if kernel.AsyncThread != tracefile.AnyThread {
		t.Errorf("kernel.AsyncThread %d is not tracefile.AnyThread %d", kernel.AsyncThread, tracefile.AnyThread)
	}
}

// lines returns how many lines path holds so far.
func lines(path string) int {
	b, _ := os.ReadFile(path)
	return bytes.Count(b, []byte("\n"))
}

// A recording that SIGINT or SIGTERM cuts short is completed, checked and
// summarized, and exits 130 (143); one whose process is killed outright
// leaves a readable prefix of what it recorded, which checks; a recording
// is never overwritten, and the next run in the directory removes the
// temporary files a killed run left.
func TestRecordInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("records the kernel")
	}
	for _, c := range []struct {
		sig   syscall.Signal
		group bool // to the process group, as a terminal's ^C
		want  int
	}{
		{syscall.SIGINT, false, exitInterrupted},
		{syscall.SIGINT, true, exitInterrupted},
		{syscall.SIGTERM, false, 128 + int(syscall.SIGTERM)},
		{syscall.SIGKILL, false, -1},
	} {
		name := c.sig.String()
		if c.group {
			name += " to the group"
		}
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "rec")
			path := filepath.Join(dir, recordingFile)
			p := startGroup(t, "kernel", "--record", "10m", "--out", dir, "--json")
			waitUntil(t, p, "200 lines recorded", func() bool { return lines(path) > 200 || p.cmd.ProcessState != nil })
			pid := p.cmd.Process.Pid
			if c.group {
				pid = -pid // the copy Reexec started gets it twice: from here, and passed on
			}
			if err := syscall.Kill(pid, c.sig); err != nil {
				t.Fatal(err)
			}
			code := p.wait(t)
			skipWithoutKernel(t, p, code)
			if code != c.want {
				t.Fatalf("exit %d, want %d\n%s%s", code, c.want, &p.stdout, &p.stderr)
			}
			tr, err := tracefile.ReadFile(path)
			if err != nil {
				t.Fatalf("the recording does not read back: %v", err)
			}
			if c.sig == syscall.SIGKILL {
				killed(t, dir, tr)
				return
			}
			var s recordSummary
			if err := json.Unmarshal(p.stdout.Bytes(), &s); err != nil || !s.Interrupted || s.Operations == 0 {
				t.Fatalf("summary: %v, interrupted %v, %d operations\n%s", err, s.Interrupted, s.Operations, &p.stdout)
			}
			if tr.Cut || len(tr.History.Records) < s.Operations {
				t.Errorf("the recording is cut %v, %d records for %d operations", tr.Cut, len(tr.History.Records), s.Operations)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "summary.json")); !bytes.Equal(b, p.stdout.Bytes()) {
				t.Errorf("summary.json is not what --json printed:\n%s", b)
			}
		})
	}
}

// startGroup is start, the command in a process group of its own.
func startGroup(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(os.Args[0], args...)}
	p.cmd.Env = append(os.Environ(), asCommand+"=1")
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			p.cmd.Wait()
		}
	})
	return p
}

// killed checks what a recording killed outright left in dir: a prefix
// that checks, cut without its end line, and a directory the next run
// refuses to record over (after removing a stale temporary file).
func killed(t *testing.T, dir string, tr *tracefile.Trace) {
	t.Helper()
	if !tr.Cut || len(tr.History.Records) == 0 {
		t.Errorf("a killed recording: cut %v, %d records", tr.Cut, len(tr.History.Records))
	}
	path := filepath.Join(dir, recordingFile)
	if code, out, errs := run(t, "check", path); code != exitOK {
		t.Errorf("check of the killed recording's prefix: exit %d\n%s%s", code, out, errs)
	}
	stale := filepath.Join(dir, tempPrefix+"left")
	os.WriteFile(stale, []byte("half a counterexample"), 0o644)
	before, _ := os.ReadFile(path)
	p := start(t, "kernel", "--record", "1s", "--out", dir)
	code := p.wait(t)
	if after, _ := os.ReadFile(path); code != exitUsage || !bytes.Equal(before, after) || !strings.Contains(p.stderr.String(), "never overwritten") {
		t.Errorf("a second recording into %s: exit %d, file kept %v\n%s", dir, code, bytes.Equal(before, after), &p.stderr)
	}
	if exists(stale) {
		t.Errorf("the stale %s is still there", stale)
	}
}
