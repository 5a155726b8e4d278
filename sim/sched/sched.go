// Package sched runs simulated threads one step at a time under a
// deterministic scheduler.
//
// A simulated thread is ordinary Go code running as a coroutine (iter.Pull):
// it gives control back to the scheduler at every point where another thread
// could observe or change shared state (Yield, Lock, Wait). At each such point
// a Strategy picks which enabled thread runs next, and the sequence of picks is
// the schedule: feeding the same picks back (Replay) reproduces the execution
// exactly. Nothing here depends on wall time, goroutine scheduling or
// GOMAXPROCS, so one seed names one execution.
//
// Coroutines were chosen over goroutines handing a baton through channels
// because a switch costs a fraction of the channel round trip; see
// BenchmarkSteps, which runs the same programs on both (baseline.go).
//
// Strategies: Random (a random walk), PCT (probabilistic guarantees per
// execution), POS (partial order sampling: racing steps redraw their
// priorities), SURW (a random walk uniform over the interleavings of the
// interesting steps), NewPortfolio, StrategyName (what a campaign selects
// by name), and Explore, a systematic search with partial-order
// reduction: source-DPOR without a bound (dpor.go), sleep sets within a
// preemption or delay bound (explore.go).
package sched

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Mutex is a lock between simulated threads: taken exclusively (Lock) it
// is a mutex; taken shared as well (RLock) it is a reader-writer
// semaphore, which several readers hold at once and a writer holds alone.
// Its zero value is unlocked; the name appears in wait-for graphs.
//
// A reader gets in whenever no writer holds the lock, even while a writer
// waits: Linux's rwsem lets a reader steal the lock from waiting writers
// unless a handoff is pending (rwsem_down_read_slowpath), so this admits
// only interleavings the kernel's lock admits. What it leaves out is a
// reader made to queue behind a waiting writer, and so the deadlock of a
// reader that takes a lock twice while a writer waits between.
type Mutex struct {
	Name   string
	holder *Thread
	// readers hold the lock shared, in the order they took it.
	readers []*Thread
	// waiters has a bit for each thread parked to take the lock, and
	// sharers for those of them that want it shared (enabled.go).
	waiters, sharers uint64
}

// Holder returns the id of the thread holding m exclusively, or -1.
func (m *Mutex) Holder() int {
	if m.holder == nil {
		return -1
	}
	return m.holder.id
}

// Readers returns the threads holding m shared, in the order they took
// it. The slice is m's own.
func (m *Mutex) Readers() []*Thread { return m.readers }

// KeepReaders gives an unlocked m the memory of rs, an empty list, for
// its readers: a caller that makes its mutexes anew for every execution
// keeps the last one's memory so.
func (m *Mutex) KeepReaders(rs []*Thread) { m.readers = rs[:0] }

// HeldShared reports whether t holds m shared.
func (m *Mutex) HeldShared(t *Thread) bool { return slices.Contains(m.readers, t) }

// free reports whether a thread may take m: exclusively when no one holds
// it, shared when no writer does.
func (m *Mutex) free(shared bool) bool {
	return m.holder == nil && (shared || len(m.readers) == 0)
}

// Strategy chooses the thread that runs the next step.
type Strategy interface {
	// Pick returns one of enabled (thread ids, ascending, never empty).
	// step counts the steps taken so far in this execution.
	Pick(step int, enabled []int) int
}

type waitKind uint8

const (
	runnable waitKind = iota
	onMutex
	onCond
)

// Thread is a simulated thread. Its methods may only be called from the
// thread's own function.
type Thread struct {
	id int
	// bit is the thread's in the scheduler's bitsets, 0 if it has
	// none (enabled.go); made once, it spares a checked shift at every
	// use.
	bit  uint64
	name string
	s    *Scheduler
	co   *coroutine
	done bool
	// aborting: the scheduler gave up on the thread, whose next park
	// unwinds it.
	aborting bool

	wait   waitKind
	mutex  *Mutex
	shared bool // the mutex waited for is wanted shared (RLock)
	cond   func() bool
	reason fmt.Stringer
	held   []*Mutex

	// pending describes the step the thread runs when next picked, as
	// declared at its current preemption point; see Access.
	pending access
}

