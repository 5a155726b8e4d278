package tracefile

import (
	"bufio"
	"cmp"
	"encoding/json"
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

// Write writes t as JSON Lines. A header that leaves the format version
// or sysfsim's version zero gets this package's, so a recorder need not
// know them.
func Write(w io.Writer, t *Trace) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	// Traces are read by people too: "->" stays "->", not "-\u003e".
	enc.SetEscapeHTML(false)
	put := func(v any) error { return enc.Encode(v) }

	h := t.Header
	if h.Format == 0 {
		h.Format = FormatVersion
	}
	if h.Sysfsim == "" {
		h.Sysfsim = Version
	}
	if err := put(headerLine{KindHeader, h}); err != nil {
		return err
	}
	if err := put(programLine{KindProgram, t.Program}); err != nil {
		return err
	}
	for _, n := range t.Notes {
		if err := put(noteLine{KindNote, n}); err != nil {
			return err
		}
	}
	var evs []event
	for _, r := range t.History.Records {
		evs = append(evs, event{r.Call, len(evs), callLine{KindCall, r.Call, r.Thread, r.Op}})
		if !r.Pending {
			evs = append(evs, event{r.Return, len(evs), returnLine{KindReturn, r.Return, r.Thread, r.Result}})
		}
	}
	for _, f := range t.History.Faults {
		evs = append(evs, event{f.Time, len(evs), faultLine{KindFault, f}})
	}
	slices.SortStableFunc(evs, func(a, b event) int {
		if c := cmp.Compare(a.time, b.time); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	for _, e := range evs {
		if err := put(e.line); err != nil {
			return err
		}
	}
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
	if err := put(endLine{KindEnd, len(t.History.Records)}); err != nil {
		return err
	}
	return bw.Flush()
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
