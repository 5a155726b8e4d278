package traces

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
)

// Shrink methods, as ShrinkStats.Method names them.
const (
	// MethodExecution re-executes smaller programs and schedules.
	MethodExecution = "execution"
	// MethodHistory removes records from the history, re-executing
	// nothing: for a trace without a schedule.
	MethodHistory = "history"
)

// minKeyShare is the share of the records, 1 in minKeyShare, that a key
// must hold for the pass removing keys to try it: smaller parts go in
// chunks, for fewer tries.
const minKeyShare = 32

// maxKeyChunks bounds the records left for the pass removing keys to
// remove chunks of each key's records too.
const maxKeyChunks = 256

// maxPairs bounds the records left for the pass that removes two at a
// time, which tries every pair.
const maxPairs = 64

// shrinkHistory is Shrink for a trace without a schedule, recorded on a
// kernel or written by hand. Nothing can be re-executed, but checking is a
// pure function of the history, so it removes records: delta debugging
// over them (Zeller's ddmin), in named passes run to a fixpoint as Shrink
// does. A record goes whole, call and return together; a pending one stays
// pending; times are kept, so the history stays well formed.
//
// Taking records out of a history can break results that depended on
// them: without the create, a later remove that succeeded is wrong. A
// shrinker that only asked "is the property still violated" would walk to
// such a new violation and lose the one it was given. So a candidate is
// kept only when it still shows the original violation: see witness.
func shrinkHistory(t *Trace, want properties.Violation, all []properties.Violation, opts ShrinkOptions) (*Trace, ShrinkStats, error) {
	if want.Property == properties.SafeFree || want.Property == properties.Liveness {
		return nil, ShrinkStats{}, fmt.Errorf("%s is judged from the faults the implementation reported, not from the records: removing records does not shrink it", want.Property)
	}
	s := newHistoryShrinker(t, want, all, opts)
	for s.cutLocal() || s.cutAfterCulprits() || s.cutIrrelevant() || s.removeKeys() || s.removeThreads() || s.removeChunks() || s.removePairs() {
	}
	st := ShrinkStats{
		Property: want.Property, Method: MethodHistory, Checks: s.checks,
		OpsBefore: len(t.History.Records), OpsAfter: len(s.pinned) + len(s.rest),
	}
	return s.trace(t, st), st, nil
}

// newHistoryShrinker returns the shrinker of t's violation want, all
// its violations of want's property, with every record in its candidate.
func newHistoryShrinker(t *Trace, want properties.Violation, all []properties.Violation, opts ShrinkOptions) *historyShrinker {
	s := &historyShrinker{h: t.History, check: opts.Check, maxChecks: opts.MaxRuns}
	s.whole = opts.Check
	s.whole.LinearizabilityTimeout = opts.original
	s.witness(want, all)
	for i := range t.History.Records {
		if _, pinned := slices.BinarySearch(s.pinned, i); !pinned {
			s.rest = append(s.rest, i)
		}
	}
	return s
}

// historyShrinker holds the current candidate: the records kept, as
// indices into the original history.
type historyShrinker struct {
	h history.History // the original
	// check is for the candidates, whole for the original's prefixes
	// (see ShrinkOptions.original).
	check, whole properties.Options
	// pinned are the records every candidate keeps, the culprits of the
	// violation; rest are the candidate's others. Both ascend.
	pinned, rest []int
	// same says whether a candidate keeping keep, sub in its own
	// numbering, shows the original violation (see witness).
	same              func(sub history.History, keep []int) bool
	checks, maxChecks int
	cutTried          bool // cutIrrelevant has had its tries
	localTried        bool // cutLocal has had its tries
	index             *localIndex
}

