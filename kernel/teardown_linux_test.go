//go:build linux

package kernel

import (
	"bytes"
	"cmp"
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

// TestTeardownOnTheKernel: histories of the real kernel whose namespace
// exits under the kernel's scheme, recorded with their teardown (cleanup
// removals and the gone that ends it), keep every property, teardown
// included, and write and read back the same; the same history with a
// device of the namespace seen after its gone is a teardown violation.
func TestTeardownOnTheKernel(t *testing.T) {
	need(t)
	p := history.Program{
		Config: model.Config{Namespaces: 2, Mounts: []int{1, 2}, Exit: model.ExitKernel},
		Setup:  []model.Op{{Kind: model.Create, NS: 2, Name: "eth0"}, {Kind: model.Create, NS: 2, Name: "eth1"}},
		Threads: [][]model.Op{
			{{Kind: model.Exit, NS: 2}, {Kind: model.Readdir, Mount: 2}, {Kind: model.Lookup, Mount: 2, Name: "eth0"}},
			{{Kind: model.Readdir, Mount: 1}, {Kind: model.Create, NS: 1, Name: "eth0"}},
		},
	}
	for i := range 5 {
		h, err := Run(context.Background(), p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		gone := slices.IndexFunc(h.Records, func(r history.Record) bool { return r.Op.Kind == model.Gone })
		if gone < 0 || h.Records[gone].Result.Err != model.OK {
			t.Fatalf("run %d: no successful gone in %v", i, h.Records)
		}
		if rep := properties.Check(h, properties.Options{}); !rep.OK() {
			t.Fatalf("run %d: the kernel's history violates %v (undecided %v)\n%v", i, rep.Violations, rep.Unknown, h.Records)
		}
		var b bytes.Buffer
		if err := tracefile.Write(&b, &tracefile.Trace{Header: tracefile.Header{Source: "kernel"}, Program: p, History: h}); err != nil {
			t.Fatal(err)
		}
		back, err := tracefile.Read(&b, "kernel.jsonl")
		if err != nil {
			t.Fatalf("run %d: the kernel's history does not read back: %v", i, err)
		}
		if want := inCallOrder(h); !reflect.DeepEqual(back.History.Records, want.Records) {
			t.Fatalf("run %d: read back\n%v\nwant\n%v", i, back.History.Records, want.Records)
		}
		// A device of ns2 seen after the gone: the teardown did not finish.
		g := h.Records[gone]
		late := history.Record{Thread: 1, Op: model.Op{Kind: model.Readdir, Mount: 2}, Result: model.Result{Entries: []model.Entry{{Name: "eth1", Tag: 2}}}, Call: g.Return + 1, Return: g.Return + 2}
		bad := h.Clone()
		bad.Records = append(bad.Records, late)
		if vs := properties.CheckTeardown(bad); len(vs) == 0 {
			t.Fatalf("run %d: eth1@ns2 listed after gone(ns2) is not a teardown violation", i)
		}
	}
}

// inCallOrder is h's records as a trace file holds them.
func inCallOrder(h history.History) history.History {
	h = h.Clone()
	slices.SortStableFunc(h.Records, func(a, b history.Record) int { return cmp.Compare(a.Call, b.Call) })
	for i := range h.Records {
		if len(h.Records[i].Result.Entries) == 0 {
			h.Records[i].Result.Entries = nil
		}
	}
	return h
}
