package sim_test

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
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

// Sequential programs on the simulator give exactly the model's results.
func TestSequentialAgreesWithModel(t *testing.T) {
	for seed := range uint64(500) {
		c := gen.NewRand(seed)
		p := gen.Program(c, gen.Options{})
		var ops []model.Op
		for range 12 {
			ops = append(ops, gen.Op(c, p.Config))
		}
		p.Setup, p.Threads = ops, nil
		x := sim.Run(p, sched.NewRandom(seed), sim.Options{})
		s := model.Init()
		for i, r := range x.History.Records {
			want, next := model.Apply(p.Config, s, r.Op)
			if !model.SameResult(want, r.Result) {
				t.Fatalf("seed %d op %d %v in %v: simulator %v, model %v", seed, i, r.Op, s, r.Result, want)
			}
			s = next
		}
		if len(x.History.Faults) > 0 {
			t.Fatalf("seed %d: faults %v", seed, x.History.Faults)
		}
	}
}

func TestBugsParse(t *testing.T) {
	if _, err := sim.ParseBugs("no-such-bug"); err == nil {
		t.Fatal("unknown bug accepted")
	}
	s, err := sim.ParseBugs(sim.BugUnlockedAdd + ", " + sim.BugUnlockedAdd)
	if err != nil || len(s) != 1 {
		t.Fatalf("%v %v", s, err)
	}
}

// A lookup holding an active reference delays a removal's drain: the
// remover waits, and the scheduler reports it as waiting on the drain if
// the reader never finishes (here: the step bound cuts the reader short).
func TestRemovalWaitsForActiveReaders(t *testing.T) {
	p := history.Program{
		Config:  model.Config{Namespaces: 1, Mounts: []int{1}},
		Setup:   []model.Op{{Kind: model.Create, NS: 1, Name: "eth0"}},
		Threads: [][]model.Op{{{Kind: model.Lookup, Mount: 1, Name: "eth0"}}, {{Kind: model.Remove, NS: 1, Name: "eth0"}}},
	}
	// Reader takes its active reference, then the remover runs to the drain.
	x := sim.Run(p, sched.NewReplay([]int{0, 0, 0, 0, 1, 1, 1, 1, 1, 1}), sim.Options{MaxSteps: 10})
	if x.Outcome != sched.StepBound || len(x.History.Faults) != 1 {
		t.Fatalf("outcome %v faults %v", x.Outcome, x.History.Faults)
	}
	if d := x.History.Faults[0].Detail; !bytes.Contains([]byte(d), []byte("kernfs_drain(eth0@ns1")) {
		t.Fatalf("the remover should wait on the drain:\n%s", d)
	}
}
