package sctbench

import "github.com/sysfsim/sysfsim/sim/sched"

// account ports concurrent-software-benchmarks/account_bad.c: deposit and
// withdraw update a balance under a lock, and check_result asserts a wrong
// formula once both are done, so the assertion fails exactly when
// check_result takes the lock last.
func account(s *sched.Scheduler) func(sched.Result) bool {
	m := &sched.Mutex{Name: "m"}
	x, y, z := 1, 2, 4
	balance := x
	depositDone, withdrawDone, failed := false, false, false
	s.Go("check_result", func(t *sched.Thread) {
		t.Lock(m)
		if depositDone && withdrawDone && balance != (x-y)-z { // BAD
			failed = true
		}
		t.Unlock(m)
	})
	s.Go("deposit", func(t *sched.Thread) {
		t.Lock(m)
		balance += y
		depositDone = true
		t.Unlock(m)
	})
	s.Go("withdraw", func(t *sched.Thread) {
		t.Lock(m)
		balance -= z
		withdrawDone = true
		t.Unlock(m)
	})
	return failedOrDeadlocked(&failed)
}

// deadlock01 ports concurrent-software-benchmarks/deadlock01_bad.c: two
// threads take locks a and b in opposite orders.
func deadlock01(s *sched.Scheduler) func(sched.Result) bool {
	a, b := &sched.Mutex{Name: "a"}, &sched.Mutex{Name: "b"}
	counter := 1
	s.Go("thread1", func(t *sched.Thread) {
		t.Lock(a)
		t.Lock(b) // BAD: deadlock
		counter++
		t.Unlock(b)
		t.Unlock(a)
	})
	s.Go("thread2", func(t *sched.Thread) {
		t.Lock(b)
		t.Lock(a) // BAD: deadlock
		counter--
		t.Unlock(a)
		t.Unlock(b)
	})
	failed := false
	return failedOrDeadlocked(&failed)
}

// reorder ports concurrent-software-benchmarks/reorder_bad.c with iSet
// setters and iCheck checkers (reorder_3_bad is 2 and 1, reorder_5_bad 4
// and 1): setters write a then b without a lock, and a checker that reads
// a after a setter's first write but b before its second sees a state no
// sequential order produces.
func reorder(iSet, iCheck int) func(s *sched.Scheduler) func(sched.Result) bool {
	return func(s *sched.Scheduler) func(sched.Result) bool {
		a, b := 0, 0
		failed := false
		for range iSet {
			s.Go("setThread", func(t *sched.Thread) {
				t.Access(&a, true)
				a = 1
				t.Access(&b, true)
				b = -1 // BAD: W/W data race
			})
		}
		for range iCheck {
			s.Go("checkThread", func(t *sched.Thread) {
				// !((a == 0 && b == 0) || (a == 1 && b == -1)), each read
				// a preemption point, in C's evaluation order.
				read := func(v *int) int { t.Access(v, false); return *v }
				if read(&a) == 0 && read(&b) == 0 {
					return
				}
				if read(&a) == 1 && read(&b) == -1 {
					return
				}
				failed = true
			})
		}
		return failedOrDeadlocked(&failed)
	}
}

// twostage ports concurrent-software-benchmarks/twostage_bad.c with one
// thread of each kind: funcA publishes data1 and then data2 = data1+1 in
// two critical sections, and funcB, reading them in two critical sections
// of its own, can see the first stage without the second. There is no data
// race, only an atomicity violation.
func twostage(s *sched.Scheduler) func(sched.Result) bool {
	data1Lock, data2Lock := &sched.Mutex{Name: "data1Lock"}, &sched.Mutex{Name: "data2Lock"}
	data1Value, data2Value := 0, 0
	failed := false
	s.Go("funcA", func(t *sched.Thread) {
		t.Lock(data1Lock)
		data1Value = 1
		t.Unlock(data1Lock)

		t.Lock(data2Lock)
		data2Value = data1Value + 1
		t.Unlock(data2Lock)
	})
	s.Go("funcB", func(t *sched.Thread) {
		t.Lock(data1Lock)
		if data1Value == 0 {
			t.Unlock(data1Lock)
			return
		}
		t1 := data1Value
		t.Unlock(data1Lock)

		t.Lock(data2Lock)
		t2 := data2Value
		t.Unlock(data2Lock)

		if t2 != t1+1 {
			failed = true // BAD
		}
	})
	return failedOrDeadlocked(&failed)
}

// wronglock ports concurrent-software-benchmarks/wronglock_bad.c with
// iNum1 threads of funcA and iNum2 of funcB (1 and 7 in the original):
// they increment dataValue under different locks, so funcA can see it move
// between its own read and write.
func wronglock(iNum1, iNum2 int) func(s *sched.Scheduler) func(sched.Result) bool {
	return func(s *sched.Scheduler) func(sched.Result) bool {
		dataLock, thisLock := &sched.Mutex{Name: "dataLock"}, &sched.Mutex{Name: "thisLock"}
		dataValue := 0
		failed := false
		// dataValue++ is a load and a store, both racy.
		inc := func(t *sched.Thread) {
			t.Access(&dataValue, false)
			v := dataValue
			t.Access(&dataValue, true)
			dataValue = v + 1
		}
		for range iNum1 {
			s.Go("funcA", func(t *sched.Thread) {
				t.Lock(dataLock)
				t.Access(&dataValue, false)
				x := dataValue
				inc(t)
				t.Access(&dataValue, false)
				if dataValue != x+1 {
					failed = true // BAD
				}
				t.Unlock(dataLock)
			})
		}
		for range iNum2 {
			s.Go("funcB", func(t *sched.Thread) {
				t.Lock(thisLock)
				inc(t)
				t.Unlock(thisLock)
			})
		}
		return failedOrDeadlocked(&failed)
	}
}
