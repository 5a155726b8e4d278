package gen

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// TestContendedTablesCoverEveryKind: every kind a program draws has
// antagonists and sequels, and the tables name only kinds a program
// draws: a kind left out would silently fall back to the whole pool.
func TestContendedTablesCoverEveryKind(t *testing.T) {
	drawn := map[model.Kind]bool{}
	for _, k := range kinds {
		drawn[k.kind] = true
	}
	for name, table := range map[string]map[model.Kind][]model.Kind{"antagonists": antagonists, "sequels": sequels} {
		for _, k := range kinds {
			if len(table[k.kind]) == 0 {
				t.Errorf("%s has nothing for %v", name, k.kind)
			}
		}
		for k, ks := range table {
			for _, o := range append([]model.Kind{k}, ks...) {
				if !drawn[o] {
					t.Errorf("%s names %v, which no program draws", name, o)
				}
			}
		}
	}
}

// TestContendedIsWellFormed: Contended's programs are deterministic in
// their choices, within their bounds, made of well-formed operations
// with usable descriptors, renames and moves that change something, and
// without user namespaces' operations under NoUsers.
func TestContendedIsWellFormed(t *testing.T) {
	for seed := range uint64(1000) {
		o := Options{NoUsers: seed%4 == 0}
		p := Contended(NewRand(seed), o)
		if q := Contended(NewRand(seed), o); !reflect.DeepEqual(p, q) {
			t.Fatalf("seed %d: drawn twice, two programs:\n%v\n%v", seed, p, q)
		}
		if len(p.Threads) < 2 || len(p.Threads) > 3 {
			t.Fatalf("seed %d: %d threads, want 2-3", seed, len(p.Threads))
		}
		for i, th := range p.Threads {
			if len(th) < 1 || len(th) > 3 {
				t.Fatalf("seed %d: thread %d has %d operations, want 1-3", seed, i, len(th))
			}
		}
		if err := wellFormed(p, o.NoUsers); err != nil {
			t.Fatalf("seed %d: %v\n%v", seed, err, p)
		}
	}
}

// wellFormed checks each operation of p as TestContendedIsWellFormed
// describes.
func wellFormed(p history.Program, noUsers bool) error {
	fd := 0
	for _, ops := range append([][]model.Op{p.Setup}, p.Threads...) {
		opened := map[int]bool{}
		for _, op := range ops {
			if err := op.Check(); err != nil {
				return err
			}
			switch {
			case op.Kind == model.Open:
				if op.FD != fd+1 {
					return fmt.Errorf("%v: descriptor %d, want %d", op, op.FD, fd+1)
				}
				fd, opened[op.FD] = op.FD, true
			case (op.Kind == model.Read || op.Kind == model.Close) && !opened[op.FD]:
				return fmt.Errorf("%v: descriptor not opened before it in its thread", op)
			case op.Kind == model.Rename && op.NewName == op.Name:
				return fmt.Errorf("%v: a rename to its own name", op)
			case op.Kind == model.Move && op.To == op.NS:
				return fmt.Errorf("%v: a move to its own namespace", op)
			case noUsers && (userKind(op.Kind) || op.Dir == model.UIDs):
				return fmt.Errorf("%v under NoUsers", op)
			}
		}
	}
	return nil
}

// TestContendedContends: of the pairs of operations in two threads of
// Contended's programs, at least twice the share that the uniform
// generator's (Program without its focus and themes) have act
// on the same device (a name in a namespace, directly or through a mount
// of it), one of them changing it (measured: 0.109 and 0.035 under
// seeded choices). That density is what Contended is for (the property
// tests' reach, BENCHMARKS.md, "The property tests' reach").
func TestContendedContends(t *testing.T) {
	var contended, program [2]int // contending pairs, pairs
	for seed := range uint64(2000) {
		c, n := contention(Contended(NewRand(seed), Options{}))
		contended[0], contended[1] = contended[0]+c, contended[1]+n
		c, n = contention(uniformProgram(seed))
		program[0], program[1] = program[0]+c, program[1]+n
	}
	dc := float64(contended[0]) / float64(contended[1])
	dp := float64(program[0]) / float64(program[1])
	t.Logf("pairs of operations of two threads on one device, one changing it: Contended %.3f, uniform Program %.3f", dc, dp)
	if dc < 2*dp {
		t.Errorf("Contended's pairs contend at %.3f, Program's at %.3f; want at least twice", dc, dp)
	}
}

// uniformProgram is Program's draw of seed with every argument from its
// whole pool (Program's own focus contends as densely as Contended does
// by this count; Contended's programs are smaller, and drawn so that
// rapid's shrinking keeps the contention).
func uniformProgram(seed uint64) history.Program {
	uniform = true
	defer func() { uniform = false }()
	return Program(NewRand(seed), Options{})
}

// contention counts the pairs of operations of two threads of p that act
// on the same device, one of them creating, removing, renaming or moving
// it, and all the pairs of operations of two threads.
func contention(p history.Program) (contending, pairs int) {
	type device struct {
		ns   int
		name string
	}
	of := func(op model.Op) (device, bool) {
		d := device{op.NS, op.Name}
		if op.Kind.Takes()&model.FMount != 0 {
			d.ns = p.Config.MountTag(op.Mount)
		}
		return d, op.Name != "" && d.ns != 0 && op.Dir != model.UIDs
	}
	changes := func(k model.Kind) bool {
		return k == model.Create || k == model.Remove || k == model.Rename || k == model.Move
	}
	for i, ti := range p.Threads {
		for _, tj := range p.Threads[i+1:] {
			for _, a := range ti {
				for _, b := range tj {
					pairs++
					da, oka := of(a)
					db, okb := of(b)
					if oka && okb && da == db && (changes(a.Kind) || changes(b.Kind)) {
						contending++
					}
				}
			}
		}
	}
	return contending, pairs
}

// zeros is a Chooser that always chooses 0: what rapid shrinks toward.
type zeros struct{}

func (zeros) IntN(int, string) int { return 0 }

// TestContendedShrinksToContention: with every choice at zero, as rapid
// shrinks toward, Contended's program is two threads of one operation
// each, and they still contend.
func TestContendedShrinksToContention(t *testing.T) {
	p := Contended(zeros{}, Options{})
	if len(p.Threads) != 2 || len(p.Threads[0]) != 1 || len(p.Threads[1]) != 1 {
		t.Fatalf("the zero program is not two threads of one operation: %v", p)
	}
	if c, _ := contention(p); c == 0 {
		t.Fatalf("the zero program does not contend: %v", p)
	}
	t.Logf("the zero program: %v", p)
}
