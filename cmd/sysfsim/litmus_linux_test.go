package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// litmus --kernel N runs a test N times on the kernel and prints its
// histogram; where the kernel cannot be driven it says why and exits 2.
func TestLitmusKernel(t *testing.T) {
	p := start(t, "litmus", "--kernel", "3", "--delay", "10us", "../../litmus/testdata/two-eth0.litmus")
	code := p.wait(t)
	skipWithoutKernel(t, p, code)
	out := p.stdout.String()
	if code != exitOK || !strings.Contains(out, "Histogram (1 states)\n 3     :> r0=ns1; r1=ns2;") ||
		!strings.Contains(out, "Observation two-eth0 Never 0 3") {
		t.Errorf("exit %d, want 0 and the histogram:\n%s%s", code, out, &p.stderr)
	}
}

// The README's kernel histogram is what litmus --kernel prints for the
// library's two-eth0 test, but for the time.
func TestReadmeLitmusKernel(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "$ go run ./cmd/sysfsim litmus --kernel 100 litmus/testdata/two-eth0.litmus\n"
	text := string(readme)
	i := strings.Index(text, cmd)
	if i < 0 {
		t.Fatalf("README.md has no %q", cmd)
	}
	sample := text[i+len(cmd):]
	sample = sample[:strings.Index(sample, "\n$ ")]
	p := start(t, "litmus", "--kernel", "100", filepath.Join("..", "..", "litmus", "testdata", "two-eth0.litmus"))
	code := p.wait(t)
	skipWithoutKernel(t, p, code)
	if got, want := normalize(p.stdout.String()), normalize(sample); code != exitOK || got != want {
		t.Errorf("exit %d; README.md's kernel histogram is stale; litmus --kernel prints:\n%s\n\nthe README shows:\n%s", code, got, want)
	}
}