// witness decides how a candidate is judged to show the violation want,
// and which records it must keep.
//
// For a violation that names its records (every property but
// linearizability today), a candidate shows it when it reports the same
// violation, the same records with the same detail, and no violation of
// the property the original did not report (all): a removal that breaks
// something else makes another violation, which does not count.
//
// For linearizability the shrinker takes the culprit the checker named,
// or finds one itself: the record at whose return the history stops being
// linearizable (see linCulprit, upTo and culprit), and a result the model
// allows it there (see rightResult).
// Every candidate keeps the culprit, is not linearizable up to its return,
// and is linearizable up to it once the culprit's result is replaced by
// the right one: that one result is still what is wrong, and for the same
// reason. Without them (several wrong results, a culprit that is a whole
// device flow, a checker out of time), and for a violation that names
// nothing, a candidate counts when it violates the property.
func (s *historyShrinker) witness(want properties.Violation, all []properties.Violation) {
	if want.Property == properties.Linearizability {
		if c, right, ok := s.linCulprit(want); ok {
			s.pinned = []int{c}
			s.same = func(sub history.History, keep []int) bool {
				i, _ := slices.BinarySearch(keep, c)
				if s.linearizable(upTo(sub, i, true)) != no {
					return false
				}
				sub.Records = slices.Clone(sub.Records)
				sub.Records[i].Result = right
				return s.linearizable(upTo(sub, i, true)) == yes
			}
			return
		}
	}
	s.pinned = slices.Compact(slices.Sorted(slices.Values(want.Records)))
	known := map[string]bool{}
	for _, v := range all {
		known[violationKey(v, nil)] = true
	}
	s.same = func(sub history.History, keep []int) bool {
		vs, err := s.violations(sub, want.Property)
		if err != nil || len(want.Records) == 0 {
			return err == nil && len(vs) > 0
		}
		if want.Property == properties.Linearizability {
			// Its detail counts the operations explained: the culprit is what stays.
			return slices.ContainsFunc(vs, func(v properties.Violation) bool { return len(v.Records) > 0 && keep[v.Records[0]] == want.Records[0] })
		}
		return slices.ContainsFunc(vs, func(v properties.Violation) bool { return violationKey(v, keep) == violationKey(want, nil) }) &&
			!slices.ContainsFunc(vs, func(v properties.Violation) bool { return !known[violationKey(v, keep)] })
	}
}

// linCulprit returns the culprit of the linearizability violation want
// and the right result for it (see rightResult): the record the
// violation names first, when the checker's culprit of the history up
// to that record's return is that record, and one of the results the
// model allows it makes that history linearizable; otherwise the record
// at whose return the history stops being linearizable (see culprit).
// Trying the named record first saves the culprit search's checks of
// long prefixes, each a check of most of the history.
func (s *historyShrinker) linCulprit(want properties.Violation) (c int, right model.Result, ok bool) {
	if len(want.Records) > 0 {
		if right, ok := s.rightResult(want.Records[0]); ok {
			return want.Records[0], right, true
		}
	}
	if c, ok = s.culprit(); ok {
		right, ok = s.rightResult(c)
	}
	return c, right, ok
}

// violationKey names a violation by its detail and its records, found in
// a candidate keeping the original records keep (nil: in the original)
// and mapped back to the original's numbering.
func violationKey(v properties.Violation, keep []int) string {
	rs := v.Records
	if keep != nil {
		rs = make([]int, len(v.Records))
		for i, r := range v.Records {
			rs[i] = keep[r]
		}
	}
	return fmt.Sprint(v.Detail, rs)
}

// rightResult returns a result the model allows record c of the original
// history, one with which the history is linearizable up to c's return.
// It asks the checker for the culprit of a history up to c's return,
// which is c, and tries the results the model allows it there: first of
// the locality cut of c (see local), a few records checked at once, then
// of the whole history. A device flow recorded whole is several steps,
// the culprit one of them, and its record one result, an error or none
// (see History.Steps): it tries the flow with the error the model allows
// the step, or with none.
func (s *historyShrinker) rightResult(c int) (model.Result, bool) {
	var tried []model.Result
	for _, keep := range [][]int{s.localIndex().local([]int{c}, s.h.Records[c].Call, false), nil} {
		for _, r := range s.allowedAt(keep, c) {
			if slices.ContainsFunc(tried, func(t model.Result) bool { return model.SameResult(t, r) }) {
				continue
			}
			tried = append(tried, r)
			h := s.h
			h.Records = slices.Clone(h.Records)
			h.Records[c].Result = r
			if s.linearizableWith(upTo(h, c, true), s.whole) == yes {
				return r, true
			}
		}
	}
	return model.Result{}, false
}

