package main

import (
	"bytes"
	"strings"
	"testing"
)

// The kernel command checks its flags before it starts an isolated copy,
// so bad usage exits 2 anywhere, with no kernel involved.
func TestKernelUsage(t *testing.T) {
	for _, args := range [][]string{
		{"kernel", "extra"},
		{"kernel", "--time", "-1s"},
		{"kernel", "--exit-scheme", "nope"},
		{"kernel", "--no-such-flag"},
	} {
		var out, errb bytes.Buffer
		if code := Main(args, &out, &errb); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, exitUsage, errb.String())
		}
	}
	var out bytes.Buffer
	Main([]string{"help"}, &out, &out)
	if !strings.Contains(out.String(), "kernel") {
		t.Errorf("help does not list the kernel command:\n%s", out.String())
	}
}
