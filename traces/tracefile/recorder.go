package tracefile

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// RecordedVersion is the format version of the recorded form (FORMAT.md,
// "The recorded form"): the lines a recorder writes as things happen, with
// calls and returns paired by an id instead of by thread.
const RecordedVersion = 2

// AnyThread, given to Recorder.Call or Recorder.Event for the thread,
// leaves the operation's thread out of the file: the reader gives it a
// lane of its own (the lowest with nothing open on it).
const AnyThread = -2

// Setup is what a recorded history fixes before its first event, the
// recorded form's config line: the configuration, and the entries every
// network namespace has from its birth.
type Setup struct {
	Config model.Config `json:"config"`
	// Initial names the devices the kernel makes in every new network
	// namespace ("lo"): the reader records a create of each in each
	// namespace alive at the start, and in each namespace a clone event
	// brings to life, at that moment.
	Initial []string `json:"initial,omitempty"`
}

// The lines of the recorded form beyond those the two forms share.
type (
	configLine struct {
		Kind string `json:"kind"`
		Setup
	}
	recCallLine struct {
		Kind   string   `json:"kind"`
		ID     int      `json:"id"`
		Time   int64    `json:"time"`
		Thread *int     `json:"thread,omitempty"`
		Op     model.Op `json:"op"`
	}
	recReturnLine struct {
		Kind   string       `json:"kind"`
		ID     int          `json:"id"`
		Time   int64        `json:"time"`
		Result model.Result `json:"result"`
	}
	eventLine struct {
		Kind   string        `json:"kind"`
		Time   int64         `json:"time"`
		Thread *int          `json:"thread,omitempty"`
		Op     model.Op      `json:"op"`
		Result *model.Result `json:"result,omitempty"`
	}
)

// Recorder writes a history in the recorded form as it happens: the
// header and the config line when it is made, then one line per call,
// return, event, fault or note, stamped with its clock under a lock, so
// that lines are in time order whichever goroutine writes them. It is safe
// for concurrent use.
//
// Lines are buffered; Flush writes them out (and syncs the file when the
// writer can sync). Everything flushed is a readable prefix: a reader
// takes a recorded file without its end line (a recording cut short by a
// crash or a signal) as it stands, its open calls pending, and drops a
// last line cut in the middle. Close writes the end line and flushes.
type Recorder struct {
	mu     sync.Mutex
	w      io.Writer
	bw     *bufio.Writer
	enc    *json.Encoder
	clock  func() int64
	last   int64
	next   int              // the next call's id
	open   map[int]model.Op // ids called, not yet returned, with their operation
	calls  int
	closed bool
	err    error // the first write error: every later call returns it
}

// NewRecorder writes the header and the config line of a recorded history
// to w and returns the recorder of the rest. clock gives each line's time
// (monotonic, never going back); nil means nanoseconds since NewRecorder.
// A header that leaves the version fields zero gets this package's.
func NewRecorder(w io.Writer, h Header, s Setup, clock func() int64) (*Recorder, error) {
	if clock == nil {
		start := time.Now()
		clock = func() int64 { return int64(time.Since(start)) }
	}
	if h.Format == 0 {
		h.Format = RecordedVersion
	}
	if h.Format != RecordedVersion {
		return nil, fmt.Errorf("a recorder writes format %d, not %d", RecordedVersion, h.Format)
	}
	if h.Sysfsim == "" {
		h.Sysfsim = Version
	}
	if err := s.Config.Check(); err != nil {
		return nil, err
	}
	for _, name := range s.Initial {
		if e := model.ValidName(name); e != model.OK {
			return nil, fmt.Errorf("tracefile: initial entry %q is not a device name (%s)", name, e)
		}
	}
	bw := bufio.NewWriter(w)
	r := &Recorder{w: w, bw: bw, enc: lineEncoder(bw), clock: clock, open: map[int]model.Op{}}
	r.put(headerLine{KindHeader, h})
	r.put(configLine{KindConfig, s})
	return r, r.err
}

// lineEncoder encodes one JSON value per line, "->" left as it is.
func lineEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// put writes a line, keeping the first error.
func (r *Recorder) put(v any) {
	if r.err == nil {
		r.err = r.enc.Encode(v)
	}
}

// stamp returns the clock's time, never before the last line's.
func (r *Recorder) stamp() int64 {
	t := max(r.clock(), r.last)
	r.last = t
	return t
}

func (r *Recorder) usable() error {
	if r.closed {
		return errors.New("tracefile: the recorder is closed")
	}
	return r.err
}

