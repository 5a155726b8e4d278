package gen

import (
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// created is the set of names p's setup creates in namespace ns.
func created(p history.Program, ns int) []string {
	var names []string
	for _, op := range p.Setup {
		if op.Kind == model.Create && op.NS == ns && !slices.Contains(names, op.Name) {
			names = append(names, op.Name)
		}
	}
	return names
}

// inOthers reports whether a thread of p other than thread i has an
// operation ok accepts.
func inOthers(p history.Program, i int, ok func(model.Op) bool) bool {
	for j, th := range p.Threads {
		if j != i && slices.ContainsFunc(th, ok) {
			return true
		}
	}
	return false
}

// raceShapes are the races the shaped themes are drawn for (sim.Bugs'
// scenarios), each as a test of a whole program: theme is its index in
// themes.
var raceShapes = []struct {
	name   string
	theme  int
	factor float64 // how many times as often the theme has it, at least
	shape  func(p history.Program) bool
}{
	{"a listing beside the removal of one of two entries", 4, 3, func(p history.Program) bool {
		for i, th := range p.Threads {
			for _, op := range th {
				if op.Kind != model.Remove || !slices.Contains(created(p, op.NS), op.Name) || len(created(p, op.NS)) < 2 {
					continue
				}
				if inOthers(p, i, func(b model.Op) bool { return b.Kind == model.Readdir && p.Config.MountTag(b.Mount) == op.NS }) {
					return true
				}
			}
		}
		return false
	}},
	{"a rename beside lookups of both its names", 5, 3, func(p history.Program) bool {
		for i, th := range p.Threads {
			for _, op := range th {
				if op.Kind != model.Rename || !slices.Contains(created(p, op.NS), op.Name) {
					continue
				}
				looks := func(name string) func(model.Op) bool {
					return func(b model.Op) bool {
						return b.Kind == model.Lookup && b.Dir == model.ClassNet && b.Name == name && p.Config.MountTag(b.Mount) == op.NS
					}
				}
				for j, tj := range p.Threads {
					if j != i && slices.ContainsFunc(tj, looks(op.Name)) && slices.ContainsFunc(tj, looks(op.NewName)) {
						return true
					}
				}
			}
		}
		return false
	}},
	{"an exit beside a create in another namespace", 6, 1.2, func(p history.Program) bool {
		for i, th := range p.Threads {
			for _, op := range th {
				if op.Kind == model.Exit && len(created(p, op.NS)) > 0 &&
					inOthers(p, i, func(b model.Op) bool { return b.Kind == model.Create && b.NS != op.NS }) {
					return true
				}
			}
		}
		return false
	}},
}

// TestThemesShapeRaces: programs of a shaped theme have its race more
// often (three times, or 1.2 for the exit's, whose setup is its only
// shape) than programs of the same kinds drawn without the theme (its
// kinds at the same odds, arguments around the focus 2 in 3): the test
// fails if a theme's shapes (tight, both, classNet, setup) stop working.
func TestThemesShapeRaces(t *testing.T) {
	const programs = 1000
	for _, s := range raceShapes {
		rate := func(themed bool) float64 {
			swarm := make(Swarm, len(kinds)+len(themes))
			for i, k := range kinds {
				swarm[i] = slices.Contains(themes[s.theme].kinds, k.kind)
			}
			swarm[len(kinds)+s.theme] = themed
			n := 0
			for seed := range uint64(programs) {
				if p, _ := Draw(NewRand(seed), Options{}, swarm); s.shape(p) {
					n++
				}
			}
			return float64(n) / programs
		}
		without, with := rate(false), rate(true)
		t.Logf("%s: %.3f of programs of the theme's kinds, %.3f of the theme's", s.name, without, with)
		if with < s.factor*without || with == 0 {
			t.Errorf("%s: %.3f of programs of the theme's kinds, %.3f of the theme's: not %.1f times as often", s.name, without, with, s.factor)
		}
	}
}