// ID returns the thread's index, in order of Go calls from 0.
func (t *Thread) ID() int { return t.id }

// Name returns the name given to Go.
func (t *Thread) Name() string { return t.name }

// errAbort unwinds a thread the scheduler has given up on.
var errAbort = errors.New("sched: thread aborted")

// park ends the thread's step. The thread decides the next step itself
// (see Scheduler.decide): when that is its own, it goes on without a
// switch, which a strategy that lets a thread run on (PCT, mostly) makes
// the common case; otherwise it resumes the thread that runs it, or Run
// when the execution is over, and suspends (coroutine.go). The lone
// thread of RunAlone has nothing to decide: it goes on, unless the step
// cannot be taken (goOnAlone).
func (t *Thread) park() {
	s := t.s
	if s.alone {
		// The common wait of a lone thread, for a free mutex, is
		// answered here; goOnAlone asks enabled the rest.
		goesOn := t.wait == runnable || t.wait == onMutex && t.mutex.free(t.shared)
		if !goesOn || t.aborting || s.steps >= s.stepLimit {
			t.goOnAlone()
		}
		s.steps++
		return
	}
	if next := s.decide(); next != t {
		t.passTo(next)
	}
}

// passTo suspends t, which parks, until it is picked again; next runs
// the step decided, or Run resumes if next is nil.
func (t *Thread) passTo(next *Thread) {
	t.co.pass(t.s, next)
	if t.aborting {
		panic(errAbort)
	}
}

// Yield is a preemption point: call it before every access to shared state.
// The step that follows is taken to conflict with every other step; use
// Access instead where the accessed object is known, so that exhaustive
// search can skip interleavings that differ only in the order of
// independent steps.
func (t *Thread) Yield() {
	t.pending = access{all: true}
	t.park()
}

// Access is a preemption point like Yield that also declares what the step
// that follows touches: shared state reachable only through obj (compared
// with ==, so a pointer is the natural key), and only for reading unless
// write is set. Two steps conflict when they touch the same obj and one of
// them writes. The declaration is a promise: if the code between this call
// and the next preemption point touches anything else that other threads
// share, the search may miss interleavings.
func (t *Thread) Access(obj any, write bool) {
	t.pending = access{obj: obj, write: write}
	t.park()
}

// FirstAccess declares what the thread's first step touches, from the start
// of its function to its first preemption point, as Access does for the
// step after one; without it, the first step conflicts with every other.
// Call it between Go and Run.
func (t *Thread) FirstAccess(obj any, write bool) {
	t.pending = access{obj: obj, write: write}
}

// Lock acquires m, blocking the thread while another holds it. It is a
// preemption point; the step that follows is taken to touch only m and the
// data m protects, so code after Lock that reads or writes other shared
// state must Yield (or Access) first.
func (t *Thread) Lock(m *Mutex) { t.acquire(m, false) }

// RLock acquires m shared, blocking the thread while a writer holds it;
// other readers may hold it too. Like Lock it is a preemption point, and
// the step that follows is taken to read m and the data m protects; two
// such steps of two readers are independent, so code after RLock that
// writes shared state must declare so (Access) first.
func (t *Thread) RLock(m *Mutex) { t.acquire(m, true) }

// acquire waits for m in the mode asked, takes it and records the hold.
func (t *Thread) acquire(m *Mutex, shared bool) {
	if m.holder == t || len(m.readers) > 0 && m.HeldShared(t) {
		panic(fmt.Sprintf("sched: thread %s locks %s twice", t.name, m.Name))
	}
	t.wait, t.mutex, t.shared = onMutex, m, shared
	t.pending = access{obj: m, write: !shared}
	t.s.blockOnMutex(t, m, shared)
	t.park()
	t.s.unblockMutex(t, m)
	if shared {
		m.readers = append(m.readers, t)
	} else {
		m.holder = t
	}
	t.s.taken(m, shared)
	t.wait, t.mutex, t.shared = runnable, nil, false
	t.held = append(t.held, m)
}

