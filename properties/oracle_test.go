package properties

import (
	"fmt"

	"github.com/sysfsim/sysfsim/history"
)

// The checkers as they were before the index: each question answered by
// scanning every record, quadratic or worse in the history's length, and
// simple enough to trust. The tests hold the indexed checkers to them,
// violation for violation.

func oracleUniqueness(f *facts) []Violation {
	var vs []Violation
	h := f.h
	for i, p := range h.Records {
		if !succeeded(p) {
			continue
		}
		for _, k := range f.produced[i] {
			for j := i + 1; j < len(h.Records); j++ {
				q := h.Records[j]
				if !succeeded(q) || !contains(f.produced[j], k) || removedBetween(h, k, p, q) {
					continue
				}
				vs = append(vs, Violation{Uniqueness, fmt.Sprintf("%v and %v both produced %v, and nothing removed it in between", p.Op, q.Op, k), []int{i, j}})
			}
		}
	}
	return vs
}

// removedBetween reports whether some operation may have removed k after
// p began and before q ended.
func removedBetween(h history.History, k key, p, q history.Record) bool {
	from, to := min(p.Call, q.Call), max(p.Return, q.Return)
	for _, d := range h.Records {
		if d.Call < to && ret(d) > from && destroys(h.Config, d, k) {
			return true
		}
	}
	return false
}
