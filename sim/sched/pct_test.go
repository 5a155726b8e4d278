package sched

import (
	"math"
	"slices"
	"testing"
)

// depthBug sets up a program whose bug has depth d (1, 2 or 3) in the
// sense of PCT, plus a noise thread of two steps, and returns a pointer to
// the bug flag. Threads: A writes x=1 then x=2; B reads x once (d = 1:
// bug if it reads 0, i.e. B before A; d = 2: bug if it reads 1, i.e.
// between A's writes) or twice (d = 3: bug if it reads 1 then 2, which
// needs A's first write, B's first read, A's second write and B's second
// read in that order).
func depthBug(s *Scheduler, d int) *bool {
	x, y, bug := 0, 0, false
	s.Go("A", func(t *Thread) {
		t.Access(&x, true)
		x = 1
		t.Access(&x, true)
		x = 2
	})
	s.Go("B", func(t *Thread) {
		t.Access(&x, false)
		r1 := x
		switch d {
		case 1:
			bug = r1 == 0
		case 2:
			bug = r1 == 1
		case 3:
			t.Access(&x, false)
			bug = r1 == 1 && x == 2
		}
	})
	s.Go("noise", func(t *Thread) {
		t.Access(&y, true)
		y++
	})
	return &bug
}

// TestPCTMeetsItsBound runs PCT on bugs of depth 1 to 3 and checks that
// the observed hit rate is not significantly below the guarantee
// 1/(n*k^(d-1)). With N executions and hit probability p >= bound, the
// number of hits X satisfies P(X <= N*bound - t) <= exp(-t^2/(2*N*bound))
// (Chernoff); t is chosen so that this is 1e-9, so a correct
// implementation fails with negligible probability, and the seeds are fixed
// so the outcome never changes from run to run anyway. An implementation
// that sorts the change points, for one, never hits the depth-3 bug.
func TestPCTMeetsItsBound(t *testing.T) {
	const N = 30000
	for d := 1; d <= 3; d++ {
		// Every schedule of these programs has the same length, so k is
		// exact.
		s := New(NewRandom(0), 0)
		depthBug(s, d)
		k, n := s.Run().Steps, 3
		hits := 0
		for seed := range uint64(N) {
			s := New(NewPCT(seed, d, n, k), 0)
			bug := depthBug(s, d)
			s.Run()
			if *bug {
				hits++
			}
		}
		mu := N * PCTBound(n, k, d)
		min := mu - math.Sqrt(2*mu*math.Log(1e9))
		t.Logf("depth %d: n=%d k=%d: %d/%d hits (%.4f), bound %.4f, need >= %.0f", d, n, k, hits, N, float64(hits)/N, PCTBound(n, k, d), min)
		if float64(hits) < min || min <= 0 {
			t.Errorf("depth %d: %d hits in %d executions, bound says at least %.0f", d, hits, N, min)
		}
	}
}

func TestPCTBound(t *testing.T) {
	if got := PCTBound(2, 10, 3); got != 1.0/200 {
		t.Fatalf("PCTBound(2, 10, 3) = %v", got)
	}
	if got := PCTBound(4, 10, 1); got != 0.25 {
		t.Fatalf("PCTBound(4, 10, 1) = %v", got)
	}
}

// TestPCTDepthOneRunsThreadsSerially: without change points, the highest
// priority thread runs until it returns, so there are no preemptions.
func TestPCTDepthOneRunsThreadsSerially(t *testing.T) {
	for seed := range uint64(20) {
		x := 0
		s := New(NewPCT(seed, 1, 2, 10), 0)
		lostUpdate(s, &x, false, nil)
		r := s.Run()
		switches := 0
		for i := 1; i < len(r.Schedule); i++ {
			if r.Schedule[i] != r.Schedule[i-1] {
				switches++
			}
		}
		if switches != 1 || x != 2 {
			t.Fatalf("seed %d: schedule %v, x=%d", seed, r.Schedule, x)
		}
	}
}

func TestPCTSameSeedSameSchedule(t *testing.T) {
	run := func(seed uint64) []int {
		x := 0
		s := New(NewPCT(seed, 3, 2, 8), 0)
		lostUpdate(s, &x, false, nil)
		return s.Run().Schedule
	}
	if a, b := run(5), run(5); !slices.Equal(a, b) {
		t.Fatalf("seed 5 gave %v then %v", a, b)
	}
}

// A campaign reports a portfolio's PCT executions by their depth.
func TestPCTDepth(t *testing.T) {
	for d := 1; d <= 5; d++ {
		if got := NewPCT(uint64(d), d, 3, 40).Depth(); got != d {
			t.Errorf("NewPCT(depth %d).Depth() = %d", d, got)
		}
	}
}
