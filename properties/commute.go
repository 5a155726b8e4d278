package properties

import (
	"cmp"
	"slices"

	"github.com/sysfsim/sysfsim/model"
)

// The end search places, in a (placed set, state) where several
// operations may go next, only those of a persistent set (Godefroid's
// partial-order reduction): a set P of them such that every operation
// that may be placed before the first of P is placed is independent of
// every operation of P, and none of them returned before an operation of
// P was called. Any order that explains the segment then has an
// equivalent one, ending in the same state, that starts with an
// operation of P: take the first operation of P in it, and move it to
// the front past the operations before it, which commute with it; real
// time allows it, since none of them returned before it was called. So
// following P only finds every state the segment can end in, as
// following every operation does.
//
// Without it, the n concurrent steps of a namespace's teardown (each
// device's removal is three steps spanning the whole 10-150 ms of
// cleanup_net, in no fixed order) make 2^n placed sets, each with its own
// state; with it, the devices are placed one after the other.

// footprint is what an operation reads and writes, for independence: at
// most four keys, each the entries of one name with one tag (a device's
// directory and its link, and the lookups and readlinks of them; a
// rename's two names, a move's two tags) or, with no name, a namespace's
// life (whether it was born and has exited: clone and exit write it,
// adds, moves and the steps not of cleanup_net read it); for a device add
// the model's next device id; and whether it reads or changes the name a
// device has; for the end of a namespace's teardown (gone), every entry
// of its tag. Every other operation is global: it touches more (a mount, a descriptor, a device addressed by
// ifindex, kernel/uids, an exit under the seed's scheme, which drops
// every entry of its tag) and is independent of nothing.
type footprint struct {
	global bool
	alloc  bool // takes the next device id
	names  bool // changes which name a device has, or drops one (renames, moves, adds, gone)
	target bool // reads the name of the device a link points to (readlink)
	later  bool // a lookup through a mount made by the program: its tag is the state's
	whole  int  // a tag every entry of which it reads or writes (gone), or 0
	n      int
	keys   [4]fpKey
}

// fpKey is one name with one tag; the empty name is the tag's namespace's
// life.
type fpKey struct {
	tag  int
	name string
}

// footprintOf returns op's footprint in configuration c and state s. A
// lookup through a mount made by the program sees the tag the mount has
// in s: only mounts, unmounts and setns change it, and they are global,
// so it is the same in every state the operations independent of a
// persistent set lead to.
func footprintOf(c model.Config, s model.State, op model.Op) footprint {
	global := footprint{global: true}
	if op.Name == "" && op.Kind != model.Exit && op.Kind != model.Clone {
		return global // an invalid operation: not worth telling apart
	}
	entry := fpKey{op.NS, op.Name}
	life := fpKey{tag: op.NS}
	switch op.Kind {
	case model.Create, model.AddDev:
		// An add may first drop a dying device of its name (the race
		// of dyingDev): the device a link of another name points to.
		return footprint{alloc: true, names: true, n: 2, keys: [4]fpKey{entry, life}}
	case model.AddLink:
		return footprint{n: 2, keys: [4]fpKey{entry, life}}
	case model.Remove, model.Unregister, model.DelLink, model.DelDev:
		if op.Index != 0 {
			return global // the device is found by ifindex
		}
		if op.Cleanup {
			return footprint{n: 1, keys: [4]fpKey{entry}}
		}
		return footprint{n: 2, keys: [4]fpKey{entry, life}}
	case model.Rename, model.RenameLink, model.RenameDev:
		if op.Index != 0 {
			return global
		}
		return footprint{names: true, n: 3, keys: [4]fpKey{entry, {op.NS, op.NewName}, life}}
	case model.Move, model.MoveLink, model.MoveDev:
		if op.Index != 0 {
			return global
		}
		to := op.Name
		if op.NewName != "" {
			to = op.NewName
		}
		return footprint{names: true, n: 4, keys: [4]fpKey{entry, {op.To, to}, life, {tag: op.To}}}
	case model.Lookup, model.Readlink:
		if op.Dir == model.UIDs {
			return global // a user tag
		}
		// A readlink reads the name of the device its link points to,
		// which a rename may have given another name.
		target := op.Kind == model.Readlink
		if op.Mount > len(c.Mounts) {
			return footprint{target: target, n: 1, keys: [4]fpKey{{s.MountTag(c, op.Mount), op.Name}}, later: true}
		}
		return footprint{target: target, n: 1, keys: [4]fpKey{{c.MountTag(op.Mount), op.Name}}}
	case model.Exit:
		if c.Exit != model.ExitKernel {
			return global
		}
		return footprint{n: 1, keys: [4]fpKey{life}}
	case model.Clone:
		return footprint{n: 1, keys: [4]fpKey{life}}
	case model.Gone:
		if c.Exit != model.ExitKernel {
			return global
		}
		// It drops every entry of its tag left, and with its devices
		// what links of another tag (a move half done) point to.
		return footprint{whole: op.NS, names: true, n: 1, keys: [4]fpKey{life}}
	}
	return global
}

