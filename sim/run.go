package sim

import (
	"fmt"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// Options tune one execution.
type Options struct {
	Bugs BugSet `json:"bugs,omitempty"`
	// MaxSteps bounds the concurrent part; 0 means DefaultMaxSteps.
	MaxSteps int `json:"max_steps,omitempty"`
}

// DefaultMaxSteps is far above what a terminating program of a few dozen
// operations needs, and low enough that a livelock is reported quickly.
const DefaultMaxSteps = 20000

// Execution is what running a program leaves: its history and schedule.
type Execution struct {
	History  history.History
	Schedule []int
	Steps    int
	Outcome  sched.Outcome
	kernel   *Kernel
}

// Run executes p: setup alone, then its threads under strategy. The same
// program, options and strategy decisions always give the same execution.
func Run(p history.Program, strategy sched.Strategy, opt Options) Execution {
	k := newKernel(p.Config, opt.Bugs)
	if len(p.Setup) > 0 {
		// Setup has one thread and so no choice: nothing to record.
		s := sched.New(firstEnabled{}, 0)
		s.Go("setup", func(t *sched.Thread) {
			for _, op := range p.Setup {
				k.do(t, history.SetupThread, op)
			}
		})
		if r := s.Run(); r.Outcome != sched.Finished {
			k.fault(nil, history.Deadlock, "setup did not finish:\n"+sched.WaitForString(r.WaitFor))
		}
	}
	maxSteps := opt.MaxSteps
	if maxSteps == 0 {
		maxSteps = DefaultMaxSteps
	}
	s := sched.New(strategy, maxSteps)
	for i, ops := range p.Threads {
		s.Go(fmt.Sprintf("T%d", i), func(t *sched.Thread) {
			for _, op := range ops {
				k.do(t, i, op)
			}
		})
	}
	r := s.Run()
	switch r.Outcome {
	case sched.Deadlocked:
		k.fault(nil, history.Deadlock, sched.WaitForString(r.WaitFor))
	case sched.StepBound:
		k.fault(nil, history.StepBound, fmt.Sprintf("still running after %d steps:\n%s", r.Steps, sched.WaitForString(r.WaitFor)))
	case sched.Finished:
		k.closeAll()
	}
	h := k.hist
	h.Faults = k.faults
	return Execution{History: h, Schedule: r.Schedule, Steps: r.Steps, Outcome: r.Outcome, kernel: k}
}

type firstEnabled struct{}

func (firstEnabled) Pick(_ int, enabled []int) int { return enabled[0] }
