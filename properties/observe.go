package properties

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// CheckTagIsolation: nothing observed through a mount has a tag other than
// the one the mount captured.
func CheckTagIsolation(h history.History) []Violation {
	m := mountTagsOf(h)
	return checkTagIsolation(&h, &m)
}

func checkTagIsolation(h *history.History, mounts *mountTags) []Violation {
	var vs []Violation
	for i := range h.Records {
		r := &h.Records[i]
		if !succeeded(r) {
			continue
		}
		switch r.Op.Kind {
		case model.Lookup, model.Open:
			if want := mounts.tag(r.Op.Mount, r.Op.Dir); r.Result.Tag != want {
				vs = append(vs, Violation{TagIsolation, fmt.Sprintf("%v through a mount of ns%d found an entry of ns%d", r.Op, want, r.Result.Tag), []int{i}})
			}
		case model.Readdir:
			want := mounts.tag(r.Op.Mount, r.Op.Dir)
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
	if !x.madeTwice {
		return nil // no pair to look at
	}
	made := x.madeCalls()
	type pair struct{ i, j, entry int32 }
	var pairs []pair
	for s := range int32(len(x.subjects)) {
		lo, hi := made.group(s)
		// The last row has no later one to pair with: its removal
		// is not looked for.
		for a := lo; a < hi-1; a++ {
			p := made.rows[a]
			end := x.firstRemoval(s, p.x)
			if p.y > end {
				continue
			}
			made.each(a+1, hi, end, func(q row) {
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

// resurrectionKinds are the kinds checkNoResurrection looks after.
var resurrectionKinds = kindSet(model.Exit, model.ExitUser, model.DelLink, model.DelDev, model.Remove, model.DelUID)

func checkNoResurrection(f *facts) []Violation {
	if !f.index.has(resurrectionKinds) {
		return nil
	}
	var vs []Violation
	for i := range f.h.Records {
		x := &f.h.Records[i]
		if !succeeded(x) {
			continue
		}
		switch x.Op.Kind {
		case model.Exit, model.ExitUser:
			// What is seen after a teardown ends (Gone) is Teardown's.
			seen := x.Op.Kind == model.ExitUser || f.h.Config.Exit != model.ExitKernel
			vs = f.afterExit(vs, i, NoResurrection, seen, true)
		case model.DelLink, model.DelDev, model.Remove, model.DelUID:
			vs = f.seenAfterRemoval(vs, i)
		}
	}
	return vs
}

// afterExit appends the violations of prop that record i, an exit or the
// end of a teardown (Gone), finds: an operation called after it returned
// that observed something of the namespace (when seen is set) or made
// something in it (when made is set). Under the seed's scheme nothing of
// the namespace is seen after its exit returned, under the kernel's
// nothing after its teardown is over; under either, nothing of it is
// made after its exit.
func (f *facts) afterExit(vs []Violation, i int, prop Property, seen, made bool) []Violation {
	x, h := &f.index, f.h
	e := &h.Records[i]
	ns := subject{key{tag: e.Op.NS}, netns}
	if e.Op.Kind == model.ExitUser {
		ns = subject{key{tag: e.Op.User}, userns}
	}
	var hits []exitHit
	if len(h.Records) <= shortHistory {
		hits = x.exitHitsByScan(ns, e.Return, seen, made)
	} else {
		hits = x.exitHits(ns, e.Return, seen, made)
	}
	for _, t := range hits {
		o := &h.Records[t.rec]
		if t.made {
			vs = append(vs, Violation{prop, fmt.Sprintf("%v succeeded after %v returned", o.Op, e.Op), []int{i, int(t.rec)}})
			continue
		}
		vs = append(vs, Violation{prop, fmt.Sprintf("%v observed %v after %v returned", o.Op, x.subjects[t.entry].key, e.Op), []int{i, int(t.rec)}})
	}
	return vs
}

// exitHit is an operation called after an exit returned that observed
// an entry of the namespace (made false) or made one (made true).
type exitHit struct {
	row
	made bool
}

// exitHits returns the operations called at or after time t that
// observed something of namespace ns (when seen is set), with the first
// such entry, or made something in it (when made is set), by the
// namespaces' tables: in record order, what a record observed before
// what it made.
func (x *index) exitHits(ns subject, t int64, seen, made bool) []exitHit {
	seenIn, madeIn := x.namespaceCalls()
	var hits []exitHit
	after := func(tab *table, made bool) {
		lo, hi := tab.group(x.lookup(ns))
		for _, r := range tab.rows[tab.search(lo, hi, t, false):hi] {
			hits = append(hits, exitHit{r, made})
		}
	}
	if seen {
		after(seenIn, false)
	}
	if made {
		after(madeIn, true)
	}
	slices.SortFunc(hits, func(a, b exitHit) int {
		return cmp.Or(cmp.Compare(a.rec, b.rec), cmp.Compare(btoi(a.made), btoi(b.made)))
	})
	return hits
}

// exitHitsByScan is exitHits by a scan of the records, for a short
// history (shortHistory).
func (x *index) exitHitsByScan(ns subject, t int64, seen, made bool) []exitHit {
	in := func(s int32) bool {
		k := &x.subjects[s].key
		return k.tag == ns.tag && (k.dir == model.UIDs) == (ns.scope == userns)
	}
	first := func(ids []int32) int32 {
		for _, s := range ids {
			if in(s) {
				return s
			}
		}
		return -1
	}
	var hits []exitHit
	for _, a := range x.active {
		i := int(a)
		tm := x.times[i]
		if tm.call < t {
			continue
		}
		if s := first(x.observedBy(i)); seen && s >= 0 {
			hits = append(hits, exitHit{x.call(i, s), false})
		}
		if s := first(x.producedBy(i)); made && tm.ok && s >= 0 {
			hits = append(hits, exitHit{x.call(i, s), true})
		}
	}
	return hits
}

// seenAfterRemoval appends the violations of removal i: once it returned,
// no operation observes what it removed unless some operation that may
// have re-created it overlaps the gap. An observer called after the
// removal returned is innocent only if it returned after the first call
// of an operation that may have produced the entry and returned after the
// removal's call: the others are what reseen finds.
func (f *facts) seenAfterRemoval(vs []Violation, i int) []Violation {
	x, h := &f.index, f.h
	d := &h.Records[i]
	var js []int32
	for _, s := range x.observedBy(i) {
		if len(h.Records) <= shortHistory {
			js = x.reseenByScan(js[:0], s, d.Call, d.Return)
		} else {
			js = x.reseen(js[:0], s, d.Call, d.Return)
		}
		gone := x.subjects[s].key
		for _, j := range js {
			vs = append(vs, Violation{NoResurrection, fmt.Sprintf("%v observed %v after %v returned, and nothing re-created it", h.Records[j].Op, gone, d.Op), []int{i, int(j)}})
		}
	}
	return vs
}

// reseen appends to js, in record order, the operations that observed
// entry s, called at or after ret, the return of a removal called at
// call, that returned before the first call of an operation that may
// have produced s and returned after call: by the entry's seen tree.
func (x *index) reseen(js []int32, s int32, call, ret int64) []int32 {
	seen := x.seenCalls()
	lo, hi := seen.group(s)
	from := seen.search(lo, hi, ret, false)
	if from == hi {
		// Nothing observed it after: what may have re-created it
		// does not matter (nor is its table made, on most histories).
		return js
	}
	end := x.producedSpans().leastYAbove(s, call, true)
	seen.each(from, hi, end, func(o row) { js = append(js, o.rec) })
	slices.Sort(js)
	return js
}

// reseenByScan is reseen by a scan of the records, for a short history
// (shortHistory).
func (x *index) reseenByScan(js []int32, s int32, call, ret int64) []int32 {
	for _, j := range x.active {
		if x.times[j].call >= ret && slices.Contains(x.observedBy(int(j)), s) {
			js = append(js, j)
		}
	}
	if len(js) == 0 {
		return js
	}
	end := int64(math.MaxInt64)
	for _, p := range x.active {
		if t := x.times[p]; t.ret > call && slices.Contains(x.producedBy(int(p)), s) {
			end = min(end, t.call)
		}
	}
	return slices.DeleteFunc(js, func(j int32) bool { return x.times[j].ret > end })
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
