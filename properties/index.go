package properties

import (
	"math"
	"slices"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// subject is what the index knows things about: one entry, or the
// entries an operation acts on together.
type subject struct {
	key
	scope scope
}

// scope says which entries a subject stands for.
type scope uint8

const (
	// oneEntry is the entry key names.
	oneEntry scope = iota
	// device is every entry named key.name with tag key.tag but in
	// kernel/uids: those of one device, which remove, rename and move
	// act on together. key.dir is unused.
	device
	// netns is every entry of net namespace key.tag but in kernel/uids,
	// and userns every kernel/uids entry of user namespace key.tag: what
	// an exit acts on. key.dir and key.name are unused.
	netns
	userns
	// listing is every entry of directory key.dir with tag key.tag: what
	// one readdir lists. key.name is unused.
	listing
)

func entryOf(k key) subject { return subject{k, oneEntry} }
func deviceOf(name string, tag int) subject {
	return subject{key{name: name, tag: tag}, device}
}
func listingOf(dir model.Dir, tag int) subject { return subject{key{dir: dir, tag: tag}, listing} }

// namespaceOf returns the namespace k is an entry of.
func namespaceOf(k key) subject {
	if k.dir == model.UIDs {
		return subject{key{tag: k.tag}, userns}
	}
	return subject{key{tag: k.tag}, netns}
}

// index holds, by subject, the operations the checkers ask about, so
// that each question is a binary search or a walk over its answers:
//
//   - produced: every operation that may have produced the entry, a
//     pending one included, as a span sorted by its return;
//   - removed: every operation that may have removed the entry (or the
//     device's or the namespace's entries), likewise;
//   - made: the operations that succeeded in producing the entry, sorted
//     by their call;
//   - seen: the operations that observed the entry, sorted by their call;
//   - present: for each directory and tag, the intervals in which an
//     entry certainly existed (see fillPresent), sorted by their start;
//   - seenIn and madeIn: for each namespace, the operations that observed
//     one of its entries, or returned from producing one, with the first
//     such entry, sorted by their call.
type index struct {
	ids      subjectIDs
	subjects []subject // ids.subjects
	// times holds each record's call and return (see ret), and whether it
	// succeeded.
	times []times
	// producedIDs and observedIDs hold, by record, where in idBuf the
	// subject ids are of the entries it may have produced and of those
	// it observed (see producedBy and observedBy): spans rather than
	// slices, which the garbage collector would scan.
	producedIDs, observedIDs []idSpan
	idBuf                    []int32
	// active lists the records with a subject produced or observed, in
	// order: the only ones the scans of a short history need to look
	// at, and most of a campaign's records, failures, are not.
	active []int32
	keys   []key // intern's, for one record
	// removers holds, by entry subject, the subjects whose removal may
	// remove the entry: itself, its device and its namespace (-1 for
	// those nothing may have removed).
	removers [][3]int32
	// listed holds, by entry subject, the last listing certainlyVisible
	// returned it for.
	listed []int32

	// The tables are made when a checker first asks for them (see
	// lazily): a history without an exit needs no seenIn, one without a
	// listing no present, one without a listing or an entry made twice
	// no made and no removed, and most of a campaign's histories are
	// short.
	made, removed, produced, seen, present, seenIn, madeIn table
	h                                                      *history.History // the facts' own, for removed
	built                                                  uint8            // lazily's bits
	removedScopes                                          uint8            // 1<<scope for each scope fillRemoved saw
	stage                                                  []staged
	// kinds has a bit per kind of operation the history's records have
	// (kindSet): a checker whose kinds it lacks has nothing to look at.
	kinds uint64
	// madeTwice is whether some entry was made by two rows of made: if
	// not, no two operations made a duplicate, and made is not needed
	// for uniqueness.
	madeTwice bool
	// Scratch: what fillRemoved, fillNamespaces (by entry subject, its
	// namespace's) and certainlyVisible work with.
	removes []subject
	// removalRows are a short history's removals (removalList).
	removalRows []removal
	namespace   []int32
	makers      []row
	visible     []int32
	shown       []int32 // checkReaddir's
	hasMaker    []bool  // by entry subject, whether intern met a maker
}

// idSpan is idBuf[from:to].
type idSpan struct{ from, to int32 }

// producedBy returns the subject ids of the entries record i may have
// produced (appendProduced).
func (x *index) producedBy(i int) []int32 {
	s := x.producedIDs[i]
	return x.idBuf[s.from:s.to:s.to]
}

// observedBy returns the subject ids of the entries record i observed
// (appendObserved).
func (x *index) observedBy(i int) []int32 {
	s := x.observedIDs[i]
	return x.idBuf[s.from:s.to:s.to]
}

// times are what the index reads of a record, kept apart from the
// record, which is much larger.
type times struct {
	call, ret int64
	ok        bool // succeeded
}

// id returns s's subject id, adding s if new.
func (x *index) id(s subject) int32 {
	id := x.ids.id(&s)
	x.subjects = x.ids.subjects
	return id
}

// lookup returns s's subject id; -1 if no operation concerns s.
func (x *index) lookup(s subject) int32 { return x.ids.lookup(&s) }

// build indexes h's records: the subjects, and whether an entry was
// made twice; the tables come later, as checkers ask. Each table is made
// from the records in one pass, then sorted: O(n log n) time and O(n)
// memory in the number of (record, entry) pairs.
func (x *index) build(h *history.History, mounts *mountTags) {
	x.built, x.h = 0, h
	x.intern(h, mounts)
}

// reset lets go of the previous history's subjects, keeping the memory.
func (x *index) reset() {
	x.ids.reset()
	x.subjects = x.ids.subjects
	clear(x.removes)
	clear(x.removalRows)
	clear(x.keys) // let go of the history's names
	x.h = nil
}

// producedAt returns where entry subject s is among the entries record i
// produced.
func (x *index) producedAt(i, s int32) int { return slices.Index(x.producedBy(int(i)), s) }

// intern gives every entry a record of h produced or observed its
// subject id, copies the records' times, and works out madeTwice: one
// pass over the records, whose entries each record's own keys hold only
// while it is interned. A failure produced and observed nothing, and
// most records of a campaign's histories are failures.
func (x *index) intern(h *history.History, mounts *mountTags) {
	n := len(h.Records)
	x.times = grow(x.times[:0], n)
	x.producedIDs, x.observedIDs = grow(x.producedIDs[:0], n), grow(x.observedIDs[:0], n)
	x.idBuf, x.active = x.idBuf[:0], x.active[:0]
	x.madeTwice, x.kinds = false, 0
	made := x.hasMaker[:0]
	for i := range h.Records {
		r := &h.Records[i]
		x.kinds |= 1 << (r.Op.Kind & 63) // kindSet(r.Op.Kind), without the slice
		ok := succeeded(r)
		x.times[i] = times{r.Call, ret(r), ok}
		none := idSpan{int32(len(x.idBuf)), int32(len(x.idBuf))}
		if !ok && !r.Pending {
			x.producedIDs[i], x.observedIDs[i] = none, none
			continue
		}
		// A pending record observed nothing, and made nothing for
		// certain; most successful ones produce or observe one entry.
		x.producedIDs[i], x.observedIDs[i] = none, none
		if x.keys = appendProduced(x.keys[:0], r); len(x.keys) > 0 {
			x.producedIDs[i] = x.internKeys(x.keys)
			if ok {
				made = x.countMakers(made, i)
			}
		}
		if x.keys = appendObserved(x.keys[:0], mounts, r); ok && len(x.keys) > 0 {
			x.observedIDs[i] = x.internKeys(x.keys)
		}
		if int(none.from) < len(x.idBuf) {
			x.active = append(x.active, int32(i))
		}
	}
	x.hasMaker = made
	x.subjects = x.ids.subjects
}

// countMakers marks in made, by entry subject, the entries successful
// record i produced, and sets madeTwice when one was marked already: an
// entry with two rows in made, which uniqueness looks at.
func (x *index) countMakers(made []bool, i int) []bool {
	for _, s := range x.producedBy(i) {
		for int(s) >= len(made) {
			made = append(made, false)
		}
		x.madeTwice = x.madeTwice || made[s]
		made[s] = true
	}
	return made
}

// internKeys appends the subject ids of entries ks to idBuf, leaving
// subjects to intern.
func (x *index) internKeys(ks []key) idSpan {
	from := len(x.idBuf)
	for i := range ks {
		s := entryOf(ks[i])
		x.idBuf = append(x.idBuf, x.ids.id(&s))
	}
	return idSpan{int32(from), int32(len(x.idBuf))}
}

// fillRemovers works out removers for every entry subject.
func (x *index) fillRemovers() {
	x.removers = grow(x.removers[:0], len(x.subjects))
	for id := range int32(len(x.subjects)) {
		s := x.subjects[id]
		if s.scope != oneEntry {
			continue
		}
		// Only look up what some operation removed.
		rs := [3]int32{id, -1, -1}
		if ns := namespaceOf(s.key); x.removedScopes&(1<<ns.scope) != 0 {
			rs[2] = x.lookup(ns)
		}
		if s.dir != model.UIDs && x.removedScopes&(1<<device) != 0 {
			rs[1] = x.lookup(deviceOf(s.name, s.tag))
		}
		x.removers[id] = rs
	}
}

// Tables made lazily.
const (
	madeBuilt = 1 << iota
	removedBuilt
	producedBuilt
	seenBuilt
	presentBuilt
	namespacesBuilt
	listedBuilt
	removalsListed
)

// lazily makes the table of bit with fill, unless made already.
func (x *index) lazily(bit uint8, fill func()) {
	if x.built&bit == 0 {
		x.built |= bit
		fill()
	}
}

// removals makes removed and removers, unless made already. Filling a
// table stages its rows, so a table whose rows ask about removals makes
// them first (fillPresent).
func (x *index) removals() {
	x.lazily(removedBuilt, func() {
		x.fillRemoved(*x.h)
		x.fillRemovers()
	})
}

// madeCalls returns made.
func (x *index) madeCalls() *table {
	x.lazily(madeBuilt, x.fillMade)
	return &x.made
}

// producedSpans returns produced.
func (x *index) producedSpans() *table {
	x.lazily(producedBuilt, x.fillProduced)
	return &x.produced
}

// seenCalls returns seen.
func (x *index) seenCalls() *table {
	x.lazily(seenBuilt, x.fillSeen)
	return &x.seen
}

// presentIntervals returns present.
func (x *index) presentIntervals() *table {
	x.lazily(presentBuilt, x.fillPresent)
	return &x.present
}

// namespaceCalls returns seenIn and madeIn.
func (x *index) namespaceCalls() (seenIn, madeIn *table) {
	x.lazily(namespacesBuilt, x.fillNamespaces)
	return &x.seenIn, &x.madeIn
}

// add stages a row of subject s.
func (x *index) add(s int32, r row) { x.stage = append(x.stage, staged{s, r}) }

// fill fills t with the staged rows and empties the stage.
func (x *index) fill(t *table, once bool) {
	t.fill(x.stage, len(x.subjects), once)
	x.stage = x.stage[:0]
}

// span is record i's row in a table sorted by return: x is when it
// returned (never, if pending), y when it was called.
func (x *index) span(i int, entry int32) row {
	t := x.times[i]
	return row{x: t.ret, y: t.call, rec: int32(i), entry: entry}
}

// call is record i's row in a table sorted by call: x is when it was
// called, y when it returned.
func (x *index) call(i int, entry int32) row {
	t := x.times[i]
	return row{x: t.call, y: t.ret, rec: int32(i), entry: entry}
}

func (x *index) fillRemoved(h history.History) {
	x.removedScopes = 0
	for i := range h.Records {
		x.removes = appendRemoved(x.removes[:0], &h.Config, &h.Records[i])
		for _, s := range x.removes {
			x.add(x.id(s), x.span(i, -1))
			x.removedScopes |= 1 << s.scope
		}
	}
	x.fill(&x.removed, false)
	x.removed.fillSpans()
}

func (x *index) fillProduced() {
	for i := range x.producedIDs {
		for _, s := range x.producedBy(i) {
			x.add(s, x.span(i, s))
		}
	}
	x.fill(&x.produced, false)
	x.produced.fillSpans()
}

func (x *index) fillMade() {
	for i := range x.producedIDs {
		for _, s := range x.producedBy(i) {
			if x.times[i].ok {
				x.add(s, x.call(i, s))
			}
		}
	}
	x.fill(&x.made, false)
	x.made.fillTree()
}

// fillSeen fills seen, each observer once: a listing may show an entry
// twice.
func (x *index) fillSeen() {
	for i := range x.observedIDs {
		for _, s := range x.observedBy(i) {
			x.add(s, x.call(i, s))
		}
	}
	x.fill(&x.seen, true)
	x.seen.fillTree()
}

// fillPresent fills present: an entry is certainly there
// from the return of an operation that made it until the first call of
// an operation that may have removed it and returned after the maker's
// call. The intervals are sorted by their start; y is the bitwise
// complement of their end, so that the tree, which finds rows of small y,
// finds those that end late.
func (x *index) fillPresent() {
	made := x.madeCalls()
	x.removals() // before any row is staged: firstRemoval's
	for s := range int32(len(x.subjects)) {
		lo, hi := made.group(s)
		if lo == hi {
			continue
		}
		k := x.subjects[s].key
		l := x.id(listingOf(k.dir, k.tag))
		for _, m := range made.rows[lo:hi] {
			x.add(l, row{x: m.y, y: ^x.firstRemoval(s, m.x), rec: m.rec, entry: s})
		}
	}
	x.fill(&x.present, false)
	x.present.fillTree()
}

// listings returns listed, every entry listed by none at first.
func (x *index) listings() []int32 {
	x.lazily(listedBuilt, func() {
		x.listed = grow(x.listed[:0], len(x.subjects))
		for i := range x.listed {
			x.listed[i] = -1
		}
	})
	return x.listed
}

// fillNamespaces fills seenIn and madeIn.
func (x *index) fillNamespaces() {
	ns := grow(x.namespace[:0], len(x.subjects))
	// The ids of namespaces of small tags, plus one, by tag type and
	// tag: a history's entries are of a few namespaces, each hashed
	// once.
	var small [2][64]int32
	for s := range int32(len(ns)) {
		if x.subjects[s].scope != oneEntry {
			continue
		}
		n := namespaceOf(x.subjects[s].key)
		if n.tag < 0 || n.tag >= len(small[0]) {
			ns[s] = x.id(n)
			continue
		}
		id := &small[btoi(n.scope == userns)][n.tag]
		if *id == 0 {
			*id = x.id(n) + 1
		}
		ns[s] = *id - 1
	}
	for i := range x.observedIDs {
		for _, s := range x.observedBy(i) {
			x.add(ns[s], x.call(i, s))
		}
	}
	x.fill(&x.seenIn, true)
	for i := range x.producedIDs {
		for _, s := range x.producedBy(i) {
			if x.times[i].ok {
				x.add(ns[s], x.call(i, s))
			}
		}
	}
	x.fill(&x.madeIn, true)
	x.namespace = ns
}

// firstRemoval returns the earliest call of an operation that may have
// removed entry s and returned after time t; math.MaxInt64 if none did.
func (x *index) firstRemoval(s int32, t int64) int64 {
	if len(x.times) <= shortHistory {
		first := int64(math.MaxInt64)
		for _, r := range x.removalList() {
			if r.ret > t && r.covers(&x.subjects[s]) {
				first = min(first, r.call)
			}
		}
		return first
	}
	x.removals()
	first := int64(math.MaxInt64)
	for _, r := range x.removers[s] {
		first = min(first, x.removed.leastYAbove(r, t, true))
	}
	return first
}

// lastRemoval returns the latest call of an operation that returned,
// before time t, from removing entry s; math.MinInt64 if none did.
// A pending operation's span ends at math.MaxInt64, never before t.
func (x *index) lastRemoval(s int32, t int64) int64 {
	if len(x.times) <= shortHistory {
		last := int64(math.MinInt64)
		for _, r := range x.removalList() {
			if r.ret < t && r.covers(&x.subjects[s]) {
				last = max(last, r.call)
			}
		}
		return last
	}
	x.removals()
	last := int64(math.MinInt64)
	for _, r := range x.removers[s] {
		last = max(last, x.removed.greatestYBelow(r, t))
	}
	return last
}

// removal is a row of removed as a short history's removals list it:
// its questions (firstRemoval, lastRemoval) scan the few there are,
// where the table and the removers of every entry cost more to make
// than the scans they spare, and take no subject id for the devices and
// namespaces removed.
type removal struct {
	subject
	call, ret int64
}

// covers reports whether the removal may remove entry e: e itself, the
// device e is an entry of, or e's namespace (removers).
func (r *removal) covers(e *subject) bool {
	switch r.scope {
	case oneEntry:
		return r.key == e.key
	case device:
		return e.dir != model.UIDs && r.tag == e.tag && r.name == e.name
	}
	return r.tag == e.tag && r.subject == namespaceOf(e.key)
}

// removalList returns the removals of a short history, listed at the
// first question.
func (x *index) removalList() []removal {
	x.lazily(removalsListed, func() {
		x.removalRows = x.removalRows[:0]
		for i := range x.h.Records {
			x.removes = appendRemoved(x.removes[:0], &x.h.Config, &x.h.Records[i])
			for _, s := range x.removes {
				t := x.times[i]
				x.removalRows = append(x.removalRows, removal{s, t.call, t.ret})
			}
		}
	})
	return x.removalRows
}

// kindSet returns the set of kinds ks, as index.kinds holds them.
func kindSet(ks ...model.Kind) uint64 {
	var set uint64
	for _, k := range ks {
		set |= 1 << (k & 63)
	}
	return set
}

// has reports whether some record of the history is of a kind in set.
func (x *index) has(set uint64) bool { return x.kinds&set != 0 }
