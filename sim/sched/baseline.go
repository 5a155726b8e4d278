package sched

// This file keeps, as a benchmark baseline only, the design the scheduler
// replaced: each simulated thread is a goroutine, and the scheduler and
// the thread hand a baton back and forth over unbuffered channels. It
// reuses Scheduler.Run and the threads' decisions unchanged, so the two
// differ only in how a thread is suspended and resumed.

// UseGoroutines makes the threads that Go adds from now on goroutines
// handing a baton over channels instead of coroutines. It exists to
// measure the coroutines against (BenchmarkSteps, and sim's and
// campaign's benchmarks through sim.Options.GoroutineBaseline); the
// executions are the same either way.
func (s *Scheduler) UseGoroutines() { s.goroutines = true }

// goBaton is Scheduler.Go with the thread on a goroutine.
func goBaton(s *Scheduler, name string, fn func(t *Thread)) *Thread {
	t := &Thread{id: len(s.threads), name: name, s: s, pending: access{all: true}}
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
	t.co = c
	s.threads = append(s.threads, t)
	return t
}
