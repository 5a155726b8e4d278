package model

import (
	"strings"
	"testing"

	"github.com/anishathalye/porcupine"
)

var cfg = Config{Namespaces: 3, Mounts: []int{1, 2, 3}}

func TestApply(t *testing.T) {
	type step struct {
		op   Op
		want string // Result.String()
	}
	create := func(ns int, name string) Op { return Op{Kind: Create, NS: ns, Name: name} }
	tests := []struct {
		name  string
		steps []step
	}{
		{"eth0 in two namespaces, each sees its own", []step{
			{create(1, "eth0"), "ok"},
			{create(2, "eth0"), "ok"},
			{create(1, "eth0"), "EEXIST"},
			{Op{Kind: Lookup, Mount: 1, Name: "eth0"}, "ns1"},
			{Op{Kind: Lookup, Mount: 2, Name: "eth0"}, "ns2"},
			{Op{Kind: Lookup, Mount: 3, Name: "eth0"}, "ENOENT"},
			{Op{Kind: Readdir, Mount: 2}, "[eth0@ns2]"},
		}},
		{"a tagged directory requires a tag", []step{
			{create(0, "eth0"), "EINVAL"},
			{create(9, "eth0"), "EINVAL"},
		}},
		{"names as dev_valid_name checks them", []step{
			{create(1, ""), "EINVAL"},
			{create(1, "abcdefghijklmnop"), "ERANGE"},
			{create(1, "abcdefghijklmno"), "ok"},
			{create(1, "a/b"), "EINVAL"},
			{create(1, "a:b"), "EINVAL"},
			{create(1, "a b"), "EINVAL"},
			{create(1, ".."), "EINVAL"},
		}},
		{"rename a VLAN device to a fixed name", []step{
			{create(1, "eth0.100"), "ok"},
			{create(2, "vlan100"), "ok"},
			{Op{Kind: Rename, NS: 1, Name: "eth0.100", NewName: "vlan100"}, "ok"},
			{Op{Kind: Rename, NS: 1, Name: "vlan100", NewName: "vlan100"}, "ok"},
			{Op{Kind: Rename, NS: 1, Name: "gone", NewName: "x"}, "ENOENT"},
			{Op{Kind: Readdir, Mount: 1}, "[vlan100@ns1]"},
			{create(1, "eth1"), "ok"},
			{Op{Kind: Rename, NS: 1, Name: "eth1", NewName: "vlan100"}, "EEXIST"},
		}},
		{"a device addressed by ifindex, as iproute2 addresses it", []step{
			{Op{Kind: Create, NS: 1, Name: "eth0", Index: 5}, "ok"},
			{Op{Kind: Create, NS: 2, Name: "eth0", Index: 6}, "ok"},
			// Resolved as eth0, renamed to eth9 since: the ifindex decides.
			{Op{Kind: Rename, NS: 1, Name: "eth0", NewName: "eth9"}, "ok"},
			{Op{Kind: Rename, NS: 1, Name: "eth0", Index: 5, NewName: "eth1"}, "ok"},
			{Op{Kind: Lookup, Mount: 1, Name: "eth1"}, "ns1"},
			{Op{Kind: Lookup, Mount: 2, Name: "eth0"}, "ns2"},
			{Op{Kind: Rename, NS: 1, Name: "eth0", Index: 6, NewName: "eth2"}, "ENOENT"}, // ifindex 6 is ns2's
			{Op{Kind: Move, NS: 1, Name: "eth1", Index: 5, To: 3}, "ok"},
			{Op{Kind: Remove, NS: 1, Name: "eth1", Index: 5}, "ENOENT"}, // it left ns1
			{Op{Kind: Remove, NS: 3, Name: "eth1", Index: 5}, "ok"},
			{Op{Kind: Readdir, Mount: 3}, "[]"},
			{Op{Kind: RenameLink, NS: 2, Name: "x", Index: 6, NewName: "y"}, "ok"},
			{Op{Kind: RenameDev, NS: 2, Name: "x", Index: 6, NewName: "y"}, "ok"},
			{Op{Kind: Readdir, Mount: 2}, "[y@ns2]"},
		}},
		{"move onto a taken name fails, elsewhere succeeds", []step{
			{create(1, "eth0"), "ok"},
			{create(2, "eth0"), "ok"},
			{Op{Kind: Move, NS: 1, Name: "eth0", To: 2}, "EEXIST"},
			{Op{Kind: Move, NS: 1, Name: "eth0", To: 3}, "ok"},
			{Op{Kind: Lookup, Mount: 1, Name: "eth0"}, "ENOENT"},
			{Op{Kind: Lookup, Mount: 3, Name: "eth0"}, "ns3"},
			{Op{Kind: Move, NS: 3, Name: "eth0", To: 3}, "ok"},
		}},
		{"exit hides every entry of the tag for good", []step{
			{create(1, "eth0"), "ok"},
			{create(1, "eth1"), "ok"},
			{create(2, "eth0"), "ok"},
			{Op{Kind: Exit, NS: 1}, "ok"},
			{Op{Kind: Readdir, Mount: 1}, "[]"},
			{Op{Kind: Lookup, Mount: 1, Name: "eth0"}, "ENOENT"},
			{Op{Kind: Lookup, Mount: 2, Name: "eth0"}, "ns2"},
			{create(1, "eth2"), "ENOENT"},
			{Op{Kind: Move, NS: 2, Name: "eth0", To: 1}, "ENOENT"},
			{Op{Kind: Exit, NS: 1}, "ENOENT"},
		}},
		{"a move re-tags link then directory; an open file follows its device", []step{
			{Op{Kind: AddDev, NS: 1, Name: "eth0", Index: 7}, "ok"},
			{Op{Kind: AddLink, NS: 1, Name: "eth0"}, "ok"},
			{Op{Kind: Open, Mount: 1, Name: "eth0", FD: 3}, "ns1"},
			{Op{Kind: MoveLink, NS: 1, Name: "eth0", To: 2}, "ok"},
			// Between the steps: class/net/eth0 is in ns2, its directory is not.
			{Op{Kind: Lookup, Mount: 2, Name: "eth0"}, "ns2"},
			{Op{Kind: Lookup, Mount: 2, Dir: Devices, Name: "eth0"}, "ENOENT"},
			{Op{Kind: Open, Mount: 2, Name: "eth0", FD: 4}, "ENOENT"},
			{Op{Kind: MoveDev, NS: 1, Name: "eth0", To: 2}, "ok"},
			{Op{Kind: Lookup, Mount: 2, Dir: Devices, Name: "eth0"}, "ns2"},
			{Op{Kind: Read, FD: 3}, "ifindex 7"},
			{Op{Kind: Readlink, Mount: 2, Name: "eth0"}, "../../devices/virtual/net/eth0"},
		}},
		{"readlink is computed from the current tree", []step{
			{create(1, "eth0"), "ok"},
			{Op{Kind: RenameDev, NS: 1, Name: "eth0", NewName: "lan0"}, "ok"},
			{Op{Kind: Readlink, Mount: 1, Name: "eth0"}, "../../devices/virtual/net/lan0"},
			{Op{Kind: Readlink, Mount: 2, Name: "eth0"}, "ENOENT"},
		}},
		{"an unregistered device's attribute reads EINVAL until its directory goes", []step{
			{Op{Kind: Create, NS: 1, Name: "eth0"}, "ok"},
			{Op{Kind: Open, Mount: 1, Name: "eth0", FD: 1}, "ns1"},
			{Op{Kind: Unregister, NS: 1, Name: "eth0"}, "ok"},
			{Op{Kind: Read, FD: 1}, "EINVAL"},
			{Op{Kind: Lookup, Mount: 1, Name: "eth0"}, "ns1"},
			{Op{Kind: Unregister, NS: 1, Name: "eth0"}, "ENOENT"},
			{Op{Kind: DelLink, NS: 1, Name: "eth0"}, "ok"},
			{Op{Kind: DelDev, NS: 1, Name: "eth0"}, "ok"},
			{Op{Kind: Read, FD: 1}, "ENODEV"},
		}},
		{"a removed device's open file reads ENODEV", []step{
			{Op{Kind: Create, NS: 1, Name: "eth0"}, "ok"},
			{Op{Kind: Open, Mount: 1, Name: "eth0", FD: 1}, "ns1"},
			{Op{Kind: Open, Mount: 1, Name: "eth0", FD: 1}, "EINVAL"},
			{Op{Kind: Read, FD: 1}, "ok"},
			{Op{Kind: Remove, NS: 1, Name: "eth0"}, "ok"},
			{Op{Kind: Read, FD: 1}, "ENODEV"},
			{Op{Kind: Close, FD: 1}, "ok"},
			{Op{Kind: Read, FD: 1}, "EBADF"},
			{Op{Kind: Close, FD: 1}, "EBADF"},
		}},
		{"an exit hides both directories and fails open files", []step{
			{Op{Kind: Create, NS: 1, Name: "eth0"}, "ok"},
			{Op{Kind: Open, Mount: 1, Name: "eth0", FD: 1}, "ns1"},
			{Op{Kind: Exit, NS: 1}, "ok"},
			{Op{Kind: Readdir, Mount: 1, Dir: Devices}, "[]"},
			{Op{Kind: Read, FD: 1}, "ENODEV"},
			{Op{Kind: AddLink, NS: 1, Name: "eth0"}, "ENOENT"},
		}},
		{"a link needs its target", []step{
			{Op{Kind: AddLink, NS: 1, Name: "eth0"}, "ENOENT"},
			{Op{Kind: AddDev, NS: 1, Name: "eth0"}, "ok"},
			{Op{Kind: Readdir, Mount: 1, Dir: Devices}, "[eth0@ns1]"},
			{Op{Kind: Readdir, Mount: 1}, "[]"},
			{Op{Kind: AddLink, NS: 1, Name: "eth0"}, "ok"},
			{Op{Kind: AddLink, NS: 1, Name: "eth0"}, "EEXIST"},
			{Op{Kind: DelLink, NS: 1, Name: "eth0"}, "ok"},
			{Op{Kind: DelLink, NS: 1, Name: "eth0"}, "ENOENT"},
		}},
		{"remove", []step{
			{create(1, "eth0"), "ok"},
			{Op{Kind: Remove, NS: 2, Name: "eth0"}, "ENOENT"},
			{Op{Kind: Remove, NS: 1, Name: "eth0"}, "ok"},
			{Op{Kind: Remove, NS: 1, Name: "eth0"}, "ENOENT"},
			{create(1, "eth0"), "ok"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Init()
			for i, st := range tt.steps {
				before := s.String()
				var r Result
				r, s = Apply(cfg, s, st.op)
				if got := r.String(); got != st.want {
					t.Fatalf("step %d %v in %s: got %s, want %s", i, st.op, before, got, st.want)
				}
			}
		})
	}
}

// Under the kernel's exit scheme, an exited namespace's devices stay
// visible until cleanup_net deals with them, and only it can.
func TestKernelExitScheme(t *testing.T) {
	c := Config{Namespaces: 2, Mounts: []int{1, 2}, Exit: ExitKernel}
	s := Init()
	for i, st := range []struct {
		op   Op
		want string
	}{
		{Op{Kind: Create, NS: 2, Name: "eth0"}, "ok"},
		{Op{Kind: Create, NS: 2, Name: "eth1", Phys: true}, "ok"},
		{Op{Kind: Create, NS: 1, Name: "eth1"}, "ok"},
		{Op{Kind: Exit, NS: 1}, "EINVAL"}, // init_net never exits
		{Op{Kind: Exit, NS: 2}, "ok"},
		{Op{Kind: Lookup, Mount: 2, Name: "eth0"}, "ns2"},
		{Op{Kind: Create, NS: 2, Name: "eth2"}, "ENOENT"},
		{Op{Kind: Remove, NS: 2, Name: "eth0"}, "ENOENT"}, // unreachable
		{Op{Kind: Remove, NS: 2, Name: "eth0", Cleanup: true}, "ok"},
		{Op{Kind: MoveLink, NS: 2, Name: "eth1", To: 1, NewName: "dev2", Cleanup: true}, "ok"},
		{Op{Kind: MoveDev, NS: 2, Name: "eth1", To: 1, NewName: "dev2", Cleanup: true}, "ok"},
		{Op{Kind: Gone, NS: 2}, "ok"},
		{Op{Kind: Gone, NS: 2}, "ok"}, // the end of the teardown, seen again
		{Op{Kind: Readlink, Mount: 1, Name: "dev2"}, "../../devices/virtual/net/dev2"},
	} {
		var r Result
		r, s = Apply(c, s, st.op)
		if got := r.String(); got != st.want {
			t.Fatalf("step %d %v: got %s, want %s (state %v)", i, st.op, got, st.want, s)
		}
	}
}

// Mounts capture the mounting process's namespace and never follow it.
func TestProcessesAndMounts(t *testing.T) {
	c := Config{Namespaces: 3, Mounts: []int{1}, Later: []int{3}, Procs: []int{1, 2}}
	s := Init()
	steps := []struct {
		op   Op
		want string
	}{
		{Op{Kind: Mount, Proc: 2, Mount: 2}, "ns2"},
		{Op{Kind: Mount, Proc: 1, Mount: 2}, "EBUSY"},
		{Op{Kind: Mount, Proc: 1, Mount: 1}, "EBUSY"},
		{Op{Kind: Mount, Proc: 9, Mount: 5}, "EINVAL"},
		{Op{Kind: Setns, Proc: 2, NS: 3}, "ENOENT"}, // not born yet
		{Op{Kind: AddDev, NS: 3, Name: "eth0"}, "ENOENT"},
		{Op{Kind: Clone, NS: 3}, "ok"},
		{Op{Kind: Clone, NS: 3}, "EEXIST"},
		{Op{Kind: Clone, NS: 1}, "EEXIST"},
		{Op{Kind: Setns, Proc: 2, NS: 3}, "ok"},
		{Op{Kind: Create, NS: 2, Name: "eth0"}, "ok"},
		{Op{Kind: Create, NS: 3, Name: "eth0"}, "ok"},
		// m2 was made in ns2 and stays there though p2 moved to ns3.
		{Op{Kind: Lookup, Mount: 2, Name: "eth0"}, "ns2"},
		{Op{Kind: Mount, Proc: 2, Mount: 3}, "ns3"},
		{Op{Kind: Lookup, Mount: 3, Name: "eth0"}, "ns3"},
		{Op{Kind: Exit, NS: 2}, "ok"},
		{Op{Kind: Readdir, Mount: 2}, "[]"},
		{Op{Kind: Setns, Proc: 1, NS: 2}, "ENOENT"},
		{Op{Kind: Umount, Mount: 2}, "ok"},
		{Op{Kind: Readdir, Mount: 2}, "EINVAL"},
		{Op{Kind: Umount, Mount: 2}, "EINVAL"},
		{Op{Kind: Mount, Proc: 1, Mount: 2}, "EBUSY"}, // numbers are not reused
	}
	for i, st := range steps {
		before := s.String()
		var r Result
		r, s = Apply(c, s, st.op)
		if got := r.String(); got != st.want {
			t.Fatalf("step %d %v in %s: got %s, want %s", i, st.op, before, got, st.want)
		}
	}
}

func TestApplyDoesNotMutate(t *testing.T) {
	_, s := Apply(cfg, Init(), Op{Kind: Create, NS: 1, Name: "a"})
	_, s = Apply(cfg, s, Op{Kind: Create, NS: 1, Name: "c"})
	before := s.String()
	Apply(cfg, s, Op{Kind: Create, NS: 1, Name: "b"})
	Apply(cfg, s, Op{Kind: Exit, NS: 1})
	Apply(cfg, s, Op{Kind: Rename, NS: 1, Name: "a", NewName: "z"})
	if s.String() != before {
		t.Fatalf("state changed from %s to %s", before, s)
	}
}

func TestDyingDirectoryMayStillCollide(t *testing.T) {
	_, s := Apply(cfg, Init(), Op{Kind: Create, NS: 1, Name: "eth0"})
	s = Step(cfg, s, Op{Kind: DelLink, NS: 1, Name: "eth0"})[0].State
	s = Step(cfg, s, Op{Kind: DelDev, NS: 1, Name: "eth0"})[0].State
	outs := Step(cfg, s, Op{Kind: AddDev, NS: 1, Name: "eth0"})
	if len(outs) != 2 || outs[0].Result.Err != OK || outs[1].Result.Err != EEXIST {
		t.Fatalf("add onto a dying directory: %v", outs)
	}
	for _, op := range []Op{{Kind: Lookup, Mount: 1, Dir: Devices, Name: "eth0"}, {Kind: Lookup, Mount: 1, Name: "eth0"}} {
		if r, _ := Apply(cfg, s, op); r.Err != ENOENT {
			t.Fatalf("%v of a dying directory: %v", op, r)
		}
	}
}

func op(client int, call, ret int64, in Op, out Result) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Input: in, Output: out, Call: call, Return: ret}
}

