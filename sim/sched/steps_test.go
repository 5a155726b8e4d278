package sched

import "testing"

// stepsRead is a random walk that declares it reads the steps.
type stepsRead struct{ *Random }

func (stepsRead) readsSteps() {}

// The scheduler records what a step touched for a strategy that reads it,
// and for no other: the last step of a counters execution unlocks a mutex
// or writes the racy counter, which a random walk is not told.
func TestStepsRecordedForStepReadersOnly(t *testing.T) {
	for _, c := range []struct {
		strategy Strategy
		logged   bool
	}{{NewRandom(1), false}, {stepsRead{NewRandom(1)}, true}} {
		s := New(c.strategy, 0)
		counters((*Scheduler).Go, s, 3, 9)
		s.Run()
		if got := len(s.stepAcc) > 0; got != c.logged {
			t.Errorf("%T: step recorded %v, want %v (%v)", c.strategy, got, c.logged, s.stepAcc)
		}
	}
}
