package sched

import "slices"

// SURW is the selectively uniform random walk of Zhao, Wolff, Mathur and
// Roychoudhury ("Selectively Uniform Concurrency Testing", ASPLOS 2025).
//
// A step is interesting when it declares a write or may touch anything
// (Thread.Access, Yield, Lock): the steps that can race. Reads are not,
// so the many steps of the simulator that touch nothing shared but the
// history do not dilute the ones that matter. SURW picks a thread at
// random; if its next step is not interesting, it runs. If it is, SURW
// first draws the thread whose interesting step comes next, each enabled
// thread with weight its estimated count of interesting steps still to
// come, and holds back the others' interesting steps until that one has
// run. With exact counts the interleavings of the interesting steps are
// then uniform: a multinomial order drawn one element at a time
// (TestSURWInterleavesInterestingStepsUniformly). A random walk favours
// threads with few steps left and, among the interesting steps, those
// behind fewer uninteresting ones.
//
// The drawing is Fray's (cmu-pasta/fray, SURWScheduler): pick, hold back
// when not the intended thread, start over when every enabled thread is
// held back. Counts come from a first execution, as in Fray and Shuttle
// (urw.rs): run one under NewSURW(seed, nil) and take Counts. A count
// that runs out early is raised to 1 while its thread still has
// interesting steps. One SURW value drives one execution.
type SURW struct {
	rng pcg
	// left: estimated interesting steps still to come, by thread;
	// nil means unknown, and every thread weighs the same.
	left []int
	// taken: the interesting steps each thread took (Counts).
	taken    []int
	held     []bool // by thread: its interesting step waits for intended's
	intended int    // the thread whose interesting step is next, or -1
	holding  bool   // some held is true
	s        *Scheduler
	// room holds the per-thread slices for a program of few threads
	// (see POS.room).
	room struct {
		left, taken [smallThreads]int
		held        [smallThreads]bool
	}
}

// NewSURW returns a SURW strategy; counts[i] estimates the interesting
// steps thread i takes (threads beyond the slice count 0, raised to 1 as
// needed), and nil makes every thread weigh the same.
func NewSURW(seed uint64, counts []int) *SURW {
	w := &SURW{rng: newPCG(seed, 0x5a3c0de), intended: -1}
	w.taken, w.held = w.room.taken[:0], w.room.held[:0]
	if counts != nil {
		w.left = append(w.room.left[:0], counts...)
	}
	return w
}

func (w *SURW) bind(s *Scheduler) { w.s = s }

// Counts returns how many interesting steps each thread took in the
// execution w drove: the estimates of a later one.
func (w *SURW) Counts() []int { return w.taken }

// Pick implements Strategy.
func (w *SURW) Pick(_ int, enabled []int) int {
	if n := len(w.s.threads); len(w.held) < n {
		w.grow(n) // and left, which grow keeps at least as long as held
	}
	if w.intended >= 0 && !slices.Contains(enabled, w.intended) {
		w.release() // it cannot take its step now: draw again
	}
	for {
		t, ok := w.candidate(enabled)
		if !ok {
			w.release() // everyone waits for a thread that does not come
			continue
		}
		if !w.s.threads[t].pending.interesting() {
			return t
		}
		if w.intended < 0 {
			w.intended = w.draw(enabled, t)
		}
		if t == w.intended {
			w.took(t)
			w.release()
			return t
		}
		w.held[t], w.holding = true, true
	}
}

// candidate picks uniformly among the enabled threads not held back.
func (w *SURW) candidate(enabled []int) (int, bool) {
	if w.intended < 0 { // no round under way, so nobody is held back
		return enabled[w.rng.IntN(len(enabled))], true
	}
	n := 0
	for _, id := range enabled {
		if !w.held[id] {
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	i := w.rng.IntN(n)
	for _, id := range enabled {
		if !w.held[id] {
			if i == 0 {
				return id, true
			}
			i--
		}
	}
	panic("unreachable")
}

// draw returns an enabled thread with probability proportional to its
// weight; t, about to take an interesting step, weighs at least 1.
func (w *SURW) draw(enabled []int, t int) int {
	if w.left != nil && w.left[t] == 0 {
		w.left[t] = 1 // the estimate ran out early
	}
	if w.left == nil { // every thread weighs 1: IntN(total) is an index
		return enabled[w.rng.IntN(len(enabled))]
	}
	total := 0
	for _, id := range enabled {
		total += w.left[id]
	}
	r := w.rng.IntN(total)
	for _, id := range enabled {
		if r -= w.left[id]; r < 0 {
			return id
		}
	}
	panic("unreachable")
}

func (w *SURW) took(t int) {
	w.taken[t]++
	if w.left != nil {
		w.left[t] = max(w.left[t]-1, 0)
	}
}

// release ends a round: no thread is intended or held back.
func (w *SURW) release() {
	w.intended = -1
	if w.holding { // most rounds end with nobody held back
		clear(w.held)
		w.holding = false
	}
}

// grow sizes the per-thread slices for n threads.
func (w *SURW) grow(n int) {
	for len(w.held) < n {
		w.held = append(w.held, false)
		w.taken = append(w.taken, 0)
	}
	for w.left != nil && len(w.left) < n {
		w.left = append(w.left, 0)
	}
}

// interesting reports whether a declared step can race: it writes, or
// may touch anything.
func (a access) interesting() bool { return a.all || a.write }