func TestPorcupineAcceptsAndRejects(t *testing.T) {
	m := Porcupine(cfg)
	addDev := Op{Kind: AddDev, NS: 1, Name: "eth0"}
	addLink := Op{Kind: AddLink, NS: 1, Name: "eth0"}
	look := Op{Kind: Lookup, Mount: 1, Name: "eth0"}
	ok := []porcupine.Operation{
		op(0, 1, 2, addDev, Result{}),
		op(0, 3, 6, addLink, Result{}),
		op(1, 4, 5, look, Result{Err: ENOENT}), // concurrent: may precede
	}
	if !porcupine.CheckOperations(m, ok) {
		t.Fatal("linearizable history rejected")
	}
	bad := []porcupine.Operation{
		op(0, 1, 2, addDev, Result{}),
		op(0, 3, 4, addLink, Result{}),
		op(1, 5, 6, look, Result{Err: ENOENT}), // strictly after: must see it
	}
	if porcupine.CheckOperations(m, bad) {
		t.Fatal("stale lookup accepted")
	}
	leak := []porcupine.Operation{
		op(0, 1, 2, addDev, Result{}),
		op(0, 3, 4, addLink, Result{}),
		op(1, 5, 6, Op{Kind: Lookup, Mount: 2, Name: "eth0"}, Result{Tag: 1}),
	}
	if porcupine.CheckOperations(m, leak) {
		t.Fatal("lookup through ns2's mount finding ns1's entry accepted")
	}
	// The kernel's dying-directory window: during the removal, a lookup
	// misses eth0, then an add collides with it.
	window := []porcupine.Operation{
		op(0, 1, 2, addDev, Result{}),
		op(0, 3, 10, Op{Kind: DelDev, NS: 1, Name: "eth0"}, Result{}),
		op(1, 4, 5, Op{Kind: Lookup, Mount: 1, Dir: Devices, Name: "eth0"}, Result{Err: ENOENT}),
		op(1, 6, 7, addDev, Result{Err: EEXIST}),
	}
	if !porcupine.CheckOperations(m, window) {
		t.Fatal("EEXIST against a dying directory rejected")
	}
}