// allowedAt returns the results the model allows record c in the history
// of the original's records keep (nil: all of them) up to c's return,
// after the longest prefix explained, when the checker's culprit of that
// history is c; for a flow, its errors (see rightResult).
func (s *historyShrinker) allowedAt(keep []int, c int) []model.Result {
	h, kc := s.h, c
	if keep != nil {
		h = s.sub(keep)
		kc, _ = slices.BinarySearch(keep, c)
	}
	ci := 0 // c's index in the history up to its return, whose records are those called by then
	for i := range kc {
		ci += boolInt(h.Records[i].Call <= h.Records[kc].Return)
	}
	s.checks++
	timeout := s.check.LinearizabilityTimeout
	if keep == nil {
		timeout = s.whole.LinearizabilityTimeout
	}
	x, ok := properties.CulpritOf(upTo(h, kc, true), timeout)
	if !ok || x.Record != ci {
		return nil
	}
	if !h.Records[kc].Op.Kind.IsFlow() {
		return x.Allowed
	}
	var errs []model.Result
	for _, r := range x.Allowed {
		if r := (model.Result{Err: r.Err}); !slices.ContainsFunc(errs, func(a model.Result) bool { return model.SameResult(a, r) }) {
			errs = append(errs, r)
		}
	}
	return errs
}

