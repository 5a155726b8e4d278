package tracefile

import (
	"fmt"
	"slices"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// validOptions rejects options no simulator can honour. Which bugs exist
// is the reading tool's to judge (Reader.CheckOptions).
func validOptions(o Options) error {
	if o.MaxSteps < 0 {
		return fmt.Errorf("max_steps %d is negative", o.MaxSteps)
	}
	return nil
}

func validProgram(p history.Program) error {
	for _, op := range p.Setup {
		if err := op.Check(); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
	}
	for i, th := range p.Threads {
		for _, op := range th {
			if err := op.Check(); err != nil {
				return fmt.Errorf("thread %d: %w", i, err)
			}
		}
	}
	if err := p.Config.Check(); err != nil {
		return err
	}
	return undeclaredMount(p, declaredMounts(p))
}

// declaredMounts returns the mounts a program has: those made before the
// start, numbered from 1, and those its mount operations make.
func declaredMounts(p history.Program) map[int]bool {
	mounts := map[int]bool{}
	for m := 1; m <= len(p.Config.Mounts); m++ {
		mounts[m] = true
	}
	for _, op := range slices.Concat(append([][]model.Op{p.Setup}, p.Threads...)...) {
		if op.Kind == model.Mount {
			mounts[op.Mount] = true
		}
	}
	return mounts
}

// undeclaredMount rejects an operation through a mount the program never
// has: it would be judged as "no such mount" (EINVAL), a question nobody
// meant to ask.
func undeclaredMount(p history.Program, mounts map[int]bool) error {
	for i, th := range append([][]model.Op{p.Setup}, p.Threads...) {
		for _, op := range th {
			if op.Kind.Takes()&model.FMount != 0 && op.Kind != model.Mount && !mounts[op.Mount] {
				where := "setup"
				if i > 0 {
					where = fmt.Sprintf("thread %d", i-1)
				}
				return fmt.Errorf("%s: %v goes through mount %d, which the program never has (mounts 1..%d, and those its mount operations make)", where, op, op.Mount, len(p.Config.Mounts))
			}
		}
	}
	return nil
}

// recordsOfProgram rejects a record that is not its program's: each
// thread's records, in order, are its program's operations in order, each
// recorded whole or as the steps of its flow (FlowOf, undo included), a
// prefix of them when the execution stopped early. The steps cleanup_net
// takes on the exiting thread's behalf (marked Cleanup, and Gone) are no
// program's and may stand anywhere. A create's ifindex is the recorder's,
// not the program's, and so is a virtual device made where the program
// asked for a physical one (the kernel backend has no hardware to give a
// namespace, and records what it made).
func recordsOfProgram(p history.Program, h history.History) (record int, err error) {
	next := map[int]int{} // thread -> index of the program operation reached
	for i, r := range h.Records {
		if r.Op.Cleanup || r.Op.Kind == model.Gone {
			continue
		}
		ops := p.Setup
		switch {
		case r.Thread >= len(p.Threads) || r.Thread < history.SetupThread:
			return i, fmt.Errorf("%v on thread %d, which the program (threads 0..%d) does not have", r.Op, r.Thread, len(p.Threads)-1)
		case r.Thread >= 0:
			ops = p.Threads[r.Thread]
		}
		j := next[r.Thread]
		for j < len(ops) && !fromOp(r.Op, ops[j]) {
			j++
		}
		if j == len(ops) {
			where := "setup"
			if r.Thread >= 0 {
				where = fmt.Sprintf("thread %d", r.Thread)
			}
			return i, fmt.Errorf("%v on %s is not the program's: %s has no such operation at or after its operation %d", r.Op, where, where, next[r.Thread])
		}
		next[r.Thread] = j
	}
	return 0, nil
}

// fromOp reports whether rec, a recorded operation, is program operation
// op recorded whole or one of its flow's steps.
func fromOp(rec, op model.Op) bool {
	same := func(a model.Op) bool {
		r := rec
		if a.Index == 0 {
			r.Index = 0
		}
		if a.Phys && !r.Phys {
			r.Phys = true
		}
		return r == a
	}
	if same(op) {
		return true
	}
	if !op.Kind.IsFlow() {
		return false
	}
	f := model.FlowOf(op)
	for _, st := range f.Steps() {
		if same(st.Op) || st.Undo.Kind != 0 && same(st.Undo) {
			return true
		}
	}
	return false
}