// independent reports whether operations of footprints a and b commute in
// every state: either order gives each the same results and leaves the
// same states (TestFootprintsCommute).
func independent(a, b footprint) bool {
	if a.global || b.global || a.alloc && b.alloc || a.names && b.target || a.target && b.names {
		return false
	}
	for _, x := range a.keys[:a.n] {
		for _, y := range b.keys[:b.n] {
			if x == y || x.tag == b.whole || y.tag == a.whole {
				return false
			}
		}
	}
	return a.whole == 0 || a.whole != b.whole
}

// maxReduce bounds the operations the search of a persistent set looks
// at: past it, every operation that may go next is followed.
const maxReduce = 2 * maxNext

// persistent returns a persistent set of the operations that may go next
// after f (next, in call order; first and second are the least returns
// of those not placed), grown from each of the maxSeeds that may go and
// return first, the one with the fewest that may go kept: every operation
// not placed that may be placed before the set's least return, and is
// not independent of one in the set or returned before one in the set
// was called, is added to it. It returns nil when
// the set is every operation that may go next, or it cannot tell.
func (e *endSearch) persistent(f *pair, next []int, first, second int64) []int {
	mayGoN := 0
	for _, r := range next {
		if mayGo(e, r, first, second) {
			mayGoN++
		}
	}
	if mayGoN < 2 {
		return nil
	}
	// The set grown from each of the maxSeeds operations that may go and
	// return first (whose sets start from the fewest operations that may
	// be placed before them), the one with the fewest that may go kept
	// (in e.best).
	e.seeds = e.seeds[:0]
	for _, r := range next {
		if mayGo(e, r, first, second) {
			e.seeds = append(e.seeds, r)
		}
	}
	slices.SortStableFunc(e.seeds, func(a, b int) int { return cmp.Compare(e.ret[a], e.ret[b]) })
	var best []int
	bestN := mayGoN
	for k, seed := range e.seeds {
		if k == maxSeeds || bestN == 1 {
			break
		}
		if containsInt(best, seed) {
			continue
		}
		set, ok := e.grow(f, seed)
		if !ok {
			continue
		}
		n := 0
		for _, r := range set {
			if mayGo(e, r, first, second) {
				n++
			}
		}
		if n < bestN {
			bestN = n
			best = append(e.best[:0], set...)
			e.best = best
		}
	}
	return best
}

// maxSeeds is the most operations persistent grows a set from.
const maxSeeds = 4

// grow returns the persistent set grown from seed (see persistent); ok is
// false when it cannot tell.
func (e *endSearch) grow(f *pair, seed int) (set []int, ok bool) {
	set = append(e.set[:0], seed)
	least, latest := e.ret[seed], e.call[seed]
	for grown := true; grown; {
		grown = false
		e.seen, ok = e.unplaced(e.seen[:0], f, least)
		if !ok {
			e.set = set
			return nil, false
		}
		for _, x := range e.seen {
			if containsInt(set, x) {
				continue
			}
			if e.joins(f, set, x, latest) {
				set = append(set, x)
				least, latest = min(least, e.ret[x]), max(latest, e.call[x])
				grown = true
			}
		}
	}
	e.set = set
	return set, true
}

// joins reports whether x must join set, whose latest call is latest:
// it is not independent of one of set's operations in f's state, or it
// returned before one of them was called (it must go before it, and
// cannot be moved after it).
func (e *endSearch) joins(f *pair, set []int, x int, latest int64) bool {
	if e.ret[x] < latest {
		return true
	}
	fx := e.footprint(x, f.state)
	for _, p := range set {
		if !independent(fx, e.footprint(p, f.state)) {
			return true
		}
	}
	return false
}

// unplaced appends to dst the operations not placed in f called at or
// before t, in call order; ok is false when there are more than
// maxReduce.
func (e *endSearch) unplaced(dst []int, f *pair, t int64) (_ []int, ok bool) {
	for _, r := range f.placed.pending[:f.placed.n] {
		if e.call[r] > t {
			return dst, true
		}
		dst = append(dst, int(r))
	}
	for r := f.placed.hi; r < len(e.call) && e.call[r] <= t; r++ {
		if len(dst) >= maxReduce {
			return dst, false
		}
		dst = append(dst, r)
	}
	return dst, true
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// footprint returns the footprint of operation r (in call order) in state
// s: the one worked out for the segment, but for the tag of a lookup
// through a mount made by the program.
func (e *endSearch) footprint(r int, s model.State) footprint {
	fp := e.fp[r]
	if fp.later {
		fp.keys[0].tag = s.MountTag(e.c, e.mount[r])
	}
	return fp
}
