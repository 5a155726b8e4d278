package sim

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// withSlowSetup runs f with every setup under the scheduler.
func withSlowSetup(f func()) {
	slowSetup = true
	defer func() { slowSetup = false }()
	f()
}

// A setup run alone without the scheduler's bookkeeping leaves the same
// execution as one run under it: history, faults, coverage, schedule and
// final tree. The setups drawn are short, so each program also runs with
// its threads' operations appended to its setup, which then holds every
// kind, under every seeded bug.
func TestFastSetupAgrees(t *testing.T) {
	seeds := uint64(300)
	if testing.Short() {
		seeds = 60
	}
	for _, bug := range append(BugSet{""}, BugNames()...) {
		opt := Options{}
		if bug != "" {
			opt.Bugs = BugSet{bug}
		}
		for seed := range seeds {
			p := gen.Program(gen.NewRand(seed), gen.Options{})
			long := p
			long.Setup = append([]model.Op(nil), p.Setup...)
			for _, ops := range p.Threads {
				long.Setup = append(long.Setup, ops...)
			}
			for _, q := range []history.Program{p, long} {
				var fast, slow Execution
				runOn(new(arena), &q, sched.NewRandom(seed), opt, &fast)
				withSlowSetup(func() { runOn(new(arena), &q, sched.NewRandom(seed), opt, &slow) })
				if d := executionDiff(fast, slow); d != "" {
					t.Fatalf("bug %q, seed %d, setup %v: the fast setup's execution differs from the slow one's: %s", bug, seed, q.Setup, d)
				}
			}
		}
	}
}

// executionDiff names what differs between x and y, "" if nothing.
func executionDiff(x, y Execution) string {
	switch {
	case !reflect.DeepEqual(x.History, y.History):
		return fmt.Sprintf("history\n%v\nvs\n%v", x.History, y.History)
	case !reflect.DeepEqual(x.Schedule, y.Schedule) || x.Steps != y.Steps || x.Outcome != y.Outcome:
		return "schedule"
	case x.Coverage != y.Coverage:
		return "coverage"
	}
	for m := 1; m <= 4; m++ {
		if !reflect.DeepEqual(x.View(m), y.View(m)) {
			return fmt.Sprintf("view of mount %d", m)
		}
	}
	return ""
}

// A setup that waits for what the lone thread cannot have gives up
// alone, where under the scheduler it deadlocks: here a removal whose
// attribute a reader holds active, as no setup of a program can.
func TestFastSetupGivesUpOnAWait(t *testing.T) {
	cfg := model.Config{Namespaces: 1, Mounts: []int{1}, Procs: []int{1}}
	create := []model.Op{{Kind: model.Create, NS: 1, Name: "eth0"}}
	remove := []model.Op{{Kind: model.Remove, NS: 1, Name: "eth0"}}
	held := func() *Kernel {
		k := newKernel(&cfg, nil, nil)
		k.cov.start(1)
		if !k.runSetupFast(sched.New(nil, 0), k.mem.body(k, history.SetupThread, create)) {
			t.Fatal("the create gave up")
		}
		attr := k.tree.nodes[len(k.tree.nodes)-2] // the directory's ifindex, before the link
		if attr.name != "ifindex" {
			t.Fatalf("node %v is not the attribute", attr)
		}
		attr.active++ // a read in flight
		return k
	}
	k := held()
	if k.runSetupFast(sched.New(nil, 0), k.mem.body(k, history.SetupThread, remove)) {
		t.Fatal("the fast setup finished a removal that waits for a reader")
	}
	if k.alone {
		t.Fatal("the kernel is left alone")
	}
	k = held()
	if r := sched.New(nil, 0).RunAlone("setup", k.mem.body(k, history.SetupThread, remove)); r.Outcome != sched.Deadlocked {
		t.Fatalf("under the scheduler the removal ends %v, not deadlocked", r.Outcome)
	}
}
