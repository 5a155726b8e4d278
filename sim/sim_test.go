package sim_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"maps"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
	"github.com/sysfsim/sysfsim/traces"
)

func traceBytes(t testing.TB, seed uint64) []byte {
	p := gen.Program(gen.NewRand(seed), gen.Options{})
	x := sim.Run(p, sched.NewRandom(seed), sim.Options{})
	var b bytes.Buffer
	if err := traces.Write(&b, traces.FromExecution(p, seed, "random", sim.Options{}, x, nil)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The same seed gives the same trace, byte for byte, whatever GOMAXPROCS.
func TestDeterministicWhateverGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for seed := range uint64(50) {
		runtime.GOMAXPROCS(1)
		a := traceBytes(t, seed)
		runtime.GOMAXPROCS(8)
		b := traceBytes(t, seed)
		if !bytes.Equal(a, b) {
			t.Fatalf("seed %d: traces differ:\n%s\n%s", seed, a, b)
		}
	}
}

// sequential draws a sequential program: the ops of a generated program's
// threads, one after the other, as setup.
func sequential(seed uint64) history.Program {
	p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 3, MaxThreads: 4, MaxOps: 6})
	for _, th := range p.Threads {
		p.Setup = append(p.Setup, th...)
	}
	p.Threads = nil
	return p
}

// sequentialStep is the model's outcome of op in s for a sequential
// program, whose state holds every namespace's devices: a listing of
// devices/virtual/net with no device anywhere finds the glue directory
// removed (model.Step's ENOENT outcome, the last), and every other
// operation has the outcome nothing racing gives (the first).
func sequentialStep(c model.Config, s model.State, op model.Op) (model.Result, model.State) {
	outs := model.Step(c, s, op)
	o := outs[0]
	if op.Kind == model.Readdir {
		o = outs[len(outs)-1]
	}
	return o.Result, o.State
}

