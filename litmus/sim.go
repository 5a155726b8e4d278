package litmus

import (
	"time"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// SimResult is what exhaustive search of the simulator found for a test.
type SimResult struct {
	// Counts is how many schedules gave each outcome, by its String.
	Counts   map[string]int
	Outcomes map[string]Outcome
	// Violations are the schedules some property checker rejected.
	Violations []Violation
	Stats      sched.ExploreStats
	Elapsed    time.Duration
}

// Violation is a schedule a checker rejected, with what it needs to be
// saved as a trace.
type Violation struct {
	Found []properties.Violation
	Exec  sim.Execution // not released
}

// RunSim explores every schedule of t on the simulator with bugs seeded,
// without a preemption bound, runs every property checker on each, and
// counts the outcomes.
func RunSim(t *Test, opt sim.Options) SimResult {
	start := time.Now()
	r := SimResult{Counts: map[string]int{}, Outcomes: map[string]Outcome{}}
	eo := sched.ExploreOptions{Bound: sched.Unbounded}
	r.Stats = sim.Explore(t.Program, opt, eo, func(x sim.Execution) bool {
		// Check judges the faults the simulator noticed too.
		rep := properties.Check(x.History, properties.Options{})
		violated := map[string]bool{}
		for _, v := range rep.Violations {
			violated[string(v.Property)] = true
		}
		o := outcome(t, simResults(t, x.History), x.View, violated)
		k := o.String()
		if r.Counts[k]++; r.Counts[k] == 1 {
			r.Outcomes[k] = o
		}
		if len(rep.Violations) > 0 {
			r.Violations = append(r.Violations, Violation{rep.Violations, x})
		} else {
			x.Release()
		}
		return true
	})
	r.Elapsed = time.Since(start)
	return r
}

// simResults reads each bound operation's result from a history, where a
// device flow is recorded as its steps.
func simResults(t *Test, h history.History) map[string]string {
	byThread := make([][]history.Record, len(t.Program.Threads))
	for _, rec := range h.Records {
		if rec.Thread >= 0 && rec.Thread < len(byThread) {
			byThread[rec.Thread] = append(byThread[rec.Thread], rec)
		}
	}
	out := map[string]string{}
	for i, ops := range t.Program.Threads {
		recs := byThread[i]
		for j, op := range ops {
			var v string
			v, recs = opResult(op, recs)
			if b := t.Binds[i][j]; b != "" {
				out[b] = v
			}
		}
	}
	return out
}

// opResult takes op's records from the front of recs and returns its
// value and the records left.
func opResult(op model.Op, recs []history.Record) (string, []history.Record) {
	// Steps taken on the thread's behalf that are not its operations (the
	// cleanup_net of an exit under the kernel's scheme) come between them.
	flow := model.FlowOf(op)
	first := flow.Steps()[0].Op.Kind
	for len(recs) > 0 && recs[0].Op.Kind != op.Kind && recs[0].Op.Kind != first {
		recs = recs[1:]
	}
	if len(recs) == 0 {
		return "pending", nil
	}
	if !op.Kind.IsFlow() || recs[0].Op.Kind == op.Kind {
		return value(recs[0]), recs[1:]
	}
	v := "pending"
	for _, st := range flow.Steps() {
		if len(recs) == 0 || recs[0].Op.Kind != st.Op.Kind {
			return v, recs
		}
		rec := recs[0]
		recs, v = recs[1:], value(rec)
		if rec.Pending || rec.Result.Err == model.OK {
			continue
		}
		if st.Undo.Kind != 0 && len(recs) > 0 && recs[0].Op.Kind == st.Undo.Kind {
			recs = recs[1:]
		}
		return v, recs
	}
	return v, recs
}

func value(rec history.Record) string {
	if rec.Pending {
		return "pending"
	}
	return Value(rec.Result)
}