// Unlock releases m. It is not a preemption point by itself: the next
// shared access or lock is.
//
// While the scheduler unwinds a thread it gave up on, the thread's
// deferred Unlocks run; one for a mutex the thread was waiting to take
// again (Unlock, then Lock, under a deferred Unlock) finds it not held and
// does nothing, and none counts as a step's access: the execution is over.
func (t *Thread) Unlock(m *Mutex) {
	if t.aborting {
		if m.holder == t {
			m.holder = nil
		}
		return
	}
	if m.holder != t {
		panic(fmt.Sprintf("sched: thread %s unlocks %s, held by %v", t.name, m.Name, m.Holder()))
	}
	m.holder = nil
	t.s.freed(m)
	t.s.touch(m)
	t.release(m)
}

// RUnlock releases m held shared; like Unlock it is not a preemption point,
// and while the scheduler unwinds the thread it only lets go of m. The
// release reads m: two readers' releases commute, and each may let a
// waiting writer in.
func (t *Thread) RUnlock(m *Mutex) {
	i := slices.Index(m.readers, t)
	if t.aborting {
		if i >= 0 {
			m.readers = slices.Delete(m.readers, i, i+1)
		}
		return
	}
	if i < 0 {
		panic(fmt.Sprintf("sched: thread %s unlocks %s, which it does not hold shared", t.name, m.Name))
	}
	m.readers = remove(m.readers, i)
	if len(m.readers) == 0 {
		t.s.freed(m)
	}
	t.s.note(access{obj: m})
	t.release(m)
}

// release forgets t's hold of m. Locks are mostly released in the
// reverse order of their taking, so m is most often the last one held.
func (t *Thread) release(m *Mutex) {
	if n := len(t.held) - 1; n >= 0 && t.held[n] == m {
		t.held = t.held[:n]
	} else if i := slices.Index(t.held, m); i >= 0 {
		t.held = remove(t.held, i)
	}
}

// remove deletes xs[i], keeping the order. Unlike slices.Delete it does
// not clear the element freed at the end: the lists it serves (a thread's
// mutexes, a mutex's readers) live as long as the scheduler's memory,
// and clearing a pointer costs a write barrier at every unlock.
func remove[T any](xs []T, i int) []T {
	return append(xs[:i], xs[i+1:]...)
}

// holdAccess is what a step of t may do to m, which t holds: release it,
// which writes m if t holds it exclusively and reads it if shared. Only a
// writer's steps conflict with a reader's release, and none can run while
// the reader holds m.
func (t *Thread) holdAccess(m *Mutex) access { return access{obj: m, write: m.holder == t} }

// Wait blocks until cond holds; reason names what is awaited in a wait-for
// graph ("active refs of eth0 drain", say). cond must only read state.
//
// Both the condition and the step that follows are taken to conflict with
// every other step.
func (t *Thread) Wait(reason string, cond func() bool) {
	t.WaitOn(reasonString(reason), cond)
}

// WaitOn is Wait with a reason that is turned into a string only if a
// wait-for graph needs it: a waiter that rarely deadlocks need not format
// one at every wait.
func (t *Thread) WaitOn(reason fmt.Stringer, cond func() bool) {
	t.pending = access{all: true}
	// The scheduler resumes the thread only while cond holds, and nothing
	// runs between that check and the thread's next step.
	t.wait, t.cond, t.reason = onCond, cond, reason
	t.s.blockOnCond(t)
	t.park()
	t.s.unblockCond(t)
	t.wait, t.cond, t.reason = runnable, nil, nil
}

type reasonString string

func (r reasonString) String() string { return string(r) }

// enabled reports whether t can take a step now. Written without a
// switch, it is small enough to inline in enable's loop.
func (t *Thread) enabled() bool {
	if t.wait == onMutex {
		return t.mutex.free(t.shared)
	}
	return t.wait == runnable || t.cond()
}

