package traces

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// ErrNoSchedule is returned when replaying a trace that has no schedule,
// such as a kernel history.
var ErrNoSchedule = errors.New("the trace has no schedule (it was not recorded by the simulator); it can be checked, not replayed")

// Replay re-executes the trace's program under its recorded schedule and
// compares the new history with the recorded one. It returns the new
// execution and, if they differ, an error naming the first difference: the
// first step where the schedule does not fit the program, or else the first
// operation or fault that differs. For a trace read from a file, a schedule
// that does not fit is an *Error naming the file and the schedule's line.
func Replay(t *Trace) (sim.Execution, error) {
	if t.Schedule == nil {
		return sim.Execution{}, ErrNoSchedule
	}
	rp := sched.NewReplay(t.Schedule)
	x := sim.Run(t.Program, rp, simOptions(t.Header.Options))
	if err := rp.Check(sched.Result{Steps: x.Steps}); err != nil {
		return x, t.ScheduleError(fmt.Errorf("the schedule does not fit the program: %w", err))
	}
	return x, Diff(t.History, x.History)
}

// Diff returns nil when two histories are the same, or an error naming the
// first operation or fault where they part.
func Diff(want, got history.History) error {
	for i := range max(len(want.Records), len(got.Records)) {
		if i >= len(want.Records) {
			return fmt.Errorf("operation %d: the replay has %s, the trace ends", i+1, describe(got.Records[i]))
		}
		if i >= len(got.Records) {
			return fmt.Errorf("operation %d: the trace has %s, the replay ends", i+1, describe(want.Records[i]))
		}
		w, g := want.Records[i], got.Records[i]
		if w.Thread != g.Thread || w.Op != g.Op || w.Pending != g.Pending || w.Call != g.Call || w.Return != g.Return || !model.SameResult(w.Result, g.Result) {
			return fmt.Errorf("operation %d: the trace has %s, the replay %s", i+1, describe(w), describe(g))
		}
	}
	if !reflect.DeepEqual(normFaults(want.Faults), normFaults(got.Faults)) {
		return fmt.Errorf("faults differ: the trace has %v, the replay %v", want.Faults, got.Faults)
	}
	return nil
}

func normFaults(fs []history.Fault) []history.Fault {
	if len(fs) == 0 {
		return nil
	}
	return fs
}

func describe(r history.Record) string {
	if r.Pending {
		return fmt.Sprintf("T%d %v called at %d, never returned", r.Thread, r.Op, r.Call)
	}
	return fmt.Sprintf("T%d %v -> %v at [%d,%d]", r.Thread, r.Op, r.Result, r.Call, r.Return)
}
