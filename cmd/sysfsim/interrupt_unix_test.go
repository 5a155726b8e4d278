//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysfsim/sysfsim/campaign"
)

// asCommand, set in its environment, makes the test binary the sysfsim
// command (TestMain), so that a test runs it as a process to send it
// signals and read its exit code, without building it. A kernel
// campaign's isolated copy, started from the same binary, is one too.
const asCommand = "SYSFSIM_TEST_AS_COMMAND"

func TestMain(m *testing.M) {
	if os.Getenv(asCommand) == "1" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// process is the sysfsim command running in a process of its own.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
}

// start starts the command with args.
func start(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(os.Args[0], args...)}
	p.cmd.Env = append(os.Environ(), asCommand+"=1")
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	return p
}

// wait waits for the command's end and returns its exit code.
func (p *process) wait(t *testing.T) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(2 * time.Minute):
		p.cmd.Process.Kill()
		t.Fatalf("%v did not end\n%s%s", p.cmd.Args, &p.stdout, &p.stderr)
	}
	return -1
}

// waitUntil waits until ok, what the command got to, holds.
func waitUntil(t *testing.T, p *process, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("%v: %s, not seen in a minute\n%s%s", p.cmd.Args, what, &p.stdout, &p.stderr)
}

// exists reports whether path exists.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// A campaign that SIGINT cuts short exits 130 (exitInterrupted), whether
// it found a violation or not, with its summary written and saying so; a
// campaign left alone exits as it always did.
func TestRunInterruptedExits130(t *testing.T) {
	for _, c := range []struct {
		name      string
		args      []string
		interrupt bool
		want      int
		violation bool
	}{
		{"interrupted", []string{"--time", "10m", "--workers", "1"}, true, exitInterrupted, false},
		{"interrupted, json", []string{"--time", "10m", "--workers", "1", "--json"}, true, exitInterrupted, false},
		{"interrupted after violations", []string{"--bug", "tag-blind-lookup", "--keep-going", "--time", "10m", "--workers", "1"}, true, exitInterrupted, true},
		{"not interrupted", []string{"--executions", "50"}, false, exitOK, false},
		{"not interrupted, a violation", []string{"--bug", "tag-blind-lookup", "--executions", "50"}, false, exitViolation, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "camp")
			p := start(t, append([]string{"run", "--out", dir}, c.args...)...)
			if c.interrupt {
				// The directory is made after the signal is caught.
				waitUntil(t, p, "the directory made", func() bool { return exists(dir) })
				if c.violation {
					waitUntil(t, p, "a trace saved", func() bool {
						m, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
						return len(m) > 0
					})
				}
				if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
					t.Fatal(err)
				}
			}
			if code := p.wait(t); code != c.want {
				t.Fatalf("exit %d, want %d\n%s%s", code, c.want, &p.stdout, &p.stderr)
			}
			s, err := campaign.LoadSummary(dir)
			if err != nil {
				t.Fatalf("summary: %v", err)
			}
			if s.Interrupted != c.interrupt || (s.ViolationCount > 0) != c.violation {
				t.Errorf("summary: interrupted %v, %d violations; want %v, violations %v", s.Interrupted, s.ViolationCount, c.interrupt, c.violation)
			}
			out := p.stdout.String()
			if strings.HasPrefix(out, "{") {
				var m map[string]any
				if err := json.Unmarshal([]byte(out), &m); err != nil || m["interrupted"] != c.interrupt {
					t.Errorf("--json: %v, interrupted %v\n%s", err, m["interrupted"], out)
				}
			} else if strings.Contains(out, "\ninterrupted\n") != c.interrupt {
				t.Errorf("the summary printed does not say interrupted %v:\n%s", c.interrupt, out)
			}
		})
	}
}

// The exit code after a signal is 128 plus its number; the context ends
// at the signal, not before.
func TestInterruptibleCode(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		want int
	}{
		{syscall.SIGINT, exitInterrupted},
		{syscall.SIGTERM, 143},
	} {
		ctx, code, stop := interruptible(true, os.Interrupt, syscall.SIGTERM)
		if ctx.Err() != nil {
			t.Fatalf("%v: ended before any signal", c.sig)
		}
		if err := syscall.Kill(os.Getpid(), c.sig); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Minute):
			t.Fatalf("%v: the context did not end", c.sig)
		}
		if got := code(); got != c.want {
			t.Errorf("%v: exit %d, want %d", c.sig, got, c.want)
		}
		stop()
	}
}
