// Package properties judges recorded histories. Each checker takes a
// history, wherever it came from (the simulator, a real kernel, a file
// written by hand), and returns the violations it finds: linearizability
// against the model (with porcupine), tag isolation, no resurrection after
// an exit or a removal, uniqueness per (name, tag), regularity of readdir
// listings (which are not atomic), safe deferred free and liveness.
package properties

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sysfsim/sysfsim/history"
)

// Property names a property, as reports and traces spell it.
// ParseProperty reads a name.
type Property string

// The properties.
const (
	Linearizability Property = "linearizability"
	TagIsolation    Property = "tag-isolation"
	NoResurrection  Property = "no-resurrection"
	Uniqueness      Property = "uniqueness"
	Regularity      Property = "readdir-regularity"
	SafeFree        Property = "safe-free"
	Liveness        Property = "liveness"
	Teardown        Property = "teardown"
)

// Names lists every property in a stable order, the order of reports.
var Names = []Property{Linearizability, TagIsolation, NoResurrection, Uniqueness, Regularity, SafeFree, Liveness, Teardown}

// ParseProperty reads a property's name; an unknown one is an error
// listing the known ones.
func ParseProperty(name string) (Property, error) {
	if p := Property(name); slices.Contains(Names, p) {
		return p, nil
	}
	known := make([]string, len(Names))
	for i, p := range Names {
		known[i] = string(p)
	}
	return "", fmt.Errorf("unknown property %q (known: %s)", name, strings.Join(known, ", "))
}

// MarshalText writes the property's name.
func (p Property) MarshalText() ([]byte, error) { return []byte(p), nil }

// UnmarshalText reads a property's name (ParseProperty).
func (p *Property) UnmarshalText(b []byte) error {
	x, err := ParseProperty(string(b))
	if err != nil {
		return err
	}
	*p = x
	return nil
}

// Violation is one broken property.
type Violation struct {
	Property Property `json:"property"`
	Detail   string   `json:"detail"`
	// Records are the indices, in History.Records, of the operations
	// involved.
	Records []int `json:"records,omitempty"`
}

func (v Violation) String() string { return string(v.Property) + ": " + v.Detail }

// Options tune the checkers.
type Options struct {
	// LinearizabilityTimeout bounds porcupine; 0 means no bound. A check
	// that times out is reported in Report.Unknown, never as passing.
	LinearizabilityTimeout time.Duration
	// MemoryLimit bounds the heap, in bytes, porcupine's search may grow
	// the process to (0: DefaultMemoryLimit; negative: no bound). Over
	// it, the search stops and linearizability is reported in
	// Report.Unknown, with the part not decided in Report.Progress,
	// rather than the process running out of memory.
	MemoryLimit int64
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
	Unknown []Property `json:"unknown,omitempty"`
	// Progress says, of an undecided property whose checker got part of
	// the way, how far: the pieces of a long history it decided.
	Progress []Progress `json:"progress,omitempty"`
}

// Progress is how far the checker of an undecided property got, and
// why it stopped: Cause is "memory" when it passed Options.MemoryLimit,
// empty when it ran out of time.
type Progress struct {
	Property Property `json:"property"`
	Detail   string   `json:"detail"`
	Cause    string   `json:"cause,omitempty"`
}

// OK reports whether every property was decided and holds.
func (r Report) OK() bool { return len(r.Violations) == 0 && len(r.Unknown) == 0 }

// checker judges some properties of a history, from its facts.
type checker struct {
	// judges lists the properties whose violations it reports.
	judges []Property
	// check returns the violations, and whether it could decide.
	check func(f *facts, o Options) (vs []Violation, decided bool)
}

// checkers is the one list of checkers, in the order Check runs them and
// reports their violations; CheckProperty picks from it.
var checkers = [...]checker{
	{[]Property{TagIsolation}, func(f *facts, _ Options) ([]Violation, bool) { return checkTagIsolation(&f.h, &f.mounts), true }},
	{[]Property{NoResurrection}, func(f *facts, _ Options) ([]Violation, bool) { return checkNoResurrection(f), true }},
	{[]Property{Uniqueness}, func(f *facts, _ Options) ([]Violation, bool) { return checkUniqueness(f), true }},
	{[]Property{SafeFree, Liveness}, func(f *facts, _ Options) ([]Violation, bool) { return checkFaults(f.h.Faults), true }},
	{[]Property{Regularity}, func(f *facts, _ Options) ([]Violation, bool) { return checkReaddir(f), true }},
	{[]Property{Teardown}, func(f *facts, _ Options) ([]Violation, bool) { return checkTeardown(f), true }},
	{[]Property{Linearizability}, func(f *facts, o Options) ([]Violation, bool) {
		if o.SkipLinearizability {
			return nil, false // undecided, never a pass
		}
		v := f.lin.checkLinearizable(&f.h, bounds{o.LinearizabilityTimeout, o.MemoryLimit})
		if v.progress != "" {
			f.progress = append(f.progress, Progress{Linearizability, v.progress, v.cause})
		}
		return v.violations, v.decided
	}},
}

// Check runs every checker on h.
func Check(h history.History, o Options) Report {
	var r Report
	f := factsOf(h)
	defer f.release()
	for i := range checkers {
		c := &checkers[i]
		vs, decided := c.check(f, o)
		if !decided {
			r.Unknown = append(r.Unknown, c.judges...)
		}
		if len(vs) > 0 {
			r.Violations = append(r.Violations, vs...)
		}
	}
	if len(f.progress) > 0 {
		r.Progress = slices.Clone(f.progress)
	}
	return r
}

// CheckProperty runs the checker of one property only: cheaper than Check
// when only one matters, as when hunting a seeded bug.
func CheckProperty(h history.History, property Property, o Options) ([]Violation, error) {
	i := slices.IndexFunc(checkers[:], func(c checker) bool { return slices.Contains(c.judges, property) })
	if i < 0 {
		_, err := ParseProperty(string(property))
		return nil, err
	}
	f := factsOf(h)
	defer f.release()
	vs, decided := checkers[i].check(f, o)
	if !decided {
		return nil, fmt.Errorf("%s undecided after %v", property, o.LinearizabilityTimeout)
	}
	return slices.DeleteFunc(vs, func(v Violation) bool { return v.Property != property }), nil
}

// CheckFaults turns what the implementation noticed about itself into
// violations: touching freed memory or leaking it breaks safe deferred free;
// a deadlock, a crash or an execution that never ends breaks liveness.
func CheckFaults(h history.History) []Violation { return checkFaults(h.Faults) }

func checkFaults(faults []history.Fault) []Violation {
	var vs []Violation
	for _, f := range faults {
		p := Liveness
		if f.Kind == history.UseAfterFree || f.Kind == history.Leak {
			p = SafeFree
		}
		vs = append(vs, Violation{Property: p, Detail: fmt.Sprintf("%s: %s", f.Kind, f.Detail)})
	}
	return vs
}
