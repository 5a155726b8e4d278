package kernel

import (
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// Supports reports whether the backend drives op: its kind, and for a
// lookup or readdir its directory (the net class's two; not the others the
// model may name). The model grows faster than any backend: a program with
// another operation is not run, and a campaign counts it as skipped, by
// kind.
func Supports(op model.Op) bool {
	if !supported(op.Kind) {
		return false
	}
	if op.Kind == model.Lookup || op.Kind == model.Readdir {
		return op.Dir == model.ClassNet || op.Dir == model.Devices
	}
	return true
}

// Unsupported describes the first operation of p the backend does not
// drive, or returns false.
func Unsupported(p history.Program) (string, bool) {
	ops := append([]model.Op(nil), p.Setup...)
	for _, th := range p.Threads {
		ops = append(ops, th...)
	}
	for _, op := range ops {
		if !Supports(op) {
			if supported(op.Kind) {
				return op.Kind.String() + " " + string(op.Dir), true
			}
			return op.Kind.String(), true
		}
	}
	return "", false
}
