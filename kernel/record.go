package kernel

import (
	"errors"
	"fmt"
	"time"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// A recording is one long concurrent history of the real kernel, Jepsen
// style: writers create, remove, rename and move ifb devices across
// network namespaces, readers list and look up the net class through a
// sysfs instance made inside each namespace, and namespaces are born and
// exit while all of that goes on. Unlike Run, nothing is planned: no
// program, no threads, only what happened, handed to a Sink event by
// event as it happens, so that a file written from it holds everything
// recorded up to the moment the process ended, however it ended.

// Sink receives a recording as it happens, and stamps each event with
// its own clock (monotonic, never going back from one event to the next),
// as tracefile.Recorder does: a call is stamped before the recorder puts
// the operation to the kernel, a return after the answer came, an event
// (a namespace born, a mount made, a teardown over) after the recorder
// saw it happen, so that no stamp is ever wrong, only early or late by the
// time a line takes to write. It must be safe for concurrent use. An
// error from the sink ends the recording.
type Sink interface {
	// Call records that op starts on thread and returns the id its Return
	// names.
	Call(thread int, op model.Op) (id int, at int64, err error)
	// Return records that call id returned r.
	Return(id int, r model.Result) (at int64, err error)
	// Event records a lifecycle operation that takes no time: clone (a
	// namespace born), mount (a sysfs instance made inside a namespace,
	// r.Tag), gone (a namespace's teardown seen over).
	Event(thread int, op model.Op, r model.Result) (at int64, err error)
	// Fault records what the recorder noticed beyond results: a teardown
	// not over within RecordConfig.ExitTimeout.
	Fault(f history.Fault) error
	// Sync makes everything received so far durable; the recorder calls
	// it every RecordConfig.SyncEvery and at the end.
	Sync() error
}

// AsyncThread is the thread of the kernel's own asynchronous work: the
// device removals of a namespace's teardown, which no thread of the
// recorder runs. It is tracefile.AnyThread, a lane the reader picks.
const AsyncThread = -2

// RecordSetup is what a recording fixes before its first event: its
// configuration (every namespace it may make, those after the first
// RecordConfig.Initial declared for later, under the kernel's exit
// scheme), and the entries the kernel makes in every new network namespace
// (lo, and the fallback devices of some modules), found in the first.
type RecordSetup struct {
	Config  model.Config
	Initial []string
}

// RecordConfig says what a recording does. Zero fields take the defaults
// of withDefaults.
type RecordConfig struct {
	// Duration is how long the workload runs; the recording ends earlier
	// if its context ends. Required.
	Duration time.Duration
	// Seed draws the workload's choices. The kernel's answers and their
	// timing are not drawn: two recordings with one seed differ.
	Seed uint64
	// Writers and Readers count the goroutines, each on a locked OS thread
	// of its own, that change devices and observe them (default 2 and 2).
	Writers, Readers int
	// Initial is the number of namespaces made before the workload starts
	// (default 3); MinLive and MaxLive bound the live ones while namespaces
	// are born and exit (default 2 and 5); Max bounds how many there are in
	// all, as the model numbers them (default and at most 63).
	Initial, MinLive, MaxLive, Max int
	// Lifecycle is the pause between two births or exits (default: a
	// fiftieth of Duration, between 200ms and 5s).
	Lifecycle time.Duration
	// Rate bounds the operations per second of all writers and readers
	// together (default 500: at most 30,000 a minute, about 22,000 here,
	// where a removal or a move takes 15-30ms; negative: as fast as the
	// kernel answers, about 40,000 a second here). Each worker pauses
	// after each of its operations, for (Writers+Readers)/Rate seconds on
	// average.
	Rate float64
	// Names is the number of device names the writers draw from (default 6):
	// few, so that names clash and renames and moves fail as often as not.
	Names int
	// SyncEvery is the pause between two Sink.Sync (default 1s).
	SyncEvery time.Duration
	// ExitTimeout bounds the wait for a namespace's teardown (default 10s).
	ExitTimeout time.Duration
	// ExitPoll is the pause between two looks at a dying namespace's sysfs
	// instance (default 100µs).
	ExitPoll time.Duration
}

// maxRecordNamespaces is the model's bound on namespace and mount numbers.
const maxRecordNamespaces = 63

// withDefaults checks c and fills in its defaults.
func (c RecordConfig) withDefaults() (RecordConfig, error) {
	if c.Duration <= 0 {
		return c, errors.New("kernel recording: a positive duration is required")
	}
	def := func(x *int, d int) {
		if *x == 0 {
			*x = d
		}
	}
	def(&c.Writers, 2)
	def(&c.Readers, 2)
	def(&c.Initial, 3)
	def(&c.MinLive, 2)
	def(&c.MaxLive, 5)
	def(&c.Max, maxRecordNamespaces)
	def(&c.Names, 6)
	if c.Lifecycle == 0 {
		c.Lifecycle = min(max(c.Duration/50, 200*time.Millisecond), 5*time.Second)
	}
	if c.Rate == 0 {
		c.Rate = 500
	}
	if c.SyncEvery == 0 {
		c.SyncEvery = time.Second
	}
	o := Options{ExitTimeout: c.ExitTimeout, ExitPoll: c.ExitPoll}.withDefaults()
	c.ExitTimeout, c.ExitPoll = o.ExitTimeout, o.ExitPoll
	switch {
	case c.Writers < 0 || c.Readers < 0 || c.Writers+c.Readers == 0:
		return c, fmt.Errorf("kernel recording: %d writers and %d readers", c.Writers, c.Readers)
	case c.Max < 1 || c.Max > maxRecordNamespaces:
		return c, fmt.Errorf("kernel recording: at most %d namespaces in all, not %d", maxRecordNamespaces, c.Max)
	case c.Initial < 1 || c.Initial > c.Max:
		return c, fmt.Errorf("kernel recording: %d initial namespaces (1..%d)", c.Initial, c.Max)
	case c.MinLive < 1 || c.MinLive > c.MaxLive:
		return c, fmt.Errorf("kernel recording: live namespaces between %d and %d", c.MinLive, c.MaxLive)
	case c.Names < 1:
		return c, fmt.Errorf("kernel recording: %d device names", c.Names)
	}
	return c, nil
}

// RecordStats is what a recording did.
type RecordStats struct {
	Operations int            `json:"operations"`
	ByKind     map[string]int `json:"operations_by_kind"`
	// Errors counts the operations that failed, by errno.
	Errors map[string]int `json:"errors_by_errno"`
	// Namespaces counts every namespace the recording made (Initial
	// included); Exited those that exited, TornDown those whose teardown
	// was seen over.
	Namespaces int `json:"namespaces"`
	Exited     int `json:"exited"`
	TornDown   int `json:"torn_down"`
	// TeardownMaxMS is the longest time from an exit's return to its
	// teardown seen over.
	TeardownMaxMS float64 `json:"teardown_max_ms"`
	Faults        int     `json:"faults"`
	ElapsedS      float64 `json:"elapsed_s"`
	// Interrupted says the context ended the recording before Duration.
	Interrupted bool `json:"interrupted"`
}
