package litmus_test

import (
	"os"
	"runtime"
	"testing"

	"github.com/sysfsim/sysfsim/kernel"
)

// kernelSkip is why the kernel runs cannot happen here, or "".
var kernelSkip string

// TestMain runs the tests in an isolated copy of the test binary (its own
// mount and network namespaces, and a user namespace unless root), as the
// kernel package's tests do, so that the kernel runs cannot touch the
// host. Where no copy can be started, or the copy cannot drive the kernel,
// the model and simulator tests still run and the kernel tests skip,
// saying why.
func TestMain(m *testing.M) {
	switch {
	case runtime.GOOS != "linux":
		kernelSkip = "the kernel backend needs Linux"
	case !kernel.Isolated():
		code, err := kernel.Reexec(os.Args[1:])
		if err == nil {
			os.Exit(code)
		}
		kernelSkip = err.Error()
	default:
		if err := kernel.Probe(); err != nil {
			kernelSkip = "cannot drive the kernel here: " + err.Error()
		}
	}
	os.Exit(m.Run())
}
