package sim_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"hash"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

var updateDigest = flag.Bool("update", false, "rewrite testdata/executions.digest from the executions TestExecutionsAreUnchanged runs")

// digestPath holds one line per group of executionGroups: its name and the
// SHA-256 of everything its executions left.
var digestPath = filepath.Join("testdata", "executions.digest")

// digestGroup is a set of executions pinned by one digest: programs drawn
// from seeds 0..programs-1 with gen options opt, each run under the
// strategy strategy makes for its seed, with the bugs bugs picks for it.
type digestGroup struct {
	name     string
	programs int
	opt      gen.Options
	strategy func(seed uint64) sched.Strategy
	bugs     func(i int) sim.BugSet
	probe    bool
}

// oneBugEach enables the seeded bugs one at a time, in catalogue order.
func oneBugEach(i int) sim.BugSet { return sim.BugSet{sim.Bugs[i%len(sim.Bugs)].Name} }

func noBugs(int) sim.BugSet { return nil }

var strategies = []struct {
	name string
	make func(seed uint64) sched.Strategy
}{
	{"random", func(s uint64) sched.Strategy { return sched.NewRandom(s) }},
	{"pct", func(s uint64) sched.Strategy { return sched.NewPCT(s, 3, 3, 60) }},
	{"pos", func(s uint64) sched.Strategy { return sched.NewPOS(s) }},
	{"surw", func(s uint64) sched.Strategy { return sched.NewSURW(s, nil) }},
	{"portfolio", func(s uint64) sched.Strategy { return sched.NewPortfolio(s, 3, 60) }},
}

// executionGroups are the groups TestExecutionsAreUnchanged pins: every
// strategy on the correct simulator and with each seeded bug, on the
// campaign's default programs and on the throughput target's 3x4 ones,
// and the probe executions SURW's counts come from.
func executionGroups() []digestGroup {
	var gs []digestGroup
	for _, st := range strategies {
		for _, b := range []struct {
			name string
			bugs func(int) sim.BugSet
		}{{"correct", noBugs}, {"bugs", oneBugEach}} {
			gs = append(gs,
				digestGroup{name: "default/" + st.name + "/" + b.name, programs: 144, strategy: st.make, bugs: b.bugs},
				digestGroup{name: "3x4/" + st.name + "/" + b.name, programs: 72, opt: gen.Options{MinThreads: 3, MaxThreads: 3, MaxOps: 4}, strategy: st.make, bugs: b.bugs})
		}
	}
	return append(gs, digestGroup{name: "default/random/bugs/probe", programs: 144, strategy: strategies[0].make, bugs: oneBugEach, probe: true})
}

// TestExecutionsAreUnchanged pins what executions leave, so that a change
// meant to make the simulator cheaper shows if it changes any: each
// group's histories (records, results, faults), schedules, step counts,
// outcomes, coverage and final views of the mounts, hashed, against
// testdata/executions.digest. The executions run back to back and are
// released, as a campaign's are, so that memory reused from one execution
// to the next is part of what is checked. Run with -update to rewrite the
// digests after a change that means to change executions.
func TestExecutionsAreUnchanged(t *testing.T) {
	got := map[string]string{}
	var lines []string
	for _, g := range executionGroups() {
		h := sha256.New()
		for i := range g.programs {
			seed := uint64(i)
			p := gen.Program(gen.NewRand(seed), g.opt)
			x := sim.Run(p, g.strategy(seed), sim.Options{Bugs: g.bugs(i), Probe: g.probe})
			writeExecution(t, h, x)
			x.Release()
		}
		got[g.name] = fmt.Sprintf("%x", h.Sum(nil))
		lines = append(lines, g.name+" "+got[g.name])
	}
	if *updateDigest {
		if err := os.WriteFile(digestPath, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := readDigests(t)
	for _, g := range executionGroups() {
		if want[g.name] != got[g.name] {
			t.Errorf("group %s: executions changed: digest %s, want %s (go test -run TestExecutionsAreUnchanged -update rewrites %s)", g.name, got[g.name], want[g.name], digestPath)
		}
	}
	if len(want) != len(got) {
		t.Errorf("%s has %d groups, the test runs %d", digestPath, len(want), len(got))
	}
}

// writeExecution writes everything x left to h.
func writeExecution(t *testing.T, h hash.Hash, x sim.Execution) {
	t.Helper()
	b, err := json.Marshal(struct {
		History  history.History
		Schedule []int
		Steps    int
		Outcome  sched.Outcome
		Coverage []int
	}{x.History, x.Schedule, x.Steps, x.Outcome, coveragePoints(&x.Coverage)})
	if err != nil {
		t.Fatal(err)
	}
	h.Write(b)
	for m := 1; m <= 4; m++ {
		writeView(t, h, x.View(m))
	}
}

func coveragePoints(c *sim.Coverage) []int {
	var ps []int
	c.Points(func(i int) { ps = append(ps, i) })
	return ps
}

// writeView writes every file of v, name, mode and content, in name order.
func writeView(t *testing.T, h hash.Hash, v fs.FS) {
	t.Helper()
	files, ok := v.(fstest.MapFS)
	if !ok {
		t.Fatalf("View is a %T, not the fstest.MapFS it was", v)
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		f := files[name]
		fmt.Fprintf(h, "%s %v %q\n", name, f.Mode, f.Data)
	}
}

func readDigests(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(digestPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, sum, ok := strings.Cut(sc.Text(), " "); ok {
			want[name] = sum
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return want
}
