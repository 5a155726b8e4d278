package properties_test

import (
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
)

var cfg = model.Config{Namespaces: 2, Mounts: []int{1, 2}}

// rec builds a record; a result of nil means the operation never returned.
func rec(thread int, call, ret int64, op model.Op, res *model.Result) history.Record {
	if res == nil {
		return history.Record{Thread: thread, Op: op, Call: call, Pending: true}
	}
	return history.Record{Thread: thread, Op: op, Result: *res, Call: call, Return: ret}
}

var (
	ok      = &model.Result{}
	enoent  = &model.Result{Err: model.ENOENT}
	einval  = &model.Result{Err: model.EINVAL}
	found   = func(tag int) *model.Result { return &model.Result{Tag: tag} }
	listing = func(es ...model.Entry) *model.Result { return &model.Result{Entries: append([]model.Entry{}, es...)} }
	create  = func(ns int, name string) model.Op { return model.Op{Kind: model.Create, NS: ns, Name: name} }
	remove  = func(ns int, name string) model.Op { return model.Op{Kind: model.Remove, NS: ns, Name: name} }
	lookup  = func(m int, name string) model.Op { return model.Op{Kind: model.Lookup, Mount: m, Name: name} }
	readdir = func(m int) model.Op { return model.Op{Kind: model.Readdir, Mount: m} }
	// listDevices lists devices/virtual/net, the glue directory.
	listDevices = func(m int) model.Op { return model.Op{Kind: model.Readdir, Mount: m, Dir: model.Devices} }
	exit        = func(ns int) model.Op { return model.Op{Kind: model.Exit, NS: ns} }
	umount      = func(m int) model.Op { return model.Op{Kind: model.Umount, Mount: m} }
	eth0        = func(ns int) model.Entry { return model.Entry{Name: "eth0", Tag: ns} }
	noFaults    []history.Fault
)

