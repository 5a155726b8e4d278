package sched

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestRunAloneAsRun: a lone thread run by RunAlone ends as the same
// thread run by Go and Run (under NewRandom, which has one thread to
// pick), step count, wait-for graph and unwinding included; only the
// Schedule is left out.
func TestRunAloneAsRun(t *testing.T) {
	for _, c := range []struct {
		name     string
		maxSteps int
		outcome  Outcome
		// body runs as the lone thread and logs what it did.
		body func(th *Thread, log *[]string)
	}{
		{"finishes", 0, Finished, func(th *Thread, log *[]string) {
			m := &Mutex{Name: "m"}
			th.Yield()
			th.Lock(m)
			th.Access(m, true)
			th.Unlock(m)
			th.RLock(m)
			th.RUnlock(m)
			th.Wait("true", func() bool { return true })
			*log = append(*log, "returned")
		}},
		{"waits forever, holding a lock", 0, Deadlocked, func(th *Thread, log *[]string) {
			m := &Mutex{Name: "m"}
			th.Lock(m)
			defer func() { *log = append(*log, fmt.Sprintf("unwound, holder %d", m.Holder())) }()
			defer th.Unlock(m)
			th.Wait("never", func() bool { return false })
			*log = append(*log, "returned")
		}},
		{"waits for a lock held by another", 0, Deadlocked, func(th *Thread, log *[]string) {
			m := &Mutex{Name: "m", holder: &Thread{id: 3}}
			th.Yield()
			defer func() { *log = append(*log, "unwound") }()
			th.Lock(m)
		}},
		{"reaches the step bound", 4, StepBound, func(th *Thread, log *[]string) {
			defer func() { *log = append(*log, "unwound") }()
			for i := range 10 {
				*log = append(*log, fmt.Sprint("step ", i))
				th.Yield()
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var runLog, aloneLog []string
			s := New(NewRandom(1), c.maxSteps)
			s.Go("lone", func(th *Thread) { c.body(th, &runLog) })
			want := s.Run()
			s.Reset(nil, c.maxSteps)
			got := s.RunAlone("lone", func(th *Thread) { c.body(th, &aloneLog) })
			if got.Outcome != c.outcome || want.Outcome != c.outcome {
				t.Fatalf("outcome %v alone, %v under Run; want %v", got.Outcome, want.Outcome, c.outcome)
			}
			if got.Steps != want.Steps || !reflect.DeepEqual(got.WaitFor, want.WaitFor) {
				t.Errorf("alone: %d steps, waits\n%s; under Run: %d steps, waits\n%s",
					got.Steps, WaitForString(got.WaitFor), want.Steps, WaitForString(want.WaitFor))
			}
			if !reflect.DeepEqual(aloneLog, runLog) {
				t.Errorf("alone the thread did %q, under Run %q", aloneLog, runLog)
			}
		})
	}
}

// TestRunAlonePanics: a panic of the lone thread goes on through
// RunAlone, as Run raises it again.
func TestRunAlonePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "boom") {
			t.Fatalf("recovered %v, want the thread's panic", r)
		}
	}()
	New(nil, 0).RunAlone("lone", func(th *Thread) {
		th.Yield()
		panic("boom")
	})
	t.Fatal("RunAlone returned")
}
