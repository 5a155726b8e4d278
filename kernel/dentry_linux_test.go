package kernel

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// dentryPrograms repeat lookups through one mount around the changes that
// must invalidate what the VFS cached: a miss, then an add (a negative
// dentry, which the directory's revision invalidates); a hit, then a
// rename or a removal (a positive dentry whose node is renamed or
// deactivated); a hit, then a move to another namespace under the same
// name (a positive dentry of another tag, kernfs_dop_revalidate's
// namespace test). Each lookup is done through devices/virtual/net and
// class/net alike.
func dentryPrograms() [][]model.Op {
	look := func(m int, name string) []model.Op {
		return []model.Op{
			{Kind: model.Lookup, Mount: m, Dir: model.Devices, Name: name},
			{Kind: model.Lookup, Mount: m, Dir: model.ClassNet, Name: name},
			{Kind: model.Readlink, Mount: m, Name: name},
		}
	}
	seq := func(parts ...[]model.Op) []model.Op {
		var ops []model.Op
		for _, p := range parts {
			ops = append(ops, p...)
		}
		return ops
	}
	op := func(o model.Op) []model.Op { return []model.Op{o} }
	return [][]model.Op{
		seq(look(1, "eth0"), op(model.Op{Kind: model.Create, NS: 1, Name: "eth0"}), look(1, "eth0")),
		seq(op(model.Op{Kind: model.Create, NS: 1, Name: "eth0"}), look(1, "eth0"),
			op(model.Op{Kind: model.Rename, NS: 1, Name: "eth0", NewName: "eth1"}), look(1, "eth0"), look(1, "eth1"),
			op(model.Op{Kind: model.Rename, NS: 1, Name: "eth1", NewName: "eth0"}), look(1, "eth0")),
		seq(op(model.Op{Kind: model.Create, NS: 1, Name: "eth0"}), look(1, "eth0"),
			op(model.Op{Kind: model.Remove, NS: 1, Name: "eth0"}), look(1, "eth0"),
			op(model.Op{Kind: model.Create, NS: 1, Name: "eth0"}), look(1, "eth0")),
		seq(op(model.Op{Kind: model.Create, NS: 1, Name: "eth0"}), look(1, "eth0"), look(2, "eth0"),
			op(model.Op{Kind: model.Move, NS: 1, To: 2, Name: "eth0"}), look(1, "eth0"), look(2, "eth0"),
			op(model.Op{Kind: model.Move, NS: 2, To: 1, Name: "eth0"}), look(1, "eth0"), look(2, "eth0")),
	}
}

// The kernel's dentry cache and the simulator's give the model's answers
// on programs made to catch a stale dentry: the real kernel's
// kernfs_dop_revalidate is what the simulator's follows.
func TestDentryCacheAgreesWithKernel(t *testing.T) {
	need(t)
	cfg := model.Config{Namespaces: 2, Mounts: []int{1, 2}, Exit: model.ExitKernel}
	progs := dentryPrograms()
	for i, ops := range progs {
		b, err := New(cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var kernel []model.Result
		var done []model.Op
		for _, op := range ops {
			d, k, _, _, err := b.do(op)
			if err != nil {
				b.Close()
				t.Fatalf("program %d: %v: %v", i, op, err)
			}
			kernel, done = append(kernel, k), append(done, d)
		}
		b.Close()
		s := model.Init()
		var trail []string
		for n, op := range done {
			var m model.Result
			m, s = model.Apply(cfg, s, op)
			trail = append(trail, fmt.Sprintf("%v -> model %v, kernel %v", op, m, kernel[n]))
			if !model.SameResult(m, kernel[n]) {
				t.Errorf("program %d: %v: model %v, kernel %v\n  %s", i, op, m, kernel[n], strings.Join(trail, "\n  "))
			}
		}
		if d := simDisagrees(cfg, done, kernel, nil); d != "" {
			t.Errorf("program %d: the simulator disagrees with the kernel: %s", i, d)
		}
		// The last program moves a device a mount has looked up: without
		// revalidation's namespace test the simulator sees what the
		// kernel does not, so the comparison can tell.
		if d := simDisagrees(cfg, done, kernel, sim.BugSet{sim.BugDentryNSUnchecked}); (d != "") != (i == len(progs)-1) {
			t.Errorf("program %d with %s: disagreement %q", i, sim.BugDentryNSUnchecked, d)
		}
	}
}

// simDisagrees runs ops on the simulator with bugs, one after the other,
// and describes the first observer whose result differs from the
// kernel's, or returns "".
func simDisagrees(cfg model.Config, ops []model.Op, kernel []model.Result, bugs sim.BugSet) string {
	x := sim.Run(history.Program{Config: cfg, Setup: ops}, sched.NewRandom(1), sim.Options{Bugs: bugs})
	var simulated []model.Result // the observers': a flow records each of its steps
	for _, r := range x.History.Records {
		if r.Op.Kind.IsObserver() {
			simulated = append(simulated, r.Result)
		}
	}
	seen := 0
	for n, op := range ops {
		if !op.Kind.IsObserver() {
			continue
		}
		if seen >= len(simulated) || !model.SameResult(simulated[seen], kernel[n]) {
			return fmt.Sprintf("%v: kernel %v", op, kernel[n])
		}
		seen++
	}
	return ""
}
