package properties

import (
	"fmt"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
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

func oracleNoResurrection(f *facts) []Violation {
	var vs []Violation
	h := f.h
	for i, x := range h.Records {
		if !succeeded(x) {
			continue
		}
		switch x.Op.Kind {
		case model.Exit, model.Gone, model.ExitUser:
			ns := x.Op.NS
			gone := x.Op.Kind == model.Gone || h.Config.Exit != model.ExitKernel
			user := x.Op.Kind == model.ExitUser
			if user {
				ns, gone = x.Op.User, true
			}
			of := func(k key) bool { return k.tag == ns && (k.dir == model.UIDs) == user }
			for j, o := range h.Records {
				if o.Call < x.Return {
					continue
				}
				for _, k := range f.observed[j] {
					if gone && of(k) {
						vs = append(vs, Violation{NoResurrection, fmt.Sprintf("%v observed %v after %v returned", o.Op, k, x.Op), []int{i, j}})
						break
					}
				}
				for _, k := range f.produced[j] {
					if !o.Pending && of(k) {
						vs = append(vs, Violation{NoResurrection, fmt.Sprintf("%v succeeded after %v returned", o.Op, x.Op), []int{i, j}})
						break
					}
				}
			}
		case model.DelLink, model.DelDev, model.Remove, model.DelUID:
			for _, gone := range f.observed[i] {
				for j, o := range h.Records {
					if o.Call < x.Return || !contains(f.observed[j], gone) {
						continue
					}
					if !oracleRecreated(f, gone, x.Call, ret(o)) {
						vs = append(vs, Violation{NoResurrection, fmt.Sprintf("%v observed %v after %v returned, and nothing re-created it", o.Op, gone, x.Op), []int{i, j}})
					}
				}
			}
		}
	}
	return vs
}

// oracleRecreated reports whether some operation may have produced k
// after from and before to.
func oracleRecreated(f *facts, k key, from, to int64) bool {
	for i, p := range f.h.Records {
		if ret(p) > from && p.Call < to && contains(f.produced[i], k) {
			return true
		}
	}
	return false
}
