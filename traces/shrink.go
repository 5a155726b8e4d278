package traces

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
)

// ShrinkOptions tune Shrink.
type ShrinkOptions struct {
	// Property is the property the shrunk trace must still violate. Empty
	// means the first violation the checkers find in the trace's history.
	Property properties.Property
	// Check tunes the checkers run on every candidate; a zero
	// LinearizabilityTimeout means DefaultShrinkTimeout, since a candidate
	// that cannot be decided is never kept.
	Check properties.Options
	// MaxRuns bounds the candidate executions; 0 means DefaultShrinkRuns.
	MaxRuns int

	// original bounds linearizability on the trace's own history and, for
	// a trace without a schedule, its prefixes up to the culprit: the
	// caller's LinearizabilityTimeout, 0 (none) unless it set one, as
	// `sysfsim check` does. The candidates, thousands, are bounded.
	original time.Duration
}

// DefaultShrinkRuns bounds a shrink: far more than a program of a few
// dozen operations needs, a few seconds at most.
const DefaultShrinkRuns = 5000

// DefaultShrinkTimeout bounds porcupine on one candidate.
const DefaultShrinkTimeout = 5 * time.Second

// ShrinkStats say what Shrink did. Preemptions are counted as the
// execution ran: switches away from a thread that could have continued
// (see Preemptions for the count from a schedule alone).
//
// A trace without a schedule is shrunk by removing records (Method
// MethodHistory): its operations are its history's records, and nothing
// runs, so preemptions, steps and runs stay 0.
type ShrinkStats struct {
	Property properties.Property `json:"property"`
	// Method says how: MethodExecution or MethodHistory.
	Method            string `json:"method"`
	OpsBefore         int    `json:"ops_before"`
	OpsAfter          int    `json:"ops_after"`
	PreemptionsBefore int    `json:"preemptions_before"`
	PreemptionsAfter  int    `json:"preemptions_after"`
	StepsBefore       int    `json:"steps_before"`
	StepsAfter        int    `json:"steps_after"`
	// Runs counts the executions tried, the original's included.
	Runs int `json:"runs"`
	// Checks counts the candidates checked: every run, or every history
	// tried.
	Checks int `json:"checks"`
}

func (s ShrinkStats) String() string {
	if s.Method == MethodHistory {
		histories := "histories"
		if s.Checks == 1 {
			histories = "history"
		}
		return fmt.Sprintf("%s: %d -> %d operations (%d %s checked)", s.Property, s.OpsBefore, s.OpsAfter, s.Checks, histories)
	}
	return fmt.Sprintf("%s: %d -> %d operations, %d -> %d preemptions, %d -> %d steps (%d runs)",
		s.Property, s.OpsBefore, s.OpsAfter, s.PreemptionsBefore, s.PreemptionsAfter, s.StepsBefore, s.StepsAfter, s.Runs)
}

// ErrUndecided is returned when the property to keep could not be
// decided on the trace itself: a shrink keeps a violation it has seen.
var ErrUndecided = errors.New("undecided")

// undecidedNames names the property a shrink could not decide: prop, or, when
// none was named or violated, the properties left undecided.
func undecidedNames(prop properties.Property, unknown []properties.Property) string {
	if prop != "" {
		return string(prop)
	}
	names := make([]string, len(unknown))
	for i, p := range unknown {
		names[i] = string(p)
	}
	return strings.Join(names, ", ")
}

// ErrNoViolation is returned when asked to shrink a trace that violates
// nothing: there is nothing to keep.
var ErrNoViolation = errors.New("the trace violates no property: nothing to shrink")

// Shrink returns a smaller trace than t that still violates the same
// property. A trace without a schedule is shrunk by removing records from
// its history (see shrinkHistory); one with a schedule by re-executing
// smaller programs and schedules, as follows.
//
// It first shrinks the program: it removes whole threads, then operations
// one at a time, then two at a time, and moves the first operation of a
// thread into setup, until nothing more goes. Then it shrinks the
// schedule: it tries undoing each context switch, letting the previous
// thread continue. Every candidate is re-executed under a strategy that
// follows the old schedule where it still fits and otherwise keeps running
// the current thread; a candidate without some operations is tried first
// under the old schedule without those operations' steps (see bounds),
// then under the old schedule as it is. A candidate is kept only when the
// checkers still report the property and it is smaller: fewer operations,
// then fewer of them concurrent, then fewer preemptions, then fewer steps.
// The result is deterministic, and its schedule is the one its execution
// took, so Replay confirms it.
func Shrink(t *Trace, opts ShrinkOptions) (*Trace, ShrinkStats, error) {
	opts.original = opts.Check.LinearizabilityTimeout
	if opts.Check.LinearizabilityTimeout == 0 {
		opts.Check.LinearizabilityTimeout = DefaultShrinkTimeout
	}
	if opts.MaxRuns <= 0 {
		opts.MaxRuns = DefaultShrinkRuns
	}
	orig := opts
	orig.Check.LinearizabilityTimeout = opts.original
	all, err := keptViolations(t.History, orig)
	if err != nil {
		return nil, ShrinkStats{}, err
	}
	if t.Schedule == nil {
		return shrinkHistory(t, all[0], all, opts)
	}
	return shrinkExecution(t, all[0].Property, opts)
}

