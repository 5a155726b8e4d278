package properties

import (
	"math/bits"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// explainedByReordering reports whether some order of h's steps that
// respects real time explains every result, found by a depth-first
// search (Wing and Gong's, with Lowe's just-in-time choice of the steps
// that may go next) whose first order is the return order: a history
// the return order does not explain is most often explained by moving
// one or two long operations (an exit, a mount, an open spanning several
// steps of other threads) to where they took effect, a few steps from
// where the return order put them, and the search finds that order
// after trying a few others, where the end search would work out every
// state every order leads to.
//
// The search replays on one model.Replay, saved at each step and
// restored to try the next candidate there, and gives up (false) after
// reorderBudget events, on a history of more than maxReorderSteps records, on one
// with a flow recorded whole or a pending operation (where the model's
// outcomes are not pinned down by the results), and when a step goes
// more than one way: then the checks after it decide, as they did
// before this one. It only ever answers true with an order that
// explains every result, which is a linearization, so what it explains
// is linearizable whoever decides.
func explainedByReordering(h *history.History) bool {
	buf := stepBufs.Get().(*stepBuf)
	defer stepBufs.Put(buf)
	return buf.explainedByReordering(h)
}

// explainedByReordering is the package's, in buf.
func (buf *stepBuf) explainedByReordering(h *history.History) bool {
	if len(h.Records) > maxReorderSteps {
		return false
	}
	s := &buf.reorder
	if !s.load(h, buf.order[:0]) {
		s.h = nil
		return false
	}
	buf.order = s.byRet
	s.rp.Start(&h.Config)
	s.budget = reorderBudget(len(s.recs))
	ok := s.place(0, 0)
	s.rp.Start(&model.Config{}) // let go of the history's names
	s.h = nil
	return ok
}

// maxReorderSteps bounds the steps the search takes: a bit each in a
// uint64 (the sets placed and all).
const maxReorderSteps = 64

// reorderBudget is how many events the search of a history of n steps
// replays before it gives up: a few orders' worth, which explains almost
// every campaign history the return order does not at a small part of
// the end search's cost, and bounds the search of one that is not
// linearizable (whose every order fails), which the checks after it
// decide and explain.
func reorderBudget(n int) int { return 4*n + 16 }

// reorder is the memory of explainedByReordering, kept between histories.
type reorder struct {
	h     *history.History
	recs  []int32 // the steps' records, in the order they returned
	byRet []int   // the same, as stepOrder gives them
	call  []int64 // by step, in return order
	ret   []int64
	all   uint64       // a bit per step
	marks []model.Mark // by depth
	rp    model.Replay
	// budget counts down the events the search may still replay.
	budget int
}

// load readies s for h's steps, in return order, in the memory of order;
// it reports false when h has a record the search does not take: a flow
// recorded whole or a pending operation.
func (s *reorder) load(h *history.History, order []int) bool {
	s.h = h
	s.byRet = stepOrder(h, false, order)
	s.recs, s.call, s.ret = s.recs[:0], s.call[:0], s.ret[:0]
	for _, i := range s.byRet {
		r := &h.Records[i]
		if !isStep(r) {
			return false
		}
		s.recs = append(s.recs, int32(i))
		s.call, s.ret = append(s.call, r.Call), append(s.ret, r.Return)
	}
	s.all = 1<<len(s.recs) - 1 // every bit for 64 steps: the shift gives 0
	if len(s.marks) < len(s.recs) {
		s.marks = make([]model.Mark, len(s.recs))
	}
	return true
}

// place reports whether the steps not in placed (a bit per step, in
// return order), depth of them placed already, can follow in some order
// from the replay's state.
func (s *reorder) place(depth int, placed uint64) bool {
	left := s.all &^ placed
	if left == 0 {
		return true
	}
	// A step may go next when no other step left returned before it was
	// called. The steps are in return order: the first left returned
	// first, and may go; another may when it was called by then (one
	// that returned at the same time was, and the first may follow it).
	lo := bits.TrailingZeros64(left)
	cand, by := uint64(1)<<lo, s.ret[lo]
	for rest := left &^ cand; rest != 0; rest &= rest - 1 {
		if k := bits.TrailingZeros64(rest); s.call[k] <= by {
			cand |= 1 << k
		}
	}
	// With one candidate there is nothing to come back to here: a
	// failure after it goes back to a step with more.
	mark, several, tried := &s.marks[depth], cand&(cand-1) != 0, false
	for ; cand != 0; cand &= cand - 1 {
		k := bits.TrailingZeros64(cand)
		if s.budget--; s.budget < 0 {
			return false
		}
		switch {
		case several && !tried:
			if !s.rp.Save(mark) {
				return false
			}
		case several:
			s.rp.Restore(mark)
		}
		tried = true
		r := &s.h.Records[s.recs[k]]
		if s.rp.Next(&r.Op, &r.Result, false) && !s.rp.Forked() && s.place(depth+1, placed|1<<k) {
			return true
		}
		if s.budget < 0 {
			return false
		}
	}
	return false
}
