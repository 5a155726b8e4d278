package traces

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

// Annotation rows of the visualization, below the threads; each
// violated property has a row of its own, named after it.
const (
	vizListings  = "readdir listings"
	vizFaults    = "faults"
	vizCulprit   = "culprit"
	vizWindow    = "window"
	vizUndecided = "undecided"
)

// VizAround is how many operations a visualization of a long history that
// is not linearizable draws on each side of the culprit: the history is
// long when it has more than twice as many.
const VizAround = 200

// Visualize writes porcupine's HTML visualization of t's history: the
// operations per thread with the longest partial linearizations, and, as
// annotations, what porcupine does not judge: readdir listings in the
// order they were produced, faults (deadlocks, use after free, ...) and,
// on a row per property, the operations each recorded violation names,
// in red. timeout bounds the linearizability check and porcupine's
// search of what is drawn (0: none).
//
// The history is checked as sysfsim check checks it (properties.Draw):
// a long one is cut at its quiescent points, not given to porcupine
// whole. When it is not linearizable, the culprit (properties.Culprit)
// has a row of its own. A long history is drawn as a window: around the
// culprit, or its beginning when it has none; a row of the page says
// which operations of the whole it shows and what the check found of the
// whole: thousands of bars show nothing.
//
// Porcupine's page numbers its rows; a script added to it (viz.js) names
// them as Show does (setup, T0, T1, ...), outlines the operations the
// violations name, and opens the page scrolled to the first error.
//
// Porcupine puts state descriptions and operation metadata into the page
// as HTML, so every such string is escaped here; descriptions and
// annotations it inserts as text, where escaping would show as &lt;.
func Visualize(w io.Writer, t *Trace, timeout time.Duration) error {
	return VisualizeDrawing(w, t, properties.Draw(t.History, properties.Options{LinearizabilityTimeout: timeout}, VizAround))
}

// VisualizeDrawing is Visualize of the drawing d, which properties.Draw
// made of t's history.
func VisualizeDrawing(w io.Writer, t *Trace, d properties.Drawing) error {
	h := t.History
	m, info := d.Window.Model, d.Info
	var notes []vizNote
	clip := func(a porcupine.Annotation) (porcupine.Annotation, bool) { return a, true }
	if !d.Window.Whole {
		clip = clipper(d)
		notes = append(notes, vizNote{Annotation: windowNote(h, d)})
	}
	if !d.Decided {
		notes = append(notes, vizNote{Annotation: undecidedNote(d), err: true})
	}
	if d.Culprit != nil {
		notes = append(notes, vizNote{Annotation: culpritNote(h, *d.Culprit), err: true})
	}
	describe := m.DescribeState
	m.DescribeState = func(s any) string { return html.EscapeString(describe(s)) }
	m.DescribeOperationMetadata = func(any) string { return "" }
	for _, n := range annotations(t) {
		if a, ok := clip(n.Annotation); ok {
			n.Annotation = a
			notes = append(notes, n)
		}
	}
	page := newVizPage(t, d.Culprit, notes)
	as := make([]porcupine.Annotation, len(notes))
	for i, n := range notes {
		as[i] = n.Annotation
	}
	info.AddAnnotations(as)
	var b bytes.Buffer
	if err := porcupine.Visualize(m, info, &b); err != nil {
		return err
	}
	_, err := w.Write(page.inject(b.Bytes()))
	return err
}

// vizNote is an annotation of the page. One that marks an error (a
// fault, the culprit, what a violation names) is where the page opens
// scrolled to; a readdir listing a violation names is outlined, as the
// operations it names in the threads' rows are.
type vizNote struct {
	porcupine.Annotation
	err, named bool
}

// clipper keeps the annotations that overlap the window, cut to its span.
func clipper(d properties.Drawing) func(porcupine.Annotation) (porcupine.Annotation, bool) {
	lo, hi := d.From, d.To
	return func(a porcupine.Annotation) (porcupine.Annotation, bool) {
		end := max(a.End, a.Start)
		if end < lo || a.Start > hi {
			return a, false
		}
		a.Start, a.End = max(a.Start, lo), min(end, hi)
		return a, true
	}
}

// windowNote says, on a row of its own, that the page is a window, which
// operations of the whole it shows, and what the check found of the
// whole.
func windowNote(h history.History, d properties.Drawing) porcupine.Annotation {
	verdict := "no violation of linearizability: the check decided the whole history linearizable"
	switch {
	case !d.Decided:
		verdict = "linearizability UNDECIDED: " + d.Progress
	case len(d.Violations) > 0:
		verdict = "not linearizable: " + d.Violations[0].Detail
	}
	return porcupine.Annotation{
		Tag: vizWindow, Start: d.From, End: d.To,
		Description: fmt.Sprintf("a window: %d of %d operations (records %d-%d, t=%d..%d); %s", len(d.Window.Ops), d.Steps, d.First, d.Last, d.From, d.To, verdictWord(d)),
		Details: fmt.Sprintf("This page draws a window of the history, not all of it: %d of its %d operations as porcupine sees them "+
			"(records %d to %d of %d, calls and returns from t=%d to t=%d): %s. "+
			"The verdict is sysfsim check's on the whole history, cut at its quiescent points: %s.",
			len(d.Window.Ops), d.Steps, d.First, d.Last, len(h.Records), d.From, d.To, d.How, verdict),
		BackgroundColor: "#ffe9a8",
	}
}

