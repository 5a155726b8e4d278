package properties

import (
	"cmp"
	"fmt"
	"slices"

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
	for i := range h.Records {
		r := &h.Records[i]
		if !succeeded(*r) {
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

// checkUniqueness finds the pairs of operations that both made an entry
// while nothing that may have removed it overlapped them. Take a, the one
// of the pair called first: no remover may run from a's call to the later
// return. So both return by the first call of a remover still running
// after a's call, and the other is among the entry's makers called after
// a that return by then, which the made tree finds.
func checkUniqueness(f *facts) []Violation {
	x := &f.index
	type pair struct{ i, j, entry int32 }
	var pairs []pair
	for s := range int32(len(x.subjects)) {
		lo, hi := x.made.group(s)
		for a := lo; a < hi; a++ {
			p := x.made.rows[a]
			end := x.firstRemoval(s, p.x)
			if p.y > end {
				continue
			}
			x.made.each(a+1, hi, end, func(q row) {
				pairs = append(pairs, pair{min(p.rec, q.rec), max(p.rec, q.rec), s})
			})
		}
	}
	// In record order, then the order of the earlier record's entries.
	slices.SortFunc(pairs, func(a, b pair) int {
		return cmp.Or(cmp.Compare(a.i, b.i), cmp.Compare(x.producedAt(a.i, a.entry), x.producedAt(b.i, b.entry)), cmp.Compare(a.j, b.j))
	})
	var vs []Violation
	for _, pr := range pairs {
		p, q, k := f.h.Records[pr.i], f.h.Records[pr.j], x.subjects[pr.entry].key
		vs = append(vs, Violation{Uniqueness, fmt.Sprintf("%v and %v both produced %v, and nothing removed it in between", p.Op, q.Op, k), []int{int(pr.i), int(pr.j)}})
	}
	return vs
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
