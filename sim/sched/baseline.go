package sched

// This file keeps, as a benchmark baseline only, the design the scheduler
// replaced: each simulated thread is a goroutine, and the scheduler and
// the thread hand a baton back and forth over unbuffered channels. It
// reuses Scheduler.Run, the threads' decisions and the Thread values
// unchanged, so the two differ in how a thread is suspended and resumed
// and in what that costs to set up: a goroutine and two channels per
// thread of every execution here, where coroutines are pooled; and two
// handoffs per step, through Run, where a coroutine resumes the next
// thread's directly.

// UseGoroutines makes the threads that Go adds from now on goroutines
// handing a baton over channels instead of coroutines. It exists to
// measure the coroutines against (BenchmarkSteps, and sim's and
// campaign's benchmarks through sim.Options.GoroutineBaseline); the
// executions are the same either way.
func (s *Scheduler) UseGoroutines() { s.goroutines = true }

// baton is the pair of channels between Run and a goroutine thread.
type baton struct {
	resume chan struct{} // Run to thread: run a step
	parked chan struct{} // thread to Run: parked or returned
}

// goBaton starts t's function on a goroutine of its own, waiting for the
// baton, and returns the stand-in coroutine through which the scheduler
// passes it.
func goBaton(t *Thread, fn func(t *Thread)) *coroutine {
	b := &baton{resume: make(chan struct{}), parked: make(chan struct{})}
	c := &coroutine{t: t, fn: fn, baton: b}
	go func() {
		<-b.resume
		next, panicked := c.runThread()
		t.s.raise(panicked)
		t.s.handoff = next
		b.parked <- struct{}{}
	}()
	return c
}

// run passes the baton to the thread and waits for it back.
func (b *baton) run() {
	b.resume <- struct{}{}
	<-b.parked
}

// park passes the baton back to Run and waits for it again.
func (b *baton) park() {
	b.parked <- struct{}{}
	<-b.resume
}
