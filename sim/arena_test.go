package sim_test

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
	"github.com/sysfsim/sysfsim/traces"
)

// An execution run on released memory is the execution run on fresh
// memory, byte for byte: nothing of the last one (its nodes, records,
// mounts, threads, a seeded bug's damage) shows through, in its trace or
// in its records, whose pending ones a trace leaves without a result. The
// traces made before releasing must not change either: they copy what
// they keep.
func TestReleaseLeavesNoTrace(t *testing.T) {
	const n = 120
	trace := func(seed uint64, opt sim.Options, release bool) []byte {
		p := gen.Program(gen.NewRand(seed), gen.Options{})
		x := sim.Run(p, sched.NewRandom(seed), opt)
		tr := traces.FromExecution(p, seed, "random", opt, x, nil)
		records := fmt.Sprintf("%+v\n", x.History.Records)
		if release {
			x.Release()
			if x.History.Records != nil || x.Schedule != nil {
				t.Fatalf("seed %d: the execution still shows its memory after Release", seed)
			}
		}
		var b bytes.Buffer
		if err := traces.Write(&b, tr); err != nil {
			t.Fatal(err)
		}
		return append(b.Bytes(), records...)
	}
	bugs := sim.Options{Bugs: sim.BugSet{sim.BugUnlockedAdd, sim.BugAddUnderRemoved, sim.BugMountDoubleDrop}}
	// Cut short by the step bound, an execution ends with records still
	// pending, whose result and return must not be an earlier one's.
	for _, opt := range []sim.Options{{}, {MaxSteps: 15}} {
		fresh := make([][]byte, n)
		for i := range n {
			fresh[i] = trace(uint64(i), opt, false)
		}
		for i := range n {
			// A larger, buggier execution first, released, then the one
			// to compare, on the memory it left.
			trace(uint64(1000+i), bugs, true)
			if got := trace(uint64(i), opt, true); !bytes.Equal(got, fresh[i]) {
				t.Fatalf("seed %d, %+v: the trace on reused memory differs:\n%s\nfresh:\n%s", i, opt, got, fresh[i])
			}
		}
	}
}

// The same holds for a search: executions visit keeps stay as they were
// (the search reuses only the memory of those it abandoned, and of those
// visit released), and releasing each inside visit changes none of the
// executions visited after.
func TestExploreReleaseLeavesNoTrace(t *testing.T) {
	reused := 0
	for seed := range uint64(10) {
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 2, MaxThreads: 3, MaxOps: 2})
		opt := sim.Options{Bugs: sim.BugSet{sim.BugUnlockedAdd}}
		eo := sched.ExploreOptions{Bound: 2, MaxExecutions: 300}
		write := func(x sim.Execution) string {
			var b bytes.Buffer
			if err := traces.Write(&b, traces.FromExecution(p, seed, "exhaustive", opt, x, nil)); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}
		var kept []sim.Execution
		st := sim.Explore(p, opt, eo, func(x sim.Execution) bool {
			kept = append(kept, x)
			return true
		})
		var released []string
		sim.Explore(p, opt, eo, func(x sim.Execution) bool {
			released = append(released, write(x))
			x.Release()
			return true
		})
		if st.Pruned > 0 {
			reused++ // a search that abandoned none reused no memory
		}
		if len(kept) != len(released) {
			t.Fatalf("seed %d: %d executions kept, %d released", seed, len(kept), len(released))
		}
		for i, x := range kept {
			if got := write(x); got != released[i] {
				t.Fatalf("seed %d, execution %d: kept:\n%s\nwritten before release:\n%s", seed, i, got, released[i])
			}
		}
	}
	if reused < 4 {
		t.Errorf("only %d of 10 searches abandoned an execution, so few reused memory", reused)
	}
}

// Executions on released memory allocate almost nothing of their own: the
// nodes, records, namespaces, mounts, names, removal buffers and threads
// all come from the arena. What is left is a listing's entries and a
// link's target path, which the history keeps beyond the arena (less than
// one allocation an execution on these programs; it was 5.6 with a
// closure per drained node and a slice per removal). The collector is
// off, so that the pool keeps the arena between executions.
func TestRunOnReleasedMemoryAllocatesLittle(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const n = 64
	ps := make([]history.Program, n)
	for i := range ps {
		ps[i] = gen.Program(gen.NewRand(uint64(i)), gen.Options{MinThreads: 3, MaxThreads: 3, MaxOps: 4})
	}
	for _, bugs := range []sim.BugSet{nil, sim.BugNames()} {
		strategy := sched.NewRandom(1)
		runAll := func() {
			for _, p := range ps {
				x := sim.Run(p, strategy, sim.Options{Bugs: bugs})
				x.Release()
			}
		}
		runAll() // the arena grows to the largest execution
		if perRun := testing.AllocsPerRun(20, runAll) / n; perRun > 1 {
			t.Errorf("bugs %v: %.2f allocations an execution, want at most 1", bugs, perRun)
		}
	}
}
