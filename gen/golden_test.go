package gen_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

var update = flag.Bool("update", false, "rewrite testdata/programs.golden from what the generator draws now")

// goldenOptions are the shapes the golden programs are drawn in: the
// defaults, the throughput target's 3x4, and the bounds' extremes.
var goldenOptions = []gen.Options{
	{},
	{MinThreads: 3, MaxThreads: 3, MaxOps: 4},
	{MinThreads: 1, MaxThreads: 5, MaxOps: 2, MaxNamespaces: 2},
	{MinThreads: 2, MaxThreads: 2, MaxOps: 7, MaxNamespaces: 5},
	{NoUsers: true},
}

// goldenSeeds is how many programs each shape draws.
const goldenSeeds = 60

// TestDrawnProgramsAreGolden: the generator draws the programs it drew
// when testdata/programs.golden was written, every choice and argument
// alike, by each way a campaign draws (Program, a reused Buffer, from a
// Recorder or a *Rand, a given swarm, a mutant of recorded choices, a
// lone Op). A campaign names an
// execution by its seed, so a change here changes every campaign's
// executions; go test -update rewrites the file when that is meant.
func TestDrawnProgramsAreGolden(t *testing.T) {
	got := goldenText()
	path := filepath.Join("testdata", "programs.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("%s:%d: drawn\n%s\nwant\n%s", path, i+1, g[i], w[i])
			}
		}
		t.Fatalf("%s: %d lines drawn, %d golden", path, len(g), len(w))
	}
}

// goldenText draws the golden programs and prints them.
func goldenText() string {
	var (
		b   strings.Builder
		buf gen.Buffer
		r   gen.Rand
	)
	for oi, o := range goldenOptions {
		for seed := range uint64(goldenSeeds) {
			r.Reseed(seed)
			rec := &gen.Recorder{C: &r}
			p, swarm := buf.Draw(rec, o, nil)
			fmt.Fprintf(&b, "options %d seed %d: %d choices, swarm %s\n", oi, seed, len(rec.Choices), swarmText(swarm))
			writeProgram(&b, p)
			if q := gen.Program(gen.NewRand(seed), o); programText(q) != programText(p) {
				fmt.Fprintf(&b, "Program draws another:\n")
				writeProgram(&b, q)
			}
			kept := gen.Clone(p)
			given, _ := gen.Draw(gen.NewRand(seed+1000), o, swarm)
			fmt.Fprintf(&b, "same swarm, seed %d:\n", seed+1000)
			writeProgram(&b, given)
			r.Reseed(seed) // a campaign's worker draws from a *Rand
			if q, _ := buf.Draw(&r, o, nil); programText(q) != programText(kept) {
				fmt.Fprintf(&b, "a *Rand draws another:\n")
				writeProgram(&b, q)
			}
			m := &gen.Mutant{Base: rec.Choices, R: gen.NewRand(seed + 2000), Rate: 4}
			mutant, msw := buf.Draw(m, o, nil)
			fmt.Fprintf(&b, "mutant: swarm %s\n", swarmText(msw))
			writeProgram(&b, mutant)
			fmt.Fprintf(&b, "op: %v\n", gen.Op(gen.NewRand(seed), kept.Config))
		}
	}
	return b.String()
}

func swarmText(s gen.Swarm) string {
	var b strings.Builder
	for _, in := range s {
		if in {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	return b.String()
}

func programText(p history.Program) string {
	var b strings.Builder
	writeProgram(&b, p)
	return b.String()
}

// writeProgram prints p: its configuration, its setup and each thread,
// an operation a line with its descriptor.
func writeProgram(b *strings.Builder, p history.Program) {
	fmt.Fprintf(b, "  config %+v\n", p.Config)
	ops := func(name string, ops []model.Op) {
		for _, op := range ops {
			fmt.Fprintf(b, "  %s %v fd=%d mount=%d\n", name, op, op.FD, op.Mount)
		}
	}
	ops("setup", p.Setup)
	for i, th := range p.Threads {
		ops(fmt.Sprintf("T%d", i), th)
	}
}