// Call records that op starts now on thread (0.., history.SetupThread for
// setup, or AnyThread), and returns the id its Return names and the time
// stamped. A thread may have several operations open at once: asynchronous
// work it started, such as a namespace's teardown.
func (r *Recorder) Call(thread int, op model.Op) (id int, at int64, err error) {
	if err := op.Check(); err != nil {
		return 0, 0, err
	}
	if thread < AnyThread {
		return 0, 0, fmt.Errorf("tracefile: thread %d; threads are 0.., -1 for setup, or AnyThread", thread)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.usable(); err != nil {
		return 0, 0, err
	}
	id, at = r.next, r.stamp()
	r.next++
	r.open[id] = op
	r.calls++
	r.put(recCallLine{KindCall, id, at, threadField(thread), op})
	return id, at, r.err
}

// Return records that the call id returned now with res, and returns the
// time stamped.
func (r *Recorder) Return(id int, res model.Result) (at int64, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.usable(); err != nil {
		return 0, err
	}
	op, ok := r.open[id]
	if !ok {
		return 0, fmt.Errorf("tracefile: return of id %d, which is not an open call", id)
	}
	checked := res
	if op.Kind == model.Create || op.Kind == model.AddDev {
		checked.Index = 0 // the ifindex it got, which the reader moves into the operation
	}
	if err := checkResult(op, checked); err != nil {
		return 0, fmt.Errorf("tracefile: %w", err)
	}
	delete(r.open, id)
	at = r.stamp()
	r.put(recReturnLine{KindReturn, id, at, res})
	return at, r.err
}

// Event records a lifecycle operation that takes no time, happening now:
// a namespace born (clone), a mount made (mount, with the namespace it
// captured as res.Tag), a namespace's teardown over (gone). res is what
// the operation returned; the zero Result is success.
func (r *Recorder) Event(thread int, op model.Op, res model.Result) (at int64, err error) {
	if s, ok := op.Kind.Spec(); !ok || s.Class != model.LifecycleClass {
		return 0, fmt.Errorf("tracefile: an event is a lifecycle operation, not %v", op.Kind)
	}
	if thread < AnyThread {
		return 0, fmt.Errorf("tracefile: thread %d; threads are 0.., -1 for setup, or AnyThread", thread)
	}
	if err := r.checkEvent(op, res); err != nil {
		return 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.usable(); err != nil {
		return 0, err
	}
	at = r.stamp()
	r.calls++
	var rp *model.Result
	if res.Err != model.OK || res.Tag != 0 || res.User != 0 {
		rp = &res
	}
	r.put(eventLine{KindEvent, at, threadField(thread), op, rp})
	return at, r.err
}

// checkEvent refuses an event the reader would reject: an operation that
// cannot be run, a result it never gives, a mount without a process that
// names no namespace of the configuration.
func (r *Recorder) checkEvent(op model.Op, res model.Result) error {
	check := op
	if op.Kind == model.Mount && op.Proc == 0 {
		check.Proc = 1 // the reader gives it a process of its own
		if res.Err != model.OK || res.Tag < 1 {
			return errors.New("tracefile: a mount event without a process needs the namespace it captured (res.Tag) and success")
		}
	}
	if err := check.Check(); err != nil {
		return fmt.Errorf("tracefile: %w", err)
	}
	if err := checkResult(op, res); err != nil {
		return fmt.Errorf("tracefile: %w", err)
	}
	return nil
}

// Fault records something the implementation noticed about itself, now.
// f.Time is set to the time stamped.
func (r *Recorder) Fault(f history.Fault) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.usable(); err != nil {
		return err
	}
	f.Time = r.stamp()
	r.put(faultLine{KindFault, f})
	return r.err
}

// Note records free text for people.
func (r *Recorder) Note(text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.usable(); err != nil {
		return err
	}
	r.put(noteLine{KindNote, text})
	return r.err
}

// Flush writes the buffered lines out and, when the writer is a file
// (it has Sync), syncs it: what was recorded survives a crash.
func (r *Recorder) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.flush()
}

func (r *Recorder) flush() error {
	if r.err != nil {
		return r.err
	}
	if r.err = r.bw.Flush(); r.err != nil {
		return r.err
	}
	if s, ok := r.w.(interface{ Sync() error }); ok {
		r.err = s.Sync()
	}
	return r.err
}

// Close writes the end line and flushes. Calls still open are pending
// operations; it does not close the writer.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return r.err
	}
	r.closed = true
	r.put(endLine{KindEnd, r.calls})
	return r.flush()
}

// threadField is a call's or event's thread as the file holds it: left
// out for AnyThread.
func threadField(thread int) *int {
	if thread == AnyThread {
		return nil
	}
	return &thread
}
