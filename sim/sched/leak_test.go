package sched

import (
	"runtime"
	"testing"
)

// Coroutines kept between executions are bounded and never dropped while
// alive: executions of many threads, with garbage collections between
// them, leave no more goroutines behind than one of them uses, or than
// the pool keeps when they use more.
func TestCoroutinesDoNotLeak(t *testing.T) {
	for _, threads := range []int{50, maxIdle + 20} {
		coroutinesDoNotLeak(t, threads)
	}
}

func coroutinesDoNotLeak(t *testing.T, threads int) {
	wide := func() {
		s := New(NewRandom(1), 0)
		for range threads {
			s.Go("t", func(t *Thread) { t.Yield() })
		}
		s.Run()
		runtime.GC()
		runtime.GC()
	}
	wide()
	before := runtime.NumGoroutine()
	for range 10 {
		wide()
	}
	if after := runtime.NumGoroutine(); after > before+5 {
		t.Fatalf("goroutines: %d after one execution of %d threads, %d after ten more", before, threads, after)
	}
}
