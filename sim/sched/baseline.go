package sched

// This file keeps, as a benchmark baseline only, the design the scheduler
// replaced: each simulated thread is a goroutine, and the scheduler and
// the thread hand a baton back and forth over unbuffered channels. It
// reuses Scheduler.Run, the threads' decisions and the Thread values
// unchanged, so the two differ in how a thread is suspended and resumed
// and in what that costs to set up: a goroutine and two channels per
// thread of every execution here, where coroutines are pooled.

// UseGoroutines makes the threads that Go adds from now on goroutines
// handing a baton over channels instead of coroutines. It exists to
// measure the coroutines against (BenchmarkSteps, and sim's and
// campaign's benchmarks through sim.Options.GoroutineBaseline); the
// executions are the same either way.
func (s *Scheduler) UseGoroutines() { s.goroutines = true }

// goBaton starts t's function on a goroutine of its own, waiting for the
// baton, and returns the stand-in coroutine through which the scheduler
// passes it.
func goBaton(t *Thread, fn func(t *Thread)) *coroutine {
	resume := make(chan struct{}) // scheduler to thread: run a step
	parked := make(chan struct{}) // thread to scheduler: parked or returned
	c := &coroutine{t: t, fn: fn, unpooled: true}
	c.yield = func(struct{}) bool {
		parked <- struct{}{}
		<-resume
		return true
	}
	c.next = func() (struct{}, bool) {
		resume <- struct{}{}
		<-parked
		return struct{}{}, true
	}
	go func() {
		<-resume
		c.run()
		parked <- struct{}{}
	}()
	return c
}
