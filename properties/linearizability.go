package properties

import (
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// CheckLinearizable asks porcupine whether h is linearizable against the
// model. decided is false when the timeout ran out first.
func CheckLinearizable(h history.History, timeout time.Duration) (vs []Violation, decided bool) {
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
