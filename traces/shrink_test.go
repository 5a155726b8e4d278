package traces

import (
	"strings"

	"bytes"
	"errors"
	"github.com/sysfsim/sysfsim/history"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

func TestPreemptions(t *testing.T) {
	cases := []struct {
		schedule []int
		want     int
	}{
		{nil, 0},
		{[]int{0, 0, 1, 1}, 0},       // T0 finishes, then T1
		{[]int{0, 1, 0}, 1},          // T0 preempted once
		{[]int{0, 1, 0, 1}, 2},       // the last switch leaves a finished T0
		{[]int{0, 1, 1, 2, 0, 2}, 2}, // 0->1, 1->2 (T1 done: no), 2->0, 0->2 (T0 done: no)
	}
	for _, c := range cases {
		if got := Preemptions(c.schedule); got != c.want {
			t.Errorf("Preemptions(%v) = %d, want %d", c.schedule, got, c.want)
		}
	}
}

func TestContinueAt(t *testing.T) {
	cases := []struct {
		s    []int
		at   int
		want []int
	}{
		{[]int{0, 1, 1, 0, 0, 1}, 1, []int{0, 0, 0, 1, 1, 1}},
		{[]int{0, 1, 2, 1, 0, 2}, 2, []int{0, 1, 1, 2, 0, 2}},
		{[]int{0, 0, 1}, 2, nil}, // T0 never runs again
	}
	for _, c := range cases {
		if got := continueAt(c.s, c.at); !slices.Equal(got, c.want) {
			t.Errorf("continueAt(%v, %d) = %v, want %v", c.s, c.at, got, c.want)
		}
	}
}

// failing finds an execution of a generated program with the bug that
// violates some property; for a bug too rare to show in a few hundred
// executions, it takes the bug's trace in the corpus (testdata/bugs),
// so that every bug is shrunk.
func failing(t *testing.T, bug sim.BugName) *Trace {
	t.Helper()
	for s := uint64(1); s < 500; s++ {
		p := gen.Program(gen.NewRand(s), gen.Options{})
		opt := sim.Options{Bugs: sim.BugSet{bug}}
		x := sim.Run(p, sched.NewRandom(s), opt)
		if r := properties.Check(x.History, properties.Options{}); len(r.Violations) > 0 {
			return FromExecution(p, s, "random", opt, x, r.Violations)
		}
	}
	name := "testdata/bugs/" + string(bug) + ".jsonl"
	f, err := os.Open(name)
	if err != nil {
		t.Fatalf("no failing execution with %s in 500 tries, and no corpus trace: %v", bug, err)
	}
	defer f.Close()
	tr, err := Read(f, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Violations) == 0 {
		t.Fatalf("%s violates nothing", name)
	}
	return tr
}

func TestShrinkKeepsThePropertyAndReplays(t *testing.T) {
	for _, b := range sim.Bugs {
		t.Run(string(b.Name), func(t *testing.T) {
			tr := failing(t, b.Name)
			small, st, err := Shrink(tr, ShrinkOptions{})
			if err != nil {
				t.Fatal(err)
			}
			t.Log(st)
			if string(st.Property) != tr.Violations[0].Property {
				t.Errorf("kept %s, want the first violation's %s", st.Property, tr.Violations[0].Property)
			}
			if !slices.ContainsFunc(small.Violations, func(v tracefile.Violation) bool { return v.Property == string(st.Property) }) {
				t.Errorf("the shrunk trace violates %v, not %s", small.Violations, st.Property)
			}
			if st.OpsAfter > st.OpsBefore || st.OpsAfter != small.Program.Ops() || st.PreemptionsAfter > st.PreemptionsBefore && st.OpsAfter == st.OpsBefore {
				t.Errorf("not smaller: %v", st)
			}
			if _, err := Replay(small); err != nil {
				t.Errorf("the shrunk trace does not replay: %v", err)
			}
			again, _, err := Shrink(tr, ShrinkOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var a, b bytes.Buffer
			Write(&a, small)
			Write(&b, again)
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("two shrinks differ:\n%s\n%s", a.Bytes(), b.Bytes())
			}
		})
	}
}

func TestShrinkRefuses(t *testing.T) {
	tr := failing(t, sim.BugUnlockedAdd)
	noSched := *tr
	noSched.Schedule = nil
	if _, st, err := Shrink(&noSched, ShrinkOptions{}); err != nil || st.Method != MethodHistory {
		t.Errorf("without a schedule: %v, %v; want a shrink by removing records", st, err)
	}
	deadlock := handTrace([]rec{{0, createEth0, ok}})
	deadlock.History.Faults = []history.Fault{{Kind: history.Deadlock, Thread: -1, Time: 3, Detail: "stuck"}}
	if _, _, err := Shrink(deadlock, ShrinkOptions{}); err == nil || !strings.Contains(err.Error(), "faults") {
		t.Errorf("a liveness fault without a schedule: %v, want a refusal", err)
	}
	p := gen.Program(gen.NewRand(1), gen.Options{})
	x := sim.Run(p, sched.NewRandom(1), sim.Options{})
	if r := properties.Check(x.History, properties.Options{}); r.OK() {
		if _, _, err := Shrink(FromExecution(p, 1, "random", sim.Options{}, x, nil), ShrinkOptions{}); !errors.Is(err, ErrNoViolation) {
			t.Errorf("a passing trace: %v, want ErrNoViolation", err)
		}
	}
	if _, _, err := Shrink(tr, ShrinkOptions{Property: "no-such-property"}); err == nil {
		t.Error("shrinking for a property the trace does not violate succeeded")
	}
}

// A trace whose property cannot be decided within the caller's bound is
// not a trace without a violation: Shrink says it is undecided.
func TestShrinkUndecided(t *testing.T) {
	bound := properties.Options{LinearizabilityTimeout: time.Nanosecond}
	for seed := uint64(1); seed <= 50; seed++ {
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 4, MaxThreads: 4, MaxOps: 1000})
		x := sim.Run(p, sched.NewRandom(seed), sim.Options{MaxSteps: 1 << 20})
		if r := properties.Check(x.History, bound); len(r.Violations) > 0 || len(r.Unknown) == 0 {
			continue
		}
		tr := FromExecution(p, seed, "random", sim.Options{}, x, nil)
		tr.Schedule = nil
		_, _, err := Shrink(tr, ShrinkOptions{Check: bound})
		if !errors.Is(err, ErrUndecided) || !strings.Contains(err.Error(), "linearizability") {
			t.Fatalf("an undecided trace: %v, want ErrUndecided naming linearizability", err)
		}
		return
	}
	t.Fatal("no history undecided at 1ns in 50 seeds")
}
