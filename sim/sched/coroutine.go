package sched

import (
	"iter"
	"runtime"
	"sync"
)

// Coroutines, and how control passes between them.
//
// A thread that parks for another's step resumes that thread's coroutine
// itself: one switch per step, where going back to Run's loop and out
// again took two. A coroutine is an iter.Pull pair, and what makes the
// direct switch possible is what Pull is made of: a runtime coro, which
// always holds one suspended goroutine, and whose next and yield both do
// the same thing, a coroswitch that resumes the goroutine held and
// suspends the caller in its place. So a Pull coroutine serves as a slot
// that any goroutine can enter (calling next or yield, whichever the one
// inside did not call), and a slot need not hold its own goroutine: after
// thread A resumes thread B by entering B's slot, A waits in B's slot, and
// whoever resumes A next enters that one. Each waiting party (a
// coroutine, or the goroutine that called Run, s.home) knows the slot it
// waits in (fiber.at).
//
// Between executions every pooled coroutine waits in its own slot again
// (Scheduler.settle), so that an execution's coroutines and Run's
// goroutine only ever enter one another's slots, and so that stopping a
// coroutine (its Pull's stop, which resumes whoever waits in its slot)
// ends that coroutine's goroutine.

// slot is a place where one goroutine waits, an iter.Pull coroutine.
type slot struct {
	next  func() (struct{}, bool)
	yield func(struct{}) bool
	stop  func()
	// viaNext says the one waiting in the slot entered through next,
	// so that yield lets it out (and otherwise next).
	viaNext bool
	// occupant is who waits in the slot, as Scheduler.settle finds it:
	// switchTo does not keep it, to spare a pointer write (a write
	// barrier while the GC marks) at every switch.
	occupant *fiber
}

// enter resumes the slot's occupant and waits in the slot in its place,
// until someone enters it again.
func (sl *slot) enter() {
	if sl.viaNext {
		sl.viaNext = false
		sl.yield(struct{}{})
	} else {
		sl.viaNext = true
		sl.next()
	}
}

// fiber is a party that waits in slots: a coroutine, or the goroutine
// that called Run.
type fiber struct {
	at *slot // where it waits, or last waited while it runs
	// settle asks a coroutine resumed at its idle point to go back to
	// its own slot (Scheduler.settle).
	settle bool
}

// switchTo suspends from, which runs, and resumes to.
func switchTo(from, to *fiber) {
	sl := to.at
	from.at = sl
	sl.enter()
}

// coroutine runs thread functions one after another. Coroutines are
// pooled across executions: a new one starts with a small stack that
// grows, by copying, as the thread runs, and that cost would otherwise be
// paid again by every thread of every execution.
type coroutine struct {
	fiber
	own *slot // the Pull coroutine whose goroutine this is
	t   *Thread
	fn  func(*Thread)
	// quit makes the coroutine's goroutine return when next resumed.
	quit bool
	// baton is set on a goroutine stand-in (baseline.go), which runs
	// on a goroutine of its own and hands control back to Run.
	baton *baton
}

// idle holds coroutines between executions. A sync.Pool would not do: it
// drops what it holds at each garbage collection without stopping it, and
// a dropped coroutine's goroutine and stack live on, parked forever.
var idle struct {
	sync.Mutex
	list []*coroutine
}

// maxIdle bounds the idle coroutines: enough for every thread of a few
// executions on every worker.
const maxIdle = 256

func getCoroutine() *coroutine {
	idle.Lock()
	defer idle.Unlock()
	if n := len(idle.list); n > 0 {
		c := idle.list[n-1]
		idle.list = idle.list[:n-1]
		return c
	}
	return newCoroutine()
}

// putCoroutine pools c, which waits in its own slot, or stops it.
func putCoroutine(c *coroutine) {
	idle.Lock()
	if len(idle.list) < maxIdle {
		idle.list = append(idle.list, c)
		c = nil
	}
	idle.Unlock()
	if c != nil {
		c.quit = true
		c.own.stop() // it resumes, returns, and its goroutine ends
	}
}

func newCoroutine() *coroutine {
	c := &coroutine{own: &slot{}}
	c.own.next, c.own.stop = iter.Pull(func(yield func(struct{}) bool) {
		c.own.yield = yield
		yield(struct{}{}) // wait until given a thread
		c.serve()
	})
	c.own.next() // to the first wait, in its own slot
	c.at = c.own
	return c
}

