package sched

import (
	"slices"
	"strings"
	"testing"
)

// counter is the classic lost update: read, yield, write.
func lostUpdate(s *Scheduler, x *int, locked bool, mu *Mutex) {
	for i := range 2 {
		_ = i
		s.Go("inc", func(t *Thread) {
			if locked {
				t.Lock(mu)
			}
			t.Yield()
			v := *x
			t.Yield()
			*x = v + 1
			if locked {
				t.Unlock(mu)
			}
		})
	}
}

func TestRandomFindsLostUpdateAndLockPreventsIt(t *testing.T) {
	for _, locked := range []bool{false, true} {
		lost := 0
		for seed := range uint64(200) {
			x := 0
			s := New(NewRandom(seed), 0)
			lostUpdate(s, &x, locked, &Mutex{Name: "mu"})
			if r := s.Run(); r.Outcome != Finished {
				t.Fatalf("outcome %v", r.Outcome)
			}
			if x != 2 {
				lost++
			}
		}
		if locked && lost != 0 {
			t.Errorf("locked: %d lost updates", lost)
		}
		if !locked && lost == 0 {
			t.Errorf("unlocked: random walk never lost an update in 200 runs")
		}
	}
}

func TestSameSeedSameSchedule(t *testing.T) {
	run := func(seed uint64) []int {
		x := 0
		s := New(NewRandom(seed), 0)
		lostUpdate(s, &x, true, &Mutex{Name: "mu"})
		return s.Run().Schedule
	}
	if a, b := run(7), run(7); !slices.Equal(a, b) {
		t.Fatalf("seed 7 gave %v then %v", a, b)
	}
}

func TestReplayReproducesAndReportsDivergence(t *testing.T) {
	x := 0
	s := New(NewRandom(3), 0)
	lostUpdate(s, &x, false, nil)
	rec := s.Run()

	y := 0
	rp := NewReplay(rec.Schedule)
	s2 := New(rp, 0)
	lostUpdate(s2, &y, false, nil)
	if err := rp.Check(s2.Run()); err != nil || y != x {
		t.Fatalf("replay: err %v, x=%d y=%d", err, x, y)
	}

	bad := slices.Clone(rec.Schedule)
	bad[1] = 7
	rp = NewReplay(bad)
	s3 := New(rp, 0)
	lostUpdate(s3, &y, false, nil)
	err := rp.Check(s3.Run())
	if err == nil || !strings.Contains(err.Error(), "step 1") {
		t.Fatalf("divergence not reported at step 1: %v", err)
	}
}

func TestDeadlockReportsWaitForGraph(t *testing.T) {
	a, b := &Mutex{Name: "a"}, &Mutex{Name: "b"}
	found := false
	for seed := range uint64(100) {
		s := New(NewRandom(seed), 0)
		s.Go("ab", func(t *Thread) { t.Lock(a); t.Lock(b); t.Unlock(b); t.Unlock(a) })
		s.Go("ba", func(t *Thread) { t.Lock(b); t.Lock(a); t.Unlock(a); t.Unlock(b) })
		r := s.Run()
		if r.Outcome == Deadlocked {
			found = true
			g := WaitForString(r.WaitFor)
			if !strings.Contains(g, "T0 waits for b held by T1 (holds a)") ||
				!strings.Contains(g, "T1 waits for a held by T0 (holds b)") {
				t.Fatalf("wait-for graph:\n%s", g)
			}
			break
		}
	}
	if !found {
		t.Fatal("no deadlock in 100 random schedules of an ABBA program")
	}
}

func TestStepBound(t *testing.T) {
	s := New(NewRandom(1), 50)
	s.Go("spin", func(t *Thread) {
		for {
			t.Yield()
		}
	})
	if r := s.Run(); r.Outcome != StepBound || r.Steps != 50 {
		t.Fatalf("got %v after %d steps", r.Outcome, r.Steps)
	}
}

func TestWaitBlocksUntilCondition(t *testing.T) {
	for seed := range uint64(50) {
		ready, seen := false, false
		s := New(NewRandom(seed), 0)
		s.Go("waiter", func(t *Thread) { t.Wait("ready", func() bool { return ready }); seen = ready })
		s.Go("setter", func(t *Thread) { t.Yield(); ready = true })
		if r := s.Run(); r.Outcome != Finished || !seen {
			t.Fatalf("seed %d: %v seen=%v", seed, r.Outcome, seen)
		}
	}
}

// A thread the scheduler gives up on while it waits to take a mutex again
// (released, then locked anew, under a deferred Unlock) is unwound
// without its deferred Unlock finding the mutex someone else's: the
// pattern of the seeded bugs that split a critical section in two.
func TestAbortWhileRelocking(t *testing.T) {
	blocked := 0
	for seed := range uint64(200) {
		s := New(NewRandom(seed), 12)
		mu := &Mutex{Name: "mu"}
		s.Go("splitter", func(t *Thread) {
			t.Lock(mu)
			defer t.Unlock(mu)
			t.Unlock(mu)
			t.Yield()
			t.Lock(mu)
		})
		s.Go("holder", func(t *Thread) {
			t.Lock(mu)
			for {
				t.Yield()
			}
		})
		r := s.Run() // panicked through the coroutine before the fix
		for _, w := range r.WaitFor {
			if w.Thread == 0 && w.On == "mu" {
				blocked++
			}
		}
		if mu.holder != nil && mu.holder.id == 0 {
			t.Fatalf("seed %d: the unwound splitter still holds mu", seed)
		}
	}
	if blocked == 0 {
		t.Fatal("no execution ended with the splitter waiting to lock mu again")
	}
}
