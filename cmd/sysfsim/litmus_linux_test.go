package main

import (
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