// keptViolations returns the violations of the property a shrink keeps,
// opts.Property or that of the first violation the checkers find, the
// first of them first. Only that property's checker runs when it is named
// and violated.
func keptViolations(h history.History, opts ShrinkOptions) ([]properties.Violation, error) {
	if opts.Property != "" {
		if vs, err := properties.CheckProperty(h, opts.Property, opts.Check); err == nil && len(vs) > 0 {
			return vs, nil
		}
	}
	r := properties.Check(h, opts.Check)
	if len(r.Violations) == 0 && len(r.Unknown) == 0 {
		return nil, ErrNoViolation
	}
	prop := opts.Property
	if prop == "" && len(r.Violations) > 0 {
		prop = r.Violations[0].Property
	}
	if prop == "" || slices.Contains(r.Unknown, prop) && !slices.ContainsFunc(r.Violations, func(v properties.Violation) bool { return v.Property == prop }) {
		return nil, fmt.Errorf("%w: %s not decided within the check's time or memory bound, so there is nothing to keep while shrinking", ErrUndecided, undecidedNames(prop, r.Unknown))
	}
	var found []string
	for _, v := range r.Violations {
		if !slices.Contains(found, string(v.Property)) {
			found = append(found, string(v.Property))
		}
	}
	if vs := slices.DeleteFunc(r.Violations, func(v properties.Violation) bool { return v.Property != prop }); len(vs) > 0 {
		return vs, nil
	}
	if len(found) == 0 {
		return nil, ErrNoViolation
	}
	return nil, fmt.Errorf("the trace violates %s, not %s", strings.Join(found, ", "), prop)
}

// shrinkExecution is Shrink for a trace with a schedule.
func shrinkExecution(t *Trace, prop properties.Property, opts ShrinkOptions) (*Trace, ShrinkStats, error) {
	s := &shrinker{opt: simOptions(t.Header.Options), check: opts.Check, property: prop, maxRuns: opts.MaxRuns, boundsCache: map[int][]int{}}
	first, ok := s.run(t.Program, t.Schedule)
	if !ok {
		return nil, ShrinkStats{}, fmt.Errorf("re-executed under its schedule, the trace does not violate %s", prop)
	}
	s.cur = first
	for s.shrinkProgram() || s.shrinkSchedule() {
	}

	c := s.cur
	st := ShrinkStats{
		Property: prop, Method: MethodExecution, Runs: s.runs, Checks: s.checks,
		OpsBefore: t.Program.Ops(), OpsAfter: c.prog.Ops(),
		PreemptionsBefore: first.preemptions, PreemptionsAfter: c.preemptions,
		StepsBefore: first.x.Steps, StepsAfter: c.x.Steps,
	}
	h := t.Header
	if !strings.HasSuffix(h.Strategy, "+shrink") {
		h.Strategy += "+shrink"
	}
	out := FromExecution(c.prog, h.Seed, h.Strategy, s.opt, c.x, c.report.Violations)
	out.Header = h
	out.Notes = append(slices.Clip(t.Notes), "shrunk, keeping "+st.String())
	return out, st, nil
}

// candidate is one execution tried while shrinking.
type candidate struct {
	prog        history.Program
	x           sim.Execution
	preemptions int
	report      properties.Report
}

// size orders candidates; shrinking only ever moves to a smaller one, so it
// ends.
func (c candidate) size() [4]int {
	return [4]int{c.prog.Ops(), c.prog.Ops() - len(c.prog.Setup), c.preemptions, c.x.Steps}
}

type shrinker struct {
	opt      sim.Options
	check    properties.Options
	property properties.Property
	runs     int
	checks   int
	maxRuns  int
	cur      candidate
	// boundsCache holds bounds for the current candidate.
	boundsCache map[int][]int
}

// exec executes p under a strategy following picks.
func (s *shrinker) exec(p history.Program, picks []int) candidate {
	s.runs++
	f := newFollow(picks)
	return candidate{prog: p, x: sim.Run(p, f, s.opt), preemptions: f.preemptions}
}

