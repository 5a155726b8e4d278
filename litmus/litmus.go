// Package litmus reads and runs litmus tests for tagged sysfs: a small
// concurrent scenario with a final condition, in the manner of herd7's
// tests of the Linux kernel memory model (tools/memory-model/litmus-tests).
// Parse reads a test (the format is in docs/LITMUS.md); RunModel finds every
// outcome the specification allows, RunSim every outcome the simulator
// produces under exhaustive search, and RunKernel the outcomes of runs on
// the real kernel, as klitmus7 finds them for a memory-model test.
package litmus

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// Test is one parsed litmus test.
type Test struct {
	Name     string
	Question string
	Program  history.Program
	// Binds names the result of operations: Binds[i][j] is the name of
	// thread i's operation j, or "".
	Binds [][]string
	Quant Quantifier
	Cond  Expr
	// Expect is the observation the file states, "" when it states none.
	Expect Observation
	// BugExpect is the observation the file states with each seeded bug
	// ("expect Sometimes with unlocked-add").
	BugExpect map[string]Observation
	// KernelExpect is the observation the file states for this machine's
	// kernel ("expect Sometimes on kernel"), "" when it states none.
	KernelExpect Observation
}

// KernelExpected returns the observation t states for runs on the
// kernel: the one stated for the kernel, else the plain one, since the
// kernel is expected to agree with the model unless the file says it
// does not.
func (t *Test) KernelExpected() Observation {
	if t.KernelExpect != "" {
		return t.KernelExpect
	}
	return t.Expect
}

// Expected returns the observation t states for a run with bugs seeded:
// the one stated for that bug, if bugs is one the file names, else the
// plain one.
func (t *Test) Expected(bugs string) Observation {
	if o, ok := t.BugExpect[bugs]; ok {
		return o
	}
	return t.Expect
}

// Quantifier is how the condition is read over all outcomes.
type Quantifier string

// The quantifiers of herd7.
const (
	Exists    Quantifier = "exists"
	NotExists Quantifier = "~exists"
	Forall    Quantifier = "forall"
)

// Observation says in how many outcomes the condition held.
type Observation string

// herd7's observations.
const (
	Never     Observation = "Never"
	Sometimes Observation = "Sometimes"
	Always    Observation = "Always"
)

// Outcome is what one execution leaves that a condition can read: the
// value of each bound result, whether each path the condition names
// exists in the final view, and whether each property it names was
// violated (the model never violates one).
type Outcome struct {
	Results  map[string]string
	Paths    map[string]bool // by "mN:path"
	Violated map[string]bool // by property name
}

// String prints the outcome herd7's way: "r0=ENOENT; r1=ns2;". It is the
// key of every outcome count, on the simulator's hot path: one builder,
// no fmt.
func (o Outcome) String() string {
	var b strings.Builder
	for _, k := range sortedKeys(o.Results) {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(o.Results[k])
		b.WriteString("; ")
	}
	flags := func(m map[string]bool, wrap func(string) string) {
		for _, k := range sortedKeys(m) {
			if !m[k] {
				b.WriteByte('~')
			}
			b.WriteString(wrap(k))
			b.WriteString("; ")
		}
	}
	flags(o.Paths, func(k string) string { return k })
	flags(o.Violated, func(k string) string { return "violated(" + k + ")" })
	return strings.TrimSuffix(b.String(), " ")
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Value is a result as a condition compares it: the errno, "ok", "nsN"
// for a tag, the ifindex a read returned, a link's target, or a listing
// "[name@nsN ...]" sorted by name and tag.
func Value(r model.Result) string {
	switch {
	case r.Err != model.OK:
		return string(r.Err)
	case r.Entries != nil:
		es := slices.Clone(r.Entries)
		slices.SortFunc(es, model.Entry.Compare)
		s := make([]string, len(es))
		for i, e := range es {
			s[i] = e.String()
		}
		return "[" + strings.Join(s, " ") + "]"
	case r.Target != "":
		return r.Target
	case r.Index != 0:
		return fmt.Sprint(r.Index)
	case r.Tag != 0:
		return fmt.Sprintf("ns%d", r.Tag)
	}
	return "ok"
}

// Expr is a condition over an outcome.
type Expr interface {
	Eval(o Outcome) bool
	String() string
}

// Is holds when result Name has value Value.
type Is struct{ Name, Value string }

// Contains holds when the listing Name holds the entry Entry: "eth0" for
// any tag, "eth0@ns1" for one.
type Contains struct{ Name, Entry string }

// Present holds when Path ("m1:class/net/eth0") exists in the final view.
type Present struct{ Path string }

// Violated holds when some property checker rejected the execution for
// Property: for a seeded bug that breaks a property without changing any
// result (a use-after-free, a leak).
type Violated struct{ Property string }

// Not, And and Or combine conditions.
type (
	Not struct{ X Expr }
	And struct{ X, Y Expr }
	Or  struct{ X, Y Expr }
)

// Eval reports whether the result has the value.
func (e Is) Eval(o Outcome) bool { return o.Results[e.Name] == e.Value }

// Eval reports whether the listing holds the entry.
func (e Contains) Eval(o Outcome) bool {
	v := o.Results[e.Name]
	if !strings.HasPrefix(v, "[") {
		return false
	}
	for _, f := range strings.Fields(strings.Trim(v, "[]")) {
		if f == e.Entry || strings.HasPrefix(f, e.Entry+"@") {
			return true
		}
	}
	return false
}

// Eval reports whether the path exists.
func (e Present) Eval(o Outcome) bool { return o.Paths[e.Path] }

// Eval reports whether the property was violated.
func (e Violated) Eval(o Outcome) bool { return o.Violated[e.Property] }

// Eval negates.
func (e Not) Eval(o Outcome) bool { return !e.X.Eval(o) }

// Eval is a conjunction.
func (e And) Eval(o Outcome) bool { return e.X.Eval(o) && e.Y.Eval(o) }

// Eval is a disjunction.
func (e Or) Eval(o Outcome) bool { return e.X.Eval(o) || e.Y.Eval(o) }

func (e Is) String() string       { return e.Name + " = " + e.Value }
func (e Contains) String() string { return e.Name + " contains " + e.Entry }
func (e Present) String() string  { return e.Path }
func (e Violated) String() string { return "violated(" + e.Property + ")" }
func (e Not) String() string      { return "~" + e.X.String() }
func (e And) String() string      { return "(" + e.X.String() + " /\\ " + e.Y.String() + ")" }
func (e Or) String() string       { return "(" + e.X.String() + " \\/ " + e.Y.String() + ")" }

// paths lists the view paths e reads, so that outcomes record them.
func paths(e Expr) []string {
	return atoms(e, func(a Expr) (string, bool) {
		p, ok := a.(Present)
		return p.Path, ok
	})
}

// violations lists the properties e asks about.
func violations(e Expr) []string {
	return atoms(e, func(a Expr) (string, bool) {
		v, ok := a.(Violated)
		return v.Property, ok
	})
}

// atoms walks e and returns what pick takes from its atoms.
func atoms(e Expr, pick func(Expr) (string, bool)) []string {
	switch e := e.(type) {
	case Not:
		return atoms(e.X, pick)
	case And:
		return append(atoms(e.X, pick), atoms(e.Y, pick)...)
	case Or:
		return append(atoms(e.X, pick), atoms(e.Y, pick)...)
	}
	if s, ok := pick(e); ok {
		return []string{s}
	}
	return nil
}
