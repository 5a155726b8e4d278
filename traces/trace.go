// Package traces stores executions as JSON Lines files (FORMAT.md), reads
// them back with errors that name the file and line, and replays them.
//
// A trace holds everything needed to judge an execution (the program's
// configuration and the recorded history) and everything needed to
// reproduce it (the program, the options and the schedule). Histories from
// elsewhere, a real kernel or a file written by hand, are traces without a
// schedule: they can be checked, not replayed.
package traces

import (
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
)

// FormatVersion is the version of the file format this package writes and
// the only one it reads.
const FormatVersion = 1

// Version is sysfsim's own version, written into every header.
const Version = "0.1.0"

// Header is the first line of a trace.
type Header struct {
	Format  int    `json:"format"`
	Sysfsim string `json:"sysfsim"`
	// Source says where the history comes from: "sim" or "kernel" or
	// anything else for a hand-written one.
	Source   string      `json:"source"`
	Seed     uint64      `json:"seed"`
	Strategy string      `json:"strategy,omitempty"`
	Options  sim.Options `json:"options"`
}

// Trace is one execution.
type Trace struct {
	Header  Header
	Program history.Program
	History history.History
	// Schedule is the thread picked at each step; nil when the history did
	// not come from the simulator.
	Schedule []int
	// Violations are the checkers' findings when the trace was written.
	Violations []properties.Violation
	// Notes are free text for people: where the trace came from, what
	// shrinking did to it. Tools ignore them.
	Notes []string

	// file and scheduleLine locate the trace and its schedule line when it
	// was read from a file, so that a schedule that does not fit the
	// program is reported where it stands.
	file         string
	scheduleLine int
}

// Event kinds, the "kind" of each line, in the order FORMAT.md documents
// them.
const (
	KindHeader    = "header"
	KindProgram   = "program"
	KindNote      = "note"
	KindCall      = "call"
	KindReturn    = "return"
	KindFault     = "fault"
	KindSchedule  = "schedule"
	KindViolation = "violation"
	KindEnd       = "end"
)

// Kinds lists every event kind a trace may hold.
var Kinds = []string{KindHeader, KindProgram, KindNote, KindCall, KindReturn, KindFault, KindSchedule, KindViolation, KindEnd}

// FromExecution builds the trace of a simulator execution. Its schedule is
// never nil, even when no step ran (a program that is all setup), so that it
// can be replayed.
func FromExecution(p history.Program, seed uint64, strategy string, opt sim.Options, x sim.Execution, vs []properties.Violation) *Trace {
	return &Trace{
		Header:  Header{Format: FormatVersion, Sysfsim: Version, Source: "sim", Seed: seed, Strategy: strategy, Options: opt},
		Program: p,
		// Copies: x's memory may go to a later execution (Release).
		History:    x.History.Clone(),
		Schedule:   append([]int{}, x.Schedule...),
		Violations: vs,
	}
}
