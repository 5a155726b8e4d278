package sched

import (
	"math"
	"slices"
	"testing"
)

// maxSpread bounds, in TestPOSSamplesPartialOrders, the most frequent
// partial order of a program over the least frequent one.
const maxSpread = 6

// TestPOSSamplesPartialOrders runs small programs whose racing steps sit
// among independent ones, the shape of real programs, and checks that POS
// samples every partial order (Mazurkiewicz trace) of their steps, the
// most frequent at most maxSpread times as often as the least, while a
// random walk, on the same programs and seeds, exceeds that spread: its
// odds for a race fall exponentially with the independent steps before
// it, those of POS only as their inverse (see
// TestPOSOrdersARaceByPriorityAlone). The trace counts come from an
// unbounded search with sleep sets, which runs one schedule per trace.
//
// The bound is for few races. Where every step races, POS redraws at
// every step and is a random walk again: on {"X.Y.", "XY", "...Y"}, three
// writers of y, its spread is 19 against the random walk's 32.
func TestPOSSamplesPartialOrders(t *testing.T) {
	const N = 20000
	for _, c := range []struct {
		p      eventProgram
		traces int
	}{
		{eventProgram{"........X", "X"}, 2},
		{eventProgram{"...X", "X", "..X"}, 6},
		{eventProgram{"x", "x", "..X"}, 4},
		{eventProgram{"..X..Y", "Y..X"}, 3},
	} {
		keys := c.p.traces()
		if slices.Sort(keys); len(slices.Compact(slices.Clone(keys))) != len(keys) || len(keys) != c.traces {
			t.Fatalf("%q: traces %q, want %d distinct", c.p, keys, c.traces)
		}
		pos := spread(sample(c.p, N, func(s uint64) Strategy { return NewPOS(s) }, traceKey), keys)
		rw := spread(sample(c.p, N, func(s uint64) Strategy { return NewRandom(s) }, traceKey), keys)
		t.Logf("%q: %d traces, spread: POS %.2f, random walk %.2f", c.p, len(keys), pos, rw)
		if pos > maxSpread {
			t.Errorf("%q: POS spread %.2f > %d", c.p, pos, maxSpread)
		}
		if rw <= maxSpread {
			t.Errorf("%q: random walk spread %.2f <= %d: the program does not tell them apart", c.p, rw, maxSpread)
		}
	}
}

// TestPOSOrdersARaceByPriorityAlone checks the law behind POS on one race:
// thread A's step a and B's step b race, and the I-1 steps before a and
// the J-1 before b are independent. a runs first exactly when every
// priority of A's first I steps exceeds the lowest of B's first J
// (whichever thread holds the lowest priority among them waits for the
// other to finish its steps), which has probability J/(I+J). A random
// walk gives a the exponentially smaller chance of I heads before J
// tails; a POS that redrew every priority at every step would be one, and
// one that never redrew the winner's would let it finish first half the
// time. The hit count is held to J/(I+J) within the Hoeffding bound of
// probability 1e-9, for POS and, to show the check can fail, for the
// random walk.
func TestPOSOrdersARaceByPriorityAlone(t *testing.T) {
	const N = 20000
	tol := math.Sqrt(N * math.Log(2/1e-9) / 2)
	for _, c := range []struct {
		p    eventProgram
		i, j int // steps up to and including the racing one; a thread's first step counts
	}{
		{eventProgram{"........X", "X"}, 10, 2},
		{eventProgram{"...X", "..X"}, 5, 4},
		{eventProgram{"X", "....X"}, 2, 6},
	} {
		want := N * float64(c.j) / float64(c.i+c.j)
		for _, st := range []struct {
			name string
			mk   func(uint64) Strategy
			ok   bool
		}{
			{"POS", func(s uint64) Strategy { return NewPOS(s) }, true},
			{"random walk", func(s uint64) Strategy { return NewRandom(s) }, false},
		} {
			got := sample(c.p, N, st.mk, traceKey)["x: W0 W1; "]
			fits := math.Abs(float64(got)-want) <= tol
			t.Logf("%q %s: a first %d times of %d, want %.0f +- %.0f", c.p, st.name, got, N, want, tol)
			if fits != st.ok {
				t.Errorf("%q %s: a first %d times of %d, law says %.0f +- %.0f", c.p, st.name, got, N, want, tol)
			}
		}
	}
}

// TestPOSRedrawsRacingPriorities checks one pick: the thread that runs and
// every enabled thread whose next step races with its step draw new
// priorities; the others keep theirs.
func TestPOSRedrawsRacingPriorities(t *testing.T) {
	x, y, z := new(int), new(int), new(int)
	decl := []access{
		{obj: x, write: true}, // races with 1 and 3
		{obj: x, write: false},
		{obj: y, write: false}, // races with 3 only
		{all: true},            // races with everything
		{obj: z, write: false}, // races with 3 only
	}
	races := func(a, b int) bool { return a != b && (a == 3 || b == 3 || a+b == 1) }
	for seed := range uint64(50) {
		s := &Scheduler{}
		for i, a := range decl {
			s.threads = append(s.threads, &Thread{id: i, pending: a})
		}
		p := NewPOS(seed)
		p.bind(s)
		enabled := []int{0, 1, 2, 3, 4}
		p.draw(len(decl) - 1) // the priorities Pick starts from
		before := slices.Clone(p.prio)
		ran := p.Pick(0, enabled)
		for id := range decl {
			redrawn := p.prio[id] != before[id]
			if want := id == ran || races(ran, id); redrawn != want {
				t.Errorf("seed %d: thread %d ran; thread %d redrawn %v, want %v", seed, ran, id, redrawn, want)
			}
		}
	}
}

func TestPOSSameSeedSameSchedule(t *testing.T) {
	run := func(seed uint64) []int {
		var log []event
		s := New(NewPOS(seed), 0)
		eventProgram{"X.Y.", "XY", "...Y"}.setup(s, &log)
		return s.Run().Schedule
	}
	if a, b := run(5), run(5); !slices.Equal(a, b) {
		t.Fatalf("seed 5 gave %v then %v", a, b)
	}
}
