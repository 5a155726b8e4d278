package litmus_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/litmus"
)

// A few library tests on the real kernel, ten runs each: each observation
// is the one the file expects, and every outcome is one the model allows.
// Only tests whose outcome does not depend on timing are run, so that
// ten runs decide them.
func TestKernelLibrary(t *testing.T) {
	if kernelSkip != "" {
		t.Skip(kernelSkip)
	}
	for _, name := range []string{"two-eth0", "listing-own-ns", "readlink-own-ns", "read-after-remove", "bug-tag-blind-lookup"} {
		t.Run(name, func(t *testing.T) {
			lt := load(t, name)
			r, err := litmus.RunKernel(context.Background(), lt, litmus.KernelOptions{Runs: 10})
			if err != nil {
				t.Fatal(err)
			}
			if r.Skipped != "" || r.Runs != 10 {
				t.Fatalf("skipped %q, %d runs", r.Skipped, r.Runs)
			}
			if !r.Matches() || len(r.KernelOnly) > 0 {
				t.Errorf("observed %s (want %s), kernel only %q", r.Observation, r.Expect, r.KernelOnly)
			}
		})
	}
}

// The kernel runs are held to the model and to the file. Every namespace
// starts with lo on the kernel and with nothing in the model
// (DIFFERENCES.md, "Initial entries"): a lookup of lo is an outcome the
// model forbids, flagged, and the file's expectation, taken from the
// model, is not met.
func TestKernelDisagreementIsFlagged(t *testing.T) {
	if kernelSkip != "" {
		t.Skip(kernelSkip)
	}
	src := `sysfs lo
{ namespaces 1; mount m1 = ns1 }
T0: r0 = lookup(m1, class/net/lo)
exists r0 = ns1
expect Never
`
	lt, err := litmus.Parse("lo.litmus", src)
	if err != nil {
		t.Fatal(err)
	}
	r, err := litmus.RunKernel(context.Background(), lt, litmus.KernelOptions{Runs: 3})
	if err != nil {
		t.Fatal(err)
	}
	if r.Matches() || r.Observation != litmus.Always || len(r.KernelOnly) != 1 || r.KernelOnly[0] != "r0=ns1;" ||
		len(r.NeverObserved) != 1 || r.NeverObserved[0] != "r0=ENOENT;" {
		t.Errorf("observed %s, matches %v, kernel only %q, never observed %q; want Always, not matching, r0=ns1 flagged, r0=ENOENT never seen",
			r.Observation, r.Matches(), r.KernelOnly, r.NeverObserved)
	}
}

// A test with an operation the kernel backend does not drive is skipped,
// with the reason, never run in part.
func TestKernelSkipsWhatItCannotExpress(t *testing.T) {
	src := `sysfs users
{ namespaces 1; mount m1 = ns1 }
T0: r0 = lookup(m1, class/net/eth0)
T0: add-uid(user1, "0")
exists r0 = ENOENT
`
	lt, err := litmus.Parse("users.litmus", src)
	if err != nil {
		t.Fatal(err)
	}
	r, err := litmus.RunKernel(context.Background(), lt, litmus.KernelOptions{Runs: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Skipped, "add-uid") || r.Runs != 0 || !r.Matches() {
		t.Errorf("skipped %q after %d runs", r.Skipped, r.Runs)
	}
}

func load(t *testing.T, name string) *litmus.Test {
	t.Helper()
	ts, err := litmus.Load(filepath.Join("testdata", name+".litmus"))
	if err != nil {
		t.Fatal(err)
	}
	return ts[0]
}
