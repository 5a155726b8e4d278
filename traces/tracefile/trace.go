// Package tracefile is the trace file format (FORMAT.md): a Trace, the
// JSON Lines it is written as, and a reader whose errors name the file
// and the line.
//
// The format has two forms. Version 1 is the simulator's: the program,
// then calls and returns paired by thread. The recorded form (version 2,
// RecordedVersion) is a recorder's: calls and returns paired by id,
// threads optional, namespace births, mounts and teardowns as events,
// results without tags; a Recorder writes it line by line as things
// happen, and any prefix of it reads. Read reads both; Write writes
// version 1 when it can express the history and the recorded form when
// it cannot; Convert and Expressible choose explicitly.
//
// It depends on the model and the history only, so a recorder (sysfsim
// kernel, which records the real kernel; a test writing a history by
// hand) writes traces without pulling in the simulator or the checkers. Package traces holds
// the tools that need them: it records simulator executions, reads traces
// with the simulator's own checks added, and replays, shrinks, shows and
// visualizes them.
package tracefile

import (
	"fmt"

	"github.com/sysfsim/sysfsim/history"
)

// FormatVersion is the version of the file format this package writes and
// the only one it reads.
const FormatVersion = 1

// Version is sysfsim's own version, written into every header and
// printed by 'sysfsim version': the one place it is set.
const Version = "0.1.0"

// Header is the first line of a trace.
type Header struct {
	Format  int    `json:"format"`
	Sysfsim string `json:"sysfsim"`
	// Source says where the history comes from: "sim" or "kernel" or
	// anything else for a hand-written one.
	Source   string  `json:"source"`
	Seed     uint64  `json:"seed"`
	Strategy string  `json:"strategy,omitempty"`
	Options  Options `json:"options"`
}

// Options are the simulator options of the execution, as names and
// numbers: the format does not know the simulator, so a tool that runs
// the program judges them (package traces converts them to sim.Options
// and rejects a bug it does not have).
type Options struct {
	// Bugs are the seeded bugs enabled, by name (sysfsim bugs lists them).
	Bugs []string `json:"bugs,omitempty"`
	// MaxSteps bounds the concurrent part; 0 means the simulator's
	// default.
	MaxSteps int `json:"max_steps,omitempty"`
}

// Violation is a property the checkers found broken, as a trace records
// it; package properties finds them.
type Violation struct {
	Property string `json:"property"`
	Detail   string `json:"detail"`
	// Records are the indices, in History.Records, of the operations
	// involved.
	Records []int `json:"records,omitempty"`
}

func (v Violation) String() string { return v.Property + ": " + v.Detail }

// Trace is one execution.
type Trace struct {
	Header  Header
	Program history.Program
	History history.History
	// Schedule is the thread picked at each step; nil when the history did
	// not come from the simulator.
	Schedule []int
	// Violations are the checkers' findings when the trace was written.
	Violations []Violation
	// Notes are free text for people: where the trace came from, what
	// shrinking did to it. Tools ignore them.
	Notes []string
	// Cut is set on a trace in the recorded form that ends without its
	// end line: a recording cut short, read as far as it went.
	Cut bool

	// derived is set when the program was derived from the records (a
	// recorded trace with a config line): Write then writes the config
	// line back rather than the program.
	derived bool

	// file and scheduleLine locate the trace and its schedule line when it
	// was read from a file, so that a schedule that does not fit the
	// program is reported where it stands.
	file         string
	scheduleLine int
	programLine  int // the program's line, or the config's
}

// NothingToJudge reports a trace without a single record, such as a
// program whose execution recorded nothing: no checker has anything to
// judge, and a verdict on it would be an empty pass. For a trace read
// from a file, the error is an *Error naming the program's (or config's)
// line.
func (t *Trace) NothingToJudge() error {
	if len(t.History.Records) > 0 {
		return nil
	}
	err := fmt.Errorf("nothing to judge: the program has %d operations and the trace records none", t.Program.Ops())
	if t.file == "" {
		return err
	}
	return &Error{t.file, t.programLine, err}
}

// ScheduleError places err, a problem with t's schedule, where the
// schedule stands: for a trace read from a file, an *Error naming the
// file and the schedule's line. A trace made in memory has no line, and
// err comes back as it is.
func (t *Trace) ScheduleError(err error) error {
	if t.file == "" {
		return err
	}
	return &Error{t.file, t.scheduleLine, err}
}

// Event kinds, the "kind" of each line, in the order FORMAT.md documents
// them.
const (
	KindHeader    = "header"
	KindConfig    = "config" // the recorded form's, in place of a program
	KindProgram   = "program"
	KindNote      = "note"
	KindCall      = "call"
	KindReturn    = "return"
	KindEvent     = "event" // the recorded form's
	KindFault     = "fault"
	KindSchedule  = "schedule"
	KindViolation = "violation"
	KindEnd       = "end"
)

// Kinds lists every event kind a trace may hold.
var Kinds = []string{KindHeader, KindProgram, KindNote, KindCall, KindReturn, KindFault, KindSchedule, KindViolation, KindEnd}

// RecordedKinds lists the event kinds of the recorded form, in the order
// FORMAT.md documents them there: a call and a return are not the same
// lines as in version 1 (they pair by id).
var RecordedKinds = []string{KindHeader, KindConfig, KindProgram, KindNote, KindCall, KindReturn, KindEvent, KindFault, KindSchedule, KindViolation, KindEnd}
