package model_test

import (
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// flowCase is a state, made by setup, where one step of a flow fails (or
// none does), and the one operation that runs the flow.
type flowCase struct {
	name  string
	flow  string // the description exercised: a flow kind's name or "handback"
	fail  int    // the position of its step that fails, or -1
	exit  bool   // under the kernel's exit scheme
	bugs  sim.BugSet
	setup []model.Op
	op    model.Op
	// cleanup is, for an exit, the flows cleanup_net runs: which devices
	// and which handback names are the simulator's choice.
	cleanup []model.Flow
	// leftBehind marks an exit whose cleanup cannot remove what the
	// setup left half made: the simulator's gone finds it (EBUSY, which
	// property teardown reports), while the model's gone, the kernel's
	// rule that a teardown ends with nothing left, succeeds and drops it.
	leftBehind bool
}

// unreachable lists the step positions no state makes fail, and why.
var unreachable = map[string]string{
	"remove/2": "del-dev fails only on a directory that is gone or dying; unregister found it live, and del-link touches only links",
}

func ops(o ...model.Op) []model.Op { return o }

func create(ns int, name string) model.Op {
	return model.Op{Kind: model.Create, NS: ns, Name: name}
}

func flowCases() []flowCase {
	eth0, eth1 := "eth0", "eth1"
	addDev := func(ns int, name string) model.Op { return model.Op{Kind: model.AddDev, NS: ns, Name: name} }
	phys := model.Op{Kind: model.Create, NS: 2, Name: eth0, Phys: true}
	exit2 := model.Op{Kind: model.Exit, NS: 2}
	clash := sim.BugSet{sim.BugExitHandbackClash}
	cleanupRemove := model.FlowOf(model.Op{Kind: model.Remove, NS: 2, Name: eth0, Cleanup: true})
	return []flowCase{
		{name: "create", flow: "create", fail: -1, op: create(1, eth0)},
		{name: "create onto a directory", flow: "create", fail: 0, setup: ops(create(1, eth0)), op: create(1, eth0)},
		{name: "create onto a stale link", flow: "create", fail: 1,
			setup: ops(addDev(1, eth0), model.Op{Kind: model.AddLink, NS: 1, Name: eth0}, model.Op{Kind: model.RenameDev, NS: 1, Name: eth0, NewName: "eth9"}),
			op:    create(1, eth0)},
		{name: "remove", flow: "remove", fail: -1, setup: ops(create(1, eth0)), op: model.Op{Kind: model.Remove, NS: 1, Name: eth0}},
		{name: "remove of nothing", flow: "remove", fail: 0, op: model.Op{Kind: model.Remove, NS: 1, Name: eth0}},
		{name: "remove without a link", flow: "remove", fail: 1, setup: ops(addDev(1, eth0)), op: model.Op{Kind: model.Remove, NS: 1, Name: eth0}},
		{name: "rename", flow: "rename", fail: -1, setup: ops(create(1, eth0)), op: model.Op{Kind: model.Rename, NS: 1, Name: eth0, NewName: eth1}},
		{name: "rename of nothing", flow: "rename", fail: 0, op: model.Op{Kind: model.Rename, NS: 1, Name: eth0, NewName: eth1}},
		{name: "rename onto a directory: the link goes back", flow: "rename", fail: 1,
			setup: ops(create(1, eth0), addDev(1, eth1)), op: model.Op{Kind: model.Rename, NS: 1, Name: eth0, NewName: eth1}},
		{name: "move", flow: "move", fail: -1, setup: ops(create(1, eth0)), op: model.Op{Kind: model.Move, NS: 1, Name: eth0, To: 2}},
		{name: "move of nothing", flow: "move", fail: 0, op: model.Op{Kind: model.Move, NS: 1, Name: eth0, To: 2}},
		{name: "move onto a directory: the link goes back", flow: "move", fail: 1,
			setup: ops(create(1, eth0), addDev(2, eth0)), op: model.Op{Kind: model.Move, NS: 1, Name: eth0, To: 2}},
		{name: "cleanup_net removes a virtual device", flow: "remove", fail: -1, exit: true,
			setup: ops(create(2, eth0)), op: exit2, cleanup: []model.Flow{cleanupRemove}},
		{name: "cleanup_net meets an unregistered device", flow: "remove", fail: 0, exit: true, leftBehind: true,
			setup: ops(addDev(2, eth0), model.Op{Kind: model.Remove, NS: 2, Name: eth0}), op: exit2, cleanup: []model.Flow{cleanupRemove}},
		{name: "cleanup_net meets a device without a link", flow: "remove", fail: 1, exit: true, leftBehind: true,
			setup: ops(addDev(2, eth0)), op: exit2, cleanup: []model.Flow{cleanupRemove}},
		{name: "handback as itself", flow: "handback", fail: -1, exit: true,
			setup: ops(phys), op: exit2, cleanup: []model.Flow{model.Handback(2, eth0, "")}},
		{name: "handback as dev<ifindex>", flow: "handback", fail: -1, exit: true,
			setup: ops(create(1, eth0), phys), op: exit2, cleanup: []model.Flow{model.Handback(2, eth0, "dev2")}},
		{name: "handback onto a link: BUG()", flow: "handback", fail: 0, exit: true, bugs: clash,
			setup: ops(create(1, eth0), phys), op: exit2, cleanup: []model.Flow{model.Handback(2, eth0, "")}},
		{name: "handback onto a directory: BUG()", flow: "handback", fail: 1, exit: true, bugs: clash,
			setup: ops(addDev(1, eth0), phys), op: exit2, cleanup: []model.Flow{model.Handback(2, eth0, "")}},
	}
}

// event is one step as a run recorded it.
type event struct {
	op model.Op
	r  model.Result
}

func (e event) String() string { return fmt.Sprintf("%v -> %v", e.op, e.r) }

// run is one side's account of a case: the steps of its operation, the
// final state's view through each mount, and whether cleanup_net hit
// BUG().
type run struct {
	steps []event
	views []map[string]string
	crash bool
}

func (c flowCase) config() model.Config {
	cfg := model.Config{Namespaces: 2, Mounts: []int{1, 2}}
	if c.exit {
		cfg.Exit = model.ExitKernel
	}
	return cfg
}

// onSim runs the case on the simulator, setup alone, then the operation on
// one thread.
func onSim(t *testing.T, c flowCase) run {
	p := history.Program{Config: c.config(), Setup: c.setup, Threads: [][]model.Op{{c.op}}}
	x := sim.Run(p, sched.NewRandom(1), sim.Options{Bugs: c.bugs})
	defer x.Release()
	var out run
	for _, rec := range x.History.Records {
		if rec.Thread == 0 {
			out.steps = append(out.steps, event{rec.Op, rec.Result})
		}
	}
	for _, f := range x.History.Faults {
		if f.Kind != history.Crash {
			t.Fatalf("fault %v", f)
		}
		out.crash = true
	}
	for m := range p.Config.Mounts {
		out.views = append(out.views, files(t, x.View(m+1)))
	}
	return out
}

// spec is the specification's side of a case: setup by Apply, then the
// operation's flow through a description, each step by Apply. The
// simulator takes an ifindex for every create, which spec is given.
type spec struct {
	cfg     model.Config
	s       model.State
	ifindex int
}

func (m *spec) apply(op model.Op) model.Result {
	var r model.Result
	r, m.s = model.Apply(m.cfg, m.s, m.numbered(op))
	return r
}

// numbered gives a create the ifindex the simulator gives it.
func (m *spec) numbered(op model.Op) model.Op {
	if op.Kind == model.Create {
		m.ifindex++
		op.Index = m.ifindex
	}
	return op
}

// flow runs f step by step, recording each, and returns its result and
// the position of the step that failed, or -1.
func (m *spec) flow(f model.Flow, steps *[]event) (r model.Result, failed int) {
	failed, i := -1, 0
	r = f.Run(func(op model.Op) model.Result {
		r := m.apply(op)
		*steps = append(*steps, event{op, r})
		if r.Err != model.OK && failed < 0 {
			failed = i
		}
		i++
		return r
	})
	return r, failed
}

// specRun is a case run on the specification: its account, the position
// of the step that failed (-1 for none), and for a flow run by a program
// the state before it and the flow's result.
type specRun struct {
	run
	failed int
	op     model.Op // the operation as run, with its ifindex
	before model.State
	result model.Result
	after  model.State
}

// onModel runs the case on the specification, its flow through describe.
func onModel(t *testing.T, c flowCase, describe func(model.Op) model.Flow) specRun {
	m := &spec{cfg: c.config(), s: model.Init()}
	for _, op := range c.setup {
		m.apply(op)
	}
	var out specRun
	out.before = m.s
	if c.exit {
		out.failed = m.exit(c, &out.run)
	} else {
		out.op = m.numbered(c.op)
		out.result, out.failed = m.flow(describe(out.op), &out.steps)
	}
	out.after = m.s
	for i := range m.cfg.Mounts {
		out.views = append(out.views, files(t, model.View(m.cfg, m.s, i+1)))
	}
	return out
}

// exit is cleanup_net on the specification: the exit, the cleanup
// flows, then gone; a handback that fails is BUG() and ends it.
func (m *spec) exit(c flowCase, out *run) int {
	out.steps = append(out.steps, event{c.op, m.apply(c.op)})
	failed := -1
	for _, f := range c.cleanup {
		_, failed = m.flow(f, &out.steps)
		if failed >= 0 && f.Steps()[0].Op.Kind == model.MoveLink {
			out.crash = true
			return failed
		}
	}
	gone := model.Op{Kind: model.Gone, NS: c.op.NS}
	out.steps = append(out.steps, event{gone, m.apply(gone)})
	return failed
}

// diff returns how two accounts differ, or "" when they agree: the same
// steps in the same order with the same results, the same views, and
// BUG() on both sides or neither.
func diff(sim, spec run) string {
	for i := range max(len(sim.steps), len(spec.steps)) {
		var a, b event
		if i < len(sim.steps) {
			a = sim.steps[i]
		}
		if i < len(spec.steps) {
			b = spec.steps[i]
		}
		if a.op != b.op || !model.SameResult(a.r, b.r) {
			return fmt.Sprintf("step %d: simulator %v, model %v\nsimulator %v\nmodel     %v", i, a, b, sim.steps, spec.steps)
		}
	}
	for m := range sim.views {
		if !maps.Equal(sim.views[m], spec.views[m]) {
			return fmt.Sprintf("mount %d: simulator shows %v, model %v", m+1, sim.views[m], spec.views[m])
		}
	}
	if sim.crash != spec.crash {
		return fmt.Sprintf("BUG(): simulator %v, model %v", sim.crash, spec.crash)
	}
	return ""
}

// leftBehind returns the simulator's run of case c as the model sees it:
// for a case whose cleanup leaves something behind, the simulator's gone
// must report it (EBUSY), where the model's succeeds and drops it.
func leftBehind(t *testing.T, c flowCase, sim, spec run) run {
	t.Helper()
	if !c.leftBehind {
		return sim
	}
	n := len(sim.steps) - 1
	if n < 0 || sim.steps[n].op.Kind != model.Gone || sim.steps[n].r.Err != model.EBUSY {
		t.Fatalf("the cleanup leaves something behind, but the simulator's last step is not gone -> EBUSY: %v", sim.steps)
	}
	sim.steps = append(slices.Clone(sim.steps[:n]), event{sim.steps[n].op, model.Result{}})
	sim.views = spec.views
	return sim
}

// Every flow, on every failure path and on success, takes the same steps
// with the same results on the simulator (one thread, nothing else
// running) and on the model (Apply, and the description run step by
// step), and ends in the same view.
func TestFlowsAgreeWithSimulator(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range flowCases() {
		t.Run(c.name, func(t *testing.T) {
			spec := onModel(t, c, model.FlowOf)
			if spec.failed != c.fail {
				t.Fatalf("step %d failed, want %d: %v", spec.failed, c.fail, spec.steps)
			}
			if d := diff(leftBehind(t, c, onSim(t, c), spec.run), spec.run); d != "" {
				t.Fatal(d)
			}
			if c.exit {
				return
			}
			// Apply runs the same description.
			if r, s := model.Apply(c.config(), spec.before, spec.op); !model.SameResult(r, spec.result) || !s.Equal(spec.after) {
				t.Fatalf("Apply(%v) = %v, %v; the description gives %v, %v", spec.op, r, s, spec.result, spec.after)
			}
		})
		covered[fmt.Sprintf("%s/%d", c.flow, c.fail)] = true
	}
	descs := map[string]model.Flow{"handback": model.Handback(2, "eth0", "")}
	for _, k := range model.Kinds() {
		if k.IsFlow() {
			descs[k.String()] = model.FlowOf(model.Op{Kind: k})
		}
	}
	for name, f := range descs {
		for i := -1; i < len(f.Steps()); i++ {
			key := fmt.Sprintf("%s/%d", name, i)
			if !covered[key] && unreachable[key] == "" {
				t.Errorf("no case for %s (step %d failing)", name, i)
			}
		}
	}
}

// The comparison catches a wrong description: a rename or move that does
// not put its link back when the directory cannot follow, or a create that
// adds its link first. Each is run on the model and compared with the
// simulator, which must then disagree.
func TestFlowsWrongDescriptionCaught(t *testing.T) {
	noUndo := func(op model.Op) model.Flow {
		f := model.FlowOf(op)
		for i := range f.Steps() {
			f.Steps()[i].Undo = model.Op{}
		}
		return f
	}
	linkFirst := func(op model.Op) model.Flow {
		f := model.FlowOf(op)
		s := f.Steps()
		s[0], s[1] = s[1], s[0] // the link fails: no directory yet
		return f
	}
	cases := flowCases()
	for _, tt := range []struct {
		name     string
		describe func(model.Op) model.Flow
		caseName string
	}{
		{"rename without undo", noUndo, "rename onto a directory: the link goes back"},
		{"move without undo", noUndo, "move onto a directory: the link goes back"},
		{"create with its link first", linkFirst, "create"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			i := slices.IndexFunc(cases, func(c flowCase) bool { return c.name == tt.caseName })
			spec := onModel(t, cases[i], tt.describe)
			if d := diff(onSim(t, cases[i]), spec.run); d == "" {
				t.Fatal("a wrong description agrees with the simulator")
			} else {
				t.Log(d)
			}
		})
	}
}

