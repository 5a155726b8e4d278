package properties

import (
	"fmt"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// CheckTagIsolation: nothing observed through a mount has a tag other than
// the one the mount captured.
func CheckTagIsolation(h history.History) []Violation {
	m := mountTagsOf(h)
	return checkTagIsolation(h, &m)
}

func checkTagIsolation(h history.History, mounts *mountTags) []Violation {
	var vs []Violation
	for i, r := range h.Records {
		if !succeeded(r) {
			continue
		}
		want := mounts.tag(r.Op.Mount, r.Op.Dir)
		switch r.Op.Kind {
		case model.Lookup, model.Open:
			if r.Result.Tag != want {
				vs = append(vs, Violation{TagIsolation, fmt.Sprintf("%v through a mount of ns%d found an entry of ns%d", r.Op, want, r.Result.Tag), []int{i}})
			}
		case model.Readdir:
			for _, e := range r.Result.Entries {
				if e.Tag != want {
					vs = append(vs, Violation{TagIsolation, fmt.Sprintf("%v through a mount of ns%d listed %v", r.Op, want, e), []int{i}})
				}
			}
		}
	}
	return vs
}

// CheckUniqueness: a directory never holds one (name, tag) twice. Two
// operations that each succeeded in producing the same entry, with nothing
// that could have removed it overlapping them, made a duplicate.
func CheckUniqueness(h history.History) []Violation {
	f := factsOf(h)
	defer f.release()
	return checkUniqueness(f)
}

func checkUniqueness(f *facts) []Violation {
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

// CheckNoResurrection: once an exit of namespace T has returned, no later
// operation observes an entry of T and none creates one; once the removal
// of an entry has returned, no later operation observes it unless some
// operation that could have re-created it overlaps the gap.
func CheckNoResurrection(h history.History) []Violation {
	f := factsOf(h)
	defer f.release()
	return checkNoResurrection(f)
}

func checkNoResurrection(f *facts) []Violation {
	var vs []Violation
	h := f.h
	for i, x := range h.Records {
		if !succeeded(x) {
			continue
		}
		switch x.Op.Kind {
		case model.Exit, model.Gone, model.ExitUser:
			// Under the seed's scheme nothing of the namespace is seen
			// after its exit; under the kernel's, after its cleanup is done.
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
					if !f.recreated(gone, x.Call, ret(o)) {
						vs = append(vs, Violation{NoResurrection, fmt.Sprintf("%v observed %v after %v returned, and nothing re-created it", o.Op, gone, x.Op), []int{i, j}})
					}
				}
			}
		}
	}
	return vs
}

// recreated reports whether some operation may have produced k after from
// and before to.
func (f *facts) recreated(k key, from, to int64) bool {
	for i, p := range f.h.Records {
		if ret(p) > from && p.Call < to && contains(f.produced[i], k) {
			return true
		}
	}
	return false
}
