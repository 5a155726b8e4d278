package kernel

import (
	"testing"

	"github.com/sysfsim/sysfsim/model"
)

// TestDocumentedDifferences pins each difference DIFFERENCES.md states:
// the program runs on the kernel, and each operation must give the result
// written there, which may differ from the model's (shown in the log).
func TestDocumentedDifferences(t *testing.T) {
	need(t)
	cfg := model.Config{Namespaces: 2, Mounts: []int{1, 2}}
	long := "abcdefghijklmnop" // IFNAMSIZ bytes: one too many
	steps := []struct {
		op   model.Op
		want model.Result
	}{
		{model.Op{Kind: model.Create, NS: 1, Name: "eth0"}, model.Result{}},
		// Empty name: dev_valid_name, EINVAL (the model says ERANGE).
		{model.Op{Kind: model.Create, NS: 1, Name: ""}, model.Result{Err: model.EINVAL}},
		// A name too long: the IFLA_IFNAME policy, ERANGE, before any lookup.
		{model.Op{Kind: model.Remove, NS: 1, Name: long}, model.Result{Err: model.ERANGE}},
		{model.Op{Kind: model.Rename, NS: 1, Name: long, NewName: "x"}, model.Result{Err: model.ERANGE}},
		{model.Op{Kind: model.Move, NS: 1, Name: long, To: 2}, model.Result{Err: model.ERANGE}},
		{model.Op{Kind: model.Create, NS: 1, Name: long}, model.Result{Err: model.ERANGE}},
		// Rename to the empty name: do_setlink renames only for a
		// non-empty IFLA_IFNAME, so it is a successful no-op.
		{model.Op{Kind: model.Rename, NS: 1, Name: "eth0", NewName: ""}, model.Result{}},
		{model.Op{Kind: model.Lookup, Mount: 1, Name: "eth0"}, model.Result{Tag: 1}},
		// . and ..: the VFS resolves them before kernfs is asked.
		{model.Op{Kind: model.Lookup, Mount: 1, Name: "."}, model.Result{Tag: 1}},
		{model.Op{Kind: model.Lookup, Mount: 1, Dir: model.Devices, Name: ".."}, model.Result{Tag: 1}},
		{model.Op{Kind: model.Readlink, Mount: 1, Name: "."}, model.Result{Err: model.EINVAL}},
		// lo exists in every namespace; the model has no such entry.
		{model.Op{Kind: model.Create, NS: 1, Name: "lo"}, model.Result{Err: model.EEXIST}},
		{model.Op{Kind: model.Lookup, Mount: 2, Name: "lo"}, model.Result{Tag: 2}},
		{model.Op{Kind: model.Readdir, Mount: 2}, model.Result{Entries: []model.Entry{}}},
		// After an exit the backend answers: the namespace is unreachable.
		{model.Op{Kind: model.Exit, NS: 2}, model.Result{}},
		{model.Op{Kind: model.Create, NS: 2, Name: "a/b"}, model.Result{Err: model.ENOENT}},
		// The glue directory stays when the program's last device is
		// gone: every namespace's lo lives in it, so the listing is
		// empty, never ENOENT (difference 6; here the model still has
		// the lo the create above made in it, so only the kernel's
		// answer is pinned).
		{model.Op{Kind: model.Remove, NS: 1, Name: "eth0"}, model.Result{}},
		{model.Op{Kind: model.Readdir, Mount: 1, Dir: model.Devices}, model.Result{Entries: []model.Entry{}}},
	}
	b, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s := model.Init()
	for _, st := range steps {
		done, got, err := b.Do(st.op)
		if err != nil {
			t.Fatal(err)
		}
		var m model.Result
		m, s = model.Apply(cfg, s, done)
		if !model.SameResult(got, st.want) {
			t.Errorf("%v: kernel %v, DIFFERENCES.md says %v", st.op, got, st.want)
		}
		if !model.SameResult(m, got) {
			t.Logf("%v: kernel %v, model %v", st.op, got, m)
		}
	}
}
