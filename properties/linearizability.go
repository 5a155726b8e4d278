package properties

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// CheckLinearizable asks porcupine whether h is linearizable against the
// model. decided is false when the timeout ran out first.
//
// Most histories are linearizable in the order their operations returned,
// which respects real time (an operation that returned before another was
// called comes first); when replaying them in that order on the model
// explains every result, that order is a linearization and porcupine's
// search is not needed. Only the others go to porcupine.
func CheckLinearizable(h history.History, timeout time.Duration) (vs []Violation, decided bool) {
	ops, _ := h.Operations()
	if inReturnOrder(model.Porcupine(h.Config), ops) {
		return nil, true
	}
	res, _ := Linearize(h, timeout)
	switch res {
	case porcupine.Illegal:
		return []Violation{{
			Property: Linearizability,
			Detail:   fmt.Sprintf("no order of the %d operations explains their results (sysfsim viz draws the longest partial orders)", len(h.Records)),
		}}, true
	case porcupine.Unknown:
		return nil, false
	}
	return nil, true
}

// Linearize runs porcupine on h and returns its verdict with the
// information its visualization needs.
func Linearize(h history.History, timeout time.Duration) (porcupine.CheckResult, porcupine.LinearizationInfo) {
	ops, _ := h.Operations()
	return porcupine.CheckOperationsVerbose(model.Porcupine(h.Config), ops, timeout)
}

// inReturnOrder reports whether replaying ops on m in the order they
// returned (operations that never returned last) explains every output.
func inReturnOrder(m porcupine.Model, ops []porcupine.Operation) bool {
	order := slices.Clone(ops)
	slices.SortStableFunc(order, func(a, b porcupine.Operation) int { return cmp.Compare(a.Return, b.Return) })
	state := m.Init()
	for _, o := range order {
		ok, next := m.Step(state, o.Input, o.Output)
		if !ok {
			return false
		}
		state = next
	}
	return true
}
