package sim

import (
	"testing"

	"github.com/sysfsim/sysfsim/model"
)

// TestEveryKindRuns: every kind in the model's table has a function in the
// simulator, a flow or an atomic step, so a kind added to the table and
// not to the simulator fails here rather than running as EINVAL.
func TestEveryKindRuns(t *testing.T) {
	for _, k := range model.Kinds() {
		flow := int(k) < len(flowFuncs) && flowFuncs[k] != nil
		step := int(k) < len(atomics) && atomics[k] != nil
		if k.IsFlow() && !flow || !k.IsFlow() && !step {
			t.Errorf("%v: flow function %v, atomic function %v", k, flow, step)
		}
	}
}
