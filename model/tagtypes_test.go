package model

import "testing"

// Each directory carries the tag type its parent was made tagged with.
func TestDirTagType(t *testing.T) {
	for _, tt := range []struct {
		dir  Dir
		want TagType
	}{
		{ClassNet, NetTag},
		{Devices, NetTag},
		{UIDs, UserTag},
	} {
		if got := tt.dir.TagType(); got != tt.want {
			t.Errorf("%s: tag type %s, want %s", tt.dir.Path(), got, tt.want)
		}
	}
}

// kernel/uids is tagged by the user namespace, made so by its kobject; a
// mount captures a tag of each type; a user namespace and the network
// namespaces it owns exit each on its own.
func TestUserNamespaces(t *testing.T) {
	c := Config{Namespaces: 2, Mounts: []int{1, 2}, MountUsers: []int{1, 2}, Users: 2, Owners: []int{1, 2},
		Procs: []int{1, 2}, ProcUsers: []int{1, 2}}
	s := Init()
	for i, st := range []struct {
		op   Op
		want string
	}{
		{Op{Kind: AddUID, User: 1, Name: "0"}, "ok"},
		{Op{Kind: AddUID, User: 2, Name: "0"}, "ok"},
		{Op{Kind: AddUID, User: 2, Name: "0"}, "EEXIST"},
		{Op{Kind: AddUID, User: 3, Name: "0"}, "EINVAL"},
		{Op{Kind: Lookup, Mount: 1, Dir: UIDs, Name: "0"}, "ns1"},
		{Op{Kind: Lookup, Mount: 2, Dir: UIDs, Name: "0"}, "ns2"},
		{Op{Kind: Create, NS: 2, Name: "eth0"}, "ok"},
		{Op{Kind: Mount, Proc: 2, Mount: 3}, "ns2"},
		{Op{Kind: Readdir, Mount: 3, Dir: UIDs}, "[0@ns2]"},
		{Op{Kind: ExitUser, User: 2}, "ok"},
		{Op{Kind: Readdir, Mount: 2, Dir: UIDs}, "[]"},
		{Op{Kind: AddUID, User: 2, Name: "1000"}, "ENOENT"},
		{Op{Kind: Lookup, Mount: 2, Name: "eth0"}, "ns2"}, // net ns2 lives on
		{Op{Kind: DelUID, User: 1, Name: "0"}, "ok"},
		{Op{Kind: DelUID, User: 1, Name: "0"}, "ENOENT"},
	} {
		var r Result
		r, s = Apply(c, s, st.op)
		if got := r.String(); got != st.want {
			t.Fatalf("step %d %v: got %s, want %s (state %v)", i, st.op, got, st.want, s)
		}
	}
}
