package sched

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// rescanned is the enabled set as decide computed it before it was kept
// up to date: every thread not returned, asked.
func rescanned(s *Scheduler) []int {
	var ids []int
	for _, t := range s.threads {
		if !t.done && t.enabled() {
			ids = append(ids, t.id)
		}
	}
	return ids
}

// enabledChecker is a random walk that compares, at every step, the
// enabled set the scheduler hands it with a rescan of every thread.
// corruptAt, when positive, clears the lowest ready bit at that step (or
// the first after it with one): the broken bookkeeping the comparison
// must catch.
type enabledChecker struct {
	r         *Random
	s         *Scheduler
	corruptAt int
	err       error
}

func (c *enabledChecker) bind(s *Scheduler) { c.s = s }

func (c *enabledChecker) Pick(step int, enabled []int) int {
	if want := rescanned(c.s); c.err == nil && !slices.Equal(enabled, want) {
		c.err = fmt.Errorf("step %d: enabled %v, a rescan finds %v", step, enabled, want)
	}
	if c.corruptAt > 0 && step >= c.corruptAt && c.s.ready != 0 {
		c.s.ready &= c.s.ready - 1
		c.corruptAt = 0
	}
	return c.r.Pick(step, enabled)
}

// condProgram has threads waiting for a shared count to reach a value
// that other threads' steps raise, besides a lock they share.
func condProgram(rng *rand.Rand, threads int) func(*Scheduler) {
	need := make([]int, threads)
	for i := range need {
		need[i] = rng.IntN(threads)
	}
	return func(s *Scheduler) {
		count := 0
		m := &Mutex{Name: "m"}
		for i := range threads {
			s.Go(fmt.Sprint("w", i), func(t *Thread) {
				t.Wait("count", func() bool { return count >= need[i] })
				t.Lock(m)
				t.Yield()
				count++
				t.Unlock(m)
				t.Yield()
			})
		}
	}
}

// TestEnabledSetMatchesRescan runs random programs over mutexes,
// reader-writer locks and conditions, deadlocking ones included, with 2
// to 70 threads (past maxReady the scheduler rescans), and compares the
// enabled set at every step with a rescan of every thread. The broken
// case clears a ready bit the scheduler keeps, and must be caught.
func TestEnabledSetMatchesRescan(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 5))
	type program struct {
		name  string
		setup func(*Scheduler)
	}
	var progs []program
	for i := range 60 {
		progs = append(progs, program{fmt.Sprint("rw", i), rwSetup(randomRWProgram(rng, 2+i%3))})
		progs = append(progs, program{fmt.Sprint("cond", i), condProgram(rng, 2+i%4)})
	}
	progs = append(progs, program{"cond-70", condProgram(rng, 70)}, program{"rw-66", rwSetup(randomRWProgram(rng, 66))})
	outcomes := map[Outcome]int{}
	for _, p := range progs {
		for seed := range uint64(5) {
			c := &enabledChecker{r: NewRandom(seed)}
			s := New(c, 5000)
			p.setup(s)
			r := s.Run()
			outcomes[r.Outcome]++
			if c.err != nil {
				t.Fatalf("%s, seed %d: %v", p.name, seed, c.err)
			}
		}
	}
	if outcomes[Finished] == 0 || outcomes[Deadlocked] == 0 {
		t.Errorf("outcomes %v: the programs should both finish and deadlock", outcomes)
	}
	t.Run("broken", func(t *testing.T) {
		c := &enabledChecker{r: NewRandom(1), corruptAt: 1}
		s := New(c, 5000)
		for range 2 { // threads that never wait: nothing sets the bit again
			s.Go("y", func(t *Thread) {
				for range 5 {
					t.Yield()
				}
			})
		}
		s.Run()
		if c.err == nil {
			t.Fatal("a cleared ready bit went unnoticed")
		}
	})
}

// TestMutexForgetsUnwoundWaiters: a mutex outlives the execution that
// deadlocked with a thread waiting for it, and the next execution that
// uses it must not take that thread's bit for one of its own. Thread 1
// waits for m in the first execution; in the second, thread 1 waits for
// a condition that never holds while thread 0 takes and releases m.
func TestMutexForgetsUnwoundWaiters(t *testing.T) {
	m := &Mutex{Name: "m"}
	c := &enabledChecker{r: NewRandom(1)}
	s := New(c, 100)
	s.Go("holder", func(t *Thread) {
		t.Lock(m)
		defer t.Unlock(m) // which frees m as the thread unwinds
		t.Wait("never", func() bool { return false })
	})
	s.Go("waiter", func(t *Thread) {
		t.Wait("m held", func() bool { return m.Holder() == 0 })
		t.Lock(m)
	})
	if r := s.Run(); r.Outcome != Deadlocked {
		t.Fatalf("first execution: %v, want a deadlock", r.Outcome)
	}
	s.Reset(c, 100)
	s.Go("locker", func(t *Thread) {
		t.Lock(m)
		t.Yield()
		t.Unlock(m)
		t.Yield()
	})
	s.Go("sleeper", func(t *Thread) { t.Wait("never", func() bool { return false }) })
	r := s.Run()
	if c.err != nil {
		t.Fatal(c.err)
	}
	if r.Outcome != Deadlocked {
		t.Errorf("second execution: %v, want a deadlock", r.Outcome)
	}
}
