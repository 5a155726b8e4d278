package properties

import (
	"cmp"
	"slices"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// A long history is checked in pieces cut at its quiescent points: the
// instants at which no operation is pending, because every operation
// called before returned before any operation called after.
//
// Every linearization respects real time, so it places the operations of
// a piece before those of the pieces after it: the linearizations of the
// whole are exactly the linearizations of the pieces, one after the
// other, each starting in a state the one before it can end in. The whole
// is linearizable if and only if, starting from the initial state, each
// piece can be linearized from one of the states the pieces before it can
// end in. So each piece is decided by porcupine from the set of those
// states (a model.Set, the specification's power-set state), and the set
// it can end in is worked out exactly (endSearch) for the next piece.
//
// The cut is exact, not an approximation: an end set with a state too few
// could fail a linearizable history, one with a state too many could
// pass a violation; endSearch follows every order and every outcome.

// segments cuts ops at every quiescent point, as porcupine orders them:
// an operation precedes another when it returned strictly before the
// other was called ([Call, Return] is closed). Each segment lists its
// operations' indices in history order; the segments are in time order.
// A pending operation (it returns after everything, see History.Steps)
// leaves no quiescent point after its call.
func segments(ops []history.Step) [][]int {
	byCall := make([]int, len(ops))
	for i := range byCall {
		byCall[i] = i
	}
	slices.SortStableFunc(byCall, func(a, b int) int { return cmp.Compare(ops[a].Call, ops[b].Call) })
	var segs [][]int
	start := 0
	var latest int64 // the latest return of the operations since start
	for k, i := range byCall {
		if k > start && latest < ops[i].Call {
			segs = append(segs, byCall[start:k:k])
			start = k
		}
		if k == start || ops[i].Return > latest {
			latest = ops[i].Return
		}
	}
	if len(byCall) > start {
		segs = append(segs, byCall[start:])
	}
	for _, s := range segs {
		slices.Sort(s)
	}
	return segs
}

// maxSegment bounds the operations of a segment whose end states
// endSearch works out, and maxFrontier the (operations placed, state)
// pairs it keeps at a time. Beyond, a segment is too concurrent to search
// every order of, and the rest of the history goes to porcupine whole.
const (
	maxSegment  = 128
	maxFrontier = 1 << 14
)

// placed is a set of a segment's operations, a bit each.
type placed [maxSegment / 64]uint64

func (p placed) has(i int) bool    { return p[i/64]&(1<<(i%64)) != 0 }
func (p placed) with(i int) placed { p[i/64] |= 1 << (i % 64); return p }

// endSearch works out the states a segment can end in, from a set of
// states it can start in: every state some order of its operations that
// respects real time, and fits every result, leads to.
//
// It is the just-in-time search of Lowe's linearizability testers (an
// operation is placed only when no operation left has returned before it
// was called), breadth first: layer k holds every set of k operations
// that can be placed first, each with every state placing them can lead
// to. Memoizing on (placed set, state), as Wing and Gong's algorithm
// with Lowe's cache does, an order is followed once per distinct state,
// and only two layers are kept.
type endSearch struct {
	c        model.Config
	layers   [2][]frontier   // two layers' memory, reused
	next     []frontier      // the layer being made
	index    map[placed]int  // a placed set's place in next
	outcomes []model.Outcome // of one step
}

// frontier is one placed set with the states placing it can lead to.
type frontier struct {
	placed placed
	states []model.State
}

func newEndSearch(c model.Config) *endSearch {
	return &endSearch{c: c, index: map[placed]int{}}
}

// ends returns the states seg (indices into ops) can end in from start;
// none when no order of it fits from any of them (it is not
// linearizable from there). ok is false when the segment is too large or
// too concurrent to search (maxSegment, maxFrontier).
func (e *endSearch) ends(ops []history.Step, seg []int, start []model.State) (end []model.State, ok bool) {
	if len(seg) > maxSegment {
		return nil, false
	}
	first := [1]frontier{{states: start}}
	cur := first[:]
	for k := range seg {
		e.next = e.layers[k%2][:0]
		clear(e.index)
		width := 0
		for _, f := range cur {
			width += e.expand(ops, seg, f)
			if width > maxFrontier {
				return nil, false
			}
		}
		e.layers[k%2] = e.next
		if len(e.next) == 0 {
			return nil, true
		}
		cur = e.next
	}
	// The layers' memory is reused: the caller keeps a copy.
	return slices.Clone(cur[0].states), true
}

// expand adds to the next layer every way of placing one more operation
// after f, and returns the number of states it added.
func (e *endSearch) expand(ops []history.Step, seg []int, f frontier) (added int) {
	// An operation may go next if no operation left returned before it
	// was called: its call is at most the least return of the others.
	first, second := int64(1<<63-1), int64(1<<63-1)
	for i, o := range seg {
		if r := ops[o].Return; !f.placed.has(i) {
			if r < first {
				first, second = r, first
			} else if r < second {
				second = r
			}
		}
	}
	for i, o := range seg {
		op := &ops[o]
		if f.placed.has(i) {
			continue
		}
		least := first
		if op.Return == first {
			least = second
		}
		if op.Call > least {
			continue
		}
		for _, s := range f.states {
			e.outcomes = model.AppendStep(e.outcomes[:0], e.c, s, op.Op)
			for _, x := range e.outcomes {
				if (op.Pending || model.SameResult(x.Result, op.Result)) && e.add(f.placed.with(i), x.State) {
					added++
				}
			}
		}
	}
	return added
}

// add puts state s in the next layer under p, unless it is there.
func (e *endSearch) add(p placed, s model.State) bool {
	k, ok := e.index[p]
	if !ok {
		// The slot's states, from two layers ago, are free to reuse: a
		// layer's states are all new, never the caller's start.
		k = len(e.next)
		e.index[p] = k
		if k < cap(e.next) {
			e.next = e.next[:k+1]
			e.next[k] = frontier{placed: p, states: append(e.next[k].states[:0], s)}
		} else {
			e.next = append(e.next, frontier{placed: p, states: []model.State{s}})
		}
		return true
	}
	f := &e.next[k]
	if slices.ContainsFunc(f.states, s.Equal) {
		return false
	}
	f.states = append(f.states, s)
	return true
}

// startingIn returns the porcupine model of configuration c, starting in
// any of states instead of the initial state. The namespace partitions
// stay only when it starts in one state: the partitions of a product
// state are independent, but a set of states may tie one namespace's
// content to another's (x in ns1 only where y is in ns2), which
// partitions checked apart would not see.
func startingIn(c model.Config, states []model.State) porcupine.Model {
	var start any = model.Set(states)
	if len(states) == 1 {
		start = states[0]
	}
	m := model.Porcupine(c)
	m.Init = func() any { return start }
	if len(states) > 1 {
		m.Partition = nil
	}
	return m
}
