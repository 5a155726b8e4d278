package sched

import (
	"fmt"
	"slices"
)

// Random picks uniformly among enabled threads with a seeded PCG generator.
type Random struct{ rng pcg }

// NewRandom returns a random-walk strategy; one seed gives one schedule for
// a given program.
func NewRandom(seed uint64) *Random {
	return &Random{rng: newPCG(seed, 0x5eed5c4ed)}
}

// Pick implements Strategy.
func (r *Random) Pick(_ int, enabled []int) int {
	return enabled[r.rng.IntN(len(enabled))]
}

// Replay feeds a recorded schedule back. When the recording does not fit the
// execution (the recorded thread is not enabled, or the recording runs out)
// it notes the first divergence in Err and goes on with the lowest enabled
// thread, so that the execution still ends and can be compared.
type Replay struct {
	picks []int
	Err   error
}

// NewReplay returns a strategy replaying picks.
func NewReplay(picks []int) *Replay { return &Replay{picks: picks} }

// Pick implements Strategy.
func (r *Replay) Pick(step int, enabled []int) int {
	if step < len(r.picks) && slices.Contains(enabled, r.picks[step]) {
		return r.picks[step]
	}
	if r.Err == nil {
		if step >= len(r.picks) {
			r.Err = fmt.Errorf("step %d: the schedule has only %d picks, threads %v still run", step, len(r.picks), enabled)
		} else {
			r.Err = fmt.Errorf("step %d: the schedule picks thread %d, which cannot run (runnable: %v)", step, r.picks[step], enabled)
		}
	}
	return enabled[0]
}

// Check reports a divergence, including a recording longer than the
// execution that replayed it.
func (r *Replay) Check(res Result) error {
	if r.Err != nil {
		return r.Err
	}
	if res.Steps < len(r.picks) {
		return fmt.Errorf("step %d: the execution ended, the schedule has %d picks", res.Steps, len(r.picks))
	}
	return nil
}
