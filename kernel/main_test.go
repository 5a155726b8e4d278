package kernel

import (
	"os"
	"runtime"
	"testing"
)

// skipReason is why the kernel tests cannot run here, or "".
var skipReason string

// TestMain runs the tests in an isolated copy of the test binary (its own
// user, mount and network namespaces), so that nothing they do can touch the
// host. Where no copy can be started, or the copy cannot make namespaces and
// devices, the kernel tests skip and say why.
func TestMain(m *testing.M) {
	switch {
	case runtime.GOOS != "linux":
		skipReason = "the kernel backend needs Linux"
	case !Isolated():
		code, err := Reexec(os.Args[1:])
		if err == nil {
			os.Exit(code)
		}
		skipReason = err.Error()
	default:
		if err := Probe(); err != nil {
			skipReason = "cannot drive the kernel here: " + err.Error()
		}
	}
	os.Exit(m.Run())
}

// need skips t unless the kernel backend can run.
func need(t testing.TB) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
}
