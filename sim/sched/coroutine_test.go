package sched

import (
	"runtime"
	"slices"
	"testing"
)

// A thread's panic comes out of Run on the caller's goroutine, whichever
// coroutine the thread ran on and wherever control had passed, and the
// coroutines serve later executions as before: the same schedules.
func TestThreadPanicComesOutOfRun(t *testing.T) {
	want := goldenSchedules(spawners[0].spawn, true)
	for _, sp := range spawners {
		for seed := range uint64(20) {
			got := func() (r any) {
				defer func() { r = recover() }()
				s := New(NewRandom(seed), 0)
				for i := range 3 {
					sp.spawn(s, "p", func(t *Thread) {
						t.Yield()
						t.Yield()
						if i == 1 {
							panic("boom")
						}
						t.Yield()
					})
				}
				s.Run()
				return nil
			}()
			if got != "boom" {
				t.Fatalf("%s seed %d: Run raised %v, want boom", sp.name, seed, got)
			}
		}
	}
	if got := goldenSchedules(spawners[0].spawn, true); got != want {
		t.Fatalf("schedules after the panics differ:\n%s", firstDiff(got, want))
	}
}

// A thread that calls runtime.Goexit (t.FailNow, say) ends the goroutine
// that called Run, as a test's FailNow must, and leaves later executions
// as they were.
func TestThreadGoexitEndsRunsGoroutine(t *testing.T) {
	want := goldenSchedules(spawners[0].spawn, true)
	for _, sp := range spawners {
		returned, done := false, make(chan bool)
		go func() {
			defer func() { done <- returned }()
			s := New(NewRandom(1), 0)
			for i := range 3 {
				sp.spawn(s, "g", func(t *Thread) {
					t.Yield()
					if i == 2 {
						runtime.Goexit()
					}
					t.Yield()
				})
			}
			s.Run()
			returned = true
		}()
		if <-done {
			t.Fatalf("%s: Run returned after a thread's Goexit", sp.name)
		}
	}
	if got := goldenSchedules(spawners[0].spawn, true); got != want {
		t.Fatalf("schedules after the Goexits differ:\n%s", firstDiff(got, want))
	}
}

// Executions of more threads than the pool keeps stop the extra
// coroutines, each of which must wait in its own slot by then, and the
// pooled ones run the next executions as a fresh one would.
func TestCoroutinesBeyondThePool(t *testing.T) {
	const n = maxIdle + 20
	var want []int
	for range 3 {
		s := New(NewRandom(7), 0)
		order := []int{}
		for i := range n {
			s.Go("t", func(t *Thread) {
				t.Yield()
				order = append(order, i)
			})
		}
		if r := s.Run(); r.Outcome != Finished {
			t.Fatalf("outcome %v", r.Outcome)
		}
		if want == nil {
			want = order
		} else if !slices.Equal(order, want) {
			t.Fatalf("threads finished in another order on reused coroutines")
		}
	}
}
