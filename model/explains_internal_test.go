package model

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// randomStepOp draws a step, observer or lifecycle operation (never a
// flow) over a small world of names, namespaces, mounts and descriptors,
// ifindex-addressed ones included, so that the races and failures all
// occur.
func randomStepOp(rng *rand.Rand) Op {
	names := []string{"eth0", "eth1", "lo", "0", "1", "a/b", ""}
	kinds := []Kind{AddDev, AddLink, DelLink, DelDev, Unregister, RenameLink, RenameDev, MoveLink, MoveDev,
		Lookup, Readdir, Readlink, Open, Read, Close, Exit, Clone, Setns, Mount, Umount, Gone, AddUID, DelUID, ExitUser}
	op := Op{Kind: kinds[rng.IntN(len(kinds))], NS: 1 + rng.IntN(3), Mount: rng.IntN(4), Name: names[rng.IntN(len(names))],
		NewName: names[rng.IntN(len(names))], To: 1 + rng.IntN(3), FD: rng.IntN(3), Proc: 1 + rng.IntN(2), User: 1 + rng.IntN(2),
		Dir: dirs[rng.IntN(len(dirs))], Phys: rng.IntN(4) == 0, Cleanup: rng.IntN(4) == 0}
	if rng.IntN(3) == 0 {
		op.Index = 1 + rng.IntN(3)
	}
	op.keep(kindSpecs[op.Kind].takes)
	return op
}

// TestSingleOnIsSingle walks random operation sequences and compares, at
// every state, singleOn (which Explains runs, in place) with single and
// Step: the same answer, the same result, the same next state, and the
// state left alone where op may race. The broken case is a singleOn that
// skips the ifindex resolution, which the comparison must catch.
func TestSingleOnIsSingle(t *testing.T) {
	broken := func(c *Config, s *State, op *Op) (Result, bool) {
		o := *op
		o.Index = 0 // resolution skipped: the device is looked up by name
		return singleOn(c, s, &o)
	}
	for _, tc := range []struct {
		name   string
		f      func(*Config, *State, *Op) (Result, bool)
		broken bool
	}{{"singleOn", singleOn, false}, {"without ifindex resolution", broken, true}} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(16, 1))
			c := Config{Namespaces: 3, Mounts: []int{1, 2}, Later: []int{3}, Procs: []int{1, 2}, Exit: ExitKernel, Users: 2}
			diffs, raced, compared := 0, 0, 0
			for range 300 {
				s := Init()
				for range 30 {
					op := randomStepOp(rng)
					r, next, ok := single(c, s, op)
					in := s
					rOn, okOn := tc.f(&c, &in, &op)
					compared++
					switch {
					case ok != okOn:
						diffs++
					case !ok:
						raced++
						if !in.Equal(s) {
							diffs++
						}
					case !SameResult(r, rOn) || r.Index != rOn.Index || !in.Equal(next):
						diffs++
					}
					s = Step(c, s, op)[rng.IntN(len(Step(c, s, op)))].State
				}
			}
			if raced == 0 {
				t.Errorf("no operation raced in %d: the walk misses the slow path", compared)
			}
			if tc.broken != (diffs > 0) {
				t.Errorf("%d of %d answers differ from single (broken: %v)", diffs, compared, tc.broken)
			}
		})
	}
}

// TestValidNameTable compares ValidName with dev_valid_name's rule as
// strings.ContainsAny states it, on every byte in every position of a
// short name. The broken case is a table that misses ':'.
func TestValidNameTable(t *testing.T) {
	rule := func(name string) Errno {
		if len(name) >= IFNAMSIZ {
			return ERANGE
		}
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, nameBreakers) {
			return EINVAL
		}
		return OK
	}
	differ := func() int {
		n := 0
		for b := range 256 {
			for _, name := range []string{string(rune(b)), "a" + string([]byte{byte(b)}), string([]byte{byte(b)}) + "eth", "e" + string([]byte{byte(b)}) + "0"} {
				if ValidName(name) != rule(name) {
					n++
				}
			}
		}
		for _, name := range []string{"", ".", "..", "...", "eth0", "0123456789abcde", "0123456789abcdef"} {
			if ValidName(name) != rule(name) {
				n++
			}
		}
		return n
	}
	if n := differ(); n > 0 {
		t.Fatalf("%d names judged unlike dev_valid_name", n)
	}
	badNameByte[':'] = false
	defer func() { badNameByte[':'] = true }()
	if differ() == 0 {
		t.Fatal("a table without ':' went unnoticed")
	}
}
