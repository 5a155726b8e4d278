package traces

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// MinColumn is the narrowest thread column Show draws; with many threads
// the timeline grows wider than asked rather than unreadable.
const MinColumn = 12

// Show writes t as a timeline for a terminal, width columns wide (80 fits
// four threads comfortably): setup first, then one line per event in time
// order with one column per thread. A call opens a box (┌ and the
// operation), the return closes it (└ and the result), and │ marks a thread
// inside an operation. Text too long for its column wraps. Operations named
// by a recorded violation carry its number (!1), and the violations and
// notes are listed at the end.
func Show(w io.Writer, t *Trace, width int) error {
	bw := bufio.NewWriter(w)
	s := newShow(t, width)
	s.header(bw)
	s.setup(bw)
	s.timeline(bw)
	s.footer(bw)
	return bw.Flush()
}

type show struct {
	t     *Trace
	width int
	base  int64 // subtracted from every time shown
	timeW int
	colW  int
	marks map[int]string // record index -> " !1 !2"
}

// longTime is where times stop being ticks of a logical clock and become
// nanoseconds, which are shown from the first event on.
const longTime = 10_000_000

func newShow(t *Trace, width int) *show {
	s := &show{t: t, width: width, timeW: 4, marks: map[int]string{}}
	if start, end := span(t); end >= longTime {
		s.base = start
	}
	for _, r := range t.History.Records {
		s.timeW = max(s.timeW, len(fmt.Sprint(r.Return-s.base)), len(fmt.Sprint(r.Call-s.base)))
	}
	for _, f := range t.History.Faults {
		s.timeW = max(s.timeW, len(fmt.Sprint(f.Time-s.base)))
	}
	n := max(1, len(t.Program.Threads))
	s.colW = max(MinColumn, (width-s.timeW-1)/n-1)
	for i, v := range t.Violations {
		for _, r := range v.Records {
			s.marks[r] += fmt.Sprintf(" !%d", i+1)
		}
	}
	return s
}

func (s *show) header(w *bufio.Writer) {
	h := s.t.Header
	ops := fmt.Sprintf("%d operations,", len(s.t.History.Records))
	if n := s.t.Program.Ops(); n != len(s.t.History.Records) {
		// The simulator records the steps of a device flow.
		ops = fmt.Sprintf("%d operations recorded (%d in the program),", len(s.t.History.Records), n)
	}
	parts := []string{ops, fmt.Sprintf("%d threads,", len(s.t.Program.Threads)), "source " + h.Source}
	if h.Source == "sim" {
		parts[len(parts)-1] += ","
		parts = append(parts, fmt.Sprintf("seed %d,", h.Seed), "strategy "+h.Strategy)
	}
	if len(h.Options.Bugs) > 0 {
		parts[len(parts)-1] += ","
		parts = append(parts, "bugs "+strings.Join(h.Options.Bugs, ","))
	}
	c := s.t.Program.Config
	mounts := make([]string, len(c.Mounts))
	for i, ns := range c.Mounts {
		mounts[i] = fmt.Sprintf("m%d=ns%d", i+1, ns)
	}
	parts = append(parts, fmt.Sprintf("\nnamespaces 1..%d, mounts %s", c.Namespaces, strings.Join(mounts, " ")))
	if s.base != 0 {
		parts = append(parts, fmt.Sprintf("\ntimes from %d", s.base))
	}
	for _, line := range wrap(strings.Join(parts, " "), s.width) {
		fmt.Fprintln(w, line)
	}
}

// setup lists setup operations, one line each: they run alone.
func (s *show) setup(w *bufio.Writer) {
	first := true
	for i, r := range s.t.History.Records {
		if r.Thread != history.SetupThread {
			continue
		}
		if first {
			fmt.Fprintln(w, "setup:")
			first = false
		}
		s.full(w, r.Call, fmt.Sprintf("%v -> %s%s", r.Op, result(r), s.marks[i]))
	}
}

// full writes text across the whole width after a time, wrapped.
func (s *show) full(w *bufio.Writer, time int64, text string) {
	for j, line := range wrap(text, s.width-s.timeW-2) {
		stamp := ""
		if j == 0 {
			stamp = fmt.Sprint(time - s.base)
		}
		fmt.Fprintf(w, "%*s  %s\n", s.timeW, stamp, line)
	}
}