func TestPartitionOnlyWithoutMoves(t *testing.T) {
	h := []porcupine.Operation{
		op(0, 1, 2, Op{Kind: AddDev, NS: 1, Name: "a"}, Result{}),
		op(1, 1, 2, Op{Kind: AddDev, NS: 2, Name: "a"}, Result{}),
		op(1, 3, 4, Op{Kind: Open, Mount: 2, Name: "a", FD: 1}, Result{Tag: 2}),
		op(1, 5, 6, Op{Kind: Read, FD: 1}, Result{}),
	}
	parts := partition(cfg, h)
	if len(parts) != 2 || len(parts[1]) != 3 {
		t.Fatalf("%d partitions (%v), want ns1 and ns2 with the read", len(parts), parts)
	}
	h = append(h, op(0, 5, 6, Op{Kind: MoveDev, NS: 1, Name: "a", To: 3}, Result{}))
	if n := len(partition(cfg, h)); n != 1 {
		t.Fatalf("with a move: %d partitions, want 1", n)
	}
}

// A failed operation does not make a dying directory disappear: found by a
// campaign, where a move that failed early "cleared" it.
func TestFailureKeepsDyingDirectory(t *testing.T) {
	_, s := Apply(cfg, Init(), Op{Kind: AddDev, NS: 2, Name: "eth0"})
	s = Step(cfg, s, Op{Kind: DelDev, NS: 2, Name: "eth0"})[0].State
	outs := Step(cfg, s, Op{Kind: MoveDev, NS: 2, Name: "eth0", To: 2})
	if len(outs) != 1 || outs[0].Result.Err != ENOENT || !outs[0].State.Equal(s) {
		t.Fatalf("failed move onto a dying directory: %+v", outs)
	}
}

func TestSteps(t *testing.T) {
	for _, tt := range []struct {
		op   Op
		err  Errno
		want string
	}{
		{Op{Kind: Create, NS: 1, Name: "a"}, OK, "[add-dev add-link]"},
		{Op{Kind: Create, NS: 1, Name: "a"}, EEXIST, "[add-dev]"},
		{Op{Kind: Remove, NS: 1, Name: "a"}, OK, "[unregister del-link del-dev]"},
		{Op{Kind: Rename, NS: 1, Name: "a", NewName: "b"}, OK, "[rename-link rename-dev]"},
		{Op{Kind: Move, NS: 1, Name: "a", To: 2}, OK, "[move-link move-dev]"},
		{Op{Kind: Lookup, Mount: 1, Name: "a"}, OK, "[lookup]"},
	} {
		var kinds []string
		for _, st := range Steps(tt.op, Result{Err: tt.err}) {
			kinds = append(kinds, st.Kind.String())
		}
		if got := "[" + strings.Join(kinds, " ") + "]"; got != tt.want {
			t.Errorf("Steps(%v, %v) = %s, want %s", tt.op, tt.err, got, tt.want)
		}
	}
}
