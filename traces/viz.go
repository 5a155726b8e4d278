package traces

import (
	"fmt"
	"html"
	"io"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
)

// Annotation rows of the visualization, below the threads.
const (
	vizListings   = "readdir listings"
	vizFaults     = "faults"
	vizViolations = "violations"
)

// Visualize writes porcupine's HTML visualization of t's history: the
// operations per thread (setup is the last client row) with the longest
// partial linearizations, and, as annotations, what porcupine does not
// judge: readdir listings in the order they were produced, faults
// (deadlocks, use after free, ...) and the operations involved in each
// recorded violation, in red. timeout bounds porcupine (0: none).
//
// Porcupine puts state descriptions and operation metadata into the page
// as HTML, so every such string is escaped here; descriptions and
// annotations it inserts as text, where escaping would show as &lt;.
func Visualize(w io.Writer, t *Trace, timeout time.Duration) error {
	h := t.History
	_, info := properties.Linearize(h, timeout)
	m := model.Porcupine(h.Config)
	describe := m.DescribeState
	m.DescribeState = func(s any) string { return html.EscapeString(describe(s)) }
	m.DescribeOperationMetadata = func(any) string { return "" }

	var notes []porcupine.Annotation
	for _, r := range h.Records {
		if r.Pending || r.Result.Entries == nil {
			continue
		}
		notes = append(notes, porcupine.Annotation{
			Tag: vizListings, Start: r.Call, End: r.Return,
			Description: fmt.Sprintf("T%d %v", r.Thread, r.Result),
			Details:     fmt.Sprintf("T%d %v listed, in this order: %v", r.Thread, r.Op, r.Result),
		})
	}
	for _, f := range h.Faults {
		notes = append(notes, porcupine.Annotation{
			Tag: vizFaults, Start: f.Time,
			Description: string(f.Kind), Details: fmt.Sprintf("%s (thread %d): %s", f.Kind, f.Thread, f.Detail),
			BackgroundColor: "#ffb3b3",
		})
	}
	for _, v := range t.Violations {
		if len(v.Records) == 0 {
			// A violation of the whole history (linearizability) or of
			// no one operation (a fault): it spans the history.
			start, end := span(t)
			notes = append(notes, porcupine.Annotation{
				Tag: vizViolations, Start: start, End: end,
				Description: string(v.Property), Details: v.String(), BackgroundColor: "#ff6666",
			})
			continue
		}
		for _, i := range v.Records {
			if i < 0 || i >= len(h.Records) {
				continue
			}
			r := h.Records[i]
			end := r.Return
			if r.Pending {
				end = r.Call
			}
			notes = append(notes, porcupine.Annotation{
				Tag: vizViolations, Start: r.Call, End: end,
				Description: string(v.Property), Details: fmt.Sprintf("%v\noperation: T%d %v -> %s", v, r.Thread, r.Op, result(r)),
				BackgroundColor: "#ff6666",
			})
		}
	}
	info.AddAnnotations(notes)
	return porcupine.Visualize(m, info, w)
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
