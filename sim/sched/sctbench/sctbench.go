// Package sctbench ports small buggy programs from SCTBench (Thomson,
// Donaldson and Betts, "Concurrency testing using controlled schedulers: an
// empirical study", PPoPP 2014 / TOPC 2016; github.com/mc-imperial/sctbench)
// to the simulated thread API of package sched, so that its exploration
// strategies can be checked and compared on programs with known bugs.
//
// As in SCTBench, the preemption points are the synchronisation operations
// and the racy memory accesses: an access to data always protected by one
// lock happens inside the step that takes the lock, and every racy access
// gets its own Access point, declaring the variable so that exhaustive
// search can tell independent steps apart. Each port keeps the original's
// thread counts and creation order; comments name the original file.
package sctbench

import "github.com/sysfsim/sysfsim/sim/sched"

// Program is one benchmark.
type Program struct {
	Name string
	// Threads is the number of threads, the n of PCT.
	Threads int
	// Setup creates the program's threads, with fresh state, on s. The
	// function it returns tells, once s has run, whether the bug showed:
	// a failed assertion or a deadlock.
	Setup func(s *sched.Scheduler) (bug func(sched.Result) bool)
}

// All lists the ported programs.
var All = []Program{
	{Name: "account_bad", Threads: 3, Setup: account},
	{Name: "deadlock01_bad", Threads: 2, Setup: deadlock01},
	{Name: "reorder_3_bad", Threads: 3, Setup: reorder(2, 1)},
	{Name: "reorder_5_bad", Threads: 5, Setup: reorder(4, 1)},
	{Name: "twostage_bad", Threads: 2, Setup: twostage},
	{Name: "wronglock_bad", Threads: 8, Setup: wronglock(1, 7)},
}

// failedOrDeadlocked is the bug predicate of most ports: an assertion
// failed (the port set *failed) or the execution deadlocked.
func failedOrDeadlocked(failed *bool) func(sched.Result) bool {
	return func(r sched.Result) bool { return *failed || r.Outcome == sched.Deadlocked }
}
