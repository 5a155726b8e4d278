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
	// SkipLinearizability leaves porcupine out of Check, for a caller
	// that wants the other properties of a history too long to
	// linearize. Linearizability is then reported in Report.Unknown,
	// never as passing.
	SkipLinearizability bool
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
	f := factsOf(h)
	defer f.release()
	r.Violations = append(r.Violations, checkTagIsolation(h, &f.mounts)...)
	r.Violations = append(r.Violations, checkNoResurrection(f)...)
	r.Violations = append(r.Violations, checkUniqueness(f)...)
	r.Violations = append(r.Violations, CheckFaults(h)...)
	r.Violations = append(r.Violations, checkReaddir(f)...)
	if o.SkipLinearizability {
		r.Unknown = append(r.Unknown, Linearizability)
		return r
	}
	v, decided := CheckLinearizable(h, o.LinearizabilityTimeout)
	if !decided {
		r.Unknown = append(r.Unknown, Linearizability)
	}
	r.Violations = append(r.Violations, v...)
	return r
}

// CheckProperty runs the checker of one property only: cheaper than Check
// when only one matters, as when hunting a seeded bug.
func CheckProperty(h history.History, property string, o Options) ([]Violation, error) {
	var vs []Violation
	switch property {
	case Linearizability:
		var decided bool
		if vs, decided = CheckLinearizable(h, o.LinearizabilityTimeout); !decided {
			return nil, fmt.Errorf("linearizability undecided after %v", o.LinearizabilityTimeout)
		}
		return vs, nil
	case TagIsolation:
		return CheckTagIsolation(h), nil
	case NoResurrection:
		return CheckNoResurrection(h), nil
	case Uniqueness:
		return CheckUniqueness(h), nil
	case Regularity:
		return CheckReaddir(h), nil
	case SafeFree, Liveness:
		for _, v := range CheckFaults(h) {
			if v.Property == property {
				vs = append(vs, v)
			}
		}
		return vs, nil
	}
	return nil, fmt.Errorf("unknown property %q (known: %v)", property, Names)
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
