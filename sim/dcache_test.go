package sim_test

import (
	"testing"

	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// disagreements counts the sequential programs of the first n seeds on
// which the simulator with bugs gives some operation another result than
// the model.
func disagreements(n uint64, bugs sim.BugSet) int {
	bad := 0
	for seed := range n {
		p := sequential(seed)
		x := sim.Run(p, sched.NewRandom(seed), sim.Options{Bugs: bugs})
		s := model.Init()
		for _, r := range x.History.Records {
			want, next := sequentialStep(p.Config, s, r.Op)
			if !model.SameResult(want, r.Result) {
				bad++
				break
			}
			s = next
		}
	}
	return bad
}

// The dentry cache never changes an answer: on sequential programs, where
// lookups repeat over renames, moves, removals and re-adds, the simulator
// with its cache agrees with the model (which has none) everywhere, and a
// revalidation that forgets one of its tests disagrees somewhere. A
// negative dentry made for an inactive node needs a lookup inside an add,
// which no sequential program has: its own test is concurrent (the bug
// corpus and litmus/testdata/bug-negative-dentry-inactive.litmus).
func TestDentryCacheKeepsAnswers(t *testing.T) {
	const n = 500
	if d := disagreements(n, nil); d != 0 {
		t.Fatalf("the correct simulator disagrees with the model on %d of %d sequential programs", d, n)
	}
	if d := disagreements(n, sim.BugSet{sim.BugDentryNSUnchecked}); d == 0 {
		t.Fatalf("with %s, no sequential program of %d disagrees with the model", sim.BugDentryNSUnchecked, n)
	}
}
