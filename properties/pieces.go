package properties

import (
	"fmt"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// pieceSteps is the least number of steps of a piece, and the most
// records of a history checked whole. A piece is made of consecutive
// segments (see segments): a piece no order explains goes to porcupine
// with enough history before its culprit for the culprit search, and one
// porcupine call per segment, of a handful of steps each, would cost more
// in setting up than in searching. A variable for the tests, which cut
// short histories into many pieces.
var pieceSteps = 1000

// checkPieces decides h, whose steps are steps, piece by piece (see
// segments), each from the states the pieces before it can end in. The
// end search decides the pieces it can explain, and gives the states each
// can end in; porcupine decides the others (a piece no order explains, to
// name its culprit, or a stretch too concurrent for the search, checked
// whole). Out of time, the pieces decided and those not are said in the
// verdict's progress.
//
// Only the piece porcupine is deciding is made into porcupine's
// operations, whose inputs and outputs are boxed: the memory the check
// holds is the history's steps and one piece.
//
// Porcupine's search stops at the memory bound of b: the part not decided
// is then undecided, never a pass, and the verdict says why (overAt).
func checkPieces(h history.History, steps []history.Step, b bounds) linVerdict {
	timeout := b.timeout
	var deadline time.Time
	if timeout > 0 {
		deadline = clock().Add(timeout)
	}
	segs := segments(steps)
	search := newEndSearch(h.Config)
	start := []model.State{model.Init()}
	done := 0 // steps decided
	var buf pieceBuf
	for lo, n := 0, 1; lo < len(segs); n++ {
		if !deadline.IsZero() && clock().After(deadline) {
			return undecidedAt(steps, segs, lo, n, done, timeout)
		}
		hi, end, how := nextPiece(search, steps, segs, lo, start)
		if how == explained && !porcupineEveryPiece {
			start, done, lo = end, done+count(segs[lo:hi]), hi
			continue
		}
		if how == unexplained && (count(segs[lo:hi]) > porcupineSteps || width(steps, segs[lo:hi]) > porcupineWidth) {
			return searchViolation(h, steps, search, segs, lo, hi, n, end)
		}
		piece := buf.of(steps, segs[lo:hi])
		left := deadline.Sub(clock())
		switch {
		case deadline.IsZero():
			left = 0
		case left <= 0:
			return undecidedAt(steps, segs, lo, n, done, timeout)
		}
		m := startingIn(h.Config, start)
		res, info, heap := searchPorcupine(m, piece, left, b.heapLimit())
		switch {
		case heap > 0:
			return overAt(steps, segs, lo, hi, n, done, how, heap, b.heapLimit())
		case res == porcupine.Unknown:
			return undecidedAt(steps, segs, lo, n, done, timeout)
		case res == porcupine.Illegal && how != explained:
			return pieceViolation(h, piece, start, m, info, n)
		case res == porcupine.Illegal || how == unexplained:
			// One of porcupine and the end search found an order the
			// other did not: one of them is wrong, and the history is
			// not judged on either.
			v := undecidedAt(steps, segs, lo, n, done, 0)
			v.progress += "; the end-state search and porcupine disagree on this piece, a sysfsim bug"
			return v
		}
		start, done, lo = end, done+len(piece), hi
	}
	return linVerdict{decided: true}
}

// porcupineSteps is the most steps of a piece no order explains that
// porcupine is given to name its culprit. A longer one is a stretch
// without a quiescent point (a real kernel's threads are seldom all
// between two operations at once), on which porcupine's search takes
// minutes and gigabytes; the end search names the culprit there. A
// variable for the tests.
var porcupineSteps = 4 * 1000

// porcupineWidth is the most steps pending at once in a piece no order
// explains that porcupine is given to name its culprit. A wider one (a
// namespace's teardown on a real kernel: each device's removal three
// steps spanning up to 150 ms of cleanup_net) makes porcupine follow
// every interleaving, gigabytes for a few hundred steps; the end search
// names the culprit there. The simulator's histories, of a few threads,
// are never that wide.
const porcupineWidth = 16

// width returns the most steps of segs pending at one instant ([Call,
// Return] closed).
func width(steps []history.Step, segs [][]int) int {
	var ev []int64 // calls as 2t, returns as 2t+1: a call before a return at t
	for _, s := range segs {
		for _, i := range s {
			ev = append(ev, 2*steps[i].Call, 2*steps[i].Return+1)
		}
	}
	slices.Sort(ev)
	n, most := 0, 0
	for _, e := range ev {
		if e%2 == 0 {
			n++
			most = max(most, n)
		} else {
			n--
		}
	}
	return most
}

// clock is the time the deadline is measured by; the tests replace it.
var clock = time.Now

// porcupineEveryPiece makes porcupine decide the pieces the end search
// explained too, and a disagreement undecided: for the tests that hold
// the two to each other, and the benchmark that shows what it costs.
var porcupineEveryPiece = false

// How a piece came out of the end search.
type pieceHow int

const (
	explained   pieceHow = iota // some order explains it: end holds the states it can end in
	unexplained                 // no order explains its last segment
	tooWide                     // a segment too concurrent to search: the piece is the rest
)

// nextPiece gathers the segments from lo into a piece of at least
// pieceSteps steps, and returns where it ends (hi), the states it can
// end in from start, and how it came out: it stops early at a segment no
// order of which is explained from there (porcupine then finds the
// culprit in the piece; end is then the states that segment starts
// in), and a segment too concurrent to search ends the
// cutting (the piece is then the rest of the history, decided whole).
func nextPiece(search *endSearch, steps []history.Step, segs [][]int, lo int, start []model.State) (hi int, end []model.State, how pieceHow) {
	n := 0
	end = start
	for hi = lo; hi < len(segs) && n < pieceSteps; hi++ {
		next, ok := search.ends(steps, segs[hi], end)
		switch {
		case !ok:
			return len(segs), nil, tooWide
		case len(next) == 0:
			return hi + 1, end, unexplained // end: the states segment hi starts in
		}
		end = next
		n += len(segs[hi])
	}
	return hi, end, explained
}

// count returns the number of steps in segs.
func count(segs [][]int) int {
	n := 0
	for _, s := range segs {
		n += len(s)
	}
	return n
}

// pieceBuf holds the operations of one piece at a time: porcupine keeps
// them only in what it returns for a piece it found not linearizable,
// and the check stops there.
type pieceBuf struct {
	idx []int
	ops []porcupine.Operation
}

// of returns the steps of segs as porcupine operations, in history
// order, each with its index in steps as Metadata.
func (b *pieceBuf) of(steps []history.Step, segs [][]int) []porcupine.Operation {
	b.idx = b.idx[:0]
	for _, s := range segs {
		b.idx = append(b.idx, s...)
	}
	slices.Sort(b.idx)
	clear(b.ops) // let go of the last piece's boxed steps
	b.ops = b.ops[:0]
	for _, x := range b.idx {
		o := steps[x].Operation()
		o.Metadata = x
		b.ops = append(b.ops, o)
	}
	return b.ops
}

// firstCall returns the earliest call of a piece's operations.
func firstCall(piece []porcupine.Operation) int64 {
	t := piece[0].Call
	for _, o := range piece {
		t = min(t, o.Call)
	}
	return t
}

// undecidedAt is the verdict of a check that stopped at piece n, which
// starts with segment lo, with done of the history's steps decided.
func undecidedAt(steps []history.Step, segs [][]int, lo, n, done int, timeout time.Duration) linVerdict {
	from := steps[segs[lo][0]].Call
	for _, i := range segs[lo] {
		from = min(from, steps[i].Call)
	}
	within := ""
	if timeout > 0 {
		within = fmt.Sprintf(" within %v", timeout)
	}
	if n == 1 {
		return linVerdict{progress: fmt.Sprintf("none of the %d steps decided%s", len(steps), within)}
	}
	return linVerdict{progress: fmt.Sprintf("pieces 1-%d (%d of the %d steps, up to a quiescent point before t=%d) are linearizable; from piece %d on, nothing is decided%s",
		n-1, done, len(steps), from, n, within)}
}

// overAt is the verdict of a check whose porcupine search of piece n
// (segments lo to hi) stopped at the memory bound limit, the heap grown
// to heap, with done steps decided before it.
func overAt(steps []history.Step, segs [][]int, lo, hi, n, done int, how pieceHow, heap, limit uint64) linVerdict {
	v := undecidedAt(steps, segs, lo, n, done, 0)
	what := fmt.Sprintf("piece %d, %d steps no order of which the end search explains, given to porcupine to name the culprit", n, count(segs[lo:hi]))
	if how == tooWide {
		what = wideStretch(count(segs[lo:hi]), width(steps, segs[lo:hi]))
	}
	v.progress += ": " + overMemory(what, heap, limit)
	v.cause = "memory"
	return v
}

// pieceViolation is the violation of piece n of h, which porcupine, from
// start with model m, found not linearizable: its culprit, named by
// record, time and thread in the whole history. The history's steps are
// made into porcupine's operations here, once, for the culprit search.
func pieceViolation(h history.History, piece []porcupine.Operation, start []model.State, m porcupine.Model, info porcupine.LinearizationInfo, n int) linVerdict {
	ops, from := h.Operations()
	if c, ok := findCulprit(h.Config, m, ops, from, piece, start, info); ok {
		c.Piece, c.PieceFrom = n, firstCall(piece)
		return c.verdict(h)
	}
	return linVerdict{decided: true, violations: []Violation{{
		Property: Linearizability,
		Detail: fmt.Sprintf("no order of the %d operations of piece %d (from t=%d; the history is cut at quiescent points) explains their results",
			len(piece), n, firstCall(piece)),
	}}}
}

// searchViolation is the violation of piece n of h, segments lo to hi,
// whose last segment the end search (search) found no order of from
// start: the culprit it names, with the steps of the piece before that
// segment counted in the explained prefix.
func searchViolation(h history.History, steps []history.Step, search *endSearch, segs [][]int, lo, hi, n int, start []model.State) linVerdict {
	c := search.culprit(steps)
	others := make([]int, len(c.Others))
	for i, s := range c.Others {
		others[i] = steps[s].Record
	}
	slices.Sort(others)
	c.Others = slices.DeleteFunc(slices.Compact(others), func(r int) bool { return r == c.Record })
	c.Explained += count(segs[lo : hi-1])
	c.Of, c.Partitions, c.Piece = count(segs[lo:hi]), 1, n
	c.PieceFrom = steps[segs[lo][0]].Call
	for _, i := range segs[lo] {
		c.PieceFrom = min(c.PieceFrom, steps[i].Call)
	}
	v := c.verdict(h)
	v.stuck = &stuckSegment{steps: steps, seg: segs[hi-1], start: start, placed: search.placedN}
	return v
}

// stuckSegment is the segment the end search found no order of, for a
// drawing of the window around its culprit (view.go): the history's
// steps, the segment's, the states it starts in, and how many of its
// steps the longest explained prefixes placed.
type stuckSegment struct {
	steps  []history.Step
	seg    []int
	start  []model.State
	placed int
}
