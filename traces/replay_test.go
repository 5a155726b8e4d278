package traces

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

// baseTrace is the format's read tests' small valid trace (package
// tracefile's testdata/base.jsonl), one line a string: setup creates eth1,
// then create(ns1, "eth0") || lookup(m1, "eth0").
var baseTrace = func() []string {
	b, err := os.ReadFile("tracefile/testdata/base.jsonl")
	if err != nil {
		panic(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}()

// withOptions returns baseTrace with the header's options replaced.
func withOptions(opts string) string {
	header := strings.Replace(baseTrace[0], `"options":{}`, `"options":`+opts, 1)
	return strings.Join(append([]string{header}, baseTrace[1:]...), "\n") + "\n"
}

// TestReadChecksBugs: Read rejects, at line 1, a bug this simulator does
// not have, which the format alone (tracefile.Read) accepts.
func TestReadChecksBugs(t *testing.T) {
	cases := []struct {
		name, opts string
		format     bool   // tracefile.Read accepts it
		want       string // the start of Read's error, "" for accepted
	}{
		{"no bugs", `{}`, true, ""},
		{"a seeded bug", `{"bugs":["unlocked-add"]}`, true, ""},
		{"unknown bug", `{"bugs":["no-such-bug"]}`, true, `bad.jsonl:1: unknown bug "no-such-bug" (known: ` + strings.Join(sim.BugNames().Strings(), ", ") + ")"},
		{"unknown bug before a negative bound", `{"bugs":["unlocked-add","no-such-bug"],"max_steps":-1}`, false, `bad.jsonl:1: unknown bug "no-such-bug"`},
		{"negative bound", `{"bugs":["unlocked-add"],"max_steps":-1}`, false, "bad.jsonl:1: max_steps -1 is negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := withOptions(c.opts)
			if _, err := tracefile.Read(strings.NewReader(text), "bad.jsonl"); (err == nil) != c.format {
				t.Errorf("tracefile.Read: error %v, want accepted %v", err, c.format)
			}
			_, err := Read(strings.NewReader(text), "bad.jsonl")
			var te *Error
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case c.want == "":
			case err == nil || !strings.HasPrefix(err.Error(), c.want):
				t.Fatalf("error %v, want one starting %q", err, c.want)
			case !errors.As(err, &te):
				t.Fatalf("error %v is a %T, not a *traces.Error", err, err)
			}
		})
	}
}

// recorded runs the program of baseTrace on the simulator, lets edit
// change the trace, and returns it as text with the line number of its
// schedule and what edit returned.
func recorded(t *testing.T, edit func(*Trace) string) (text string, line int, want string) {
	t.Helper()
	base, err := Read(strings.NewReader(strings.Join(baseTrace, "\n")+"\n"), "base.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	x := sim.Run(base.Program, sched.NewRandom(3), sim.Options{})
	tr := FromExecution(base.Program, 3, "random", sim.Options{}, x, nil)
	want = edit(tr)
	var b bytes.Buffer
	if err := Write(&b, tr); err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(l, `{"kind":"schedule"`) {
			line = i + 1
		}
	}
	return b.String(), line, want
}

// TestReplay re-executes a recorded trace as it is and with each kind of
// damage; the wanted messages may hold %[1]d, the schedule's line.
func TestReplay(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Trace) string // returns what the error must say, "" for none
	}{
		{"faithful", func(*Trace) string { return "" }},
		{"schedule too short", func(t *Trace) string {
			t.Schedule = t.Schedule[:3]
			return "bad.jsonl:%[1]d: the schedule does not fit the program: step 3: the schedule has only 3 picks"
		}},
		{"schedule too long", func(t *Trace) string {
			t.Schedule = append(t.Schedule, 0)
			return "bad.jsonl:%[1]d: the schedule does not fit the program: step "
		}},
		{"schedule picks a finished thread", func(t *Trace) string {
			// Pick again, right after its last step, the thread that
			// finishes first.
			last := map[int]int{}
			for i, th := range t.Schedule {
				last[th] = i
			}
			first := len(t.Schedule)
			for _, i := range last {
				first = min(first, i)
			}
			th := t.Schedule[first]
			t.Schedule = slices.Insert(t.Schedule, first+1, th)
			return fmt.Sprintf("bad.jsonl:%%[1]d: the schedule does not fit the program: step %d: the schedule picks thread %d, which cannot run", first+1, th)
		}},
		{"another result", func(t *Trace) string {
			t.History.Records[1].Result.Err = "EIO"
			return "operation 2: the trace has T"
		}},
		{"no schedule", func(t *Trace) string {
			t.Schedule = nil
			return ErrNoSchedule.Error()
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text, line, want := recorded(t, c.edit)
			if strings.Contains(want, "%[1]d") {
				want = fmt.Sprintf(want, line)
			}
			tr, err := Read(strings.NewReader(text), "bad.jsonl")
			if err != nil {
				t.Fatal(err)
			}
			_, err = Replay(tr)
			switch {
			case want == "" && err != nil:
				t.Fatalf("replay: %v", err)
			case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
				t.Fatalf("replay error %v, want one saying %q", err, want)
			}
		})
	}
}

// TestDiff names where two histories part, for every field Diff compares:
// each edit of the replayed history must be reported, and the history
// itself must not.
func TestDiff(t *testing.T) {
	base, err := Read(strings.NewReader(strings.Join(baseTrace, "\n")+"\n"), "base.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	want := sim.Run(base.Program, sched.NewRandom(3), sim.Options{}).History
	n := len(want.Records)
	cases := []struct {
		name string
		edit func(h *history.History)
		msg  string // the start of Diff's error, "" for none
	}{
		{"the same", func(*history.History) {}, ""},
		{"another call time", func(h *history.History) { h.Records[1].Call++ }, "operation 2: the trace has"},
		{"another return time", func(h *history.History) { h.Records[1].Return++ }, "operation 2: the trace has"},
		{"another thread", func(h *history.History) { h.Records[n-1].Thread = 7 }, fmt.Sprintf("operation %d: the trace has", n)},
		{"pending", func(h *history.History) { h.Records[n-1].Pending = true }, fmt.Sprintf("operation %d: the trace has", n)},
		{"another result", func(h *history.History) { h.Records[n-1].Result.Err = model.EBUSY }, fmt.Sprintf("operation %d: the trace has", n)},
		{"a record more", func(h *history.History) { h.Records = append(h.Records, h.Records[n-1]) }, fmt.Sprintf("operation %d: the replay has", n+1)},
		{"a record less", func(h *history.History) { h.Records = h.Records[:n-1] }, fmt.Sprintf("operation %d: the trace has", n)},
		{"a fault more", func(h *history.History) {
			h.Faults = append(h.Faults, history.Fault{Kind: history.Leak, Thread: 0, Time: 9, Detail: "x"})
		}, "faults differ"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := want
			got.Records = slices.Clone(want.Records)
			got.Faults = slices.Clone(want.Faults)
			c.edit(&got)
			err := Diff(want, got)
			switch {
			case c.msg == "" && err != nil:
				t.Fatalf("Diff of a history with itself: %v", err)
			case c.msg != "" && (err == nil || !strings.HasPrefix(err.Error(), c.msg)):
				t.Fatalf("Diff = %v, want an error starting %q", err, c.msg)
			}
		})
	}
}
