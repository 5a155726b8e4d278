// Package traces is the toolbox for traces of simulator executions: it
// records an execution as a trace (FromExecution), reads traces with the
// simulator's checks added to the format's, and replays, shrinks, shows
// and visualizes them. The file format itself (tracefile/FORMAT.md) is
// package tracefile, which depends on the model and the history only.
//
// A trace holds everything needed to judge an execution (the program's
// configuration and the recorded history) and everything needed to
// reproduce it (the program, the options and the schedule). Histories from
// elsewhere, a real kernel or a file written by hand, are traces without a
// schedule: they can be checked and shrunk (by removing records), not
// replayed.
package traces

import (
	"io"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

// Trace is one execution: tracefile.Trace, named here so that the tools'
// users need not import the format.
type Trace = tracefile.Trace

// Error is a problem with a trace file, at a line: tracefile.Error, which
// Read and Replay return.
type Error = tracefile.Error

// Write writes t as JSON Lines: tracefile.Write.
func Write(w io.Writer, t *Trace) error { return tracefile.Write(w, t) }

// WriteFile writes t to path atomically: tracefile.WriteFile.
func WriteFile(path string, t *Trace) error { return tracefile.WriteFile(path, t) }

// reader adds the simulator's check to the format's.
var reader = tracefile.Reader{CheckOptions: validOptions, CheckProperty: validProperty}

// Read parses a trace as tracefile.Read does, and also rejects options
// this simulator cannot honour (an unknown bug), at line 1.
func Read(r io.Reader, name string) (*Trace, error) { return reader.Read(r, name) }

// ReadFile reads the trace at path as Read does.
func ReadFile(path string) (*Trace, error) { return reader.ReadFile(path) }

// validOptions rejects options this simulator cannot honour, so that a
// replay never silently runs without a bug the trace was recorded with.
func validOptions(o tracefile.Options) error {
	for _, b := range o.Bugs {
		if _, err := sim.ParseBug(b); err != nil {
			return err
		}
	}
	return nil
}

// validProperty rejects a violation of a property no checker judges.
func validProperty(name string) error {
	_, err := properties.ParseProperty(name)
	return err
}

// simOptions are the simulator options a trace's header records.
func simOptions(o tracefile.Options) sim.Options {
	var bugs sim.BugSet
	for _, b := range o.Bugs {
		bugs = append(bugs, sim.BugName(b))
	}
	return sim.Options{Bugs: bugs, MaxSteps: o.MaxSteps}
}

// fileOptions are the simulator options as a header records them; the
// goroutine baseline, a benchmark's switch, is not part of a trace.
func fileOptions(o sim.Options) tracefile.Options {
	return tracefile.Options{Bugs: o.Bugs.Strings(), MaxSteps: o.MaxSteps}
}

// Violations are the checkers' findings as a trace records them.
func Violations(vs []properties.Violation) []tracefile.Violation {
	if vs == nil {
		return nil
	}
	out := make([]tracefile.Violation, len(vs))
	for i, v := range vs {
		out[i] = tracefile.Violation{Property: string(v.Property), Detail: v.Detail, Records: v.Records}
	}
	return out
}

// FromExecution builds the trace of a simulator execution. Its schedule is
// never nil, even when no step ran (a program that is all setup), so that it
// can be replayed.
func FromExecution(p history.Program, seed uint64, strategy string, opt sim.Options, x sim.Execution, vs []properties.Violation) *Trace {
	return &Trace{
		Header: tracefile.Header{
			Format: tracefile.FormatVersion, Sysfsim: tracefile.Version,
			Source: "sim", Seed: seed, Strategy: strategy, Options: fileOptions(opt),
		},
		Program: p,
		// Copies: x's memory may go to a later execution (Release).
		History:    x.History.Clone(),
		Schedule:   append([]int{}, x.Schedule...),
		Violations: Violations(vs),
	}
}
