package properties_test

import (
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
)

// Every result the specification does not allow is caught: after each of
// a few short sequential histories, each operation kind (through each
// mount, in each directory, on each namespace) is recorded with each error
// it cannot return, with success where it must fail, and with each field
// of its success changed, and some property must fail. Listings were the gap: linearizability does not judge them,
// and a listing through a mount never made passed every property.
func TestNoWrongResultPasses(t *testing.T) {
	c := model.Config{Namespaces: 3, Mounts: []int{1, 2}, Procs: []int{1, 2}, MountUsers: []int{1, 2}}
	setups := [][]model.Op{
		nil,
		{{Kind: model.Create, NS: 1, Name: "eth0"}},
		{{Kind: model.Create, NS: 2, Name: "eth0"}, {Kind: model.Exit, NS: 2}},
		{{Kind: model.Umount, Mount: 2}},
		{{Kind: model.Mount, Mount: 3, Proc: 2}},
		{{Kind: model.Create, NS: 1, Name: "eth0"}, {Kind: model.Open, Mount: 1, Name: "eth0"}},
	}
	errnos := []model.Errno{model.OK, model.EEXIST, model.ENOENT, model.EINVAL, model.ERANGE, model.ENODEV, model.EBADF, model.EBUSY}
	checked := 0
	for _, setup := range setups {
		h, s := sequential(c, setup)
		for _, op := range probeOps() {
			want, _ := model.Apply(c, s, op)
			allowed := append(model.Step(c, s, op), model.Outcome{Result: want})
			for _, got := range wrongResults(want, errnos) {
				if allows(allowed, got) {
					continue
				}
				end := int64(2*len(setup) + 1)
				wrong := h
				wrong.Records = append(h.Records[:len(h.Records):len(h.Records)], history.Record{Thread: 1, Op: op, Result: got, Call: end, Return: end + 1})
				checked++
				if vs := properties.Check(wrong, properties.Options{}).Violations; len(vs) == 0 {
					t.Errorf("after %v, %v returning %v (the specification: %v) violates no property", setup, op, got, want)
				}
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d wrong results checked", checked)
	}
	t.Logf("%d wrong results, each caught", checked)
}

// wrongResults returns the results to try in place of want: each error,
// success where want is an error, and, where want is a success, want
// with each field changed.
func wrongResults(want model.Result, errnos []model.Errno) []model.Result {
	var rs []model.Result
	for _, e := range errnos {
		if e != model.OK || want.Err != model.OK {
			rs = append(rs, model.Result{Err: e})
		}
	}
	if want.Err != model.OK {
		return rs
	}
	change := func(f func(r *model.Result)) {
		r := want
		r.Entries = slices.Clone(want.Entries)
		f(&r)
		rs = append(rs, r)
	}
	// Only the fields the result carries: the others mean nothing for
	// its kind, and a recorder leaves them zero.
	if want.Tag != 0 {
		change(func(r *model.Result) { r.Tag++ })
	}
	if want.User != 0 {
		change(func(r *model.Result) { r.User++ })
	}
	if want.Index != 0 {
		change(func(r *model.Result) { r.Index++ })
	}
	if want.Target != "" {
		change(func(r *model.Result) { r.Target += "x" })
	}
	if want.Entries != nil {
		change(func(r *model.Result) { r.Entries = append(r.Entries, model.Entry{Name: "eth9", Tag: 1}) })
	}
	if len(want.Entries) > 0 {
		change(func(r *model.Result) { r.Entries = r.Entries[1:] })
		change(func(r *model.Result) { r.Entries = append(r.Entries, r.Entries[0]) })
		change(func(r *model.Result) { r.Entries[0].Tag++ })
	}
	return rs
}

// sequential returns the history of ops run one after another from the
// initial state by the specification, and the state they leave.
func sequential(c model.Config, ops []model.Op) (history.History, model.State) {
	h, s := history.History{Config: c}, model.Init()
	for i, op := range ops {
		var r model.Result
		r, s = model.Apply(c, s, op)
		h.Records = append(h.Records, history.Record{Op: op, Result: r, Call: int64(2*i + 1), Return: int64(2*i + 2)})
	}
	return h, s
}

// probeOps returns an operation of every kind through every mount, in
// every directory, on each of two namespaces.
func probeOps() []model.Op {
	var ops []model.Op
	for _, k := range model.Kinds() {
		for _, d := range []model.Dir{model.ClassNet, model.Devices, model.UIDs} {
			for _, m := range []int{1, 2, 3} {
				for _, ns := range []int{1, 2} {
					ops = append(ops, model.Op{Kind: k, NS: ns, To: 3 - ns, Mount: m, Proc: ns, User: ns, Name: "eth0", NewName: "eth1", Dir: d, FD: 1})
				}
			}
		}
	}
	return ops
}

// allows reports whether one of outs has result r.
func allows(outs []model.Outcome, r model.Result) bool {
	for _, o := range outs {
		if model.SameResult(o.Result, r) {
			return true
		}
	}
	return false
}
