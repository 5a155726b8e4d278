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
		if !succeeded(&p) {
			continue
		}
		for _, k := range producedOf(f, i) {
			for j := i + 1; j < len(h.Records); j++ {
				q := h.Records[j]
				if !succeeded(&q) || !contains(producedOf(f, j), k) || removedBetween(h, k, p, q) {
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
		if d.Call < to && ret(&d) > from && destroys(h.Config, d, k) {
			return true
		}
	}
	return false
}

func oracleNoResurrection(f *facts) []Violation {
	var vs []Violation
	h := f.h
	for i, x := range h.Records {
		if !succeeded(&x) {
			continue
		}
		switch x.Op.Kind {
		case model.Exit, model.ExitUser:
			ns := x.Op.NS
			gone := h.Config.Exit != model.ExitKernel
			user := x.Op.Kind == model.ExitUser
			if user {
				ns, gone = x.Op.User, true
			}
			of := func(k key) bool { return k.tag == ns && (k.dir == model.UIDs) == user }
			for j, o := range h.Records {
				if o.Call < x.Return {
					continue
				}
				for _, k := range observedOf(f, j) {
					if gone && of(k) {
						vs = append(vs, Violation{NoResurrection, fmt.Sprintf("%v observed %v after %v returned", o.Op, k, x.Op), []int{i, j}})
						break
					}
				}
				for _, k := range producedOf(f, j) {
					if !o.Pending && of(k) {
						vs = append(vs, Violation{NoResurrection, fmt.Sprintf("%v succeeded after %v returned", o.Op, x.Op), []int{i, j}})
						break
					}
				}
			}
		case model.DelLink, model.DelDev, model.Remove, model.DelUID:
			for _, gone := range observedOf(f, i) {
				for j, o := range h.Records {
					if o.Call < x.Return || !contains(observedOf(f, j), gone) {
						continue
					}
					if !oracleRecreated(f, gone, x.Call, ret(&o)) {
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
		if ret(&p) > from && p.Call < to && contains(producedOf(f, i), k) {
			return true
		}
	}
	return false
}

func oracleReaddir(f *facts) []Violation {
	var vs []Violation
	h, mounts := f.h, &f.mounts
	for i, r := range h.Records {
		if r.Op.Kind != model.Readdir {
			continue
		}
		if !succeeded(&r) {
			vs = append(vs, oracleListingFailed(f, r, i)...)
			continue
		}
		if oracleMountAbsent(f, r) {
			vs = append(vs, Violation{Regularity, fmt.Sprintf("%v succeeded, though its mount was not there at any time during the call", r.Op), []int{i}})
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
			if e.Tag == tag && !oracleMayBeVisible(f, k, r) {
				vs = append(vs, Violation{Regularity, fmt.Sprintf("%v listed %v, which was not there at any time during the call", r.Op, k), []int{i}})
			}
		}
		for _, k := range oracleCertainlyVisible(f, r.Op.Dir, tag, r) {
			if !listed[k] {
				vs = append(vs, Violation{Regularity, fmt.Sprintf("%v missed %v, which was there and unchanged for the whole call", r.Op, k), []int{i}})
			}
		}
	}
	return vs
}

// oracleListingFailed is listingFailed by the definition: a failed
// listing is judged by glueGone for ENOENT, by whether its mount was
// certainly there for EINVAL (made before the call by the configuration or
// a Mount that returned, and no Umount of it called before the return),
// and is wrong with any other error.
func oracleListingFailed(f *facts, l history.Record, i int) []Violation {
	switch {
	case l.Pending:
		return nil
	case l.Result.Err == model.ENOENT && oracleMountAbsent(f, l):
		return []Violation{{Regularity, fmt.Sprintf("%v failed with ENOENT, though its mount was not there at any time during the call (EINVAL)", l.Op), []int{i}}}
	case l.Result.Err == model.ENOENT:
		return oracleGlueGone(f, l, i)
	case l.Result.Err != model.EINVAL:
		return []Violation{{Regularity, fmt.Sprintf("%v failed with %v: a listing fails only with ENOENT or EINVAL", l.Op, l.Result.Err), []int{i}}}
	}
	m := l.Op.Mount
	there := m >= 1 && m <= len(f.h.Config.Mounts)
	for _, r := range f.h.Records {
		switch {
		case r.Op.Mount != m:
		case r.Op.Kind == model.Mount && succeeded(&r) && r.Return < l.Call:
			there = true
		}
	}
	for _, r := range f.h.Records {
		if r.Op.Kind == model.Umount && r.Op.Mount == m && r.Call < l.Return {
			there = false
		}
	}
	if !there {
		return nil
	}
	return []Violation{{Regularity, fmt.Sprintf("%v failed with EINVAL, though its mount was there for the whole call", l.Op), []int{i}}}
}

// oracleMountAbsent is mountAbsent by the definition: l's mount is not in
// the configuration and no Mount of it was called before l returned, or a
// Umount of it returned successfully before l was called.
func oracleMountAbsent(f *facts, l history.Record) bool {
	m := l.Op.Mount
	made := m >= 1 && m <= len(f.h.Config.Mounts)
	gone := false
	for _, r := range f.h.Records {
		switch {
		case r.Op.Mount != m:
		case r.Op.Kind == model.Mount && r.Call < l.Return:
			made = true
		case r.Op.Kind == model.Umount && succeeded(&r) && r.Return < l.Call:
			gone = true
		}
	}
	return !made || gone
}

// oracleGlueGone is glueGone by the definition: a listing's ENOENT is a
// violation outside devices/virtual/net, and there when some device of
// some namespace was certainly there for the whole call.
func oracleGlueGone(f *facts, l history.Record, i int) []Violation {
	if l.Pending || l.Result.Err != model.ENOENT || f.mounts.tag(l.Op.Mount, l.Op.Dir) == 0 {
		return nil
	}
	if l.Op.Dir != model.Devices {
		return []Violation{{Regularity, fmt.Sprintf("%v failed with ENOENT: the directory is never gone", l.Op), []int{i}}}
	}
	for tag := 1; tag <= f.h.Config.Namespaces; tag++ {
		if vis := oracleCertainlyVisible(f, l.Op.Dir, tag, l); len(vis) > 0 {
			return []Violation{{Regularity, fmt.Sprintf("%v failed with ENOENT, though %v was there for the whole call, and with it the glue directory", l.Op, vis[0]), []int{i}}}
		}
	}
	return nil
}

func oracleMayBeVisible(f *facts, k key, l history.Record) bool {
	h := f.h
	for i, p := range h.Records {
		if p.Call >= l.Return || !contains(producedOf(f, i), k) {
			continue
		}
		removed := false
		for _, d := range h.Records {
			if !d.Pending && d.Call > ret(&p) && d.Return < l.Call && destroys(h.Config, d, k) {
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

func oracleCertainlyVisible(f *facts, dir model.Dir, tag int, l history.Record) []key {
	var ks []key
	h := f.h
	for i, p := range h.Records {
		if !succeeded(&p) || p.Return >= l.Call {
			continue
		}
	next:
		for _, k := range producedOf(f, i) {
			if k.dir != dir || k.tag != tag || contains(ks, k) {
				continue
			}
			for _, d := range h.Records {
				if d.Call < l.Return && ret(&d) > p.Call && destroys(h.Config, d, k) {
					continue next
				}
			}
			ks = append(ks, k)
		}
	}
	return ks
}

// destroys reports whether r, if it took effect, may have made k
// disappear: a removal, a rename or move away, or the exit of k's
// namespace under the seed's scheme (under the kernel's, cleanup_net
// removes entries by steps of their own).
func destroys(c model.Config, r history.Record, k key) bool {
	if !r.Pending && r.Result.Err != model.OK {
		return false
	}
	op := r.Op
	if k.dir == model.UIDs {
		switch op.Kind {
		case model.ExitUser:
			return op.User == k.tag
		case model.DelUID:
			return op.User == k.tag && op.Name == k.name
		}
		return false
	}
	if op.Kind == model.Exit {
		return op.NS == k.tag && c.Exit != model.ExitKernel
	}
	if op.NS != k.tag || op.Name != k.name {
		return false
	}
	link, dev := k.dir == model.ClassNet, k.dir == model.Devices
	switch op.Kind {
	case model.DelLink:
		return link
	case model.DelDev:
		return dev
	case model.RenameLink:
		return link && op.NewName != op.Name
	case model.RenameDev:
		return dev && op.NewName != op.Name
	case model.MoveLink:
		return link && op.To != op.NS
	case model.MoveDev:
		return dev && op.To != op.NS
	case model.Remove:
		return true
	case model.Rename:
		return op.NewName != op.Name
	case model.Move:
		return op.To != op.NS
	}
	return false
}

func contains(ks []key, k key) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// producedOf and observedOf are the entries record i of f's history may
// have produced and those it observed, worked out afresh.
func producedOf(f *facts, i int) []key { return appendProduced(nil, &f.h.Records[i]) }
func observedOf(f *facts, i int) []key {
	return appendObserved(nil, &f.mounts, &f.h.Records[i])
}
