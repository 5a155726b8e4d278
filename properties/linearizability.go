package properties

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// CheckLinearizable asks porcupine whether h is linearizable against the
// model. decided is false when the timeout ran out first.
//
// Most histories are linearizable in the order their operations returned,
// which respects real time (an operation that returned before another was
// called comes first); when replaying them in that order on the model
// explains every result, that order is a linearization and porcupine's
// search is not needed. Of those it does not explain, a short one is
// most often explained by a few steps moved (explainedByReordering).
// Only the others go to porcupine: whole when they are short, in pieces
// cut at quiescent points when they are long (see segments).
func CheckLinearizable(h history.History, timeout time.Duration) (vs []Violation, decided bool) {
	v := checkLinearizable(&h, bounds{timeout: timeout})
	return v.violations, v.decided
}

// linVerdict is the linearizability checker's verdict. An undecided one
// says in progress how far it got, and cause is "memory" when it stopped
// at the memory bound (see Progress).
type linVerdict struct {
	violations []Violation
	decided    bool
	progress   string
	cause      string
	culprit    *Culprit // of the violation, when found
	// stuck is the segment the end search named the culprit in, when
	// it did (see searchViolation).
	stuck *stuckSegment
}

func checkLinearizable(h *history.History, b bounds) linVerdict {
	buf := stepBufs.Get().(*stepBuf)
	defer stepBufs.Put(buf)
	return buf.checkLinearizable(h, b)
}

// checkLinearizable is the package's, with the buffers of its first
// tries in buf: Check's facts keep one, so that a campaign's check of a
// history takes none from the pool.
func (buf *stepBuf) checkLinearizable(h *history.History, b bounds) linVerdict {
	timeout := b.timeout
	if len(h.Records) > pieceSteps {
		// Long histories go to the pieces without trying the return
		// order first: over tens of thousands of operations, some
		// stretch almost always breaks it (every long simulator history
		// of BenchmarkCheckLong does), and its events would double the
		// memory the check holds.
		return checkPieces(*h, h.Steps(nil), b)
	}
	if buf.explainedInOrder(h, false) || buf.explainedByReordering(h) || buf.explainedInOrder(h, true) {
		return linVerdict{decided: true}
	}
	began := clock()
	if explainedBySearch(*h) {
		if timeout > 0 && clock().Sub(began) > timeout {
			return linVerdict{} // explained, but after the time it had
		}
		return linVerdict{decided: true}
	}
	ops, _ := h.Operations()
	res, info, heap := searchPorcupine(model.Porcupine(h.Config), ops, timeout, b.heapLimit())
	switch {
	case heap > 0:
		steps := h.Steps(nil)
		what := wideStretch(len(steps), width(steps, segments(steps)))
		return linVerdict{progress: fmt.Sprintf("none of the %d steps decided: %s", len(steps), overMemory(what, heap, b.heapLimit())), cause: "memory"}
	case res == porcupine.Illegal:
		return notLinearizable(*h, info)
	case res == porcupine.Unknown:
		return linVerdict{}
	}
	return linVerdict{decided: true}
}

// notLinearizable is the verdict on h, which porcupine found not
// linearizable: its culprit, if the search got stuck for good somewhere.
// Only the culprit search runs here, on histories already judged.
func notLinearizable(h history.History, info porcupine.LinearizationInfo) linVerdict {
	if c, ok := FindCulprit(h, info); ok {
		return c.verdict(h)
	}
	return linVerdict{decided: true, violations: []Violation{{
		Property: Linearizability,
		Detail:   fmt.Sprintf("no order of the %d operations explains their results (sysfsim viz draws the longest partial orders)", len(h.Records)),
	}}}
}

// verdict is the verdict of a violation whose culprit is c.
func (c Culprit) verdict(h history.History) linVerdict {
	return linVerdict{violations: []Violation{c.Violation(h)}, decided: true, culprit: &c}
}

// CulpritOf checks h for linearizability as CheckLinearizable does and
// returns the culprit of its violation: for the tools that need more than
// the violation says, such as the results the model allows the culprit
// (the history shrinker). ok is false when h is linearizable, the check
// ran out of time, or no culprit was found.
func CulpritOf(h history.History, timeout time.Duration) (c Culprit, ok bool) {
	if v := checkLinearizable(&h, bounds{timeout: timeout}); v.culprit != nil {
		return *v.culprit, true
	}
	return Culprit{}, false
}

