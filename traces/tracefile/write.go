package tracefile

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// The lines of a trace. Field order is fixed by these declarations, so
// traces diff cleanly.
type (
	headerLine struct {
		Kind string `json:"kind"`
		Header
	}
	programLine struct {
		Kind string `json:"kind"`
		history.Program
	}
	noteLine struct {
		Kind string `json:"kind"`
		Text string `json:"text"`
	}
	callLine struct {
		Kind   string   `json:"kind"`
		Time   int64    `json:"time"`
		Thread int      `json:"thread"`
		Op     model.Op `json:"op"`
	}
	returnLine struct {
		Kind   string       `json:"kind"`
		Time   int64        `json:"time"`
		Thread int          `json:"thread"`
		Result model.Result `json:"result"`
	}
	faultLine struct {
		Kind string `json:"kind"`
		history.Fault
	}
	scheduleLine struct {
		Kind  string `json:"kind"`
		Picks []int  `json:"picks"`
	}
	violationLine struct {
		Kind string `json:"kind"`
		Violation
	}
	endLine struct {
		Kind       string `json:"kind"`
		Operations int    `json:"operations"`
	}
)

// event is a call, return or fault, placed on the time line.
type event struct {
	time int64
	seq  int // tie-break: file order
	line any
}

// Write writes t as JSON Lines. A header that leaves the sysfsim version
// empty gets this package's. The header's format picks the form: 1 for
// version 1, RecordedVersion for the recorded form, 0 for version 1 when
// it can express the history and the recorded form when it cannot (a
// thread with two operations open at once, as the kernel backend records
// a namespace's teardown on the thread that exited it). Records are
// written in the order of their calls, stably: a history whose records
// are in another order reads back in that one.
func Write(w io.Writer, t *Trace) error {
	h := t.Header
	if h.Sysfsim == "" {
		h.Sysfsim = Version
	}
	switch h.Format {
	case 0:
		h.Format = FormatVersion
		if !t.derived && Expressible(t) == nil {
			break
		}
		h.Format = RecordedVersion
	case FormatVersion:
		if err := Expressible(t); err != nil {
			return err
		}
	case RecordedVersion:
	default:
		return fmt.Errorf("tracefile: no format version %d (versions %d and %d)", h.Format, FormatVersion, RecordedVersion)
	}
	bw := bufio.NewWriter(w)
	enc := lineEncoder(bw)
	put := func(v any) error { return enc.Encode(v) }
	if err := put(headerLine{KindHeader, h}); err != nil {
		return err
	}
	second := any(programLine{KindProgram, t.Program})
	if h.Format == RecordedVersion && t.derived {
		second = configLine{KindConfig, Setup{Config: t.History.Config}}
	}
	if err := put(second); err != nil {
		return err
	}
	for _, n := range t.Notes {
		if err := put(noteLine{KindNote, n}); err != nil {
			return err
		}
	}
	for _, e := range timeline(t.History, h.Format) {
		if err := put(e.line); err != nil {
			return err
		}
	}
	if err := writeTail(put, t); err != nil {
		return err
	}
	return bw.Flush()
}

// writeTail writes what follows the records: the schedule, the
// violations and the end line.
func writeTail(put func(any) error, t *Trace) error {
	if t.Schedule != nil {
		if err := put(scheduleLine{KindSchedule, t.Schedule}); err != nil {
			return err
		}
	}
	for _, v := range t.Violations {
		if err := put(violationLine{KindViolation, v}); err != nil {
			return err
		}
	}
	return put(endLine{KindEnd, len(t.History.Records)})
}

// timeline returns the call, return and fault lines of h, in the form of
// format version, in time order (ties in record order, a record's call
// before its return).
func timeline(h history.History, version int) []event {
	var evs []event
	for i, r := range h.Records {
		if version == RecordedVersion {
			evs = append(evs, event{r.Call, len(evs), recCallLine{KindCall, i, r.Call, &h.Records[i].Thread, r.Op}})
		} else {
			evs = append(evs, event{r.Call, len(evs), callLine{KindCall, r.Call, r.Thread, r.Op}})
		}
		if r.Pending {
			continue
		}
		if version == RecordedVersion {
			evs = append(evs, event{r.Return, len(evs), recReturnLine{KindReturn, i, r.Return, r.Result}})
		} else {
			evs = append(evs, event{r.Return, len(evs), returnLine{KindReturn, r.Return, r.Thread, r.Result}})
		}
	}
	for _, f := range h.Faults {
		evs = append(evs, event{f.Time, len(evs), faultLine{KindFault, f}})
	}
	slices.SortStableFunc(evs, func(a, b event) int {
		if c := cmp.Compare(a.time, b.time); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	return evs
}

// Expressible reports why version 1 cannot express t's history, or nil
// when it can: version 1 pairs a return with its thread's open call, so a
// thread may have one operation open at a time, and every thread is the
// program's.
func Expressible(t *Trace) error {
	open := map[int]bool{}
	for _, e := range timeline(t.History, FormatVersion) {
		switch l := e.line.(type) {
		case callLine:
			if l.Thread < history.SetupThread || l.Thread >= len(t.Program.Threads) {
				return fmt.Errorf("version 1 cannot express this history: an operation on thread %d, which the program (threads 0..%d) does not have", l.Thread, len(t.Program.Threads)-1)
			}
			if open[l.Thread] {
				return fmt.Errorf("version 1 cannot express this history: %v is called on thread %d at %d while the thread's previous call is open (the recorded form, version %d, can)", l.Op, l.Thread, l.Time, RecordedVersion)
			}
			open[l.Thread] = true
		case returnLine:
			open[l.Thread] = false
		}
	}
	return nil
}

// Convert returns t in the form of format version: version 1 when
// Expressible says it can be, or the recorded form. The program stays,
// given or derived; the history is the same.
func Convert(t *Trace, version int) (*Trace, error) {
	c := *t
	switch version {
	case FormatVersion:
		if err := Expressible(t); err != nil {
			return nil, err
		}
		c.derived = false
	case RecordedVersion:
	default:
		return nil, fmt.Errorf("tracefile: no format version %d (versions %d and %d)", version, FormatVersion, RecordedVersion)
	}
	c.Header.Format = version
	return &c, nil
}

// WriteFile writes t to path atomically: a temporary file in the same
// directory, synced, then renamed, so a found counterexample is never left
// half-written.
func WriteFile(path string, t *Trace) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".trace-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename this fails harmlessly
	if err := Write(f, t); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
