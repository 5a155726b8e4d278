package properties

import (
	"cmp"
	"math"
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
// end in. So each piece is decided from the set of those states (a
// model.Set, the specification's power-set state), and the set it can
// end in is worked out exactly (endSearch) for the next piece: by the
// end search itself when some order explains the piece, by porcupine
// when none does, to name the culprit (see checkPieces).
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
	_, segs := appendSegments(ops, nil, nil)
	return segs
}

// appendSegments is segments in the memory of byCall, the array of the
// segments' indices, and segs, of their slices; it returns both.
func appendSegments(ops []history.Step, byCall []int, segs [][]int) ([]int, [][]int) {
	byCall, segs = slices.Grow(byCall[:0], len(ops)), segs[:0]
	for i := range ops {
		byCall = append(byCall, i)
	}
	slices.SortStableFunc(byCall, func(a, b int) int { return cmp.Compare(ops[a].Call, ops[b].Call) })
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
	return byCall, segs
}

// maxPending bounds the operations a search may leave unplaced behind
// the last one it placed (a namespace's teardown is up to 18 concurrent
// steps, and the persistent sets place them one device at a time while
// a failure called later goes first), maxNext those that may go next, and maxFrontier
// the (placed set, state) pairs it keeps at a time. Beyond, a stretch is
// too concurrent to follow every order of, and the rest of the history
// goes to porcupine whole.
const (
	maxPending  = 40
	maxNext     = 64
	maxFrontier = 1 << 14
)

// placed is a set of a segment's operations that can be placed first,
// numbered in call order: every operation before hi is placed but the
// first n of pending, and none from hi on. An operation left unplaced
// while later ones are placed (a long one, concurrent with many) is
// pending; there are few, since everything called after it returned must
// go after it.
type placed struct {
	hi, n   int
	pending [maxPending]int32 // increasing
}

func (p *placed) has(r int) bool {
	return r < p.hi && !slices.Contains(p.pending[:p.n], int32(r))
}

// with returns p with operation r placed; ok is false when that leaves
// more than maxPending operations pending.
func (p placed) with(r int) (q placed, ok bool) {
	if r < p.hi {
		i := slices.Index(p.pending[:p.n], int32(r))
		copy(p.pending[i:p.n], p.pending[i+1:p.n])
		p.n--
		p.pending[p.n] = 0
		return p, true
	}
	if p.n+r-p.hi > maxPending {
		return p, false
	}
	for x := p.hi; x < r; x++ {
		p.pending[p.n] = int32(x)
		p.n++
	}
	p.hi = r + 1
	return p, true
}

// endSearch works out the states a segment can end in, from a set of
// states it can start in: every state some order of its operations that
// respects real time, and fits every result, leads to.
//
// It is the just-in-time search of Lowe's linearizability testers (an
// operation is placed only when no operation left has returned before it
// was called), breadth first: layer k holds every set of k operations
// that can be placed first, each with every state placing them can lead
// to. Memoizing on (placed set, state), as Wing and Gong's algorithm
// with Lowe's cache does, an order is followed once per distinct state
// (states merged by their canonical forms, model.State.Canonical, so
// that two orders of concurrent adds are one state), and only two layers
// are kept. Where several operations may go next, only those of a
// persistent set are followed (commute.go): concurrent operations on
// different names are placed in one order, not in all. A placed set is a point in the call order
// with the few operations pending behind it (placed), so a segment may be
// as long as it likes: only its concurrency is bounded.
type endSearch struct {
	c         model.Config
	layers    [2][]pair       // two layers' memory, reused
	next      []pair          // the layer being made
	index     map[pairKey]int // the last pair of a key in next, once indexed
	indexed   bool            // next is indexed (add)
	outcomes  []model.Outcome // of one step
	byCall    []int           // the segment's steps in call order
	call, ret []int64         // their calls and returns
	cand      []int           // the operations that may go next
	fp        []footprint     // the steps' footprints, in call order
	mount     []int           // the steps' mounts, in call order
	set       []int           // a persistent set (persistent)
	seen      []int           // the operations it looks at
	best      []int           // the smallest persistent set found
	seeds     []int           // the operations it is grown from
	// stuck is the last layer of a segment no order explains, whose
	// pairs placed placedN steps: the longest explained prefixes.
	stuck   []pair
	placedN int
	// With keepFrom at least 0, ends keeps every layer from layer
	// keepFrom on in kept (layer keepFrom+i is kept[i]), each pair with
	// the pair of the layer before it was first reached from, so that
	// path can follow one order back; it stops at layer stopAt when that
	// is above 0. Only a drawing of a window asks for it (view.go): a
	// check keeps two layers.
	keepFrom, stopAt int
	kept             [][]pair
	from             int32 // the pair of cur being expanded
	// startBuf and endBuf are the arrays explainedSegments alternates
	// between for the states a segment starts and ends in.
	startBuf, endBuf []model.State
}

