package properties

import (
	"cmp"
	"slices"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/history"
)

// Window is a piece of a long history around its culprit, small enough to
// draw: the last steps of the longest explained prefix and the first
// steps after it, with a model that starts where the rest of the prefix
// ends.
type Window struct {
	// Model is the history's porcupine model, unpartitioned, starting in
	// the states the prefix's first Skipped steps end in.
	Model porcupine.Model
	// Ops are the window's steps in history order; each one's Metadata
	// is its index in the history's steps.
	Ops []porcupine.Operation
	// Skipped counts the prefix's steps left out before the window,
	// Whole whether it holds the culprit's whole partition.
	Skipped int
	Whole   bool
}

// Window cuts h, the history c was found in, around c: the last around
// steps of the explained prefix and the first around of the other steps
// of its partition, by call.
//
// Every order of the window, after the skipped steps, respects real time:
// porcupine placed those steps first only because each was called before
// every step it had not placed returned. So the window is explained only
// if its steps have an order the rest of the history rules out; then a
// wider window shows the contradiction (widen until one does, or Whole).
func (c Culprit) Window(h history.History, around int) Window {
	ops, _ := h.Operations()
	for i := range ops {
		ops[i].Metadata = i
	}
	k := max(0, len(c.Prefix)-around)
	placed := make(map[int]bool, len(c.Prefix))
	for _, s := range c.Prefix {
		placed[s] = true
	}
	var rest []int
	for _, s := range c.partition {
		if !placed[s] {
			rest = append(rest, s)
		}
	}
	slices.SortStableFunc(rest, func(a, b int) int { return cmp.Compare(ops[a].Call, ops[b].Call) })
	whole := k == 0 && len(rest) <= around
	steps := append(slices.Clone(c.Prefix[k:]), rest[:min(around, len(rest))]...)
	slices.Sort(steps)
	w := Window{Skipped: k, Whole: whole, Ops: make([]porcupine.Operation, len(steps))}
	for i, s := range steps {
		w.Ops[i] = ops[s]
	}
	w.Model = startingIn(h.Config, replay(h.Config, ops, c.start, c.Prefix[:k]))
	w.Model.Partition = nil
	return w
}
