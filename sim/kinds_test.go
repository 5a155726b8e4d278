package sim

import (
	"testing"

	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// TestEveryKindRuns: every kind in the model's table that is not a flow
// has a function in the simulator (Kernel.runAtomic), so a kind added to
// the table and not to the simulator fails here rather than running as
// EINVAL. Each runs once, with no arguments, on a fresh kernel.
func TestEveryKindRuns(t *testing.T) {
	for _, kind := range model.Kinds() {
		if kind.IsFlow() {
			continue
		}
		k := newKernel(&model.Config{Namespaces: 1, Procs: []int{1}}, nil, nil)
		ran := false
		sched.New(nil, 0).RunAlone("T0", func(th *sched.Thread) { ran = k.runAtomic(th, &model.Op{Kind: kind}, new(model.Result)) })
		if !ran {
			t.Errorf("%v: no function runs it", kind)
		}
	}
	if newKernel(&model.Config{}, nil, nil).runAtomic(nil, &model.Op{}, new(model.Result)) {
		t.Error("the zero kind ran")
	}
}