// pair is one placed set with one state placing it can lead to; more is
// the pair before it in its layer with the same key, or -1, and parent
// the pair of the layer before that it was first reached from (see
// keepFrom).
type pair struct {
	placed placed
	state  model.State
	hash   uint64 // the state's
	more   int32
	parent int32
}

// pairKey is what a layer's pairs are found by: the placed set and the
// state's hash.
type pairKey struct {
	placed placed
	hash   uint64
}

func newEndSearch(c model.Config) *endSearch {
	return &endSearch{c: c, index: map[pairKey]int{}, keepFrom: -1}
}

// reuse readies e, made by newEndSearch and used on an earlier history,
// for a history of configuration c, keeping its memory: a campaign
// searches the segments of most histories its return and call orders do
// not explain.
func (e *endSearch) reuse(c model.Config) {
	e.c = c
	clear(e.layers[0]) // let go of the earlier history's states
	clear(e.layers[1])
	clear(e.next)
	clear(e.startBuf[:cap(e.startBuf)])
	clear(e.endBuf[:cap(e.endBuf)])
	e.stuck, e.placedN = nil, 0
}

// ends returns the states seg (indices into steps) can end in from
// start; none when no order of it fits from any of them (it is not
// linearizable from there). ok is false when it is too concurrent to
// search (maxPending, maxNext, maxFrontier).
func (e *endSearch) ends(steps []history.Step, seg []int, start []model.State) (end []model.State, ok bool) {
	return e.appendEnds(nil, steps, seg, start)
}

// appendEnds is ends with the states appended to dst, which must not
// share start's array: a caller that searches one segment after another
// alternates two.
func (e *endSearch) appendEnds(dst []model.State, steps []history.Step, seg []int, start []model.State) (end []model.State, ok bool) {
	e.byCall = append(e.byCall[:0], seg...)
	slices.SortStableFunc(e.byCall, func(a, b int) int { return cmp.Compare(steps[a].Call, steps[b].Call) })
	e.call, e.ret, e.fp, e.mount = e.call[:0], e.ret[:0], e.fp[:0], e.mount[:0]
	for _, i := range e.byCall {
		e.call, e.ret = append(e.call, steps[i].Call), append(e.ret, steps[i].Return)
		e.fp = append(e.fp, footprintOf(e.c, model.State{}, steps[i].Op)) // a later mount's tag: see footprint
		e.mount = append(e.mount, steps[i].Op.Mount)
	}
	if e.keepFrom >= 0 {
		e.layers = [2][]pair{} // they hold kept layers: never reused
	}
	cur := e.layers[1][:0]
	for _, s := range start {
		cur = append(cur, pair{state: s, more: -1, parent: -1})
	}
	e.layers[1] = cur
	e.kept = e.kept[:0]
	k := 0
	for ; k < len(seg); k++ {
		if e.keepFrom >= 0 && k >= e.keepFrom {
			e.kept = append(e.kept, cur)
			if k == e.stopAt {
				break
			}
		}
		e.next = e.layers[k%2][:0]
		if e.keepFrom >= 0 && k+1 >= e.keepFrom {
			e.next = nil // a fresh layer, kept
		}
		if e.indexed {
			clear(e.index)
			e.indexed = false
		}
		for i := range cur {
			e.from = int32(i)
			if !e.expand(steps, &cur[i]) || len(e.next) > maxFrontier {
				e.layers[k%2] = e.next
				return nil, false
			}
		}
		e.layers[k%2] = e.next
		if len(e.next) == 0 {
			e.stuck, e.placedN = cur, k
			return nil, true
		}
		if e.keepFrom >= 0 && e.keptPairs(len(e.next)) > maxKept {
			return nil, false // a drawing's window too wide to keep
		}
		cur = e.next
	}
	if e.keepFrom >= 0 && k == len(seg) && k >= e.keepFrom {
		e.kept = append(e.kept, cur) // the last layer: every step placed
	}
	end = dst
	for _, p := range cur {
		end = append(end, p.state)
	}
	return end, true
}