// localIndex returns the index of the original history for the locality
// cut, made once.
func (s *historyShrinker) localIndex() *localIndex {
	if s.index == nil {
		s.index = newLocalIndex(s.h)
	}
	return s.index
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// verdict is a checker's answer: undecided when it ran out of time.
type verdict int

const (
	undecided verdict = iota
	yes
	no
)

// violations checks h for property p alone, and counts the check.
func (s *historyShrinker) violations(h history.History, p properties.Property) ([]properties.Violation, error) {
	return s.checkWith(h, p, s.check)
}

// checkWith checks h for property p alone with options o, and counts the
// check.
func (s *historyShrinker) checkWith(h history.History, p properties.Property, o properties.Options) ([]properties.Violation, error) {
	s.checks++
	return properties.CheckProperty(h, p, o)
}

// linearizable checks h, a candidate, for linearizability alone.
func (s *historyShrinker) linearizable(h history.History) verdict {
	return s.linearizableWith(h, s.check)
}

// linearizableWith checks h for linearizability alone with options o.
func (s *historyShrinker) linearizableWith(h history.History, o properties.Options) verdict {
	vs, err := s.checkWith(h, properties.Linearizability, o)
	switch {
	case err != nil:
		return undecided
	case len(vs) > 0:
		return no
	}
	return yes
}

// upTo returns h as it stood when its record c returned (with, c's
// return; without, just before it): the records called by then, those
// that had not returned yet pending, since they may or may not have taken
// effect. A history linearizable at some point is linearizable at every
// earlier one, so the point where it stops being is well defined.
func upTo(h history.History, c int, with bool) history.History {
	end := h.Records[c].Return
	out := history.History{Config: h.Config, Faults: h.Faults}
	for i, r := range h.Records {
		if r.Call > end {
			continue
		}
		done := !r.Pending && (r.Return < end || r.Return == end && (i < c || with && i == c))
		if !done {
			r.Pending, r.Result, r.Return = true, model.Result{}, 0
		}
		out.Records = append(out.Records, r)
	}
	return out
}

// culprit returns the record at whose return the original history stops
// being linearizable. Every point before the first record that replaying
// the history in return order cannot explain is linearizable, so the
// search gallops from there, then halves the last stride.
func (s *historyShrinker) culprit() (int, bool) {
	c0 := firstUnexplained(s.h)
	if c0 < 0 {
		return -1, false
	}
	var order []int // the returned records, in return order
	for i, r := range s.h.Records {
		if !r.Pending {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(s.h.Records[a].Return, s.h.Records[b].Return) })
	broken := func(k int) bool { return s.linearizable(upTo(s.h, order[k], true)) == no }
	lo, hi := slices.Index(order, c0), -1 // not broken before lo; broken at hi
	for step := 1; hi < 0; step *= 2 {
		k := min(lo+step-1, len(order)-1)
		if broken(k) {
			hi = k
		} else if k == len(order)-1 {
			return -1, false
		} else {
			lo = k + 1
		}
	}
	k := lo + sort.Search(hi-lo, func(k int) bool { return broken(lo + k) })
	return order[k], true
}

// firstUnexplained returns the record of the first step that replaying
// h's steps on the model in the order they returned does not explain, as
// the linearizability checker's first try replays them; -1 when every
// step is explained. A prefix explained has every shorter prefix
// explained, so a binary search finds it.
func firstUnexplained(h history.History) int {
	steps := h.Steps(nil)
	order := make([]int, len(steps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(steps[a].Return, steps[b].Return) })
	events := make([]model.Event, len(steps))
	for i, k := range order {
		events[i] = steps[k].Event
	}
	n := sort.Search(len(events), func(i int) bool { return !model.Explains(h.Config, events[:i+1]) })
	if n == len(events) {
		return -1
	}
	return steps[order[n]].Record
}

// sub returns the history of the original records keep.
func (s *historyShrinker) sub(keep []int) history.History {
	h := history.History{Config: s.h.Config, Faults: s.h.Faults, Records: make([]history.Record, len(keep))}
	for i, k := range keep {
		h.Records[i] = s.h.Records[k]
	}
	return h
}

// try keeps rest, with the pinned records, if it is smaller than the
// current candidate and still shows the violation.
func (s *historyShrinker) try(rest []int) bool {
	if s.checks >= s.maxChecks || len(rest) >= len(s.rest) {
		return false
	}
	keep := slices.Sorted(slices.Values(append(slices.Clip(rest), s.pinned...)))
	if !s.same(s.sub(keep), keep) {
		return false
	}
	s.rest = rest
	return true
}

// cutAfterCulprits removes every record called after the culprits all
// returned, in one try: no property judges a record by what was called
// after it returned.
func (s *historyShrinker) cutAfterCulprits() bool {
	if len(s.pinned) == 0 {
		return false
	}
	var end int64
	for _, i := range s.pinned {
		r := s.h.Records[i]
		if r.Pending {
			return false
		}
		end = max(end, r.Return)
	}
	cut := slices.IndexFunc(s.rest, func(i int) bool { return s.h.Records[i].Call > end })
	return cut >= 0 && s.try(s.rest[:cut:cut])
}

// cutIrrelevant tries the candidate cut down to the records relevant to
// the culprits (see relevant), in one check a cut: first the changes
// touching the culprits' entries, then also those touching the entries of
// those, and so on, up to the whole closure, then with the observers of
// what it touches. On a long recording with one wrong result most records
// are about other names or other times, and a cut takes them out at once
// where ddmin would spend thousands of checks of long histories. A cut is
// a guess, judged like any candidate: when it loses the violation the next
// wider one is tried, and when every one does, the passes after go on from
// the candidate as it was.
func (s *historyShrinker) cutIrrelevant() bool {
	if len(s.pinned) == 0 || s.cutTried {
		return false
	}
	s.cutTried = true
	for _, observers := range []bool{false, true} {
		prev := -1
		for depth := 1; ; depth++ {
			rest := s.relevant(observers, depth)
			if len(rest) == prev || len(rest) >= len(s.rest) {
				break
			}
			if s.try(rest) {
				return true
			}
			prev = len(rest)
		}
	}
	return false
}

// relKey is an entry a record touches: a name under a tag (a namespace),
// tag anyTag when the tag is not known before running (a mount made by
// the program, a descriptor).
type relKey struct {
	tag  int
	name string
}

const anyTag = -1

// relKeys returns the entries op touches and the namespaces whose life
// it reads or writes: its name and new name under its namespace (or the
// tag its mount captured), and under its destination for a move.
func relKeys(c model.Config, op model.Op) ([]relKey, []int) {
	tag := op.NS
	if op.Mount != 0 {
		tag = cmp.Or(c.MountTag(op.Mount), anyTag)
	} else if op.Kind.IsObserver() && tag == 0 {
		tag = anyTag
	}
	var ks []relKey
	for _, n := range []string{op.Name, op.NewName} {
		if n != "" {
			ks = append(ks, relKey{tag, n})
			if op.To != 0 {
				ks = append(ks, relKey{op.To, n})
			}
		}
	}
	var tags []int
	for _, t := range []int{op.NS, op.To, c.MountTag(op.Mount)} {
		if t != 0 {
			tags = append(tags, t)
		}
	}
	return ks, tags
}

// relevant returns the records of the current candidate relevant to the
// culprits, a closure cut at depth rounds: a change (an operation that is not an observer)
// is relevant when it touches an entry a relevant record touches, or has
// no name and goes through the life of a relevant record's namespace or
// of no known one (a clone, an exit, a mount, a setns); with observers,
// an observer touching such an entry is too. A relevant record's entries
// and namespaces count in the next round.
func (s *historyShrinker) relevant(observers bool, depth int) []int {
	names := map[string]map[int]bool{} // name -> tags touched (anyTag: any)
	tags := map[int]bool{}
	add := func(i int) {
		ks, ts := relKeys(s.h.Config, s.h.Records[i].Op)
		for _, k := range ks {
			if names[k.name] == nil {
				names[k.name] = map[int]bool{}
			}
			names[k.name][k.tag] = true
		}
		for _, t := range ts {
			tags[t] = true
		}
	}
	meets := func(i int) bool {
		op := s.h.Records[i].Op
		if op.Kind.IsObserver() && !observers {
			return false
		}
		ks, ts := relKeys(s.h.Config, op)
		for _, k := range ks {
			if m := names[k.name]; m != nil && (k.tag == anyTag || m[anyTag] || m[k.tag]) {
				return true
			}
		}
		if op.Name != "" || op.Kind.IsObserver() {
			return false
		}
		return len(ts) == 0 || slices.ContainsFunc(ts, func(t int) bool { return tags[t] })
	}
	for _, i := range s.pinned {
		add(i)
	}
	in := make([]bool, len(s.h.Records))
	for ; depth > 0; depth-- {
		var found []int
		for _, i := range s.rest {
			if !in[i] && meets(i) {
				in[i] = true
				found = append(found, i)
			}
		}
		if len(found) == 0 {
			break
		}
		for _, i := range found {
			add(i)
		}
	}
	return slices.DeleteFunc(slices.Clone(s.rest), func(i int) bool { return !in[i] })
}

// key is something operations share: a kind, a device name, a namespace,
// a mount, a process or a user namespace.
type key struct {
	field string
	value any
}

// keys returns the keys of op.
func keys(op model.Op) []key {
	ks := []key{{"kind", op.Kind}}
	for _, n := range []string{op.Name, op.NewName} {
		if n != "" {
			ks = append(ks, key{"name", n})
		}
	}
	for _, k := range []key{{"ns", op.NS}, {"ns", op.To}, {"mount", op.Mount}, {"proc", op.Proc}, {"user", op.User}} {
		if k.value != 0 {
			ks = append(ks, k)
		}
	}
	return ks
}

// removeKeys tries removing, for each key, every record that has it: all
// the readdirs, all of eth1, all of namespace 2, the keys held by most
// records first. Such parts are often independent of the violation, and
// one try takes out many records where chunks of consecutive records
// would fail on a dependency from one chunk to the next. Once few records
// are left, it also removes chunks of each key's records: a rename there
// and back, four records among others, goes only together.
func (s *historyShrinker) removeKeys() bool {
	count := map[key]int{}
	for _, i := range s.rest {
		for _, k := range keys(s.h.Records[i].Op) {
			count[k]++
		}
	}
	order := slices.Collect(maps.Keys(count))
	slices.SortFunc(order, func(a, b key) int {
		return cmp.Or(cmp.Compare(count[b], count[a]), cmp.Compare(fmt.Sprint(a), fmt.Sprint(b)))
	})
	changed := false
	for _, k := range order {
		few := len(s.rest) <= maxKeyChunks
		if count[k] < len(s.rest)/minKeyShare && !few {
			break
		}
		ids := slices.DeleteFunc(slices.Clone(s.rest), func(i int) bool { return !slices.Contains(keys(s.h.Records[i].Op), k) })
		if len(ids) == 0 {
			continue
		}
		if s.tryWithout(ids) {
			changed = true
		} else if few {
			changed = s.removeChunksOf(ids, len(ids)/2) || changed
		}
	}
	return changed
}

// removeThreads tries removing each thread's records, the last thread
// first.
func (s *historyShrinker) removeThreads() bool {
	threads := map[int]bool{}
	for _, i := range s.rest {
		threads[s.h.Records[i].Thread] = true
	}
	ids := slices.Sorted(maps.Keys(threads))
	changed := false
	for _, th := range slices.Backward(ids) {
		rest := slices.DeleteFunc(slices.Clone(s.rest), func(i int) bool { return s.h.Records[i].Thread == th })
		changed = s.try(rest) || changed
	}
	return changed
}

// removeChunks is ddmin's loop: it tries removing chunks of half the
// records, then of a quarter, down to single records.
func (s *historyShrinker) removeChunks() bool {
	return s.removeChunksOf(slices.Clone(s.rest), max(len(s.rest)/2, 1))
}

// removeChunksOf tries removing chunks of ids, records of the current
// candidate in order: chunks of size records, then of half as many, down
// to single records. Chunks go from the last to the first, so a record is
// tried after the later ones that depended on it are gone.
func (s *historyShrinker) removeChunksOf(ids []int, size int) bool {
	changed := false
	for ; size >= 1 && len(ids) > 0; size /= 2 {
		for end := len(ids); end > 0; end -= size {
			start := max(end-size, 0)
			if s.tryWithout(ids[start:end]) {
				ids = slices.Delete(ids, start, end)
				changed = true
			}
		}
	}
	return changed
}

// tryWithout tries the current candidate without the records drop, a
// subsequence of s.rest.
func (s *historyShrinker) tryWithout(drop []int) bool {
	rest := make([]int, 0, len(s.rest))
	for _, i := range s.rest {
		if len(drop) > 0 && drop[0] == i {
			drop = drop[1:]
			continue
		}
		rest = append(rest, i)
	}
	return s.try(rest)
}

// removePairs tries removing two records at a time, once few are left: a
// create and the remove that undoes it go only together.
func (s *historyShrinker) removePairs() bool {
	if len(s.rest) > maxPairs {
		return false
	}
	for i := len(s.rest) - 1; i >= 0; i-- {
		for j := i - 1; j >= 0; j-- {
			rest := slices.Concat(s.rest[:j], s.rest[j+1:i], s.rest[i+1:])
			if s.try(rest) {
				return true
			}
		}
	}
	return false
}

// trace writes the shrunk candidate as a trace: t's header and
// configuration, the records kept, and a program made of them, each
// thread the operations its records called, so the file reads back as a
// trace. Threads left without a record or a fault go, and the others are
// renumbered in order.
func (s *historyShrinker) trace(t *Trace, st ShrinkStats) *Trace {
	keep := slices.Sorted(slices.Values(slices.Concat(s.pinned, s.rest)))
	alive := map[int]bool{}
	for _, i := range keep {
		alive[s.h.Records[i].Thread] = true
	}
	for _, f := range s.h.Faults {
		alive[f.Thread] = true
	}
	renum := map[int]int{history.SetupThread: history.SetupThread}
	threads := [][]model.Op{}
	for th := range len(t.Program.Threads) {
		if alive[th] {
			renum[th] = len(threads)
			threads = append(threads, []model.Op{})
		}
	}
	h := s.sub(keep)
	p := history.Program{Config: t.Program.Config, Threads: threads}
	for i := range h.Records {
		r := &h.Records[i]
		r.Thread = renum[r.Thread]
		if r.Thread == history.SetupThread {
			p.Setup = append(p.Setup, r.Op)
		} else {
			p.Threads[r.Thread] = append(p.Threads[r.Thread], r.Op)
		}
	}
	h.Faults = slices.Clone(h.Faults)
	for i := range h.Faults {
		if th, ok := renum[h.Faults[i].Thread]; ok {
			h.Faults[i].Thread = th
		}
	}
	return &Trace{
		Header: t.Header, Program: p, History: h,
		Violations: Violations(properties.Check(h, s.check).Violations),
		Notes:      append(slices.Clip(t.Notes), "shrunk by removing records from the history, keeping "+st.String()),
	}
}
