package properties

import (
	"fmt"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// CheckTeardown judges the end of each namespace's teardown under the
// kernel's exit scheme (cleanup_net): it ends with nothing of the
// namespace left, as netdev_exit warns when a device is still on the
// namespace's list (WARN_ON_ONCE(!list_empty(&net->dev_base_head))). A
// Gone that found something left (EBUSY) is a violation at the moment the
// teardown ends, and so is anything of the namespace observed by an
// operation called after its Gone returned.
func CheckTeardown(h history.History) []Violation {
	f := factsOf(h)
	defer f.release()
	return checkTeardown(f)
}

var teardownKinds = kindSet(model.Gone)

func checkTeardown(f *facts) []Violation {
	if !f.index.has(teardownKinds) {
		return nil
	}
	var vs []Violation
	for i := range f.h.Records {
		r := &f.h.Records[i]
		if r.Op.Kind != model.Gone || r.Pending {
			continue
		}
		switch r.Result.Err {
		case model.OK:
			vs = f.afterExit(vs, i, Teardown, true, false)
		case model.EBUSY:
			vs = append(vs, Violation{Teardown, fmt.Sprintf("%v at %d found something of ns%d left: its teardown ended without removing it", r.Op, r.Return, r.Op.NS), []int{i}})
		}
	}
	return vs
}
