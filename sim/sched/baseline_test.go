package sched

// This file keeps, as a benchmark baseline only, the design the scheduler
// replaced: each simulated thread is a goroutine, and the scheduler and
// the thread hand a baton back and forth over unbuffered channels. It
// reuses Scheduler.Run unchanged, so the two differ only in how a thread
// is suspended and resumed.

// goBaton is Scheduler.Go with the thread on a goroutine.
func goBaton(s *Scheduler, name string, fn func(t *Thread)) *Thread {
	t := &Thread{id: len(s.threads), name: name, s: s, pending: access{all: true}}
	resume := make(chan bool) // scheduler to thread: run a step (true) or abort
	parked := make(chan bool) // thread to scheduler: parked (true) or returned
	t.yield = func(struct{}) bool {
		parked <- true
		return <-resume
	}
	go func() {
		defer func() {
			if r := recover(); r != nil && r != errAbort {
				panic(r)
			}
			parked <- false
		}()
		if <-resume {
			fn(t)
		}
	}()
	returned := false
	t.next = func() (struct{}, bool) {
		if returned {
			return struct{}{}, false
		}
		resume <- true
		returned = !<-parked
		return struct{}{}, !returned
	}
	t.stop = func() {
		if !returned {
			resume <- false
			<-parked
			returned = true
		}
	}
	s.threads = append(s.threads, t)
	return t
}