// verdictWord says in a word or two what the check found.
func verdictWord(d properties.Drawing) string {
	switch {
	case !d.Decided:
		return "undecided"
	case len(d.Violations) > 0:
		return "not linearizable"
	}
	return "no violation"
}

// undecidedNote says, over the window, that the check did not decide
// linearizability: the page draws porcupine's partial orders of the
// window, not a verdict.
func undecidedNote(d properties.Drawing) porcupine.Annotation {
	detail := d.Progress
	if detail == "" {
		detail = "the check ran out of time"
	}
	return porcupine.Annotation{
		Tag: vizUndecided, Start: d.From, End: d.To,
		Description: "UNDECIDED linearizability: " + detail,
		Details: "The linearizability check did not decide the history (" + detail + "); " +
			"the page draws porcupine's partial orders, not a verdict, and it is not counted as holding.",
		BackgroundColor: "#ffb3b3",
	}
}

// culpritNote marks the operation that cannot go next, with what it
// returned and what the model allows.
func culpritNote(h history.History, c properties.Culprit) porcupine.Annotation {
	r := h.Records[c.Record]
	allowed := make([]string, len(c.Allowed))
	for i, a := range c.Allowed {
		allowed[i] = a.String()
	}
	return porcupine.Annotation{
		Tag: vizCulprit, Start: r.Call, End: r.Return,
		Description:     fmt.Sprintf("%s %v -> %v; the model allows %s", threadName(r.Thread), c.Op, c.Result, strings.Join(allowed, " or ")),
		Details:         c.Violation(h).String(),
		BackgroundColor: "#ff6666",
	}
}

// annotations are the rows of what porcupine does not judge: listings,
// faults and the records of violations.
func annotations(t *Trace) []vizNote {
	h := t.History
	named := map[int]bool{}
	for _, r := range violationRecords(t) {
		named[r] = true
	}
	var notes []vizNote
	for i, r := range h.Records {
		if r.Pending || r.Result.Entries == nil {
			continue
		}
		notes = append(notes, vizNote{Annotation: porcupine.Annotation{
			Tag: vizListings, Start: r.Call, End: r.Return,
			Description: fmt.Sprintf("%s %v", threadName(r.Thread), r.Result),
			Details:     fmt.Sprintf("%s %v listed, in this order: %v", threadName(r.Thread), r.Op, r.Result),
		}, named: named[i]})
	}
	for _, f := range h.Faults {
		notes = append(notes, vizNote{Annotation: porcupine.Annotation{
			Tag: vizFaults, Start: f.Time,
			Description: string(f.Kind), Details: fmt.Sprintf("%s (thread %d): %s", f.Kind, f.Thread, f.Detail),
			BackgroundColor: "#ffb3b3",
		}, err: true})
	}
	for _, v := range t.Violations {
		notes = append(notes, violationNote(t, v))
	}
	return notes
}

// violationNote marks v on the row of its property: a bar over the
// operations it names, or over the whole history when it names none.
func violationNote(t *Trace, v tracefile.Violation) vizNote {
	h := t.History
	var ops []string
	var start, end int64
	for _, i := range v.Records {
		if i < 0 || i >= len(h.Records) {
			continue
		}
		r := h.Records[i]
		done := r.Return
		if r.Pending {
			done = r.Call
		}
		if len(ops) == 0 || r.Call < start {
			start = r.Call
		}
		end = max(end, done)
		ops = append(ops, fmt.Sprintf("%s %v -> %s", threadName(r.Thread), r.Op, result(r)))
	}
	n := vizNote{Annotation: porcupine.Annotation{
		Tag: v.Property, Start: start, End: end,
		Description: v.Property, Details: v.String(), BackgroundColor: "#ff6666",
	}, err: true}
	if len(ops) == 0 {
		// A violation of the whole history (linearizability, when no
		// culprit was found) or of no one operation (a fault): it spans
		// the history, and points at no error of its own.
		n.Start, n.End = span(t)
		n.err = false
		return n
	}
	n.Details += "\noperations: " + strings.Join(ops, "; ")
	return n
}

// threadName names a thread as Show does.
func threadName(thread int) string {
	if thread == history.SetupThread {
		return "setup"
	}
	return fmt.Sprintf("T%d", thread)
}

// violationRecords returns the records t's violations name.
func violationRecords(t *Trace) []int {
	var rs []int
	for _, v := range t.Violations {
		rs = append(rs, v.Records...)
	}
	return rs
}

// span returns the first and last times of t's history.
func span(t *Trace) (start, end int64) {
	first := true
	see := func(x int64) {
		if first || x < start {
			start = x
		}
		if first || x > end {
			end = x
		}
		first = false
	}
	for _, r := range t.History.Records {
		see(r.Call)
		if !r.Pending {
			see(r.Return)
		}
	}
	for _, f := range t.History.Faults {
		see(f.Time)
	}
	return start, end
}