// expand adds to the next layer every way of placing one more operation
// after f; ok is false when the stretch is too concurrent to search
// (maxNext, maxPending).
func (e *endSearch) expand(steps []history.Step, f *pair) (ok bool) {
	// An operation may go next if no operation left returned before it
	// was called: its call is at most the least return of the others.
	// In call order, the scan stops at a call past the second least
	// return: every later operation returns later still.
	first, second := int64(math.MaxInt64), int64(math.MaxInt64)
	next := e.cand[:0]
	see := func(r int) bool {
		if e.call[r] > second {
			return false
		}
		next = append(next, r)
		if x := e.ret[r]; x < first {
			first, second = x, first
		} else if x < second {
			second = x
		}
		return true
	}
	for _, r := range f.placed.pending[:f.placed.n] {
		if !see(int(r)) {
			break
		}
	}
	for r := f.placed.hi; r < len(e.call) && see(r); r++ {
		if len(next) > maxNext {
			return false
		}
	}
	e.cand = next
	if r, ok := e.failureFirst(steps, f, next, first, second); ok {
		p, _ := f.placed.with(r)
		e.add(p, f.state)
		return true
	}
	if set := e.persistent(f, next, first, second); set != nil {
		next = set
	}
	for _, r := range next {
		if !mayGo(e, r, first, second) {
			continue
		}
		p, ok := f.placed.with(r)
		if !ok {
			return false
		}
		st := &steps[e.byCall[r]]
		e.outcomes = model.AppendStep(e.outcomes[:0], e.c, f.state, st.Op)
		for _, x := range e.outcomes {
			if st.Pending || model.SameResult(x.Result, st.Result) {
				e.add(p, x.State)
			}
		}
	}
	return true
}

// mayGo reports whether operation r may go next, when the least returns
// of the operations not placed are first and second.
func mayGo(e *endSearch, r int, first, second int64) bool {
	least := first
	if e.ret[r] == first {
		least = second
	}
	return e.call[r] <= least
}

// failureFirst finds, among the operations that may go next after f, one
// that failed and whose failure fits f's state: placing it now is as good
// as placing it anywhere later, and the search follows that order only.
//
// Take any order that places it later, at a point where its failure
// fits: a failure leaves the state as it was (model.Step never changes
// the state of a failing step), so taking it out from there and placing
// it first leaves every other step the states it had, the same results
// and the same end state; and real time allows it first, since it may go
// next. Most of a recorded history's operations fail (on a namespace that
// has exited, a name that is taken), and without this the search would
// follow every interleaving of the failures of concurrent threads.
func (e *endSearch) failureFirst(steps []history.Step, f *pair, next []int, first, second int64) (int, bool) {
	for _, r := range next {
		st := &steps[e.byCall[r]]
		if st.Pending || st.Result.Err == model.OK || !mayGo(e, r, first, second) {
			continue
		}
		if _, ok := f.placed.with(r); !ok {
			continue // too far ahead to place now
		}
		e.outcomes = model.AppendStep(e.outcomes[:0], e.c, f.state, st.Op)
		fits := false
		for _, x := range e.outcomes {
			if model.SameResult(x.Result, st.Result) {
				fits = true
				if !x.State.Equal(f.state) {
					return 0, false // not a failure that leaves the state: follow every order
				}
			}
		}
		if fits {
			return r, true
		}
	}
	return 0, false
}

