package sim

import (
	"errors"
	"fmt"

	"github.com/sysfsim/sysfsim/sim/sched"
)

// A program's setup runs alone (Scheduler.RunAlone): one thread, no
// choice, no schedule. There the scheduler's work at every preemption
// point and lock changes nothing that an execution shows: a lock is
// always free to the only thread, what a step declares it touches is read
// by no strategy, and the steps of a setup are counted in no result, so
// long as it finishes. Only a wait whose condition does not hold matters:
// the lone thread can never have it, and the setup deadlocks, with a
// fault that describes the locks it holds.
//
// So a setup first runs with the kernel's alone set, where the threads'
// scheduling calls below return at once, and a wait that does not hold
// gives up (errSlowSetup); prepare then runs it again on a new kernel the
// slow way, under the scheduler, to fail as it fails there. The histories,
// faults and coverage of the two ways are the same (TestFastSetupAgrees).

// errSlowSetup unwinds a setup that must run under the scheduler.
var errSlowSetup = errors.New("sim: the setup waits for what it cannot have: run it under the scheduler")

func (k *Kernel) lock(t *sched.Thread, m *sched.Mutex) {
	if !k.alone {
		t.Lock(m)
	}
}

func (k *Kernel) unlock(t *sched.Thread, m *sched.Mutex) {
	if !k.alone {
		t.Unlock(m)
	}
}

func (k *Kernel) rlock(t *sched.Thread, m *sched.Mutex) {
	if !k.alone {
		t.RLock(m)
	}
}

func (k *Kernel) runlock(t *sched.Thread, m *sched.Mutex) {
	if !k.alone {
		t.RUnlock(m)
	}
}

// access is Thread.Access, yield Thread.Yield.
func (k *Kernel) access(t *sched.Thread, obj any, write bool) {
	if !k.alone {
		t.Access(obj, write)
	}
}

func (k *Kernel) yield(t *sched.Thread) {
	if !k.alone {
		t.Yield()
	}
}

// waitOn is Thread.WaitOn; alone, a condition that does not hold now
// never will.
func (k *Kernel) waitOn(t *sched.Thread, reason fmt.Stringer, cond func() bool) {
	if !k.alone {
		t.WaitOn(reason, cond)
	} else if !cond() {
		panic(errSlowSetup)
	}
}

// runSetupFast runs the setup body with k alone, and reports whether it
// finished; if not, k is left part way and must not be used.
func (k *Kernel) runSetupFast(s *sched.Scheduler, body func(*sched.Thread)) (finished bool) {
	defer func() {
		if !finished {
			if r := recover(); r != errSlowSetup {
				panic(r)
			}
		}
		k.alone = false
	}()
	k.alone = true
	s.RunAlone("setup", body)
	return true
}
