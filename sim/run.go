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
	k := prepare(p, opt)
	s := sched.New(strategy, maxSteps(opt))
	spawn(s, k, p)
	return finish(k, s.Run())
}

// Explore runs p under every schedule of its concurrent part that
// sched.Explore enumerates within opts (a preemption bound, sleep sets),
// calling visit with each execution until visit returns false.
//
// The simulator's preemption points declare what the step after each
// touches (see Kernel.treeStep), and recording steps conflict with each
// other, so sleep sets skip schedules that differ only in the order of
// independent steps and end in the same outcome: the same history,
// timestamps included, and the same final tree. Without a bound the search
// reaches every outcome of p; within a bound, every outcome some schedule
// within the bound reaches (TestReductionKeepsOutcomes checks both on
// small programs).
func Explore(p history.Program, opt Options, eo sched.ExploreOptions, visit func(Execution) bool) sched.ExploreStats {
	if eo.MaxSteps == 0 {
		eo.MaxSteps = maxSteps(opt)
	}
	var k *Kernel
	setup := func(s *sched.Scheduler) {
		k = prepare(p, opt)
		spawn(s, k, p)
	}
	return sched.Explore(setup, eo, func(r sched.Result) bool { return visit(finish(k, r)) })
}

func maxSteps(opt Options) int {
	if opt.MaxSteps == 0 {
		return DefaultMaxSteps
	}
	return opt.MaxSteps
}

// prepare makes the kernel of p and runs its setup, alone: one thread, no
// choice, nothing to record in the schedule.
func prepare(p history.Program, opt Options) *Kernel {
	k := newKernel(p.Config, opt.Bugs)
	// A flow records up to three steps: room for them all at once.
	k.hist.Records = make([]history.Record, 0, 3*p.Ops())
	if len(p.Setup) > 0 {
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
	return k
}

// spawn adds p's threads to s.
func spawn(s *sched.Scheduler, k *Kernel, p history.Program) {
	k.sched = s
	for i, ops := range p.Threads {
		t := s.Go(fmt.Sprintf("T%d", i), func(t *sched.Thread) {
			for _, op := range ops {
				k.do(t, i, op)
			}
		})
		// The first step only reaches the first operation's preemption
		// point (Kernel.do).
		t.FirstAccess(private{}, false)
	}
}

// finish turns the end of the concurrent part into an execution.
func finish(k *Kernel, r sched.Result) Execution {
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
