package properties

import (
	"fmt"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// Culprit is where porcupine's search for a linearization got stuck in a
// history that has none.
//
// Porcupine builds linearizations one operation at a time. An operation
// may go next if it was called before every operation not yet placed
// returned. When the search backtracks for good, the longest prefix it
// explained (a maximal partial linearization) ends in states where no
// operation that may go next fits the model. Of these, the one that
// returned first is the culprit: nothing called after it returned can be
// placed before it, so it is the operation that must go next and cannot.
// The others were concurrent with it; any of them may be the one whose
// result is wrong, and they are listed beside it.
type Culprit struct {
	// Step is the stuck operation, an index into the history's steps
	// (History.Steps, History.Operations), and Record the record it came
	// from. Op and Result are the step's: a device flow recorded whole
	// is checked step by step.
	Step, Record int
	Op           model.Op
	Result       model.Result
	// Others are the records of the other operations that could have
	// gone next, in increasing order.
	Others []int
	// Allowed are the results the model allows Op after the prefix.
	Allowed []model.Result
	// Prefix is the longest explained prefix, as steps in the order it
	// explains them; Of counts the steps of its partition, and
	// Partitions the partitions porcupine checked apart.
	Prefix         []int
	Of, Partitions int
	// Explained is the length of the longest explained prefix: that of
	// Prefix, or, when the end search named the culprit in a stretch
	// too long for porcupine (see checkPieces), the number of steps it
	// placed, whose order it does not keep (Prefix is nil).
	Explained int
	// Piece numbers, from 1, the piece of a long history the culprit was
	// found in, when the history was cut at quiescent points (see
	// segments), and PieceFrom is the piece's first call; Piece is 0 when
	// the history was checked whole. Prefix and Of are then the piece's.
	Piece     int
	PieceFrom int64

	partition []int         // the steps of the partition, in history order
	start     []model.State // the states the piece starts in; nil: Init
}

// FindCulprit locates the culprit of h, a history Linearize found not
// linearizable, from the partial linearizations in info (what Linearize
// returned). The choice is deterministic: among the longest partial
// linearizations of every partition that has no complete one, the culprit
// with the lowest record index, then the lexicographically first prefix.
// ok is false when no search got stuck for good: a timeout cut it short.
func FindCulprit(h history.History, info porcupine.LinearizationInfo) (c Culprit, ok bool) {
	ops, from := h.Operations()
	for i := range ops {
		ops[i].Metadata = i
	}
	return findCulprit(h.Config, model.Porcupine(h.Config), ops, from, ops, nil, info)
}

// findCulprit locates the culprit of piece, operations of ops (the
// history's steps, each with its index as Metadata; from: their records),
// which porcupine found not linearizable with model m, starting in start
// (nil: the initial state).
func findCulprit(cfg model.Config, m porcupine.Model, ops []porcupine.Operation, from []int, piece []porcupine.Operation, start []model.State, info porcupine.LinearizationInfo) (c Culprit, ok bool) {
	// The same partitions as porcupine's: the function is deterministic,
	// and porcupine numbers each partition's operations in their order.
	parts := [][]porcupine.Operation{piece}
	if m.Partition != nil {
		parts = m.Partition(piece)
	}
	partials := info.PartialLinearizations()
	for p, part := range parts[:min(len(parts), len(partials))] {
		steps := make([]int, len(part))
		for id, o := range part {
			steps[id] = o.Metadata.(int)
		}
		for _, prefix := range longestPartials(partials[p], steps) {
			x, stuck := stuckAfter(cfg, ops, steps, prefix, start)
			if stuck && (!ok || from[x.Step] < from[c.Step]) {
				c, ok = x, true
			}
		}
	}
	if !ok {
		return Culprit{}, false
	}
	c.Record, c.Partitions = from[c.Step], len(parts)
	c.Others = recordsOf(c.Others, from, c.Record)
	return c, true
}

// longestPartials returns the longest of a partition's partial
// linearizations, as steps, in lexicographic order; none when one is
// complete (the partition is linearizable). A search that failed on its
// first operation leaves none: the empty prefix.
func longestPartials(partials [][]int, steps []int) [][]int {
	longest := 0
	for _, p := range partials {
		longest = max(longest, len(p))
	}
	if longest == len(steps) && len(steps) > 0 {
		return nil
	}
	out := [][]int{}
	for _, p := range partials {
		if len(p) == longest {
			s := make([]int, len(p))
			for i, id := range p {
				s[i] = steps[id]
			}
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		out = append(out, []int{})
	}
	slices.SortFunc(out, slices.Compare)
	return out
}

// stuckAfter finds the operation that must go after prefix, among the
// partition's steps, and checks that neither it nor any other that could
// go next fits the model there. stuck is false when one fits: the search
// did not end at this prefix (a timeout cut it short).
func stuckAfter(c model.Config, ops []porcupine.Operation, steps, prefix []int, start []model.State) (x Culprit, stuck bool) {
	placed := make(map[int]bool, len(prefix))
	for _, s := range prefix {
		placed[s] = true
	}
	next := -1
	for _, s := range steps {
		if !placed[s] && (next < 0 || ops[s].Return < ops[next].Return) {
			next = s
		}
	}
	if next < 0 {
		return Culprit{}, false
	}
	states := replay(c, ops, start, prefix)
	if states == nil {
		return Culprit{}, false
	}
	var others []int
	for _, s := range steps {
		if placed[s] || ops[s].Call > ops[next].Return {
			continue
		}
		if len(stepStates(c, states, ops[s])) > 0 {
			return Culprit{}, false
		}
		if s != next {
			others = append(others, s)
		}
	}
	op, res := ops[next].Input.(model.Op), ops[next].Output
	x = Culprit{Step: next, Op: op, Others: others, Allowed: allowed(c, states, op),
		Prefix: prefix, Explained: len(prefix), Of: len(steps), partition: steps, start: start}
	x.Result, _ = res.(model.Result)
	return x, true
}

// replay runs the steps of order on the model from start (nil: its
// initial state) and returns every state they may end in; nil if they do
// not fit.
func replay(c model.Config, ops []porcupine.Operation, start []model.State, order []int) []model.State {
	states := start
	if states == nil {
		states = []model.State{model.Init()}
	}
	for _, s := range order {
		if states = stepStates(c, states, ops[s]); len(states) == 0 {
			return nil
		}
	}
	return states
}

// stepStates returns the states the model may be in after o, from any of
// states, when o's result fits: an operation that never returned (a nil
// output) fits any.
func stepStates(c model.Config, states []model.State, o porcupine.Operation) []model.State {
	out, known := o.Output.(model.Result)
	var next []model.State
	for _, s := range states {
		for _, x := range model.Step(c, s, o.Input.(model.Op)) {
			if (!known || model.SameResult(x.Result, out)) && !slices.ContainsFunc(next, x.State.Equal) {
				next = append(next, x.State)
			}
		}
	}
	return next
}

// allowed returns the results the model allows op in any of states, each
// once, in the order Step gives them.
func allowed(c model.Config, states []model.State, op model.Op) []model.Result {
	var rs []model.Result
	for _, s := range states {
		for _, x := range model.Step(c, s, op) {
			if !slices.ContainsFunc(rs, func(r model.Result) bool { return model.SameResult(r, x.Result) }) {
				rs = append(rs, x.Result)
			}
		}
	}
	return rs
}

// recordsOf maps steps to their records, each once, leaving out skip and
// sorting them.
func recordsOf(steps, from []int, skip int) []int {
	var rs []int
	for _, s := range steps {
		if r := from[s]; r != skip {
			rs = append(rs, r)
		}
	}
	slices.Sort(rs)
	return slices.Compact(rs)
}

// Violation describes the culprit as a linearizability violation of h,
// the history it was found in, naming the culprit's record first and then
// the others.
func (c Culprit) Violation(h history.History) Violation {
	r := h.Records[c.Record]
	var b strings.Builder
	fmt.Fprintf(&b, "%v %s returned %s", r.Op, when(r), recordResult(r))
	if c.Op != r.Op {
		fmt.Fprintf(&b, " (its step %v returned %v)", c.Op, c.Result)
	}
	b.WriteString("; ")
	of := fmt.Sprintf("%d of %s", c.Explained, operations(c.Of))
	if c.Partitions > 1 {
		of += " of its partition"
	}
	if c.Piece > 0 {
		of += fmt.Sprintf(" of piece %d, from t=%d, of the history cut at quiescent points", c.Piece, c.PieceFrom)
	}
	fmt.Fprintf(&b, "after the longest explained prefix (%s) the model allows %s", of, results(c.Allowed))
	switch n := len(c.Others); n {
	case 0:
	case 1:
		b.WriteString("; nor can the 1 other operation that could go next")
	default:
		fmt.Fprintf(&b, "; nor can the %d other operations that could go next", n)
	}
	return Violation{Property: Linearizability, Detail: b.String(), Records: append([]int{c.Record}, c.Others...)}
}

// when says who ran a record and when: "on T1 at t=5..9".
func when(r history.Record) string {
	who := fmt.Sprintf("on T%d", r.Thread)
	if r.Thread == history.SetupThread {
		who = "in setup"
	}
	if r.Pending {
		return fmt.Sprintf("%s at t=%d..", who, r.Call)
	}
	return fmt.Sprintf("%s at t=%d..%d", who, r.Call, r.Return)
}

func recordResult(r history.Record) string {
	if r.Pending {
		return "nothing (it never returned)"
	}
	return r.Result.String()
}

// operations counts operations: "1 operation", "12 operations".
func operations(n int) string {
	if n == 1 {
		return "1 operation"
	}
	return fmt.Sprintf("%d operations", n)
}

// results lists results as "ok", "ENOENT or ns2".
func results(rs []model.Result) string {
	if len(rs) == 0 {
		return "nothing"
	}
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r.String()
	}
	return strings.Join(s, " or ")
}
