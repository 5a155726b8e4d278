package properties

import (
	"compress/gzip"
	"fmt"
	"os"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

// longShape draws as gen.Rand does, but for three choices: every thread
// gets perThread operations, every kind of operation is in use (no
// swarm), and namespaces exit as the kernel's do (cleanup_net, never
// init_net: under the seed's scheme every namespace is dead after a few
// hundred operations, and nothing later succeeds). The labels are gen's; longHistory checks the size it gets, so
// a renamed label fails loudly instead of drawing small programs.
type longShape struct {
	gen.Rand
	perThread int
}

func (c longShape) IntN(n int, label string) int {
	switch label {
	case "ops":
		return c.perThread - 1
	case "swarm":
		return 0 // every kind: removals, exits, renames, moves, listings
	case "exit scheme":
		return 0 // model.ExitKernel
	case "focus":
		// Every argument from its whole pool, as before the generator
		// drew programs around a focus: the benchmark measures the
		// checkers on one kind of history, whatever gen's default.
		return n - 1
	}
	return c.Rand.IntN(n, label)
}

// longHistory runs a 4-thread program of about ops operations on the
// simulator: the kind of history the checkers were quadratic on, with
// thousands of removals and exits of a few names.
func longHistory(tb testing.TB, seed uint64, ops int) history.History {
	tb.Helper()
	const threads = 4
	c := longShape{gen.NewRand(seed), ops / threads}
	p := gen.Program(c, gen.Options{MinThreads: threads, MaxThreads: threads, MaxOps: ops / threads})
	if p.Ops() < ops || p.Ops() > ops+10 {
		tb.Fatalf("the program has %d operations, want %d", p.Ops(), ops)
	}
	x := sim.Run(p, sched.NewRandom(seed), sim.Options{MaxSteps: 1000 * ops})
	if x.Outcome != sched.Finished {
		tb.Fatalf("the execution did not end: %v", x.Outcome)
	}
	return x.History
}

// BenchmarkCheckLong times each checker on long simulator histories,
// Check without linearizability, and the whole Check, so that the curve
// of each is visible: 10k, 20k and 100k operations, and 1M unless -short;
// and on a 30k-operation recording of the real kernel.
func BenchmarkCheckLong(b *testing.B) {
	checkers := []struct {
		name  string
		check func(history.History)
	}{
		{"tag-isolation", func(h history.History) { CheckTagIsolation(h) }},
		{"no-resurrection", func(h history.History) { CheckNoResurrection(h) }},
		{"uniqueness", func(h history.History) { CheckUniqueness(h) }},
		{"readdir-regularity", func(h history.History) { CheckReaddir(h) }},
		{"faults", func(h history.History) { CheckFaults(h) }},
		{"linearizability", func(h history.History) { CheckLinearizable(h, 0) }},
		{"check-no-linearizability", func(h history.History) { Check(h, Options{SkipLinearizability: true}) }},
		{"check", func(h history.History) { Check(h, Options{}) }},
	}
	for _, k := range []struct{ name, path string }{
		{"kernel-30k", kernel30k},
		{"kernel-recorded-60s", kernelRecorded60s},
		{"kernel-recorded-32k", kernelRecorded32k},
	} {
		b.Run(k.name, func(b *testing.B) {
			h := kernelHistory(b, k.path)
			for _, c := range checkers {
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						c.check(h)
					}
				})
			}
		})
	}
	for _, ops := range []int{10_000, 20_000, 100_000, 1_000_000} {
		if ops > 100_000 && testing.Short() {
			continue
		}
		// The history is made only when the pattern asks for its size.
		b.Run(fmt.Sprintf("ops=%d", ops), func(b *testing.B) {
			h := longHistory(b, 1, ops)
			for _, c := range checkers {
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						c.check(h)
					}
				})
			}
		})
	}
}

// The long real-kernel recordings in testdata. kernel30k is 4 threads of
// 7,500 generated operations run at once on Linux 6.18 by the first
// kernel backend (kernel.TestRecordLongHistory made it, and says how to
// make it again). kernelRecorded60s is `sysfsim kernel --record 60s`
// (seed 1, Linux 6.18, 18,977 operations in the recorded form):
// writers and readers over namespaces born and deleted, each teardown
// recorded as concurrent cleanup removals until its gone event.
// kernelRecorded32k is `sysfsim kernel --record 40s --rate 1500 --seed
// 4`: 32,545 operations, 26 teardowns overlapping writers' removals.
const (
	kernel30k         = "testdata/kernel-30k.jsonl.gz"
	kernelRecorded60s = "testdata/kernel-recorded-60s.jsonl.gz"
	kernelRecorded32k = "testdata/kernel-recorded-32k.jsonl.gz"
)

// kernelHistory reads the gzip-compressed recording at path.
func kernelHistory(tb testing.TB, path string) history.History {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	t, err := tracefile.Read(z, path)
	if err != nil {
		tb.Fatal(err)
	}
	return t.History
}

// BenchmarkCheckShort times Check without linearizability on the short
// histories of a campaign (3 threads of at most 4 operations), where an
// index must cost no more than the scans it replaces.
func BenchmarkCheckShort(b *testing.B) {
	hs := make([]history.History, 256)
	for i := range hs {
		p := gen.Program(gen.NewRand(uint64(i)), gen.Options{MinThreads: 3, MaxThreads: 3, MaxOps: 4})
		hs[i] = sim.Run(p, sched.NewRandom(uint64(i)), sim.Options{}).History
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Check(hs[i%len(hs)], Options{SkipLinearizability: true})
	}
}
