package properties

import (
	"fmt"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// Drawing is what a drawing of a history's linearizability shows
// (sysfsim viz): the check's verdict on the whole history, and a window
// of it with porcupine's verdict on the window, for porcupine's
// visualization. A long history is decided as the check decides it (cut
// at quiescent points, see checkPieces), never by porcupine whole, which
// takes minutes and gigabytes on tens of thousands of steps: porcupine
// only draws the window.
type Drawing struct {
	// Violations, Decided and Progress are the check's verdict on the
	// whole history (CheckLinearizable's), and Culprit the culprit of
	// its violation, when it names one.
	Violations []Violation
	Decided    bool
	Progress   string
	Cause      string
	Culprit    *Culprit
	// Window is what is drawn: the whole history (Window.Whole), or a
	// window of it, and Result and Info porcupine's verdict on its steps
	// from Window.Model (Unknown when it ran out of time or memory).
	Window Window
	Result porcupine.CheckResult
	Info   porcupine.LinearizationInfo
	// Steps counts the whole history's steps; First and Last are the
	// lowest and highest record of the window's steps, From and To its
	// first call and last return; How says how the window was cut.
	Steps       int
	First, Last int
	From, To    int64
	How         string
}

// Draw checks h for linearizability as CheckLinearizable does and cuts
// the window to draw: a history of at most 2*around steps whole; a
// longer one around the culprit of its violation (around steps on each
// side), or, when it has none, from its beginning (2*around steps). The
// window starts in states the steps before it lead to, so porcupine
// judges it as it would within the whole. timeout bounds the check and
// porcupine's search of the window together (0: none).
func Draw(h history.History, o Options, around int) Drawing {
	timeout, b := o.LinearizabilityTimeout, bounds{o.LinearizabilityTimeout, o.MemoryLimit}
	began := clock()
	v := checkLinearizable(&h, b)
	d := Drawing{Violations: v.violations, Decided: v.decided, Progress: v.progress, Cause: v.cause, Culprit: v.culprit}
	ops, from := h.Operations()
	for i := range ops {
		ops[i].Metadata = i
	}
	d.Steps = len(ops)
	left := func() time.Duration { // porcupine's bound: 0 is none
		if timeout <= 0 {
			return 0
		}
		return max(timeout-clock().Sub(began), time.Nanosecond)
	}
	c := v.culprit
	switch {
	case len(ops) <= 2*around:
		d.Window = Window{Model: model.Porcupine(h.Config), Ops: ops, Whole: true}
		d.Result, d.Info, _ = searchPorcupine(d.Window.Model, ops, left(), b.heapLimit())
	case c != nil && c.Prefix != nil:
		d.widen(h, *c, around, left, b.heapLimit())
	default:
		if v.stuck != nil {
			d.Window, d.How = stuckWindow(h.Config, ops, v.stuck, around)
		}
		if len(d.Window.Ops) == 0 {
			d.Window, d.How = firstWindow(h, ops, 2*around)
		}
		d.Result, d.Info, _ = searchPorcupine(d.Window.Model, d.Window.Ops, left(), b.heapLimit())
	}
	d.spans(from)
	return d
}

// widen cuts a window around c, a culprit porcupine named, widening it
// until porcupine cannot explain it either (or it is the culprit's whole
// partition, or porcupine ran out of time).
func (d *Drawing) widen(h history.History, c Culprit, around int, left func() time.Duration, limit uint64) {
	for a := around; ; a *= 2 {
		d.Window = c.Window(h, a)
		d.Result, d.Info, _ = searchPorcupine(d.Window.Model, d.Window.Ops, left(), limit)
		if d.Result != porcupine.Ok || d.Window.Whole {
			break
		}
	}
	w := d.Window
	d.How = fmt.Sprintf("the last %d steps of the longest explained prefix (%d of %d), checked from the states its first %d lead to, and the first %d steps it does not explain, by call",
		len(c.Prefix)-w.Skipped, len(c.Prefix), c.Of, w.Skipped, len(w.Ops)-(len(c.Prefix)-w.Skipped))
}

// stuckWindow cuts the window around the culprit the end search named in
// segment s (a stretch too long or too wide for porcupine): the last
// around steps of one of the longest orders it explained, in that order,
// from the state the order had reached there, and the first around of
// the steps it did not place, by call. The search is run again on the
// segment, keeping its layers from there on (endSearch.keepFrom).
func stuckWindow(c model.Config, ops []porcupine.Operation, s *stuckSegment, around int) (Window, string) {
	e := newEndSearch(c)
	e.keepFrom = max(0, s.placed-around)
	if end, ok := e.ends(s.steps, s.seg, s.start); !ok || end != nil || len(e.kept) == 0 {
		return Window{}, "" // the check found it stuck there: it does not happen
	}
	best, _ := e.stuckAt(s.steps)
	order, start := e.path(best)
	var rest []int
	for r, x := range e.byCall {
		if !e.stuck[best].placed.has(r) && len(rest) < around {
			rest = append(rest, x)
		}
	}
	w := Window{Skipped: e.keepFrom, Whole: e.keepFrom == 0 && len(rest) == len(s.seg)-s.placed}
	w.Model = startingIn(c, []model.State{start})
	w.Model.Partition = nil
	for _, x := range slices.Sorted(slices.Values(append(order, rest...))) {
		w.Ops = append(w.Ops, ops[x])
	}
	how := fmt.Sprintf("a stretch of %d steps with no quiescent point, which the end search explains up to %d steps: "+
		"the last %d of one order it explained, from the state that order reached after its first %d, and the first %d steps it did not place, by call",
		len(s.seg), s.placed, len(order), e.keepFrom, len(rest))
	return w, how
}

// firstWindow cuts the first n steps of h, from its initial state: the
// segments (see segments) that fit whole, and, when they leave room and
// the next is longer, the first steps of an order the end search explains
// it in (or places before it gets stuck or finds the stretch too wide),
// from the states the segments before it end in.
func firstWindow(h history.History, ops []porcupine.Operation, n int) (Window, string) {
	steps := h.Steps(nil)
	segs := segments(steps)
	w := Window{Model: startingIn(h.Config, []model.State{model.Init()})}
	w.Model.Partition = nil
	var pick []int
	e := newEndSearch(h.Config)
	end := []model.State{model.Init()}
	k := 0
	for ; k < len(segs) && len(pick)+len(segs[k]) <= n; k++ {
		pick = append(pick, segs[k]...)
		if next, ok := e.ends(steps, segs[k], end); ok && len(next) > 0 {
			end = next
		}
	}
	how := fmt.Sprintf("the first %d steps, up to a quiescent point, from the initial state", len(pick))
	if k < len(segs) && len(pick) < n/2 {
		e.keepFrom, e.stopAt = 0, n-len(pick)
		e.ends(steps, segs[k], end)
		var order []int
		if len(e.kept) > 0 && len(e.kept[len(e.kept)-1]) > 0 {
			order, _ = e.path(0)
		}
		how = fmt.Sprintf("the first %d steps, from the initial state: %d up to a quiescent point, then the first %d of a stretch of %d with no quiescent point, in an order the end search explains them in",
			len(pick)+len(order), len(pick), len(order), len(segs[k]))
		pick = append(pick, order...)
	}
	slices.Sort(pick)
	for _, x := range pick {
		w.Ops = append(w.Ops, ops[x])
	}
	return w, how
}

// spans fills in the window's records and times: from maps steps to
// their records.
func (d *Drawing) spans(from []int) {
	for i, o := range d.Window.Ops {
		r := from[o.Metadata.(int)]
		if i == 0 {
			d.First, d.Last, d.From, d.To = r, r, o.Call, o.Return
		}
		d.First, d.Last = min(d.First, r), max(d.Last, r)
		d.From, d.To = min(d.From, o.Call), max(d.To, o.Return)
	}
}

// CheckDrawn is Check with the linearizability verdict of d, what Draw
// found on h, instead of checking linearizability again: the report is
// the one Check makes.
func CheckDrawn(h history.History, o Options, d Drawing) Report {
	o.SkipLinearizability = true
	r := Check(h, o)
	r.Unknown = slices.DeleteFunc(r.Unknown, func(p Property) bool { return p == Linearizability })
	r.Violations = append(r.Violations, d.Violations...)
	if !d.Decided {
		r.Unknown = append(r.Unknown, Linearizability)
	}
	if d.Progress != "" {
		r.Progress = append(r.Progress, Progress{Linearizability, d.Progress, d.Cause})
	}
	return r
}
