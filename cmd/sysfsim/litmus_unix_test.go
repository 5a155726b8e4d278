//go:build unix

package main

import (
	"path/filepath"
	"testing"
)

// litmusKernelJSON returns what 'litmus --kernel N --json' prints for a
// test that runs and one that is skipped, from a built binary (the
// command re-executes itself isolated). The caller knows the kernel can
// run.
func litmusKernelJSON(t *testing.T) []jsonOutput {
	t.Helper()
	lib := filepath.Join("..", "..", "litmus", "testdata")
	var outs []jsonOutput
	for _, test := range []string{"rename-listing-names", "bug-add-under-removed"} {
		p := start(t, "litmus", "--kernel", "5", "--json", filepath.Join(lib, test+".litmus"))
		if code := p.wait(t); code != exitOK && code != exitViolation {
			t.Fatalf("litmus --kernel %s: exit %d\n%s", test, code, &p.stderr)
		}
		outs = append(outs, jsonOutput{"litmus --kernel, " + test, "litmus-kernel", p.stdout.Bytes()})
	}
	return outs
}