// add puts (p, s) in the next layer, unless it is there. A layer of a
// few pairs (most of them: a segment of a few sequential steps) is
// searched through; a larger one by the index, made when it grows past
// smallLayer.
func (e *endSearch) add(p placed, s model.State) {
	s = s.Canonical()
	h := s.Hash()
	if !e.indexed {
		for i := range e.next {
			if q := &e.next[i]; q.hash == h && q.placed == p && q.state.Equal(s) {
				return
			}
		}
		e.next = append(e.next, pair{placed: p, state: s, hash: h, more: -1, parent: e.from})
		if len(e.next) > smallLayer {
			e.indexed = true
			for i := range e.next {
				k := pairKey{e.next[i].placed, e.next[i].hash}
				last, ok := e.index[k]
				if !ok {
					last = -1
				}
				e.next[i].more, e.index[k] = int32(last), i
			}
		}
		return
	}
	k := pairKey{p, h}
	last, ok := e.index[k]
	if !ok {
		last = -1
	}
	for i := last; i >= 0; i = int(e.next[i].more) {
		if e.next[i].state.Equal(s) {
			return
		}
	}
	e.index[k] = len(e.next)
	e.next = append(e.next, pair{placed: p, state: s, hash: h, more: int32(last), parent: e.from})
}

// smallLayer is the most pairs of a layer searched through without the
// index.
const smallLayer = 8

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

// culprit names the culprit of the segment the last call to ends found
// no order of, from the longest explained prefixes (stuck), as
// FindCulprit does from porcupine's: after each, the operation not placed
// that returned first must go next, and neither it nor any other that may
// go next fits. Of the prefixes, the one whose culprit has the lowest
// record is taken, and the results the model allows it are those of
// every state of that prefix's placed set.
func (e *endSearch) culprit(steps []history.Step) Culprit {
	best, c := e.stuckAt(steps)
	var states []model.State
	for _, p := range e.stuck {
		if p.placed == e.stuck[best].placed {
			states = append(states, p.state)
		}
	}
	c.Allowed = allowed(e.c, states, c.Op)
	c.Explained = e.placedN
	return c
}

// stuckAt returns the pair of the stuck layer the culprit is named
// after (that of the lowest record) and the culprit, its results
// allowed and explained prefix not filled in.
func (e *endSearch) stuckAt(steps []history.Step) (best int, c Culprit) {
	best = -1
	for i := range e.stuck {
		x, others := e.mustGo(steps, &e.stuck[i])
		if best < 0 || steps[x].Record < c.Record {
			best = i
			c = Culprit{Step: x, Record: steps[x].Record, Op: steps[x].Op, Result: steps[x].Result, Others: others}
		}
	}
	return best, c
}

// mustGo returns, after pair f, the step not placed that returned first
// and the steps of the others that may go next.
func (e *endSearch) mustGo(steps []history.Step, f *pair) (step int, others []int) {
	first, second := int64(math.MaxInt64), int64(math.MaxInt64)
	var unplaced []int
	for r := range e.call {
		if f.placed.has(r) {
			continue
		}
		if e.call[r] > second {
			break
		}
		unplaced = append(unplaced, r)
		if x := e.ret[r]; x < first {
			first, second = x, first
		} else if x < second {
			second = x
		}
	}
	must := -1
	for _, r := range unplaced {
		if e.ret[r] == first && must < 0 {
			must = r
		} else if mayGo(e, r, first, second) {
			others = append(others, e.byCall[r])
		}
	}
	return e.byCall[must], others
}

// maxKept bounds the pairs the layers kept for a drawing hold (about
// 250 bytes each, and their states).
const maxKept = 1 << 18

// keptPairs returns the pairs of the kept layers and n more.
func (e *endSearch) keptPairs(n int) int {
	for _, l := range e.kept {
		n += len(l)
	}
	return n
}

// path follows pair target of the last layer ends kept back to the
// first kept layer (keepFrom), and returns the steps placed on the way,
// in the order they were placed (indices into the steps ends was given),
// and the state that order starts in. Every order the search follows
// respects real time and fits every result, so porcupine, from that
// state, explains those steps at least that far.
func (e *endSearch) path(target int) (order []int, start model.State) {
	i := target
	for j := len(e.kept) - 1; j > 0; j-- {
		p := &e.kept[j][i]
		q := &e.kept[j-1][p.parent]
		order = append(order, e.byCall[added(q.placed, p.placed)])
		i = int(p.parent)
	}
	slices.Reverse(order)
	return order, e.kept[0][i].state
}

// added returns the operation placed in q and not in p, a placed set one
// operation smaller.
func added(p, q placed) int {
	for _, r := range p.pending[:p.n] {
		if q.has(int(r)) {
			return int(r)
		}
	}
	return q.hi - 1 // beyond p.hi, q placed only its last
}
