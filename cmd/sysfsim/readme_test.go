package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readmeNoise are the parts of a campaign's output that differ from run
// to run or machine to machine, each with what stands for it.
var readmeNoise = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(` in [0-9.]+(µs|ms|s) \([0-9.]+k? steps/s, [0-9.]+k? executions/s\)`), " in T (R)"},
	{regexp.MustCompile(`[0-9]+ workers`), "W workers"},
	{regexp.MustCompile(`(?m)^Time (\S+) [0-9.]+s?$`), "Time $1 T"},
	{regexp.MustCompile(`(replay|check): (go run \./cmd/sysfsim|sysfsim) `), "$1: sysfsim "},
}

func normalize(s string) string {
	for _, n := range readmeNoise {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return strings.TrimSpace(s)
}

// TestReadmeFirstExample: the README's first sample output is what the
// command prints, but for times, rates, the number of workers and how the
// tool was started, so the sample cannot go stale unseen.
func TestReadmeFirstExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "$ go run ./cmd/sysfsim run --bug tag-blind-lookup --out /tmp/found\n"
	text := string(readme)
	i := strings.Index(text, cmd)
	if i < 0 {
		t.Fatalf("README.md has no %q", cmd)
	}
	sample := text[i+len(cmd):]
	sample = sample[:strings.Index(sample, "\n$ ")]

	dir := filepath.Join(t.TempDir(), "found")
	code, out, errs := run(t, "run", "--bug", "tag-blind-lookup", "--out", dir)
	if code != exitViolation {
		t.Fatalf("exit %d: %s", code, errs)
	}
	got := normalize(strings.ReplaceAll(out, dir, "/tmp/found"))
	if want := normalize(sample); got != want {
		t.Errorf("README.md's sample output is stale; the command prints:\n%s\n\nthe README shows:\n%s", got, want)
	}
	readmeShrinkExample(t, text, dir)
	readmeLitmusExample(t, text)
}

// readmeLitmusExample: the README's litmus output is what the command
// prints for the library's two-eth0 test.
func readmeLitmusExample(t *testing.T, readme string) {
	const cmd = "$ go run ./cmd/sysfsim litmus litmus/testdata/two-eth0.litmus\n"
	i := strings.Index(readme, cmd)
	if i < 0 {
		t.Fatalf("README.md has no %q", cmd)
	}
	sample := readme[i+len(cmd):]
	sample = sample[:strings.Index(sample, "\n$ ")]
	code, out, errs := run(t, "litmus", filepath.Join("..", "..", "litmus", "testdata", "two-eth0.litmus"))
	if code != exitOK {
		t.Fatalf("litmus: exit %d: %s", code, errs)
	}
	if got, want := normalize(out), normalize(sample); got != want {
		t.Errorf("README.md's litmus sample is stale; litmus prints:\n%s\n\nthe README shows:\n%s", got, want)
	}
}

// readmeShrinkExample: the README's "shrinking a recorded history" output
// is what shrink prints for the first example's found trace without its
// schedule.
func readmeShrinkExample(t *testing.T, readme, dir string) {
	const cmd = "$ go run ./cmd/sysfsim shrink recorded.jsonl -o small.jsonl\n"
	i := strings.Index(readme, cmd)
	if i < 0 {
		t.Fatalf("README.md has no %q", cmd)
	}
	sample := readme[i+len(cmd):]
	sample = sample[:strings.Index(sample, "\n$ ")]
	found, err := filepath.Glob(filepath.Join(dir, "*.found.jsonl"))
	if err != nil || len(found) != 1 {
		t.Fatalf("found traces %v, %v", found, err)
	}
	b, err := os.ReadFile(found[0])
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.Contains(l, `"kind":"schedule"`) {
			kept = append(kept, l)
		}
	}
	work := t.TempDir()
	recorded, small := filepath.Join(work, "recorded.jsonl"), filepath.Join(work, "small.jsonl")
	if err := os.WriteFile(recorded, []byte(strings.Join(kept, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "shrink", recorded, "-o", small)
	if code != exitOK {
		t.Fatalf("shrink: exit %d: %s", code, errs)
	}
	out = strings.ReplaceAll(strings.ReplaceAll(out, small, "/tmp/small.jsonl"), recorded, "recorded.jsonl")
	if got, want := normalize(out), normalize(sample); got != want {
		t.Errorf("README.md's shrink sample is stale; shrink prints:\n%s\n\nthe README shows:\n%s", got, want)
	}
}

// TestReadmeLongHistory: the README's walkthrough of a long recorded
// history prints what check prints, on the kernel recording in testdata
// and on it with the README's one line changed (its sed command). The
// shrink after it takes minutes and is not replayed here.
func TestReadmeLongHistory(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	z, err := os.Open(filepath.Join("..", "..", "properties", "testdata", "kernel-30k.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	r, err := gzip.NewReader(z)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(whole), "\n")
	const line, from, to = 35025, `{"tag":1}`, `{"err":"ENOENT"}`
	if !strings.Contains(string(readme), fmt.Sprintf("$ sed '%ds/%s/%s/' kernel-30k.jsonl > wrong.jsonl\n", line, from, to)) {
		t.Fatal("README.md's walkthrough changes another line than the test")
	}
	wrong := slices.Clone(lines)
	wrong[line-1] = strings.Replace(wrong[line-1], from, to, 1)
	work := t.TempDir()
	for _, f := range []struct {
		name  string
		lines []string
		code  int
	}{{"kernel-30k.jsonl", lines, exitOK}, {"wrong.jsonl", wrong, exitViolation}} {
		path := filepath.Join(work, f.name)
		if err := os.WriteFile(path, []byte(strings.Join(f.lines, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := "$ go run ./cmd/sysfsim check " + f.name + "\n"
		i := strings.Index(string(readme), cmd)
		if i < 0 {
			t.Fatalf("README.md has no %q", cmd)
		}
		sample := string(readme[i+len(cmd):])
		sample = sample[:strings.Index(sample, "\n$ ")]
		code, out, errs := run(t, "check", path)
		if code != f.code {
			t.Fatalf("check %s: exit %d: %s", f.name, code, errs)
		}
		if got, want := normalize(strings.ReplaceAll(out, path, f.name)), normalize(sample); got != want {
			t.Errorf("README.md's check %s sample is stale; check prints:\n%s\n\nthe README shows:\n%s", f.name, got, want)
		}
	}
}
