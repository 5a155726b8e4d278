package sim_test

import (
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

func create(ns int, name string) model.Op { return model.Op{Kind: model.Create, NS: ns, Name: name} }
func remove(ns int, name string) model.Op { return model.Op{Kind: model.Remove, NS: ns, Name: name} }
func listDevices(m int) model.Op          { return model.Op{Kind: model.Readdir, Mount: m, Dir: model.Devices} }

// The glue directory devices/virtual/net comes with the class's first
// device, of any namespace, and goes with the last: a listing of it
// through any mount fails with ENOENT exactly when no namespace has a
// device, and a lookup below it finds what is there again once it is made
// anew.
func TestGlueDirFollowsDevices(t *testing.T) {
	cases := []struct {
		name string
		ops  []model.Op // setup, then a listing through m1 and one through m2
		m1   model.Errno
		m2   model.Errno
	}{
		{"no device", nil, model.ENOENT, model.ENOENT},
		{"one device", []model.Op{create(1, "eth0")}, model.OK, model.OK},
		{"its last device removed", []model.Op{create(1, "eth0"), remove(1, "eth0")}, model.ENOENT, model.ENOENT},
		{"another namespace's device left", []model.Op{create(1, "eth0"), create(2, "eth1"), remove(1, "eth0")}, model.OK, model.OK},
		{"made anew", []model.Op{create(1, "eth0"), remove(1, "eth0"), create(2, "eth0")}, model.OK, model.OK},
		{"an add to an exited namespace", []model.Op{{Kind: model.Exit, NS: 2}, create(2, "eth0")}, model.ENOENT, model.ENOENT},
		{"the exit of the namespace with the last device", []model.Op{create(2, "eth0"), {Kind: model.Exit, NS: 2}}, model.ENOENT, model.ENOENT},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := history.Program{Config: model.Config{Namespaces: 2, Mounts: []int{1, 2}}}
			p.Setup = append(append(p.Setup, c.ops...), listDevices(1), listDevices(2))
			x := sim.Run(p, sched.NewRandom(1), sim.Options{})
			if len(x.History.Faults) > 0 {
				t.Fatalf("faults: %v", x.History.Faults)
			}
			rs := x.History.Records
			if got := rs[len(rs)-2].Result.Err; got != c.m1 {
				t.Errorf("listing through m1: %v, want %v", got, c.m1)
			}
			if got := rs[len(rs)-1].Result.Err; got != c.m2 {
				t.Errorf("listing through m2: %v, want %v", got, c.m2)
			}
		})
	}
}

// glueRace is the race of glue-dir-no-kref: ns1's exit removes the last
// device while a device of ns2 is being added.
func glueRace() history.Program {
	return history.Program{
		Config: model.Config{Namespaces: 2, Mounts: []int{1, 2}},
		Setup:  []model.Op{create(1, "eth0")},
		Threads: [][]model.Op{
			{{Kind: model.Exit, NS: 1}},
			{create(2, "eth1"), {Kind: model.Lookup, Mount: 2, Dir: model.Devices, Name: "eth1"}},
		},
	}
}

// The glue directory's removal waits for every device that holds it
// (ac43432cb1f5): within two preemptions, no schedule of the correct
// simulator adds a device under a directory being removed, whereas
// without the kref test one adds it under the freed directory (a use
// after free) and another has the add fail with ENOENT, as device_add
// did.
func TestGlueDirRemovalWaitsForAdds(t *testing.T) {
	type found struct{ uaf, failed bool }
	search := func(bugs sim.BugSet) found {
		var f found
		eo := sched.ExploreOptions{Bound: 2, Iterative: true}
		st := sim.Explore(glueRace(), sim.Options{Bugs: bugs}, eo, func(x sim.Execution) bool {
			for _, fl := range x.History.Faults {
				f.uaf = f.uaf || fl.Kind == history.UseAfterFree
			}
			for _, r := range x.History.Records {
				f.failed = f.failed || r.Op.Kind == model.AddDev && r.Op.NS == 2 && r.Result.Err != model.OK
			}
			return true
		})
		if st.Err != nil {
			t.Fatal(st.Err)
		}
		return f
	}
	if f := search(nil); f.uaf || f.failed {
		t.Fatalf("correct simulator: use after free %v, a failed add %v", f.uaf, f.failed)
	}
	if f := search(sim.BugSet{sim.BugGlueDirNoKref}); !f.uaf || !f.failed {
		t.Fatalf("with %s: use after free %v, a failed add %v; want both", sim.BugGlueDirNoKref, f.uaf, f.failed)
	}
}