// Linearize runs porcupine on h and returns its verdict with the
// information its visualization needs; porcupine's search stops, Unknown,
// when the heap passes DefaultMemoryLimit.
func Linearize(h history.History, timeout time.Duration) (porcupine.CheckResult, porcupine.LinearizationInfo) {
	ops, _ := h.Operations()
	res, info, _ := searchPorcupine(model.Porcupine(h.Config), ops, timeout, bounds{}.heapLimit())
	return res, info
}

// explainedInReturnOrder reports whether replaying h's steps on the model
// in the order they returned (those that never returned last) explains
// every result.
func explainedInReturnOrder(h history.History) bool { return explainedInOrder(&h, false) }

// explainedInCallOrder is explainedInReturnOrder with the steps in the
// order they were called: an order that respects real time too (an
// operation that returned before another was called was called before
// it), so that explaining every result in it also proves h linearizable.
// It comes after explainedByReordering, which explains the histories of
// a campaign it would, and more: it is for those the reordering does
// not take, a flow recorded whole or a pending operation, of which the
// call order explains those with an operation that takes effect early
// and returns late, and then the end search is not needed.
func explainedInCallOrder(h history.History) bool { return explainedInOrder(&h, true) }

// explainedInOrder is explainedInReturnOrder (explainedInCallOrder when
// byCall), with h by pointer: a History is 21 words, which every call
// down the check of every history copied.
func explainedInOrder(h *history.History, byCall bool) bool {
	buf := stepBufs.Get().(*stepBuf)
	defer stepBufs.Put(buf)
	return buf.explainedInOrder(h, byCall)
}

// explainedInOrder is the package's, in buf.
func (buf *stepBuf) explainedInOrder(h *history.History, byCall bool) bool {
	buf.order = stepOrder(h, byCall, buf.order[:0])
	rp := &buf.replay
	rp.Start(&h.Config)
	ok, expanded := true, false
	for _, i := range buf.order {
		r := &h.Records[i]
		if isStep(r) {
			ok = rp.Next(&r.Op, &r.Result, false) // eachEvent's first case, without the call through a func value
		} else {
			ok, expanded = eachEvent(r, &buf.event, rp.Next), true
		}
		if !ok {
			break
		}
	}
	if expanded {
		buf.event = model.Event{} // let go of the history's strings
	}
	return ok
}

// stepOrder appends to order the indices of h's records but listings,
// in the order they returned (byCall, were called), ties in record
// order: a flow's steps share its record's times, so that expanding
// each record in place (eachEvent) gives h.Steps sorted stably by Return
// (Call), without the copies of the Steps it would sort (a few hundred
// bytes each) (TestReturnOrderEventsAreStepsSorted).
func stepOrder(h *history.History, byCall bool, order []int) []int {
	if o, ok := shortStepOrder(h, byCall, order); ok {
		return o
	}
	var last int64
	base := len(order)
	for i := range h.Records {
		r := &h.Records[i]
		last = max(last, r.Return, r.Call)
		if r.Op.Kind != model.Readdir {
			order = append(order, i)
		}
	}
	at := func(i int) int64 {
		if r := &h.Records[i]; byCall {
			return r.Call
		} else if !r.Pending {
			return r.Return
		}
		return last + 1
	}
	if xs := order[base:]; len(xs) <= shortOrder {
		insertionSortByTime(xs, at)
	} else {
		slices.SortStableFunc(xs, func(a, b int) int { return cmp.Compare(at(a), at(b)) })
	}
	return order
}

// shortStepOrder is stepOrder for a history of at most shortOrder
// records, none of them pending unless byCall (a pending record's time,
// after every other, is known only at the end), which is every history
// of a campaign but a deadlock's: each record is inserted where its time
// goes as it is met, in one pass, and most go last. ok is false, order
// as it was, for any other history.
func shortStepOrder(h *history.History, byCall bool, order []int) (_ []int, ok bool) {
	if len(h.Records) > shortOrder {
		return order, false
	}
	base := len(order)
	time := func(r *history.Record) int64 {
		if byCall {
			return r.Call
		}
		return r.Return
	}
	latest := int64(math.MinInt64) // the time of the last record inserted
	for i := range h.Records {
		r := &h.Records[i]
		if r.Op.Kind == model.Readdir {
			continue
		}
		if r.Pending && !byCall {
			return order[:base], false
		}
		k := time(r)
		order = append(order, i)
		if k >= latest {
			latest = k
			continue
		}
		j := len(order) - 1
		for ; j > base && time(&h.Records[order[j-1]]) > k; j-- {
			order[j] = order[j-1]
		}
		order[j] = i
	}
	return order, true
}