// Every checker has histories it must pass and histories it must reject.
func TestCheckers(t *testing.T) {
	tests := []struct {
		name   string
		recs   []history.Record
		faults []history.Fault
		want   []properties.Property // properties violated
	}{
		{"correct concurrent history", []history.Record{
			rec(0, 1, 4, create(1, "eth0"), ok),
			rec(1, 2, 3, lookup(1, "eth0"), enoent),
			rec(1, 5, 6, lookup(1, "eth0"), found(1)),
			rec(1, 7, 8, readdir(2), listing()),
		}, noFaults, nil},
		{"lookup through ns2's mount finds ns1's entry", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(1, 3, 4, lookup(2, "eth0"), found(1)),
		}, noFaults, []properties.Property{properties.TagIsolation, properties.Linearizability}},
		{"readdir through ns1's mount lists ns2's entry", []history.Record{
			rec(0, 1, 2, create(2, "eth0"), ok),
			rec(1, 3, 4, readdir(1), listing(eth0(2))),
		}, noFaults, []properties.Property{properties.TagIsolation}},
		{"an entry seen after its namespace exited", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(0, 3, 4, exit(1), ok),
			rec(1, 5, 6, lookup(1, "eth0"), found(1)),
		}, noFaults, []properties.Property{properties.NoResurrection, properties.Linearizability}},
		{"a create in a namespace after its exit", []history.Record{
			rec(0, 1, 2, exit(1), ok),
			rec(1, 3, 4, create(1, "eth0"), ok),
		}, noFaults, []properties.Property{properties.NoResurrection, properties.Linearizability}},
		{"an entry seen after its removal returned", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(0, 3, 4, remove(1, "eth0"), ok),
			rec(1, 5, 6, readdir(1), listing(eth0(1))),
		}, noFaults, []properties.Property{properties.NoResurrection, properties.Regularity}},
		{"a device opened after its removal returned", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(0, 3, 4, remove(1, "eth0"), ok),
			rec(1, 5, 6, model.Op{Kind: model.Open, Mount: 1, Name: "eth0"}, found(1)),
		}, noFaults, []properties.Property{properties.NoResurrection, properties.Linearizability}},
		{"a link read after its removal returned", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(0, 3, 4, remove(1, "eth0"), ok),
			rec(1, 5, 6, model.Op{Kind: model.Readlink, Mount: 1, Name: "eth0"}, &model.Result{Target: "../../devices/virtual/net/eth0"}),
		}, noFaults, []properties.Property{properties.NoResurrection, properties.Linearizability}},
		{"an entry seen after removal, but re-created concurrently", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(0, 3, 4, remove(1, "eth0"), ok),
			rec(2, 3, 6, create(1, "eth0"), ok),
			rec(1, 5, 7, readdir(1), listing(eth0(1))),
		}, noFaults, nil},
		{"a listing shows one (name, tag) twice", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(1, 3, 4, readdir(1), listing(eth0(1), eth0(1))),
		}, noFaults, []properties.Property{properties.Regularity}},
		{"two creates of one (name, tag) both succeed", []history.Record{
			rec(0, 1, 4, create(1, "eth0"), ok),
			rec(1, 2, 3, create(1, "eth0"), ok),
		}, noFaults, []properties.Property{properties.Uniqueness, properties.Linearizability}},
		{"create, remove, create again", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(1, 3, 4, remove(1, "eth0"), ok),
			rec(0, 5, 6, create(1, "eth0"), ok),
		}, noFaults, nil},
		{"the glue directory gone while a device was there", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(1, 3, 4, listDevices(1), enoent),
		}, noFaults, []properties.Property{properties.Regularity}},
		{"the glue directory gone while another namespace's device was there", []history.Record{
			rec(0, 1, 2, create(2, "eth0"), ok),
			rec(1, 3, 4, listDevices(1), enoent),
		}, noFaults, []properties.Property{properties.Regularity}},
		{"the glue directory gone with no device", []history.Record{
			rec(1, 1, 2, listDevices(1), enoent),
			rec(0, 3, 4, create(1, "eth0"), ok),
		}, noFaults, nil},
		{"the glue directory gone during the last device's removal", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(0, 3, 6, remove(1, "eth0"), ok),
			rec(1, 4, 5, listDevices(1), enoent),
		}, noFaults, nil},
		{"class/net is never gone", []history.Record{
			rec(1, 1, 2, readdir(1), enoent),
		}, noFaults, []properties.Property{properties.Regularity}},
		{"a listing fails with an error no listing has", []history.Record{
			rec(1, 1, 2, readdir(1), &model.Result{Err: model.EBUSY}),
		}, noFaults, []properties.Property{properties.Regularity}},
		{"a listing fails with EINVAL though its mount is there", []history.Record{
			rec(1, 1, 2, listDevices(2), einval),
		}, noFaults, []properties.Property{properties.Regularity}},
		{"a listing fails with EINVAL after its mount went", []history.Record{
			rec(0, 1, 2, umount(2), ok),
			rec(1, 3, 4, readdir(2), einval),
		}, noFaults, nil},
		{"a listing fails with EINVAL while its mount goes", []history.Record{
			rec(0, 1, 4, umount(2), ok),
			rec(1, 2, 3, readdir(2), einval),
		}, noFaults, nil},
		{"a listing through a mount never made succeeds", []history.Record{
			rec(1, 1, 2, readdir(3), listing()),
		}, noFaults, []properties.Property{properties.Regularity}},
		{"a listing through a mount gone fails with ENOENT", []history.Record{
			rec(0, 1, 2, umount(2), ok),
			rec(1, 3, 4, listDevices(2), enoent),
		}, noFaults, []properties.Property{properties.Regularity}},
		{"a listing succeeds while its mount goes", []history.Record{
			rec(0, 1, 4, umount(2), ok),
			rec(1, 2, 3, readdir(2), listing()),
		}, noFaults, nil},
		{"a listing misses an entry there for the whole call", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(1, 3, 4, readdir(1), listing()),
		}, noFaults, []properties.Property{properties.Regularity}},
		{"a listing may miss an entry removed during the call", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(0, 3, 6, remove(1, "eth0"), ok),
			rec(1, 4, 5, readdir(1), listing()),
		}, noFaults, nil},
		{"a listing may show an entry created during the call", []history.Record{
			rec(0, 1, 6, create(1, "eth0"), ok),
			rec(1, 2, 3, readdir(1), listing(eth0(1))),
		}, noFaults, nil},
		{"a listing shows a device between its steps", []history.Record{
			rec(0, 1, 2, model.Op{Kind: model.AddDev, NS: 1, Name: "eth0"}, ok),
			rec(1, 3, 4, model.Op{Kind: model.Readdir, Mount: 1, Dir: model.Devices}, listing(eth0(1))),
			rec(1, 5, 6, readdir(1), listing()),
			rec(1, 7, 8, lookup(1, "eth0"), enoent),
		}, noFaults, nil},
		{"a device seen in its old namespace's listing after a move", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(0, 3, 4, model.Op{Kind: model.Move, NS: 1, Name: "eth0", To: 2}, ok),
			rec(1, 5, 6, readdir(1), listing(eth0(1))),
		}, noFaults, []properties.Property{properties.Regularity}},
		{"the same name under two tags is fine", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(0, 3, 4, create(2, "eth0"), ok),
			rec(1, 5, 6, readdir(1), listing(eth0(1))),
			rec(1, 7, 8, readdir(2), listing(eth0(2))),
		}, noFaults, nil},
		{"a stale read, linearizability alone catches it", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(1, 3, 4, lookup(1, "eth0"), enoent),
		}, noFaults, []properties.Property{properties.Linearizability}},
		{"a pending operation may or may not have happened", []history.Record{
			rec(0, 1, 0, create(1, "eth0"), nil),
			rec(1, 2, 3, lookup(1, "eth0"), found(1)),
			rec(1, 4, 5, lookup(1, "eth0"), found(1)),
		}, []history.Fault{{Kind: history.Deadlock, Thread: -1, Time: 6, Detail: "T0 waits for x"}},
			[]properties.Property{properties.Liveness}},
		{"use after free", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
		}, []history.Fault{{Kind: history.UseAfterFree, Thread: 0, Time: 2, Detail: "show touched freed node"}},
			[]properties.Property{properties.SafeFree}},
		{"leak", []history.Record{}, []history.Fault{{Kind: history.Leak, Thread: -1, Time: 1, Detail: "node eth0"}},
			[]properties.Property{properties.SafeFree}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := history.History{Config: cfg, Records: tt.recs, Faults: tt.faults}
			r := properties.Check(h, properties.Options{})
			if len(r.Unknown) > 0 {
				t.Fatalf("undecided: %v", r.Unknown)
			}
			var got []properties.Property
			for _, v := range r.Violations {
				if !slices.Contains(got, v.Property) {
					got = append(got, v.Property)
				}
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("violated %v, want %v\n%v", got, want, r.Violations)
			}
		})
	}
}
