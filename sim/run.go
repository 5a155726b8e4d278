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
	// GoroutineBaseline runs the threads as goroutines handing a baton
	// over channels (sched.Scheduler.UseGoroutines), the design the
	// coroutines replaced: the same execution, only slower. It is there
	// for benchmarks to compare against, and is not part of a trace.
	GoroutineBaseline bool `json:"-"`
	// Probe runs the execution only for what its strategy learns of it
	// (SURW's counts of interesting steps from a first run, as Fray takes
	// them; campaigns count the program's steps instead): the
	// same steps and schedule, but no history records and no coverage,
	// which no one reads. The Execution's History has no records and its
	// Coverage no points; its faults are kept. Not part of a trace.
	Probe bool `json:"-"`
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
	// Coverage is what the execution reached of the state space.
	Coverage Coverage
	kernel   *Kernel
	arena    *arena // the memory Release gives back; nil if not from one
	gen      uint64 // arena.gen when x was made: a copy released already is stale
}

// Run executes p: setup alone, then its threads under strategy. The same
// program, options and strategy decisions always give the same execution.
//
// The execution's memory is reused by a later Run once x.Release is
// called; a caller that runs executions back to back should release each
// when done with it.
func Run(p history.Program, strategy sched.Strategy, opt Options) (x Execution) {
	runOn(arenas.Get().(*arena), &p, strategy, opt, &x)
	return x
}

// runOn is Run on the memory of a, into *x. The program and the
// execution go by pointer: each is a few hundred bytes, which every level
// of calls would copy again.
func runOn(a *arena, p *history.Program, strategy sched.Strategy, opt Options, x *Execution) {
	k := prepare(p, opt, a)
	s := a.scheduler(strategy, maxSteps(opt), opt)
	spawn(s, k, p)
	finish(k, s.Run(), x)
	x.arena, x.gen = a, a.gen
}

// Explore runs p under every schedule of its concurrent part that
// sched.Explore enumerates within opts (source-DPOR without a bound, sleep
// sets within one), calling visit with each execution until visit returns
// false.
//
// The simulator's preemption points declare what the step after each
// touches (see Kernel.treeStep), and recording steps conflict with each
// other, so the reduction skips schedules that differ only in the order of
// independent steps and end in the same outcome: the same history,
// timestamps included, and the same final tree. Without a bound the search
// reaches every outcome of p; within a bound, every outcome some schedule
// within the bound reaches (TestReductionKeepsOutcomes checks both on
// small programs).
//
// As with Run, visit may Release an execution when done with it, and the
// search reuses its memory; so it does that of the executions it does not
// visit (abandoned part way, or rerun from a lower level of an iterative
// search).
func Explore(p history.Program, opt Options, eo sched.ExploreOptions, visit func(Execution) bool) sched.ExploreStats {
	if eo.MaxSteps == 0 {
		eo.MaxSteps = maxSteps(opt)
	}
	var (
		k       *Kernel
		a       *arena
		visited bool // a went to visit, which may hold on to it
	)
	setup := func(s *sched.Scheduler) {
		if a != nil && !visited {
			arenas.Put(a) // the last execution was abandoned: no one saw it
		}
		a, visited = arenas.Get().(*arena), false
		k = prepare(&p, opt, a)
		if opt.GoroutineBaseline {
			s.UseGoroutines()
		}
		spawn(s, k, &p)
	}
	return sched.Explore(setup, eo, func(r sched.Result) bool {
		var x Execution
		finish(k, r, &x)
		x.arena, x.gen, visited = a, a.gen, true
		return visit(x)
	})
}

func maxSteps(opt Options) int {
	if opt.MaxSteps == 0 {
		return DefaultMaxSteps
	}
	return opt.MaxSteps
}

// prepare makes the kernel of p and runs its setup, alone: one thread, no
// choice, nothing to record in the schedule, and so no strategy and no
// coroutine (sched.Scheduler.RunAlone), under either kind of threads.
// The setup first runs without the scheduler's bookkeeping (alone.go);
// one that waits for what it cannot have runs again, from a new kernel,
// under the scheduler, to end as it ends there.
func prepare(p *history.Program, opt Options, a *arena) *Kernel {
	k := programKernel(p, opt, a)
	if len(p.Setup) == 0 {
		return k
	}
	if !slowSetup {
		if k.runSetupFast(a.scheduler(nil, 0, opt), k.mem.body(k, history.SetupThread, p.Setup)) {
			return k
		}
		k = programKernel(p, opt, a)
	}
	s := a.scheduler(nil, 0, opt)
	if r := s.RunAlone("setup", k.mem.body(k, history.SetupThread, p.Setup)); r.Outcome != sched.Finished {
		k.fault(nil, history.Deadlock, "setup did not finish:\n"+sched.WaitForString(r.WaitFor))
		// Unwound, it left its operation marked running (Kernel.do),
		// which the threads' overlaps would count against.
		clear(k.cov.running)
	}
	return k
}

// slowSetup runs every setup under the scheduler, as one that cannot run
// alone does: for the tests that compare the two ways.
var slowSetup = false

// programKernel is the kernel of p before its setup.
func programKernel(p *history.Program, opt Options, a *arena) *Kernel {
	k := newKernel(&p.Config, opt.Bugs, a)
	k.probe, k.cov.off = opt.Probe, opt.Probe
	k.cov.start(max(len(p.Threads), 1)) // setup runs as thread 0
	// A flow records up to three steps: room for them all at once.
	k.hist.Records = growRecords(k.hist.Records, 3*p.Ops())
	return k
}

// spawn adds p's threads to s.
func spawn(s *sched.Scheduler, k *Kernel, p *history.Program) {
	k.sched = s
	for i, ops := range p.Threads {
		t := s.Go(threadName(i), k.mem.body(k, i, ops))
		// The first step only reaches the first operation's preemption
		// point (Kernel.do).
		t.FirstAccess(private{}, false)
	}
}

// finish turns the end of the concurrent part into an execution, *x,
// which is zero.
func finish(k *Kernel, r sched.Result, x *Execution) {
	switch r.Outcome {
	case sched.Deadlocked:
		k.fault(nil, history.Deadlock, sched.WaitForString(r.WaitFor))
	case sched.StepBound:
		k.fault(nil, history.StepBound, fmt.Sprintf("still running after %d steps:\n%s", r.Steps, sched.WaitForString(r.WaitFor)))
	case sched.Finished:
		k.closeAll()
	}
	// Field by field: a literal would be built aside and copied over.
	x.History = k.hist
	if len(k.faults) > 0 { // nil otherwise, as on fresh memory
		x.History.Faults = k.faults
	}
	x.Schedule, x.Steps, x.Outcome = r.Schedule, r.Steps, r.Outcome
	x.Coverage = k.cov.points
	x.kernel = k
}

// threadNames are the names of the first threads, made once.
var threadNames = [...]string{"T0", "T1", "T2", "T3", "T4", "T5", "T6", "T7"}

func threadName(i int) string {
	if i < len(threadNames) {
		return threadNames[i]
	}
	return fmt.Sprintf("T%d", i)
}