// serve runs the threads c is given, each to its end or its abort, and
// passes control on after each: to the thread that runs the next step,
// or to Run when the execution is over.
func (c *coroutine) serve() {
	for !c.quit {
		t := c.t
		next, panicked := c.runThread()
		t.s.raise(panicked)
		c.pass(t.s, next)
		c.settleHome()
	}
}

// pass hands control from c's thread, which parks or returned, to next,
// or to Run when next is nil (the execution is over) or a goroutine
// stand-in (which Run resumes).
func (c *coroutine) pass(s *Scheduler, next *Thread) {
	switch {
	case c.baton != nil:
		s.handoff = next
		c.baton.park()
	case next == nil || next.co.baton != nil:
		s.handoff = next
		switchTo(&c.fiber, &s.home)
	default:
		switchTo(&c.fiber, &next.co.fiber)
	}
}

// resume runs c's thread from Run until control comes back to Run.
func (c *coroutine) resume(s *Scheduler) {
	if c.baton != nil {
		c.baton.run()
		return
	}
	switchTo(&s.home, &c.fiber)
}

// runThread runs c's thread to its end or its abort and decides the step
// after its last, nil when the execution is over. A panic of the
// thread's, or of the decision, is returned for Run to raise again on its
// own goroutine; the coroutine itself stays fit for another thread.
func (c *coroutine) runThread() (next *Thread, panicked any) {
	t := c.t
	returned := false
	defer func() {
		if returned {
			return
		}
		switch r := recover(); r {
		case nil: // runtime.Goexit, which cannot be stopped
			c.goexit(t.s)
		case errAbort:
		default:
			panicked = r
		}
	}()
	func() {
		defer func() {
			t.done = true
			t.s.retire(t)
		}()
		if !t.aborting {
			c.fn(t)
		}
	}()
	if !t.s.ended {
		next = t.s.decide()
	}
	returned = true
	return next, nil
}

// goexit hands control to Run, which goes on to exit its own goroutine
// (t.FailNow in a thread fails the test that called Run). A coroutine
// never resumes: it cannot return through its slot, which holds someone
// else, and the execution's other coroutines are dropped with it.
func (c *coroutine) goexit(s *Scheduler) {
	s.goexited = true
	if c.baton != nil {
		c.baton.parked <- struct{}{}
		return
	}
	switchTo(&c.fiber, &s.home)
	panic("sched: a coroutine that called runtime.Goexit resumed")
}

// settleHome is where a coroutine resumed at its idle point goes back to
// its own slot when asked, passing the request on to the one waiting
// there, until the request reaches Run's goroutine (Scheduler.settle).
func (c *coroutine) settleHome() {
	for c.settle {
		c.settle = false
		there := c.own.occupant
		there.settle = true
		switchTo(&c.fiber, there)
	}
}

// settle unwinds the threads that did not return and sends every
// coroutine of the execution back to its own slot, where the pool keeps
// them.
func (s *Scheduler) settle() {
	for _, t := range s.threads {
		if t.co != nil && !t.done {
			t.aborting = true
			t.co.resume(s) // its park panics errAbort, which runThread recovers
		}
	}
	for _, t := range s.threads {
		if c := t.co; c != nil && c.baton == nil {
			c.at.occupant = &c.fiber
		}
	}
	for _, t := range s.threads {
		if c := t.co; c != nil && c.baton == nil && c.at != c.own {
			c.at.occupant = &s.home // Run's goroutine takes c's place
			c.settle = true
			switchTo(&s.home, &c.fiber)
		}
	}
}

// raise notes a thread's panic, for Run to raise again.
func (s *Scheduler) raise(panicked any) {
	if panicked != nil && s.panicked == nil {
		s.panicked = panicked
	}
}

// reraise raises again, on Run's goroutine, what a thread raised: a
// panic, or runtime.Goexit.
func (s *Scheduler) reraise() {
	if s.goexited {
		runtime.Goexit()
	}
	if p := s.panicked; p != nil {
		s.panicked = nil
		panic(p)
	}
}

// stopAll ends the execution's threads and returns their coroutines to
// the pool.
func (s *Scheduler) stopAll() {
	if s.goexited { // one coroutine is stuck; drop them all
		for _, t := range s.threads {
			if !t.done {
				t.leave() // the mutexes it waits for outlive it
			}
			t.co = nil
		}
		return
	}
	s.ended = true // what the unwound threads do decides nothing
	s.settle()
	for _, t := range s.threads {
		if c := t.co; c != nil {
			c.t, c.fn, t.co = nil, nil, nil
			if c.baton == nil {
				putCoroutine(c)
			}
		}
	}
	s.reraise() // a panic while a thread unwound
}