// Scheduler owns the threads of one execution.
type Scheduler struct {
	threads  []*Thread
	strategy Strategy
	// stepLimit is the step bound, math.MaxInt for none.
	stepLimit int
	steps     int
	clock     int64
	picks     []int
	// enabled lists the threads that may run the next step, ascending:
	// the set listed, kept up to date by the threads as they start and
	// stop waiting and return rather than rescanned at every step (see
	// enable).
	enabled []int
	listed  uint64
	// ready has a bit for each thread (of the first maxReady) that has
	// not returned and waits for nothing: enabled, whatever the others
	// do. lockable has one for each waiting for a mutex it may take
	// now, and conds for each waiting for a condition, which only
	// asking it tells; live counts the threads not returned
	// (enabled.go).
	ready, lockable, conds uint64
	live                   int
	rescans                bool // too many threads for the bitsets: ask each
	// spare: threads of an earlier execution, for Go to reuse (Reset).
	spare []*Thread
	// home is the goroutine that called Run, as the coroutines see it.
	home fiber
	// handoff is the thread a parking thread decided runs next, when
	// Run must resume it (a goroutine stand-in); ended and end say that
	// a decision ended the execution instead.
	handoff *Thread
	ended   bool
	end     Result
	// panicked is what a thread raised, and goexited says it called
	// runtime.Goexit, for Run to raise again on its goroutine.
	panicked any
	goexited bool
	// goroutines: Go makes goroutine threads (UseGoroutines).
	goroutines bool
	// alone: the one thread runs on RunAlone's goroutine, without a
	// strategy.
	alone bool

	// stepAcc lists what the running (or last) step touched: the
	// declaration it started with plus the mutexes it released and the
	// clock ticks it took, recorded only when logSteps says the
	// strategy reads it (a stepReader).
	stepAcc  []access
	logSteps bool
}

// New returns a scheduler that asks strategy for every step and gives up
// after maxSteps steps (0 means no bound).
func New(strategy Strategy, maxSteps int) *Scheduler {
	s := &Scheduler{strategy: strategy, stepLimit: stepLimit(maxSteps)}
	bindTo(s, strategy)
	return s
}

// Reset makes s a new scheduler, as New(strategy, maxSteps) would, that
// keeps the memory of the last execution's threads and schedule for the
// next: a caller running executions back to back allocates nothing here.
// The Result of the last Run, its Schedule included, must no longer be in
// use.
func (s *Scheduler) Reset(strategy Strategy, maxSteps int) {
	threads := s.threads
	spare := append(s.spare, threads...)
	*s = Scheduler{
		strategy:  strategy,
		stepLimit: stepLimit(maxSteps),
		threads:   threads[:0],
		spare:     spare,
		picks:     s.picks[:0],
		enabled:   s.enabled[:0],
		stepAcc:   s.stepAcc[:0],
	}
	bindTo(s, strategy)
}

// stepLimit is the step bound of maxSteps, one that no execution reaches
// for none (0, or less), so that decide need not tell the two apart.
func stepLimit(maxSteps int) int {
	if maxSteps <= 0 {
		return math.MaxInt
	}
	return maxSteps
}

// binder is a Strategy that reads what the threads' next steps declare
// (see Thread.Access): POS redraws the priorities of racing steps, SURW
// tells interesting steps from the rest. New and Reset hand it the
// scheduler it runs in.
type binder interface{ bind(s *Scheduler) }

// stepReader is a Strategy that reads what each step touched
// (Scheduler.stepAcc) once it has run: exhaustive search, whose race
// analysis and sleep sets are made of it. The scheduler records it for
// such a strategy only, which spares every other execution the work.
type stepReader interface{ readsSteps() }

func bindTo(s *Scheduler, strategy Strategy) {
	if b, ok := strategy.(binder); ok {
		b.bind(s)
	}
	_, s.logSteps = strategy.(stepReader)
}

// Go adds a thread running fn. Threads start when Run is called.
func (s *Scheduler) Go(name string, fn func(t *Thread)) *Thread {
	if s.alone {
		panic("sched: Go after RunAlone")
	}
	t := s.newThread(name)
	// The coroutine waits idle; the thread's first action happens at its
	// first scheduled step.
	if s.goroutines {
		t.co = goBaton(t, fn)
	} else {
		t.co = getCoroutine()
		t.co.t, t.co.fn = t, fn
	}
	return t
}

