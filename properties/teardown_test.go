package properties_test

import (
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
)

// The teardown under the kernel's scheme ends with nothing of the
// namespace left: what the property passes and what it reports, at the
// gone that ends the teardown.
func TestTeardown(t *testing.T) {
	kcfg := model.Config{Namespaces: 2, Mounts: []int{1, 2}, Exit: model.ExitKernel}
	cleanup := model.Op{Kind: model.Remove, NS: 2, Name: "eth0", Cleanup: true}
	gone := model.Op{Kind: model.Gone, NS: 2}
	start := []history.Record{
		rec(0, 1, 2, create(2, "eth0"), ok),
		rec(0, 3, 4, exit(2), ok),
	}
	tests := []struct {
		name string
		recs []history.Record
		want []properties.Property // every property violated
	}{
		{"the teardown removes the device, then ends", []history.Record{
			rec(0, 4, 8, cleanup, ok),
			rec(0, 7, 8, gone, ok),
			rec(1, 5, 6, readdir(2), listing(eth0(2))), // during the teardown
			rec(1, 9, 10, readdir(2), listing()),
		}, nil},
		{"the teardown ends with the device left", []history.Record{
			rec(0, 7, 8, gone, &model.Result{Err: model.EBUSY}),
		}, []properties.Property{properties.Linearizability, properties.Teardown}},
		{"the device seen after the teardown ended", []history.Record{
			rec(0, 4, 8, cleanup, ok),
			rec(0, 7, 8, gone, ok),
			rec(1, 9, 10, readdir(2), listing(eth0(2))),
		}, []properties.Property{properties.NoResurrection, properties.Regularity, properties.Teardown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := history.History{Config: kcfg, Records: append(slices.Clone(start), tt.recs...)}
			var got []properties.Property
			for _, v := range properties.Check(h, properties.Options{}).Violations {
				if !slices.Contains(got, v.Property) {
					got = append(got, v.Property)
				}
			}
			slices.Sort(got)
			slices.Sort(tt.want)
			if !slices.Equal(got, tt.want) {
				t.Errorf("violated %v, want %v", got, tt.want)
			}
			if n := len(properties.CheckTeardown(h)); (n > 0) != slices.Contains(tt.want, properties.Teardown) {
				t.Errorf("CheckTeardown found %d violations", n)
			}
		})
	}
}
