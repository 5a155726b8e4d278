package model

import (
	"slices"
	"testing"
)

// misplaced returns the kinds has gets wrong: a device flow with a
// transition (Steps cuts flows into steps first), or another kind without
// one.
func misplaced(has func(Kind) bool) []Kind {
	var bad []Kind
	for _, k := range Kinds() {
		if has(k) == k.IsFlow() {
			bad = append(bad, k)
		}
	}
	return bad
}

func TestEveryKindButAFlowHasATransition(t *testing.T) {
	for _, tt := range []struct {
		name string
		has  func(Kind) bool
		want []Kind
	}{
		{"the specification's", hasTransition, nil},
		{"a kind left out", func(k Kind) bool { return k != Read && hasTransition(k) }, []Kind{Read}},
		{"a flow given one", func(k Kind) bool { return k == Create || hasTransition(k) }, []Kind{Create}},
		{"every kind cut", func(Kind) bool { return false }, slices.DeleteFunc(Kinds(), Kind.IsFlow)},
	} {
		if got := misplaced(tt.has); !slices.Equal(got, tt.want) {
			t.Errorf("%s: misplaced %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNSSet(t *testing.T) {
	for _, tt := range []struct {
		add, ask int
		want     bool
	}{
		{1, 1, true},
		{maxNum, maxNum, true},
		{5, 6, false},
		{0, 0, false},                   // never a namespace
		{-1, -1, false},                 // nor this
		{maxNum + 1, maxNum + 1, false}, // out of range: never in the set
	} {
		if got := nsSet(0).With(tt.add).Has(tt.ask); got != tt.want {
			t.Errorf("With(%d).Has(%d) = %v, want %v", tt.add, tt.ask, got, tt.want)
		}
	}
}

// A racing operation has two outcomes, its own and the race's failure;
// any other has one.
func TestRaces(t *testing.T) {
	c := Config{Namespaces: 2, Mounts: []int{1, 2}}
	s := Init()
	for _, op := range []Op{
		{Kind: Create, NS: 1, Name: "eth0"},
		{Kind: Create, NS: 1, Name: "eth1"},
		{Kind: Remove, NS: 1, Name: "eth0"}, // dying until it drains
		{Kind: AddUID, User: 1, Name: "0"},
		{Kind: DelUID, User: 1, Name: "0"}, // dying too
		{Kind: Open, Mount: 1, Name: "eth1", FD: 1},
	} {
		_, s = Apply(c, s, op)
	}
	for _, tt := range []struct {
		op   Op
		want []Errno
	}{
		{Op{Kind: AddDev, NS: 1, Name: "eth0"}, []Errno{OK, EEXIST}},
		{Op{Kind: AddDev, NS: 2, Name: "eth0"}, []Errno{OK}},
		{Op{Kind: AddDev, NS: 1, Name: "eth1"}, []Errno{EEXIST}},
		{Op{Kind: RenameDev, NS: 1, Name: "eth1", NewName: "eth0"}, []Errno{OK, EEXIST}},
		{Op{Kind: RenameDev, NS: 1, Name: "eth9", NewName: "eth0"}, []Errno{ENOENT}},
		{Op{Kind: AddUID, User: 1, Name: "0"}, []Errno{OK, EEXIST}},
		{Op{Kind: AddUID, User: 1, Name: "1"}, []Errno{OK}},
		{Op{Kind: Umount, Mount: 1}, []Errno{EBUSY}}, // a file is open through it
		{Op{Kind: Umount, Mount: 2}, []Errno{OK, EBUSY}},
		{Op{Kind: Umount, Mount: 3}, []Errno{EINVAL}},
		{Op{Kind: Lookup, Mount: 1, Dir: Devices, Name: "eth0"}, []Errno{ENOENT}},
	} {
		var got []Errno
		for _, o := range Step(c, s, tt.op) {
			got = append(got, o.Result.Err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%v: outcomes %v, want %v", tt.op, got, tt.want)
		}
		// Where single answers alone, its answer is the one outcome.
		if r, _, ok := single(c, s, tt.op); ok && (len(tt.want) != 1 || r.Err != tt.want[0]) {
			t.Errorf("%v: single gives %v, %v", tt.op, r.Err, ok)
		}
	}
}