// diff tells apart accounts that differ in a step, a result, a view or a
// BUG(), and only those.
func TestFlowsDiff(t *testing.T) {
	add := model.Op{Kind: model.AddDev, NS: 1, Name: "eth0"}
	base := run{steps: []event{{add, model.Result{}}}, views: []map[string]string{{"class/net/eth0": "x"}}}
	change := func(f func(*run)) run {
		r := base
		r.steps = slices.Clone(base.steps)
		r.views = []map[string]string{maps.Clone(base.views[0])}
		f(&r)
		return r
	}
	if d := diff(base, change(func(*run) {})); d != "" {
		t.Fatalf("equal accounts differ: %s", d)
	}
	for name, other := range map[string]run{
		"a step's result": change(func(r *run) { r.steps[0].r.Err = model.EEXIST }),
		"a step's op":     change(func(r *run) { r.steps[0].op.Name = "eth1" }),
		"a step more":     change(func(r *run) { r.steps = append(r.steps, event{add, model.Result{}}) }),
		"a view":          change(func(r *run) { r.views[0]["class/net/eth0"] = "y" }),
		"BUG()":           change(func(r *run) { r.crash = true }),
	} {
		if diff(base, other) == "" || diff(other, base) == "" {
			t.Errorf("accounts differing in %s agree", name)
		}
	}
}

// files reads a view as model.Files does, failing the test on an error.
func files(t *testing.T, v fs.FS) map[string]string {
	m, err := model.Files(v)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
