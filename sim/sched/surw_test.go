package sched

import (
	"math"
	"runtime"
	"slices"
	"testing"
)

// writers names an execution by the order of its interesting steps, the
// writes: the thread of each, in turn.
func writers(log []event) string {
	var b []byte
	for _, e := range log {
		if e.write {
			b = append(b, byte('0'+e.thread))
		}
	}
	return string(b)
}

// TestSURWInterleavesInterestingStepsUniformly runs a program whose
// threads take 3, 1 and 2 interesting steps (writes) among uninteresting
// ones (reads and private steps), 60 interleavings of the writes, and
// checks that SURW with the exact counts gives each interleaving 1/60 of
// the executions, within the Bernstein bound of probability 1e-9 over all
// 60. The same check fails, as it should, for a random walk and for SURW
// without counts, whose threads weigh the same.
func TestSURWInterleavesInterestingStepsUniformly(t *testing.T) {
	const (
		N     = 60000
		cells = 60 // 6!/(3!*1!*2!)
	)
	p := eventProgram{"X.X..X", "..X", "X.x.X"}
	mean := float64(N) / cells
	l := math.Log(2 * cells / 1e-9)
	tol := math.Sqrt(2*mean*l) + l*2/3
	for _, c := range []struct {
		name    string
		mk      func(uint64) Strategy
		uniform bool
	}{
		{"SURW", func(s uint64) Strategy { return NewSURW(s, []int{3, 1, 2}) }, true},
		{"SURW without counts", func(s uint64) Strategy { return NewSURW(s, nil) }, false},
		{"random walk", func(s uint64) Strategy { return NewRandom(s) }, false},
	} {
		counts := sample(p, N, c.mk, writers)
		worst := 0.0
		for _, n := range counts {
			worst = max(worst, math.Abs(float64(n)-mean))
		}
		if len(counts) < cells {
			worst = mean
		}
		t.Logf("%s: %d interleavings, farthest from %.0f by %.0f (bound %.0f)", c.name, len(counts), mean, worst, tol)
		if len(counts) > cells {
			t.Fatalf("%s: %d interleavings of the writes, want %d", c.name, len(counts), cells)
		}
		if uniform := worst <= tol; uniform != c.uniform {
			t.Errorf("%s: farthest from %.0f by %.0f, bound %.0f: uniform %v, want %v", c.name, mean, worst, tol, uniform, c.uniform)
		}
	}
}

// TestSURWCountsInterestingSteps: an execution under SURW counts each
// thread's interesting steps, the estimates for the next, whatever the
// schedule.
func TestSURWCountsInterestingSteps(t *testing.T) {
	p := eventProgram{"X.X..X", "..X", "X.x.Y", "...."}
	for seed := range uint64(20) {
		var log []event
		w := NewSURW(seed, nil)
		s := New(w, 0)
		p.setup(s, &log)
		s.Run()
		if got := w.Counts(); !slices.Equal(got, []int{3, 1, 2, 0}) {
			t.Fatalf("seed %d: counts %v", seed, got)
		}
	}
}

// TestSURWCopesWithWrongCounts: counts too low, too high or missing a
// thread still let every execution finish, with a mutex and a condition
// in the way.
func TestSURWCopesWithWrongCounts(t *testing.T) {
	for _, counts := range [][]int{nil, {0}, {9, 9, 9}, {1, 0}} {
		for seed := range uint64(100) {
			x := 0
			s := New(NewSURW(seed, counts), 0)
			lostUpdate(s, &x, true, &Mutex{Name: "mu"})
			done := false
			s.Go("waiter", func(t *Thread) { t.Wait("x is 2", func() bool { return x == 2 }); done = true })
			if r := s.Run(); r.Outcome != Finished || !done {
				t.Fatalf("counts %v seed %d: %v, waiter done %v", counts, seed, r.Outcome, done)
			}
		}
	}
}

func TestSURWSameSeedSameSchedule(t *testing.T) {
	run := func(seed uint64) []int {
		var log []event
		s := New(NewSURW(seed, []int{3, 1, 2}), 0)
		eventProgram{"X.X..X", "..X", "X.x.X"}.setup(s, &log)
		return s.Run().Schedule
	}
	if a, b := run(5), run(5); !slices.Equal(a, b) {
		t.Fatalf("seed 5 gave %v then %v", a, b)
	}
}

// TestPOSAndSURWReplay: the schedule is the seed's, whatever GOMAXPROCS,
// and replaying it reproduces the execution; StrategyName.New makes both.
func TestPOSAndSURWReplay(t *testing.T) {
	p := eventProgram{"X.Y.", "XY", "..x.Y"}
	run := func(st Strategy) ([]int, []event) {
		var log []event
		s := New(st, 0)
		p.setup(s, &log)
		return s.Run().Schedule, log
	}
	for _, name := range []string{"pos", "surw"} {
		for seed := range uint64(20) {
			n, err := ParseStrategy(name)
			if err != nil {
				t.Fatal(err)
			}
			prev := runtime.GOMAXPROCS(1)
			one, log := run(n.New(seed, len(p), 12))
			runtime.GOMAXPROCS(4)
			four, _ := run(n.New(seed, len(p), 12))
			runtime.GOMAXPROCS(prev)
			if !slices.Equal(one, four) {
				t.Fatalf("%s seed %d: GOMAXPROCS 1 gave %v, 4 gave %v", name, seed, one, four)
			}
			rp := NewReplay(one)
			again, relog := run(rp)
			if err := rp.Check(Result{Steps: len(again)}); err != nil || !slices.Equal(log, relog) {
				t.Fatalf("%s seed %d: replay: %v, log %v then %v", name, seed, err, log, relog)
			}
		}
	}
}

// heldChecked is SURW checking, before each pick, what its shortcuts
// take for granted: while no thread is intended (candidate) or holding
// is false (release), none is held back.
type heldChecked struct {
	*SURW
	t *testing.T
}

func (h heldChecked) Pick(step int, enabled []int) int {
	if h.intended < 0 && slices.Contains(h.held, true) {
		h.t.Fatalf("step %d: threads held back %v with no thread intended", step, h.held)
	}
	if !h.holding && slices.Contains(h.held, true) {
		h.t.Fatalf("step %d: threads held back %v, holding false", step, h.held)
	}
	return h.SURW.Pick(step, enabled)
}

func TestSURWHoldsBackOnlyInARound(t *testing.T) {
	for _, counts := range [][]int{nil, {3, 1, 2}, {0, 9}} {
		for seed := range uint64(200) {
			var log []event
			s := New(heldChecked{NewSURW(seed, counts), t}, 0)
			eventProgram{"X.X..X", "..X", "X.x.X"}.setup(s, &log)
			if r := s.Run(); r.Outcome != Finished {
				t.Fatalf("counts %v seed %d: %v", counts, seed, r.Outcome)
			}
		}
	}
}
