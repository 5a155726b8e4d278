package gen

import (
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// contends reports whether two threads of p meet in the way shape says.
func contends(p history.Program, shape func(a, b model.Op, cfg model.Config) bool) bool {
	for i, ta := range p.Threads {
		for j, tb := range p.Threads {
			if i == j {
				continue
			}
			for _, a := range ta {
				for _, b := range tb {
					if shape(a, b, p.Config) {
						return true
					}
				}
			}
		}
	}
	return false
}

// The shapes of contention the slow seeded bugs need (sim.Bugs'
// scenarios): a device changed in one thread and looked at, through a
// mount of its namespace, in another (show-takes-rtnl,
// rename-link-recreate, readdir-cursor-no-ref, dentry-ns-unchecked); two
// threads tearing down one user namespace's uid (remove-by-name-no-ref).
var contentionShapes = []struct {
	name  string
	shape func(a, b model.Op, cfg model.Config) bool
}{
	{"device changed and observed", func(a, b model.Op, cfg model.Config) bool {
		writes := a.Kind == model.Remove || a.Kind == model.Rename || a.Kind == model.Move
		looks := b.Kind == model.Lookup || b.Kind == model.Open || b.Kind == model.Readlink
		return writes && looks && b.Name == a.Name && cfg.MountTag(b.Mount) == a.NS
	}},
	{"uid removed twice", func(a, b model.Op, _ model.Config) bool {
		return a.Kind == model.DelUID && b.Kind == model.ExitUser && a.User == b.User
	}},
}

// TestProgramsContend: programs drawn around a focus, with swarm themes,
// meet in the shapes the slow seeded bugs need at least twice as often
// as programs whose every argument and kind is drawn from its whole pool
// (uniform, the generator before), which this test draws too: it fails
// if the focus or the themes stop working.
func TestProgramsContend(t *testing.T) {
	const programs = 4000
	rate := func(flat bool, shape func(a, b model.Op, cfg model.Config) bool) float64 {
		uniform = flat
		defer func() { uniform = false }()
		n := 0
		for seed := range uint64(programs) {
			if contends(Program(NewRand(seed), Options{}), shape) {
				n++
			}
		}
		return float64(n) / programs
	}
	for _, s := range contentionShapes {
		before, now := rate(true, s.shape), rate(false, s.shape)
		t.Logf("%s: %.4f of programs drawn uniformly, %.4f now", s.name, before, now)
		if before == 0 || now < 2*before {
			t.Errorf("%s: %.4f of programs drawn uniformly, %.4f now: not twice as often", s.name, before, now)
		}
	}
}