// shortOrder bounds the records stepOrder sorts by insertion: those of a
// campaign's histories, which come in the order of their calls and
// almost in that of their returns, so that the sort is about one pass.
const shortOrder = 64

// insertionSortByTime sorts xs, at most shortOrder of them, stably by
// at(x), reading each time once.
func insertionSortByTime(xs []int, at func(int) int64) {
	var keys [shortOrder]int64
	for i, x := range xs {
		keys[i] = at(x)
	}
	for i := 1; i < len(xs); i++ {
		k, x := keys[i], xs[i]
		j := i
		for ; j > 0 && keys[j-1] > k; j-- {
			keys[j], xs[j] = keys[j-1], xs[j-1]
		}
		keys[j], xs[j] = k, x
	}
}

// eachEvent calls each with the steps of r as History.Steps expands
// them, op, result and whether it is pending (its result then empty),
// until each returns false; it reports whether none did. A step recorded
// as such goes straight from the record: a campaign replays every step
// of every history. e is where the others are made: each is a function
// value, whose arguments escape.
func eachEvent(r *history.Record, e *model.Event, each func(*model.Op, *model.Result, bool) bool) bool {
	if isStep(r) {
		return each(&r.Op, &r.Result, false)
	}
	*e = model.Event{Op: r.Op, Result: r.Result, Pending: r.Pending}
	if r.Pending {
		e.Result = model.Result{}
	}
	if !r.Op.Kind.IsFlow() {
		return each(&e.Op, &e.Result, true)
	}
	// model.Steps, without the slice it makes: the flow stays on the stack.
	f := model.FlowOf(r.Op)
	steps := f.Steps()
	if r.Result.Err != model.OK {
		steps = steps[:1]
	}
	for k, st := range steps {
		e.Op = st.Op
		if !r.Pending && (len(steps) > 1 || e.Op.Kind != r.Op.Kind) {
			e.Result = model.Result{}
			if k == len(steps)-1 {
				e.Result = model.Result{Err: r.Result.Err}
			}
		}
		if !each(&e.Op, &e.Result, e.Pending) {
			return false
		}
	}
	return true
}

// isStep reports whether r is its own single step, which returned: as
// every record of a simulator's history but its pending ones is.
func isStep(r *history.Record) bool { return !r.Op.Kind.IsFlow() && !r.Pending }

// stepBufs holds the buffers of explainedInOrder, which runs on every
// history of a campaign, and of explainedBySearch.
var stepBufs = sync.Pool{New: func() any { return new(stepBuf) }}

type stepBuf struct {
	steps  []history.Step
	order  []int
	event  model.Event // eachEvent's
	replay model.Replay
	// reorder is explainedByReordering's, which keeps its order in
	// order.
	reorder reorder
	search  *endSearch // the end search's memory, kept between histories
	byCall  []int      // the segments' (appendSegments)
	segs    [][]int
}

// explainedBySearch reports whether the end search (see checkPieces)
// explains every segment of h, each from the states the ones before can
// end in: then h is linearizable, and porcupine, which names the culprit
// of a history that is not, is not needed. Porcupine's search follows
// every interleaving of a namespace's teardown (its devices' removals
// concurrent for up to 150 ms on a real kernel), which the end search
// places one device after the other; the shrinker checks thousands of
// such short histories cut from a long recording.
func explainedBySearch(h history.History) bool {
	buf := stepBufs.Get().(*stepBuf)
	steps := h.Steps(buf.steps[:0])
	if buf.search == nil {
		buf.search = newEndSearch(h.Config)
	}
	buf.search.reuse(h.Config)
	var ok bool
	buf.byCall, buf.segs, ok = explainedSegments(buf.search, steps, buf.byCall, buf.segs)
	buf.search.reuse(model.Config{}) // let go of the history's states
	clear(steps)                     // let go of the history's strings
	buf.steps = steps[:0]
	stepBufs.Put(buf)
	return ok
}

// explainedSegments is explainedBySearch on h's steps, with search,
// ready for h's configuration, and the memory of the segments
// (appendSegments), which it returns.
func explainedSegments(search *endSearch, steps []history.Step, byCall []int, segs [][]int) ([]int, [][]int, bool) {
	byCall, segs = appendSegments(steps, byCall, segs)
	start := append(search.startBuf[:0], model.Init())
	end := search.endBuf[:0]
	defer func() { search.startBuf, search.endBuf = start[:0], end[:0] }()
	for _, seg := range segs {
		var ok bool
		if end, ok = search.appendEnds(end[:0], steps, seg, start); !ok || len(end) == 0 {
			return byCall, segs, false
		}
		start, end = end, start
	}
	return byCall, segs, true
}