func result(r history.Record) string {
	if r.Pending {
		return "never returned"
	}
	return returned(r)
}

// returned is a record's result as show prints it. An empty listing
// reads back from a trace with no entries field at all, which
// model.Result alone cannot tell from a plain "ok".
func returned(r history.Record) string {
	if r.Op.Kind == model.Readdir && r.Result.Err == model.OK && len(r.Result.Entries) == 0 {
		return "[]"
	}
	return r.Result.String()
}

// showEvent is a call, a return or a fault on the timeline.
type showEvent struct {
	time   int64
	seq    int
	record int // -1 for a fault
	call   bool
	fault  history.Fault
}

func (s *show) events() []showEvent {
	var evs []showEvent
	for i, r := range s.t.History.Records {
		if r.Thread == history.SetupThread {
			continue
		}
		evs = append(evs, showEvent{time: r.Call, seq: len(evs), record: i, call: true})
		if !r.Pending {
			evs = append(evs, showEvent{time: r.Return, seq: len(evs), record: i})
		}
	}
	for _, f := range s.t.History.Faults {
		evs = append(evs, showEvent{time: f.Time, seq: len(evs), record: -1, fault: f})
	}
	slices.SortFunc(evs, func(a, b showEvent) int {
		return cmp.Or(cmp.Compare(a.time, b.time), cmp.Compare(a.seq, b.seq))
	})
	return evs
}

func (s *show) timeline(w *bufio.Writer) {
	n := len(s.t.Program.Threads)
	if n == 0 {
		return
	}
	cells := make([]string, n)
	for k := range cells {
		cells[k] = fmt.Sprintf("T%d", k)
	}
	s.row(w, "time", cells)
	open := make([]bool, n)
	for _, e := range s.events() {
		if e.record < 0 {
			s.full(w, e.time, fmt.Sprintf("FAULT %s (thread %d): %s", e.fault.Kind, e.fault.Thread, e.fault.Detail))
			continue
		}
		r := s.t.History.Records[e.record]
		k := r.Thread
		var text, first, rest string
		if e.call {
			text, first, rest = r.Op.String(), "┌ ", "│ "
			if r.Pending {
				text += " (never returned)" + s.marks[e.record]
			}
		} else {
			text, first, rest = returned(r)+s.marks[e.record], "└ ", "  "
		}
		open[k] = e.call
		for j, line := range wrap(text, s.colW-2) {
			for i := range cells {
				cells[i] = ""
				if open[i] {
					cells[i] = "│"
				}
			}
			cells[k] = rest + line
			stamp := ""
			if j == 0 {
				cells[k] = first + line
				stamp = fmt.Sprint(e.time - s.base)
			}
			s.row(w, stamp, cells)
		}
	}
}

// row writes a time stamp and the thread columns, trailing blanks cut.
func (s *show) row(w *bufio.Writer, stamp string, cells []string) {
	var b strings.Builder
	fmt.Fprintf(&b, "%*s ", s.timeW, stamp)
	for _, c := range cells {
		b.WriteString(" ")
		b.WriteString(c)
		b.WriteString(strings.Repeat(" ", max(0, s.colW-utf8.RuneCountInString(c))))
	}
	fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
}

func (s *show) footer(w *bufio.Writer) {
	for i, v := range s.t.Violations {
		for j, line := range wrap(fmt.Sprintf("!%d %s", i+1, v), s.width-3) {
			if j > 0 {
				line = "   " + line
			}
			fmt.Fprintln(w, line)
		}
	}
	for _, n := range s.t.Notes {
		for _, line := range wrap("note: "+n, s.width) {
			fmt.Fprintln(w, line)
		}
	}
}

// wrap breaks text into lines of at most width runes, at spaces where it
// can and inside words where it must; newlines in text are kept.
func wrap(text string, width int) []string {
	width = max(width, 1)
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			for utf8.RuneCountInString(word) > width {
				if line != "" {
					lines = append(lines, line)
					line = ""
				}
				r := []rune(word)
				lines = append(lines, string(r[:width]))
				word = string(r[width:])
			}
			switch {
			case line == "":
				line = word
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= width:
				line += " " + word
			default:
				lines = append(lines, line)
				line = word
			}
		}
		if line != "" || len(lines) == 0 {
			lines = append(lines, line)
		}
	}
	return lines
}
