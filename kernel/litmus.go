package kernel

import (
	"fmt"
	"slices"

	"github.com/sysfsim/sysfsim/history"
)

// CannotRun says why the backend cannot run p as written, or returns "":
// an operation it does not drive (Unsupported), a mount made before the
// start that captures a namespace declared for later (a kernel sysfs
// instance always belongs to a live namespace), or more namespaces than
// New makes. A litmus test that cannot run is reported as skipped with
// this reason, never run in part.
func CannotRun(p history.Program) string {
	if what, ok := Unsupported(p); ok {
		return what + " is not an operation the kernel backend drives"
	}
	c := p.Config
	if c.Namespaces < 1 || c.Namespaces > 63 {
		return fmt.Sprintf("%d namespaces (the backend makes 1 to 63)", c.Namespaces)
	}
	if c.Users > 1 {
		return "user namespaces beyond the initial one (the backend makes none)"
	}
	for i, t := range c.Mounts {
		if slices.Contains(c.Later, t) {
			return fmt.Sprintf("mount m%d captures ns%d, which does not exist at the start", i+1, t)
		}
	}
	return ""
}
