// Package properties judges recorded histories. Each checker takes a
// history, wherever it came from (the simulator, a real kernel, a file
// written by hand), and returns the violations it finds: linearizability
// against the model (with porcupine), tag isolation, no resurrection after
// an exit or a removal, uniqueness per (name, tag), regularity of readdir
// listings (which are not atomic), safe deferred free and liveness.
package properties

import (
	"fmt"
	"time"

	"github.com/sysfsim/sysfsim/history"
)

// Property names, as they appear in reports and traces.
const (
	Linearizability = "linearizability"
	TagIsolation    = "tag-isolation"
	NoResurrection  = "no-resurrection"
	Uniqueness      = "uniqueness"
	Regularity      = "readdir-regularity"
	SafeFree        = "safe-free"
	Liveness        = "liveness"
)

// Names lists every property in a stable order.
var Names = []string{Linearizability, TagIsolation, NoResurrection, Uniqueness, Regularity, SafeFree, Liveness}

// Violation is one broken property.
type Violation struct {
	Property string `json:"property"`
	Detail   string `json:"detail"`
	// Records are the indices, in History.Records, of the operations
	// involved.
	Records []int `json:"records,omitempty"`
}

func (v Violation) String() string { return v.Property + ": " + v.Detail }

// Options tune the checkers.
type Options struct {
	// LinearizabilityTimeout bounds porcupine; 0 means no bound. A check
	// that times out is reported in Report.Unknown, never as passing.
	LinearizabilityTimeout time.Duration
}

// Report is the verdict on one history.
type Report struct {
	Violations []Violation `json:"violations,omitempty"`
	// Unknown lists properties that could not be decided.
	Unknown []string `json:"unknown,omitempty"`
}

// OK reports whether every property was decided and holds.
func (r Report) OK() bool { return len(r.Violations) == 0 && len(r.Unknown) == 0 }

// Check runs every checker on h.
func Check(h history.History, o Options) Report {
	var r Report
	for _, c := range []func(history.History) []Violation{CheckTagIsolation, CheckNoResurrection, CheckUniqueness, CheckFaults, CheckReaddir} {
		r.Violations = append(r.Violations, c(h)...)
	}
	v, decided := CheckLinearizable(h, o.LinearizabilityTimeout)
	if !decided {
		r.Unknown = append(r.Unknown, Linearizability)
	}
	r.Violations = append(r.Violations, v...)
	return r
}

// CheckFaults turns what the implementation noticed about itself into
// violations: touching freed memory or leaking it breaks safe deferred free;
// a deadlock, a crash or an execution that never ends breaks liveness.
func CheckFaults(h history.History) []Violation {
	var vs []Violation
	for _, f := range h.Faults {
		p := Liveness
		if f.Kind == history.UseAfterFree || f.Kind == history.Leak {
			p = SafeFree
		}
		vs = append(vs, Violation{Property: p, Detail: fmt.Sprintf("%s: %s", f.Kind, f.Detail)})
	}
	return vs
}
