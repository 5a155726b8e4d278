package sim_test

import (
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// Every point has a name of its own, and every point an execution sets is
// a named one.
func TestCoverageNames(t *testing.T) {
	names := sim.CoverageNames()
	seen := map[string]bool{}
	for i, s := range names {
		if s == "" {
			continue
		}
		if seen[s] {
			t.Fatalf("point %d: name %q given twice", i, s)
		}
		seen[s] = true
		if j, ok := sim.CoveragePoint(s); !ok || j != i {
			t.Fatalf("CoveragePoint(%q) = %d, %v; want %d", s, j, ok, i)
		}
	}
	if len(seen) != sim.CoveragePoints() {
		t.Fatalf("%d names, CoveragePoints says %d", len(seen), sim.CoveragePoints())
	}
	var all sim.Coverage
	for seed := range uint64(300) {
		p := gen.Program(gen.NewRand(seed), gen.Options{})
		x := sim.Run(p, sched.NewRandom(seed), sim.Options{})
		all.Or(&x.Coverage)
		x.Release()
	}
	all.Points(func(i int) {
		if i >= len(names) || names[i] == "" {
			t.Fatalf("point %d reached, but it has no name", i)
		}
	})
	if all.Count() < sim.CoveragePoints()/3 {
		t.Fatalf("300 programs reach %d of %d points", all.Count(), sim.CoveragePoints())
	}
}

var (
	devs = []model.Op{
		{Kind: model.Create, NS: 1, Name: "eth0"},
		{Kind: model.Create, NS: 1, Name: "eth1"},
	}
	list = model.Op{Kind: model.Readdir, Mount: 1}
)

// A program reaches the points it must, and not those it cannot: a
// program that lists nothing reaches no listing point.
func TestCoverageReachesWhatTheProgramDoes(t *testing.T) {
	cfg := model.Config{Namespaces: 2, Mounts: []int{1, 2}}
	cases := []struct {
		name    string
		p       history.Program
		reached []string
		not     []string
	}{
		{"a listing of two", history.Program{Config: cfg, Setup: devs, Threads: [][]model.Op{{list}}},
			[]string{"list class/net 2", "cursor class/net valid", "node readdir active", "ns create mounted"},
			[]string{"list class/net 0", "list devices/virtual/net 2", "cursor class/net unlinked"}},
		{"no listing", history.Program{Config: cfg, Setup: devs, Threads: [][]model.Op{{{Kind: model.Lookup, Mount: 1, Name: "eth0"}}}},
			[]string{"node lookup active"},
			[]string{"list class/net 2", "cursor class/net valid", "node readdir active"}},
		{"an exit of a mounted namespace", history.Program{Config: cfg, Threads: [][]model.Op{{{Kind: model.Exit, NS: 2}, {Kind: model.Create, NS: 2, Name: "eth0"}}}},
			[]string{"ns exit mounted", "ns create dead-held"},
			[]string{"ns exit born", "ns create mounted"}},
		{"one thread overlaps nothing", history.Program{Config: cfg, Setup: devs, Threads: [][]model.Op{{list, {Kind: model.Remove, NS: 1, Name: "eth0"}}}},
			[]string{"node del-dev active"},
			[]string{"overlap remove during readdir", "overlap readdir during remove"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := sim.Run(c.p, sched.NewRandom(1), sim.Options{})
			defer x.Release()
			for _, s := range c.reached {
				if !reached(t, &x.Coverage, s) {
					t.Errorf("%q not reached", s)
				}
			}
			for _, s := range c.not {
				if reached(t, &x.Coverage, s) {
					t.Errorf("%q reached", s)
				}
			}
		})
	}
}

func reached(t *testing.T, c *sim.Coverage, name string) bool {
	t.Helper()
	i, ok := sim.CoveragePoint(name)
	if !ok {
		t.Fatalf("no point %q", name)
	}
	return c.Has(i)
}

// The points of interleavings: a listing whose cursor's entry is removed
// under it, and a removal that begins in the middle of a listing, are
// reached by some schedule of a few.
func TestCoverageOfInterleavings(t *testing.T) {
	cfg := model.Config{Namespaces: 2, Mounts: []int{1, 2}}
	p := history.Program{Config: cfg, Setup: devs, Threads: [][]model.Op{{list}, {{Kind: model.Remove, NS: 1, Name: "eth0"}, {Kind: model.Remove, NS: 1, Name: "eth1"}}}}
	want := []string{"cursor class/net deactivated", "overlap remove during readdir", "overlap readdir during remove"}
	var all sim.Coverage
	for seed := range uint64(200) {
		x := sim.Run(p, sched.NewRandom(seed), sim.Options{})
		all.Or(&x.Coverage)
		x.Release()
	}
	for _, s := range want {
		if !reached(t, &all, s) {
			t.Errorf("%q not reached in 200 schedules", s)
		}
	}
}

// The same program and schedule reach the same points, whatever ran on
// the memory before (Release hands it on).
func TestCoverageIsDeterministic(t *testing.T) {
	run := func(seed uint64) sim.Coverage {
		p := gen.Program(gen.NewRand(seed), gen.Options{})
		x := sim.Run(p, sched.NewRandom(seed), sim.Options{})
		defer x.Release()
		return x.Coverage
	}
	for seed := range uint64(50) {
		a := run(seed)
		run(seed + 1000)
		if b := run(seed); a != b {
			t.Fatalf("seed %d: coverage differs between two runs", seed)
		}
	}
}