// Metamorphic: sequential programs on the simulator give exactly the
// model's results, step by step, and end in the same view through every
// mount.
func TestSequentialAgreesWithModel(t *testing.T) {
	kinds := map[model.Kind]bool{}
	for seed := range uint64(500) {
		p := sequential(seed)
		x := sim.Run(p, sched.NewRandom(seed), sim.Options{})
		s := model.Init()
		for i, r := range x.History.Records {
			want, next := sequentialStep(p.Config, s, r.Op)
			if !model.SameResult(want, r.Result) {
				t.Fatalf("seed %d op %d %v in %v: simulator %v, model %v", seed, i, r.Op, s, r.Result, want)
			}
			s = next
			kinds[r.Op.Kind] = true
		}
		if len(x.History.Faults) > 0 {
			t.Fatalf("seed %d: faults %v", seed, x.History.Faults)
		}
		for m := 1; m <= len(p.Config.Mounts); m++ {
			if got, want := files(t, x.View(m)), files(t, model.View(p.Config, s, m)); !maps.Equal(got, want) {
				t.Fatalf("seed %d mount %d: simulator shows %v, model %v", seed, m, got, want)
			}
		}
	}
	for _, k := range model.Kinds() {
		if !k.IsFlow() && k != model.Gone && !kinds[k] {
			t.Errorf("no sequential program recorded a %v", k)
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

// Tag types register once each, as kobj_ns_type_register.
func TestTagTypesRegisterOnce(t *testing.T) {
	if e := sim.RegisterTagTypeTwice(); e != model.EBUSY {
		t.Fatalf("registering net again: %v, want EBUSY", e)
	}
}

// The simulator's view of a mount passes fstest.TestFS.
func TestViewPassesFSTest(t *testing.T) {
	p := history.Program{
		Config: model.Config{Namespaces: 2, Mounts: []int{1, 2}},
		Setup: []model.Op{
			{Kind: model.Create, NS: 1, Name: "eth0"}, {Kind: model.Create, NS: 2, Name: "eth0"},
			{Kind: model.Create, NS: 1, Name: "veth0"}, {Kind: model.Rename, NS: 1, Name: "veth0", NewName: "lan0"},
		},
	}
	x := sim.Run(p, sched.NewRandom(1), sim.Options{})
	if err := fstest.TestFS(x.View(1), "class/net/eth0", "class/net/lan0", "devices/virtual/net/lan0/ifindex"); err != nil {
		t.Fatal(err)
	}
	if target, err := fs.ReadLink(x.View(1), "class/net/lan0"); err != nil || target != "../../devices/virtual/net/lan0" {
		t.Fatalf("readlink: %q %v", target, err)
	}
}

func TestBugsParse(t *testing.T) {
	if _, err := sim.ParseBugs("no-such-bug"); err == nil {
		t.Fatal("unknown bug accepted")
	}
	s, err := sim.ParseBugs("unlocked-add, unlocked-add")
	if err != nil || len(s) != 1 {
		t.Fatalf("%v %v", s, err)
	}
}

// Every bug of the catalogue parses back to itself, as a name and in
// JSON; an unknown name is rejected with the known ones.
func TestParseBug(t *testing.T) {
	known := "(known: " + strings.Join(sim.BugNames().Strings(), ", ") + ")"
	if !strings.Contains(known, "tag-blind-lookup, exit-unlocked-deactivate") {
		t.Fatalf("known names %s", known)
	}
	for _, b := range sim.Bugs {
		if got, err := sim.ParseBug(string(b.Name)); err != nil || got != b.Name {
			t.Errorf("ParseBug(%q) = %q, %v", b.Name, got, err)
		}
		opt := sim.Options{Bugs: sim.BugSet{b.Name}}
		j, err := json.Marshal(opt)
		if want := `{"bugs":["` + string(b.Name) + `"]}`; err != nil || string(j) != want {
			t.Errorf("%v marshals as %s, %v; want %s", opt, j, err, want)
		}
		var back sim.Options
		if err := json.Unmarshal(j, &back); err != nil || !slices.Equal(back.Bugs, opt.Bugs) {
			t.Errorf("%s unmarshals as %v, %v", j, back, err)
		}
	}
	for _, bad := range []string{"", "no-such-bug", "Unlocked-Add"} {
		if got, err := sim.ParseBug(bad); err == nil || !strings.Contains(err.Error(), known) {
			t.Errorf("ParseBug(%q) = %q, %v; want an error listing the known bugs", bad, got, err)
		}
		var o sim.Options
		if err := json.Unmarshal([]byte(`{"bugs":["`+bad+`"]}`), &o); err == nil || !strings.Contains(err.Error(), known) {
			t.Errorf("bug %q decodes: %v", bad, err)
		}
	}
	if _, err := sim.ParseBugs("unlocked-add,nope"); err == nil || !strings.Contains(err.Error(), known) {
		t.Errorf("ParseBugs: %v", err)
	}
}

// preferAfter runs thread 0 alone for its first k steps, then thread 1
// whenever it can run.
type preferAfter struct{ k int }

func (p preferAfter) Pick(step int, enabled []int) int {
	if step >= p.k && slices.Contains(enabled, 1) || !slices.Contains(enabled, 0) {
		return enabled[len(enabled)-1]
	}
	return 0
}

// A read holding an active reference delays a removal: the directory's
// removal, entered during the read, returns only after it (kernfs_drain).
func TestRemovalWaitsForActiveReaders(t *testing.T) {
	p := history.Program{
		Config: model.Config{Namespaces: 1, Mounts: []int{1}},
		Setup:  []model.Op{{Kind: model.Create, NS: 1, Name: "eth0"}, {Kind: model.Open, Mount: 1, Name: "eth0", FD: 1}},
		Threads: [][]model.Op{
			{{Kind: model.Read, FD: 1}},
			{{Kind: model.Remove, NS: 1, Name: "eth0"}},
		},
	}
	for k := 1; k < 10; k++ {
		x := sim.Run(p, preferAfter{k}, sim.Options{})
		var read, del history.Record
		for _, r := range x.History.Records {
			switch r.Op.Kind {
			case model.Read:
				read = r
			case model.DelDev:
				del = r
			}
		}
		if del.Call < read.Return && read.Return < del.Return {
			// It held its active reference through the deactivation: the
			// show ran, and answered EINVAL for an unregistered device.
			if read.Result.Err != model.OK && read.Result.Err != model.EINVAL {
				t.Fatalf("the read inside the drain: %v", read.Result)
			}
			return
		}
	}
	t.Fatal("no schedule had the directory's removal wait for a read in flight")
}

// A mount keeps its namespace's tag from being recycled; with the 2011 bug
// it does not, and an old mount shows a new namespace's device.
func TestTagReuse(t *testing.T) {
	p := history.Program{
		Config: model.Config{Namespaces: 3, Mounts: []int{1, 2}, Later: []int{3}, Procs: []int{1}},
		Setup: []model.Op{
			{Kind: model.Exit, NS: 1}, {Kind: model.Clone, NS: 3}, {Kind: model.Create, NS: 3, Name: "eth0"},
			{Kind: model.Lookup, Mount: 1, Name: "eth0"},
		},
	}
	for _, tt := range []struct {
		bugs sim.BugSet
		want string
	}{{nil, "ENOENT"}, {sim.BugSet{sim.BugTagReuse}, "ns3"}} {
		x := sim.Run(p, sched.NewRandom(1), sim.Options{Bugs: tt.bugs})
		recs := x.History.Records
		if got := recs[len(recs)-1].Result.String(); got != tt.want {
			t.Errorf("bugs %v: lookup through ns1's old mount: %s, want %s", tt.bugs, got, tt.want)
		}
	}
}

// Explore enumerates the schedules of a program within a preemption bound:
// it exhausts a small one on the correct simulator and finds the seeded
// bug in the same program.
func TestExplore(t *testing.T) {
	p := history.Program{
		Config: model.Config{Namespaces: 1, Mounts: []int{1}},
		Threads: [][]model.Op{
			{{Kind: model.Create, NS: 1, Name: "eth0"}},
			{{Kind: model.Create, NS: 1, Name: "eth0"}},
		},
	}
	dup := func(x sim.Execution) bool {
		ok := 0
		for _, r := range x.History.Records {
			if r.Op.Kind == model.AddDev && r.Result.Err == model.OK {
				ok++
			}
		}
		return ok > 1
	}
	eo := sched.ExploreOptions{Bound: sched.DefaultPreemptionBound}
	st := sim.Explore(p, sim.Options{}, eo, func(x sim.Execution) bool {
		if dup(x) {
			t.Fatalf("correct simulator: two adds of eth0 succeeded")
		}
		return true
	})
	if !st.Exhausted || st.Executions < 2 {
		t.Fatalf("not exhausted: %v", st)
	}
	found := false
	sim.Explore(p, sim.Options{Bugs: sim.BugSet{sim.BugUnlockedAdd}}, eo, func(x sim.Execution) bool {
		found = dup(x)
		return !found
	})
	if !found {
		t.Fatal("the search missed the unlocked-add duplicate")
	}
}

// An execution cut short (the step bound here; the exhaustive search
// abandons executions the same way) unwinds its threads wherever they
// are, including where a seeded bug has split a critical section in two
// and a thread waits to take the tree lock again under a deferred Unlock.
func TestCutShortExecutionsUnwind(t *testing.T) {
	for _, bug := range []sim.BugName{sim.BugUnlockedAdd, sim.BugRenameLinkRecreate} {
		for seed := range uint64(40) {
			p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 3, MaxThreads: 3, MaxOps: 4})
			for max := 1; max <= 60; max += 3 {
				x := sim.Run(p, sched.NewRandom(seed), sim.Options{Bugs: sim.BugSet{bug}, MaxSteps: max})
				if x.Outcome == sched.Finished && x.Steps > max {
					t.Fatalf("%s seed %d: %d steps past the bound %d", bug, seed, x.Steps, max)
				}
				x.Release()
			}
		}
	}
}

// The goroutine baseline runs the same executions as the coroutines, byte
// for byte, so that benchmarks comparing the two compare like with like.
func TestGoroutineBaselineSameExecutions(t *testing.T) {
	write := func(p history.Program, seed uint64, x sim.Execution) []byte {
		var b bytes.Buffer
		if err := traces.Write(&b, traces.FromExecution(p, seed, "pct", sim.Options{}, x, nil)); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for seed := range uint64(100) {
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 3, MaxThreads: 3, MaxOps: 4})
		var got [2][]byte
		for i, baseline := range []bool{false, true} {
			x := sim.Run(p, sched.NewPCT(seed, 2, 3, 60), sim.Options{GoroutineBaseline: baseline})
			got[i] = write(p, seed, x)
			x.Release()
		}
		if !bytes.Equal(got[0], got[1]) {
			t.Fatalf("seed %d: coroutines and goroutines differ:\n%s\n%s", seed, got[0], got[1])
		}
	}
	p := gen.Program(gen.NewRand(3), gen.Options{MinThreads: 2, MaxThreads: 2, MaxOps: 2})
	var n [2]int
	for i, baseline := range []bool{false, true} {
		st := sim.Explore(p, sim.Options{GoroutineBaseline: baseline}, sched.ExploreOptions{Bound: 1}, func(x sim.Execution) bool {
			n[i]++
			return true
		})
		if st.Err != nil || !st.Exhausted {
			t.Fatalf("search %d: %v", i, st)
		}
	}
	if n[0] != n[1] || n[0] < 2 {
		t.Fatalf("the searches visited %d and %d executions", n[0], n[1])
	}
}

