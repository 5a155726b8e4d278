package properties

import (
	"cmp"
	"fmt"
	"slices"

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
//     call;
//
//   - no entry is listed twice;
//
//   - a listing that fails fails with ENOENT, where its directory may
//     have gone, or EINVAL, where its mount may have (listingFailed), and
//     one through a mount certainly not there fails with EINVAL
//     (mountAbsent).
func CheckReaddir(h history.History) []Violation {
	f := factsOf(h)
	defer f.release()
	return checkReaddir(f)
}

var readdirKinds = kindSet(model.Readdir)

func checkReaddir(f *facts) []Violation {
	if !f.index.has(readdirKinds) {
		return nil
	}
	var vs []Violation
	h, mounts, x := f.h, &f.mounts, &f.index
	// shown holds, by entry subject, the last listing that listed it:
	// the entries of a successful listing are what it observed, each
	// with its subject.
	shown := grow(x.shown[:0], len(x.subjects))
	for s := range shown {
		shown[s] = -1
	}
	x.shown = shown
	for i := range h.Records {
		r := &h.Records[i]
		if r.Op.Kind != model.Readdir {
			continue
		}
		if !succeeded(r) {
			vs = append(vs, f.listingFailed(r, int32(i))...)
			continue
		}
		if f.mountAbsent(r) {
			vs = append(vs, Violation{Regularity, fmt.Sprintf("%v succeeded, though its mount was not there at any time during the call", r.Op), []int{i}})
			continue
		}
		tag := mounts.tag(r.Op.Mount, r.Op.Dir)
		ids := x.observedBy(i)
		for j, e := range r.Result.Entries {
			k, s := key{r.Op.Dir, e.Name, e.Tag}, ids[j]
			if shown[s] == int32(i) {
				vs = append(vs, Violation{Regularity, fmt.Sprintf("%v listed %v twice", r.Op, k), []int{i}})
			}
			shown[s] = int32(i)
			if e.Tag == tag && !f.mayBeVisible(s, r) {
				vs = append(vs, Violation{Regularity, fmt.Sprintf("%v listed %v, which was not there at any time during the call", r.Op, k), []int{i}})
			}
		}
		for _, s := range f.certainlyVisible(r.Op.Dir, tag, int32(i)) {
			if shown[s] != int32(i) {
				k := x.subjects[s].key
				vs = append(vs, Violation{Regularity, fmt.Sprintf("%v missed %v, which was there and unchanged for the whole call", r.Op, k), []int{i}})
			}
		}
	}
	return vs
}

// mayBeVisible reports whether entry subject s may have been there
// during listing l: some operation called before l returned may have
// produced it, and no removal certainly ran after that and before l's
// call. The latest call of a removal that returned before l's call is
// the bound: a producer that returned at or after it is one.
func (f *facts) mayBeVisible(s int32, l *history.Record) bool {
	x := &f.index
	bound := x.lastRemoval(s, l.Call)
	if len(f.h.Records) > shortHistory {
		return x.producedSpans().leastYAbove(s, bound, false) < l.Return
	}
	// A short history's producers, scanned.
	for _, p := range x.active {
		if t := x.times[p]; t.ret >= bound && t.call < l.Return && slices.Contains(x.producedBy(int(p)), s) {
			return true
		}
	}
	return false
}

// certainlyVisible returns the entries (their subject ids) of dir with
// tag certainly there and unchanged for the whole of listing l (a record
// index), valid until its next call: the present intervals that
// start before l's call and end at or after its return. They come in the
// order of the records that made them, each entry once. A short history
// is scanned (visibleByScan), a longer one asks the present intervals'
// tree, which is worth building only over many records.
func (f *facts) certainlyVisible(dir model.Dir, tag int, l int32) []int32 {
	if len(f.h.Records) <= shortHistory {
		return f.visibleByScan(dir, tag, l)
	}
	x, r := &f.index, &f.h.Records[l]
	t := x.presentIntervals()
	lo, hi := t.group(x.lookup(listingOf(dir, tag)))
	makers := x.makers[:0]
	t.each(lo, t.search(lo, hi, r.Call, false), ^r.Return, func(r row) { makers = append(makers, r) })
	slices.SortFunc(makers, func(a, b row) int {
		return cmp.Or(cmp.Compare(a.rec, b.rec), cmp.Compare(x.producedAt(a.rec, a.entry), x.producedAt(b.rec, b.entry)))
	})
	listed := x.listings()
	visible := x.visible[:0]
	for _, m := range makers {
		if listed[m.entry] != l {
			listed[m.entry] = l // each entry once, after its first maker
			visible = append(visible, m.entry)
		}
	}
	x.makers, x.visible = makers, visible
	return visible
}

// shortHistory is the most records a history may have for the checkers
// to scan its records where a longer one's ask the index's trees: a
// campaign's histories have a dozen, and the trees cost more to build
// than the scans they spare (TestShortPathsAgreeWithTheIndex).
var shortHistory = 64

// visibleByScan is certainlyVisible by a scan of the records: each
// entry of dir with tag that a record made, returning before l's call,
// with no removal from the maker's call until l's return.
func (f *facts) visibleByScan(dir model.Dir, tag int, l int32) []int32 {
	x, r := &f.index, &f.h.Records[l]
	listed := x.listings()
	visible := x.visible[:0]
	for _, i := range x.active {
		if t := x.times[i]; t.ok && t.ret < r.Call {
			for _, s := range x.producedBy(int(i)) {
				k := &x.subjects[s].key
				if k.tag == tag && k.dir == dir && listed[s] != l && x.firstRemoval(s, t.call) >= r.Return {
					listed[s] = l // each entry once, after its first maker
					visible = append(visible, s)
				}
			}
		}
	}
	x.visible = visible
	return visible
}

// listingFailed judges a listing l (record i) that failed. A listing
// fails with ENOENT when its directory is gone (glueGone) and with EINVAL
// when its mount is (mountGone), and with nothing else (the model's
// readdir, model/observers.go). Linearizability does not judge listings,
// so without this a listing that failed for no reason passed every
// property.
func (f *facts) listingFailed(l *history.Record, i int32) []Violation {
	switch {
	case l.Pending:
		return nil
	case l.Result.Err == model.ENOENT && f.mountAbsent(l):
		return []Violation{{Regularity, fmt.Sprintf("%v failed with ENOENT, though its mount was not there at any time during the call (EINVAL)", l.Op), []int{int(i)}}}
	case l.Result.Err == model.ENOENT:
		return f.glueGone(l, i)
	case l.Result.Err == model.EINVAL:
		return f.mountGone(l, i)
	}
	return []Violation{{Regularity, fmt.Sprintf("%v failed with %v: a listing fails only with ENOENT or EINVAL", l.Op, l.Result.Err), []int{int(i)}}}
}

// mountGone judges a listing l (record i) that failed with EINVAL, which
// says its mount was not there: wrong when the mount certainly was, for
// the whole call: made by the configuration, or by a Mount that returned
// before the call, and no Umount of it called before the return.
func (f *facts) mountGone(l *history.Record, i int32) []Violation {
	life := f.mounts.lives.get(l.Op.Mount)
	made := f.mounts.fromStart(l.Op.Mount) || life.wasMade && life.made < l.Call
	if !made || life.umounting && life.umount < l.Return {
		return nil
	}
	return []Violation{{Regularity, fmt.Sprintf("%v failed with EINVAL, though its mount was there for the whole call", l.Op), []int{int(i)}}}
}

// mountAbsent reports whether listing l's mount was certainly not there
// at any time during the call: never made (not in the configuration, and
// no Mount of it called before l returned), or gone (a Umount of it
// returned, successfully, before l was called; a mount number is used
// once). A listing through it fails with EINVAL.
func (f *facts) mountAbsent(l *history.Record) bool {
	life := f.mounts.lives.get(l.Op.Mount)
	if !f.mounts.fromStart(l.Op.Mount) && !(life.mountCalled && life.mountCall < l.Return) {
		return true
	}
	return life.umounted && life.umountReturn < l.Call
}

// glueGone judges a listing l (record i) that failed with ENOENT through
// a mount that exists: only devices/virtual/net, the glue directory, may
// be gone (class/net and kernel/uids never are), and only when no
// device of any namespace was there for the whole call. The directory
// goes with the class's last device, of every namespace (the model's
// rule, model/observers.go glueGone, which sees one namespace at a time
// when a history is checked in parts; this checker sees them all). One
// device certainly there all along kept it.
func (f *facts) glueGone(l *history.Record, i int32) []Violation {
	if l.Pending || l.Result.Err != model.ENOENT || f.mounts.tag(l.Op.Mount, l.Op.Dir) == 0 {
		return nil
	}
	if l.Op.Dir != model.Devices {
		return []Violation{{Regularity, fmt.Sprintf("%v failed with ENOENT: the directory is never gone", l.Op), []int{int(i)}}}
	}
	for tag := 1; tag <= f.h.Config.Namespaces; tag++ {
		if vis := f.certainlyVisible(l.Op.Dir, tag, i); len(vis) > 0 {
			k := f.index.subjects[vis[0]].key
			return []Violation{{Regularity, fmt.Sprintf("%v failed with ENOENT, though %v was there for the whole call, and with it the glue directory", l.Op, k), []int{int(i)}}}
		}
	}
	return nil
}