// fails checks c and reports whether it violates the property.
func (s *shrinker) fails(c *candidate) bool {
	s.checks++
	c.report = properties.Check(c.x.History, s.check)
	return violates(c.report, s.property)
}

func violates(r properties.Report, prop properties.Property) bool {
	return slices.ContainsFunc(r.Violations, func(v properties.Violation) bool { return v.Property == prop })
}

// run executes and checks p under picks.
func (s *shrinker) run(p history.Program, picks []int) (candidate, bool) {
	c := s.exec(p, picks)
	return c, s.fails(&c)
}

// try runs a candidate and keeps it if it is smaller and still fails.
func (s *shrinker) try(p history.Program, picks []int) bool {
	if s.runs >= s.maxRuns {
		return false
	}
	c := s.exec(p, picks)
	if !less(c.size(), s.cur.size()) || !s.fails(&c) {
		return false
	}
	s.cur = c
	clear(s.boundsCache)
	return true
}

func less(a, b [4]int) bool { return slices.Compare(a[:], b[:]) < 0 }

// pos names an operation of a program: Thread -1 is setup.
type pos struct{ thread, index int }

func positions(p history.Program) []pos {
	var ps []pos
	for i := range p.Setup {
		ps = append(ps, pos{history.SetupThread, i})
	}
	for k, th := range p.Threads {
		for i := range th {
			ps = append(ps, pos{k, i})
		}
	}
	return ps
}

// without returns p without the operations at drop, and picks adapted:
// threads left empty are removed and the others renumbered.
func without(p history.Program, picks []int, drop ...pos) (history.Program, []int) {
	out := history.Program{Config: p.Config}
	for i, op := range p.Setup {
		if !slices.Contains(drop, pos{history.SetupThread, i}) {
			out.Setup = append(out.Setup, op)
		}
	}
	picks = slices.Clone(picks)
	for k, th := range p.Threads {
		var ops []model.Op
		for i, op := range th {
			if !slices.Contains(drop, pos{k, i}) {
				ops = append(ops, op)
			}
		}
		if len(ops) == 0 {
			picks = dropThread(picks, len(out.Threads))
			continue
		}
		out.Threads = append(out.Threads, ops)
	}
	return out, picks
}

// shrinkProgram runs the program passes until one succeeds; it reports
// whether any did.
func (s *shrinker) shrinkProgram() bool {
	// Whole threads first: one run can remove many operations.
	for k := len(s.cur.prog.Threads) - 1; k >= 0; k-- {
		var drop []pos
		for i := range s.cur.prog.Threads[k] {
			drop = append(drop, pos{k, i})
		}
		if s.try(without(s.cur.prog, s.cur.x.Schedule, drop...)) {
			return true
		}
	}
	changed := false
	for i := 0; i < len(positions(s.cur.prog)); {
		if s.remove(positions(s.cur.prog)[i]) {
			changed = true
			continue
		}
		i++
	}
	if changed {
		return true
	}
	ps := positions(s.cur.prog)
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			if s.remove(ps[i], ps[j]) {
				return true
			}
		}
	}
	for k := range s.cur.prog.Threads {
		if s.try(toSetup(s.cur.prog, s.aligned(pos{k, 0}), k)) || s.try(toSetup(s.cur.prog, s.cur.x.Schedule, k)) {
			return true
		}
	}
	return false
}

// remove tries the program without the operations at drop, first under
// the schedule without their steps, then under the schedule as it is.
func (s *shrinker) remove(drop ...pos) bool {
	return s.try(without(s.cur.prog, s.aligned(drop...), drop...)) ||
		s.try(without(s.cur.prog, s.cur.x.Schedule, drop...))
}

// toSetup moves the first operation of thread k to the end of setup, out
// of the concurrent part.
func toSetup(p history.Program, picks []int, k int) (history.Program, []int) {
	q, picks := without(p, picks, pos{k, 0})
	q.Setup = append(slices.Clip(q.Setup), p.Threads[k][0])
	return q, picks
}

// shrinkSchedule tries undoing each context switch of the current
// schedule; it reports whether any attempt was kept.
func (s *shrinker) shrinkSchedule() bool {
	changed := false
	for i := 0; i < len(switches(s.cur.x.Schedule)); {
		at := switches(s.cur.x.Schedule)[i]
		if c := continueAt(s.cur.x.Schedule, at); c != nil && s.try(s.cur.prog, c) {
			changed = true
			continue
		}
		i++
	}
	return changed
}
