package tracefile

import (
	"testing"

	"github.com/sysfsim/sysfsim/model"
)

// A record is its program's operation when it differs only where the
// recorder decides: the ifindex it gave, a virtual device made for a
// physical one (the kernel backend's create). Anything else is another
// operation.
func TestFromOp(t *testing.T) {
	phys := model.Op{Kind: model.Create, NS: 1, Name: "veth0", Phys: true}
	virt := model.Op{Kind: model.Create, NS: 1, Name: "veth0"}
	indexed := func(o model.Op) model.Op { o.Index = 1002; return o }
	for _, c := range []struct {
		name    string
		rec, op model.Op
		want    bool
	}{
		{"the same", virt, virt, true},
		{"the recorder's ifindex", indexed(virt), virt, true},
		{"virtual for physical, with an ifindex (kernel backend)", indexed(virt), phys, true},
		{"physical for virtual", phys, virt, false},
		{"another name", model.Op{Kind: model.Create, NS: 1, Name: "veth1"}, virt, false},
		{"a step of the flow", model.Op{Kind: model.AddLink, NS: 1, Name: "veth0"}, virt, true},
	} {
		if got := fromOp(c.rec, c.op); got != c.want {
			t.Errorf("%s: fromOp(%v, %v) = %v, want %v", c.name, c.rec, c.op, got, c.want)
		}
	}
}
