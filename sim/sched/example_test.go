package sched_test

import (
	"fmt"

	"github.com/sysfsim/sysfsim/sim/sched"
)

// lostUpdate is two threads incrementing a counter without a lock: each
// reads, then writes, with a preemption point in between.
func lostUpdate(s *sched.Scheduler) *int {
	x := new(int)
	for range 2 {
		s.Go("inc", func(t *sched.Thread) {
			t.Access(x, false)
			v := *x
			t.Access(x, true)
			*x = v + 1
		})
	}
	return x
}

// A random walk looks for the interleaving that loses an update; its
// schedule, replayed, gives the same execution again.
func Example() {
	for seed := uint64(0); ; seed++ {
		s := sched.New(sched.NewRandom(seed), 0)
		x := lostUpdate(s)
		r := s.Run()
		if *x == 2 {
			continue
		}
		fmt.Println("lost an update with schedule", r.Schedule)

		s = sched.New(sched.NewReplay(r.Schedule), 0)
		x = lostUpdate(s)
		s.Run()
		fmt.Println("replayed: x =", *x)
		break
	}
	// Output:
	// lost an update with schedule [1 1 0 0 0 1]
	// replayed: x = 1
}

// Explore enumerates the schedules instead, up to equivalence: swapping
// two steps of different threads that touch different objects gives the
// same execution, and sleep sets skip such repeats.
func ExampleExplore() {
	for _, reduce := range []bool{false, true} {
		lost := 0
		var x *int
		st := sched.Explore(func(s *sched.Scheduler) { x = lostUpdate(s) },
			sched.ExploreOptions{Bound: sched.Unbounded, NoReduction: !reduce},
			func(sched.Result) bool {
				if *x != 2 {
					lost++
				}
				return true
			})
		fmt.Printf("reduction %v: %d schedules, %d lose an update, exhausted %v\n", reduce, st.Executions, lost, st.Exhausted)
	}
	// Output:
	// reduction false: 20 schedules, 12 lose an update, exhausted true
	// reduction true: 16 schedules, 8 lose an update, exhausted true
}