// A process a program starts in a namespace declared for later mounts
// nothing before the namespace is cloned, and that namespace after, as
// the specification says (a recording of the real kernel has such
// processes; before the fix their mounts failed for ever).
func TestProcessInLaterNamespace(t *testing.T) {
	p := history.Program{
		Config: model.Config{Namespaces: 2, Mounts: []int{1}, Later: []int{2}, Procs: []int{2}},
		Setup: []model.Op{
			{Kind: model.Mount, Proc: 1, Mount: 2}, {Kind: model.Clone, NS: 2},
			{Kind: model.Mount, Proc: 1, Mount: 3}, {Kind: model.Create, NS: 2, Name: "eth0"},
			{Kind: model.Lookup, Mount: 3, Name: "eth0"},
		},
	}
	x := sim.Run(p, sched.NewRandom(1), sim.Options{})
	var got []string
	for _, r := range x.History.Records {
		if r.Op.Kind == model.Mount || r.Op.Kind == model.Lookup {
			got = append(got, r.Result.String())
		}
	}
	want := []string{"ENOENT", "ns2", "ns2"}
	if !slices.Equal(got, want) {
		t.Fatalf("mount before the clone, mount after, lookup through it: %v, want %v", got, want)
	}
	if rep := properties.Check(x.History, properties.Options{}); !rep.OK() {
		t.Fatalf("the correct simulator breaks a property: %v", rep)
	}
}
