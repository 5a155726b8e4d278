package traces

import (
	"cmp"
	"math"
	"slices"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// The locality cut. A wrong result is wrong against the state the
// culprit's entries are in when it runs, and that state was set by a
// few operations: for each entry, the last change before it (the create,
// the rename or the move that made it, not the thousands of operations
// on it before that), and for the change, in turn, what it needed (the
// device it renamed, its namespace's birth, the mount its lookup went
// through). Everything else in a long recording is about other names or
// other times. So the shrinker's first candidate is the culprits, the
// changes that overlap them, and for every piece of state they read, the
// lineage of its value when they began: a few records, checked in
// microseconds. When it loses the violation, the window of time whose
// changes are kept whole widens back from the culprits geometrically,
// the state at its start still rebuilt from lineages, up to the whole
// history; only then do the passes after it start from the whole.

// stateKey is a piece of the model's state a record reads or writes: an
// entry (a name under a tag), a namespace's life, a mount, a process's
// namespace, an open file or a user namespace.
type stateKey struct {
	kind keyKind
	tag  int    // of an entry; the namespace of a life
	name string // of an entry
	n    int    // the mount, process, descriptor or user namespace
}

type keyKind uint8

const (
	keyEntry keyKind = iota + 1
	keyLife
	keyMount
	keyProc
	keyFD
	keyUser
)

// write is a key a record changes: whether it leaves it there (an entry
// made, a mount made, a file opened; a value gone is the initial one for
// what depends on it, so nothing before it need be kept), and whether it
// depends on the value before (a removal needs its entry there; a create
// needs it gone, which it is at the start).
type write struct {
	key          stateKey
	there, needs bool
}

// localIndex holds, for a history, what every record reads and writes,
// and every key's writers in call order.
type localIndex struct {
	h       history.History
	reads   [][]stateKey
	writes  [][]write
	writers map[stateKey][]int // records that change the key, by call
	lookers map[stateKey][]int // records that read it and change nothing, by call
	names   map[int][]string   // the names an entry of the tag has, for a listing
	made    map[stateKey][]int // the mounts and setns that succeeded, by mount and process, by call
	tags    []int              // every tag of the configuration
}

// newLocalIndex indexes h. A record that failed changes nothing; one that
// never returned may have changed what it would have.
func newLocalIndex(h history.History) *localIndex {
	x := &localIndex{h: h, reads: make([][]stateKey, len(h.Records)), writes: make([][]write, len(h.Records)),
		writers: map[stateKey][]int{}, lookers: map[stateKey][]int{}, names: map[int][]string{}}
	for t := 1; t <= h.Config.Namespaces; t++ {
		x.tags = append(x.tags, t)
	}
	x.made = map[stateKey][]int{}
	for i, r := range h.Records {
		if r.Op.Kind == model.Mount && x.changed(i) {
			k := stateKey{kind: keyMount, n: r.Op.Mount}
			x.made[k] = append(x.made[k], i)
		} else if r.Op.Kind == model.Setns && x.changed(i) {
			k := stateKey{kind: keyProc, n: r.Op.Proc}
			x.made[k] = append(x.made[k], i)
		}
	}
	for i := range h.Records {
		x.writes[i] = x.writesOf(i)
		for _, w := range x.writes[i] {
			x.writers[w.key] = append(x.writers[w.key], i)
			if w.key.kind == keyEntry && !slices.Contains(x.names[w.key.tag], w.key.name) {
				x.names[w.key.tag] = append(x.names[w.key.tag], w.key.name)
			}
		}
	}
	for i := range h.Records {
		x.reads[i] = x.readsOf(i)
		if len(x.writes[i]) == 0 {
			for _, k := range x.reads[i] {
				x.lookers[k] = append(x.lookers[k], i)
			}
		}
	}
	for _, m := range []map[stateKey][]int{x.writers, x.lookers} {
		for _, rs := range m {
			slices.SortStableFunc(rs, func(a, b int) int { return cmp.Compare(h.Records[a].Call, h.Records[b].Call) })
		}
	}
	return x
}

// changed reports whether record i may have changed the state: it
// succeeded, or never returned.
func (x *localIndex) changed(i int) bool {
	r := x.h.Records[i]
	return r.Pending || r.Result.Err == model.OK
}

// ret is record i's return, the end of time for one that never returned.
func (x *localIndex) ret(i int) int64 {
	if r := x.h.Records[i]; !r.Pending {
		return r.Return
	}
	return math.MaxInt64
}

func entry(tag int, name string) stateKey { return stateKey{kind: keyEntry, tag: tag, name: name} }
func life(tag int) stateKey               { return stateKey{kind: keyLife, tag: tag} }

// writesOf returns what record i changes. An entry is a device's, its
// directory and its link together: a step of a flow that leaves one of
// them (the link dropped, the directory not yet) leaves the entry there.
// Every change of an entry depends on its value before: a create needs
// it gone, which its lineage then has nothing to keep for (see thereAt).
func (x *localIndex) writesOf(i int) []write {
	if !x.changed(i) {
		return nil
	}
	op := x.h.Records[i].Op
	var ws []write
	add := func(k stateKey, there, needs bool) {
		if k.kind == keyEntry && k.name == "" {
			return
		}
		// A move to its own namespace, under its own name, drops and
		// makes one entry: it leaves it there.
		if j := slices.IndexFunc(ws, func(w write) bool { return w.key == k }); j >= 0 {
			ws[j].there, ws[j].needs = there, needs || ws[j].needs
			return
		}
		ws = append(ws, write{k, there, needs})
	}
	made, dropped := func(k stateKey) { add(k, true, false) }, func(k stateKey) { add(k, false, true) }
	step := !op.Kind.IsFlow() // a step leaves part of a device behind
	switch op.Kind {
	case model.Create, model.AddDev, model.AddLink, model.Unregister, model.DelLink:
		add(entry(op.NS, op.Name), true, true)
	case model.Remove, model.DelDev:
		dropped(entry(op.NS, op.Name))
	case model.Rename, model.RenameLink, model.RenameDev:
		add(entry(op.NS, op.Name), step, true)
		add(entry(op.NS, op.NewName), true, true)
	case model.Move, model.MoveLink, model.MoveDev:
		add(entry(op.NS, op.Name), step, true)
		add(entry(op.To, cmp.Or(op.NewName, op.Name)), true, true)
	case model.Clone:
		made(life(op.NS))
	case model.Exit, model.Gone:
		add(life(op.NS), true, true)
	case model.Setns:
		made(stateKey{kind: keyProc, n: op.Proc})
	case model.Mount:
		made(stateKey{kind: keyMount, n: op.Mount})
	case model.Umount:
		dropped(stateKey{kind: keyMount, n: op.Mount})
	case model.Open, model.Close:
		if op.FD != 0 && op.Kind == model.Open {
			made(stateKey{kind: keyFD, n: op.FD})
		} else if op.FD != 0 {
			dropped(stateKey{kind: keyFD, n: op.FD})
		}
		if op.Mount != 0 {
			// A file open on a mount keeps it busy.
			add(stateKey{kind: keyMount, n: op.Mount}, true, true)
		}
	case model.AddUID, model.DelUID, model.ExitUser:
		add(stateKey{kind: keyUser, n: op.User}, true, true)
	}
	return ws
}

// readsOf returns the keys record i depends on the value of: its
// entries, the lives of its namespaces, its mount and the entries seen
// through it (every entry of the tag, for a listing), its process, its
// open file; not a key it sets whatever it was (a create's entry).
func (x *localIndex) readsOf(i int) []stateKey {
	ks := x.touched(i)
	return slices.DeleteFunc(ks, func(k stateKey) bool {
		return slices.ContainsFunc(x.writes[i], func(w write) bool { return w.key == k && !w.needs })
	})
}

// touched returns the keys record i reads or writes.
func (x *localIndex) touched(i int) []stateKey {
	r := x.h.Records[i]
	op := r.Op
	var ks []stateKey
	add := func(k stateKey) {
		if (k.kind != keyEntry || k.name != "") && !slices.Contains(ks, k) {
			ks = append(ks, k)
		}
	}
	for _, w := range x.writes[i] {
		add(w.key)
	}
	for _, t := range []int{op.NS, op.To} {
		if t != 0 {
			add(life(t))
			add(entry(t, op.Name))
		}
	}
	for _, k := range []stateKey{{kind: keyProc, n: op.Proc}, {kind: keyUser, n: op.User}, {kind: keyFD, n: op.FD}} {
		if k.n != 0 {
			add(k)
		}
	}
	if op.Kind == model.Mount {
		add(life(x.procNS(op.Proc, r)))
	}
	if op.Mount == 0 || op.Kind == model.Mount {
		return ks
	}
	add(stateKey{kind: keyMount, n: op.Mount})
	for _, t := range x.mountTags(op.Mount, r) {
		add(life(t))
		if op.Kind == model.Readdir {
			for _, n := range x.names[t] {
				add(entry(t, n))
			}
		} else {
			add(entry(t, op.Name))
		}
	}
	return ks
}

// mountTags returns the tags mount m may have when r goes through it:
// the one it captured before the start, or the one the last mount made
// by the program of that number called before r returned says it
// captured; every tag when that is not known.
func (x *localIndex) mountTags(m int, r history.Record) []int {
	if t := x.h.Config.MountTag(m); t != 0 {
		return []int{t}
	}
	if mr, ok := x.lastMade(stateKey{kind: keyMount, n: m}, r); ok && mr.Result.Tag != 0 {
		return []int{mr.Result.Tag}
	}
	return x.tags
}

// procNS returns the namespace process p is in when r runs, as the last
// setns of it called before r returned says, or where it started.
func (x *localIndex) procNS(p int, r history.Record) int {
	if sr, ok := x.lastMade(stateKey{kind: keyProc, n: p}, r); ok {
		return sr.Op.NS
	}
	if p >= 1 && p <= len(x.h.Config.Procs) {
		return x.h.Config.Procs[p-1]
	}
	return 0
}

// lastMade returns the last mount or setns of key k (see made) called
// before r returned.
func (x *localIndex) lastMade(k stateKey, r history.Record) (history.Record, bool) {
	ms := x.made[k]
	for j := len(ms) - 1; j >= 0; j-- {
		if mr := x.h.Records[ms[j]]; mr.Call <= r.Return || r.Pending {
			return mr, true
		}
	}
	return history.Record{}, false
}

// thereAt returns the writers of k that may have set its value when time
// t comes, and left it there: the one that returned last before t and
// those concurrent with it. Writers still running at t are not among
// them.
func (x *localIndex) thereAt(k stateKey, t int64) []int {
	ws := x.writers[k]
	n, _ := slices.BinarySearchFunc(ws, t, func(i int, t int64) int { return cmp.Compare(x.h.Records[i].Call, t) })
	last := -1 // the writer called before t that returned last before it
	for _, w := range ws[:n] {
		if r := x.ret(w); r < t && (last < 0 || r > x.ret(last)) {
			last = w
		}
	}
	if last < 0 {
		return nil
	}
	var out []int
	for _, w := range ws[:n] {
		if r := x.ret(w); r < t && r >= x.h.Records[last].Call && (x.leaves(w, k) || x.initially(k)) {
			out = append(out, w)
		}
	}
	return out
}

// initially reports whether k is there at the start, so that a change
// that drops it is kept too: a mount made before the start.
func (x *localIndex) initially(k stateKey) bool {
	return k.kind == keyMount && k.n <= len(x.h.Config.Mounts)
}

// leaves reports whether record i's change of k leaves it there.
func (x *localIndex) leaves(i int, k stateKey) bool {
	for _, w := range x.writes[i] {
		if w.key == k {
			return w.there
		}
	}
	return false
}

// local returns the records of the locality cut of targets with the
// changes from time from kept whole: the targets; every change of a key
// they touch, or a change kept touches, called by the last target's
// return and returning at or after from (with lookers, every record that
// reads such a key there too); and the lineage of every such key's value
// at from: the changes that left it there (thereAt), and theirs of the
// keys they read when they began, back to the start.
func (x *localIndex) local(targets []int, from int64, lookers bool) []int {
	var end int64
	for _, i := range targets {
		end = max(end, x.ret(i))
	}
	in := make([]bool, len(x.h.Records))
	windowKey := map[stateKey]bool{}
	var queue []int
	add := func(rs []int) {
		for _, r := range rs {
			if !in[r] {
				in[r] = true
				queue = append(queue, r)
			}
		}
	}
	add(targets)
	for len(queue) > 0 {
		i := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if x.ret(i) < from {
			for _, k := range x.reads[i] {
				add(x.thereAt(k, x.h.Records[i].Call))
			}
			continue
		}
		keys := slices.Clone(x.reads[i])
		for _, w := range x.writes[i] {
			keys = append(keys, w.key)
		}
		for _, k := range keys {
			if !windowKey[k] {
				windowKey[k] = true
				add(x.thereAt(k, from))
				add(x.within(x.writers[k], from, end))
				if lookers {
					add(x.within(x.lookers[k], from, end))
				}
			}
		}
	}
	var out []int
	for i, ok := range in {
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// within returns the records of rs, in call order, called by end and
// returning at or after from.
func (x *localIndex) within(rs []int, from, end int64) []int {
	var out []int
	for _, r := range rs {
		if x.h.Records[r].Call > end {
			break
		}
		if x.ret(r) >= from {
			out = append(out, r)
		}
	}
	return out
}

// localityBase is the records the first widening of the locality cut's
// window takes in; each after takes in localityGrowth times more.
const (
	localityBase   = 4
	localityGrowth = 4
)

// cutLocal tries the locality cut of the culprits (see local), once: the
// window of changes kept whole first the culprits' own time, then
// reaching back localityBase records before the first culprit's call,
// then localityGrowth times as many, and so on to the start of the
// history; then the same windows with the records that only read what
// they touch (a wrong result the checker's culprit is not, but depends
// on). The first cut that shows the violation is kept.
func (s *historyShrinker) cutLocal() bool {
	if len(s.pinned) == 0 || s.localTried {
		return false
	}
	s.localTried = true
	x := s.localIndex()
	calls := make([]int64, 0, len(s.h.Records))
	for _, r := range s.h.Records {
		calls = append(calls, r.Call)
	}
	slices.Sort(calls)
	from := int64(math.MaxInt64)
	for _, i := range s.pinned {
		from = min(from, s.h.Records[i].Call)
	}
	first, _ := slices.BinarySearch(calls, from)
	for _, lookers := range []bool{false, true} {
		prev := -1
		for back := 0; ; back = max(localityBase, back*localityGrowth) {
			keep := x.local(s.pinned, calls[max(first-back, 0)], lookers)
			rest := slices.DeleteFunc(keep, func(i int) bool { _, cur := slices.BinarySearch(s.rest, i); return !cur })
			if len(rest) >= len(s.rest) {
				break
			}
			if len(rest) != prev && s.try(rest) {
				return true
			}
			prev = len(rest)
			if first-back <= 0 {
				break
			}
		}
	}
	return false
}