// newThread adds a thread named name, enabled, with no means to run yet.
func (s *Scheduler) newThread(name string) *Thread {
	var t *Thread
	if n := len(s.spare); n > 0 {
		t, s.spare = s.spare[n-1], s.spare[:n-1]
		*t = Thread{held: t.held[:0]}
	} else {
		t = new(Thread)
	}
	// Nothing is known about the thread's first step.
	t.id, t.name, t.s, t.pending = len(s.threads), name, s, access{all: true}
	s.threads = append(s.threads, t)
	s.live++
	t.bit = 1 << t.id
	s.ready |= t.bit
	s.rescans = len(s.threads) > maxReady
	return t
}

// RunAlone runs fn as the only thread of an execution of a scheduler
// just made (New, Reset), as Go and Run would, on the calling goroutine
// and without asking the strategy: a lone thread has no choice to make,
// so its preemption points only check that it can go on. It suits the
// part of a program that runs before its threads start, whose every step
// would otherwise pay for a decision and for a coroutine of its own. The
// Result is Run's, but for its Schedule, which is left out: it would
// name thread 0 at every step. UseGoroutines has no effect here. A panic
// in fn, as runtime.Goexit, goes on through RunAlone.
func (s *Scheduler) RunAlone(name string, fn func(t *Thread)) Result {
	if len(s.threads) > 0 {
		panic("sched: RunAlone after Go")
	}
	s.alone = true
	t := s.newThread(name)
	s.steps = 1 // the first: from fn's start to its first preemption point
	s.runAlone(t, fn)
	t.done = true
	s.retire(t)
	if s.ended {
		return s.end
	}
	return Result{Outcome: Finished, Steps: s.steps}
}

// runAlone runs fn as t, which goOnAlone unwinds (errAbort) when the
// execution ends before fn returns.
func (s *Scheduler) runAlone(t *Thread, fn func(t *Thread)) {
	defer func() {
		if !t.aborting {
			return
		}
		if r := recover(); r != nil && r != errAbort {
			panic(r) // raised while t unwound
		}
	}()
	fn(t)
}

// goOnAlone returns if the lone thread of RunAlone, which parks while
// it waits, unwinds or reaches the step bound, can take the step that
// follows. Otherwise it ends the execution as decide would, when the
// thread waits for what it cannot have (it deadlocked) or the bound is
// reached, and unwinds the thread.
func (t *Thread) goOnAlone() {
	s := t.s
	var o Outcome
	switch {
	case t.aborting:
		panic(errAbort)
	case !t.enabled():
		o = Deadlocked
	case s.steps >= s.stepLimit:
		o = StepBound
	default:
		return
	}
	s.ended, s.end = true, Result{Outcome: o, Steps: s.steps, WaitFor: s.waitFor()}
	t.aborting = true
	panic(errAbort)
}

// Now returns the next tick of the logical clock. Every call returns a
// larger value, so events recorded with it are totally ordered.
//
// The clock is shared state: two steps that both call Now conflict, since
// swapping them swaps their timestamps.
func (s *Scheduler) Now() int64 {
	s.touch(clockKey{})
	s.clock++
	return s.clock
}

// Steps returns how many steps have run.
func (s *Scheduler) Steps() int { return s.steps }

// Outcome says how an execution ended.
type Outcome uint8

const (
	// Finished: every thread returned.
	Finished Outcome = iota
	// Deadlocked: no thread could run, and some had not returned.
	Deadlocked
	// StepBound: the step bound was reached first.
	StepBound
	// abandoned: the strategy gave up on the execution (Pick returned a
	// negative id) because it is equivalent to one already covered. Only
	// the explorer does that, and it does not report such executions.
	abandoned
)

func (o Outcome) String() string {
	return [...]string{"finished", "deadlock", "step-bound", "abandoned"}[o]
}

// Result describes a finished execution.
type Result struct {
	Outcome Outcome
	Steps   int
	// Schedule holds the thread picked at each step.
	Schedule []int
	// WaitFor describes, when the execution did not finish, what each
	// unfinished thread waits for and who holds it.
	WaitFor []Wait
}

// Wait is one edge of a wait-for graph.
type Wait struct {
	Thread int    `json:"thread"`
	On     string `json:"on"`     // mutex name or condition
	Holder int    `json:"holder"` // thread holding the mutex exclusively, or -1
	// Readers are the threads holding the mutex shared, which a writer
	// waits for.
	Readers []int    `json:"readers,omitempty"`
	Holds   []string `json:"holds,omitempty"`
}

