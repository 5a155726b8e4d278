package properties

import (
	"fmt"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// CheckReaddir judges listings, which porcupine does not: a listing is
// made by several getdents calls, each its own critical section, so it is
// a union of snapshots, not one. It is regular when
//
//   - every listed entry may have been visible at some point during the
//     call: something produced it before the call ended, and nothing
//     certainly removed it between that and the call's start;
//
//   - every entry certainly visible and unchanged for the whole call is
//     listed: produced before the call began, and nothing that could
//     remove it overlaps the interval from its producer to the end of the
//     call.
//
//   - no entry is listed twice.
func CheckReaddir(h history.History) []Violation {
	f := factsOf(h)
	defer f.release()
	return checkReaddir(f)
}

func checkReaddir(f *facts) []Violation {
	var vs []Violation
	h, mounts := f.h, &f.mounts
	for i, r := range h.Records {
		if r.Op.Kind != model.Readdir || !succeeded(r) {
			continue
		}
		tag := mounts.tag(r.Op.Mount, r.Op.Dir)
		listed := map[key]bool{}
		for _, e := range r.Result.Entries {
			k := key{r.Op.Dir, e.Name, e.Tag}
			if listed[k] {
				vs = append(vs, Violation{Regularity, fmt.Sprintf("%v listed %v twice", r.Op, k), []int{i}})
			}
			listed[k] = true
			if e.Tag == tag && !f.mayBeVisible(k, r) {
				vs = append(vs, Violation{Regularity, fmt.Sprintf("%v listed %v, which was not there at any time during the call", r.Op, k), []int{i}})
			}
		}
		for _, k := range f.certainlyVisible(r.Op.Dir, tag, r) {
			if !listed[k] {
				vs = append(vs, Violation{Regularity, fmt.Sprintf("%v missed %v, which was there and unchanged for the whole call", r.Op, k), []int{i}})
			}
		}
	}
	return vs
}

func (f *facts) mayBeVisible(k key, l history.Record) bool {
	h := f.h
	for i, p := range h.Records {
		if p.Call >= l.Return || !contains(f.produced[i], k) {
			continue
		}
		removed := false
		for _, d := range h.Records {
			if !d.Pending && d.Call > ret(p) && d.Return < l.Call && destroys(h.Config, d, k) {
				removed = true
				break
			}
		}
		if !removed {
			return true
		}
	}
	return false
}

func (f *facts) certainlyVisible(dir model.Dir, tag int, l history.Record) []key {
	var ks []key
	h := f.h
	for i, p := range h.Records {
		if !succeeded(p) || p.Return >= l.Call {
			continue
		}
	next:
		for _, k := range f.produced[i] {
			if k.dir != dir || k.tag != tag || contains(ks, k) {
				continue
			}
			for _, d := range h.Records {
				if d.Call < l.Return && ret(d) > p.Call && destroys(h.Config, d, k) {
					continue next
				}
			}
			ks = append(ks, k)
		}
	}
	return ks
}