// String renders the graph one edge per line.
func WaitForString(ws []Wait) string {
	var b strings.Builder
	for _, w := range ws {
		fmt.Fprintf(&b, "T%d waits for %s", w.Thread, w.On)
		if w.Holder >= 0 {
			fmt.Fprintf(&b, " held by T%d", w.Holder)
		}
		for i, r := range w.Readers {
			if i == 0 {
				b.WriteString(" held shared by")
			} else {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, " T%d", r)
		}
		if len(w.Holds) > 0 {
			fmt.Fprintf(&b, " (holds %s)", strings.Join(w.Holds, ", "))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Run executes the threads to the end, a deadlock, or the step bound. A
// panic in a thread is raised again here, as is runtime.Goexit.
func (s *Scheduler) Run() Result {
	defer s.stopAll()
	for {
		t := s.handoff
		s.handoff = nil
		if t == nil && !s.ended {
			t = s.decide()
		}
		if s.ended {
			return s.end
		}
		// The threads pass control among themselves until the
		// execution is over, or a goroutine stand-in's turn comes.
		t.co.resume(s)
		s.reraise()
	}
}

// decide picks the thread that runs the next step and starts the step's
// bookkeeping, or ends the execution (s.ended, s.end) and returns nil. It
// runs on the scheduler's goroutine or, from park, on the thread's that
// just finished a step: the state it reads is the same either way.
func (s *Scheduler) decide() *Thread {
	s.enable()
	// No thread enabled (every one returned, or a deadlock), or the
	// step bound reached.
	if len(s.enabled) == 0 || s.steps >= s.stepLimit {
		return s.stop(s.result(s.outcome()))
	}
	id := s.strategy.Pick(s.steps, s.enabled)
	if id < 0 {
		return s.stop(Result{Outcome: abandoned, Steps: s.steps, Schedule: s.picks})
	}
	s.picks = append(s.picks, id)
	s.steps++
	t := s.threads[id]
	if s.logSteps {
		s.stepAcc = append(s.stepAcc[:0], t.pending)
	}
	return t
}

// outcome says why decide stops the execution.
func (s *Scheduler) outcome() Outcome {
	switch {
	case s.live == 0:
		return Finished
	case len(s.enabled) == 0:
		return Deadlocked
	}
	return StepBound
}

func (s *Scheduler) stop(r Result) *Thread {
	s.ended, s.end = true, r
	if e, ok := s.strategy.(ender); ok {
		e.ending()
	}
	return nil
}

// ender is a Strategy told when an execution ends, while its threads are
// as they ended (Run then unwinds those that did not return): DPOR reads
// which wait for a mutex.
type ender interface{ ending() }

func (s *Scheduler) result(o Outcome) Result {
	r := Result{Outcome: o, Steps: s.steps, Schedule: s.picks}
	if o != Finished {
		r.WaitFor = s.waitFor()
	}
	return r
}

func (s *Scheduler) waitFor() []Wait {
	var ws []Wait
	for _, t := range s.threads {
		if t.done {
			continue
		}
		w := Wait{Thread: t.id, Holder: -1}
		switch t.wait {
		case onMutex:
			w.On = t.mutex.Name
			w.Holder = t.mutex.Holder()
			if !t.shared {
				for _, r := range t.mutex.readers {
					w.Readers = append(w.Readers, r.id)
				}
			}
		case onCond:
			w.On = t.reason.String()
		default:
			w.On = "nothing (runnable)"
		}
		for _, m := range t.held {
			w.Holds = append(w.Holds, m.Name)
		}
		ws = append(ws, w)
	}
	return ws
}

// access is one thing a step touches; all means it may touch anything.
type access struct {
	obj   any
	write bool
	all   bool
}

// clockKey is the object Now touches.
type clockKey struct{}

// touch records that the running step writes obj.
func (s *Scheduler) touch(obj any) { s.note(access{obj: obj, write: true}) }

// note records what the running step touched beyond its declaration.
func (s *Scheduler) note(a access) {
	if s.logSteps {
		s.stepAcc = append(s.stepAcc, a)
	}
}
