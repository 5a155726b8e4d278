package model

import (
	"fmt"
	"slices"
	"strings"
)

// State is the content of class/net between two operations. It is a value:
// operations return a new State and never change the one they are given.
type State struct {
	live  []Entry // visible entries, sorted by Entry.Compare
	dying []Entry // removed but maybe not yet unlinked, sorted
	exits uint64  // bit n set: namespace n has exited
}

// Init returns the empty directory with every namespace alive.
func Init() State { return State{} }

// Live returns the visible entries, sorted by name then tag.
func (s State) Live() []Entry { return slices.Clone(s.live) }

// Exited reports whether namespace ns has exited.
func (s State) Exited(ns int) bool { return ns > 0 && ns < 64 && s.exits&(1<<ns) != 0 }

// Equal compares states.
func (s State) Equal(t State) bool {
	return s.exits == t.exits && slices.Equal(s.live, t.live) && slices.Equal(s.dying, t.dying)
}

func (s State) String() string {
	var b strings.Builder
	b.WriteString("{")
	for i, e := range s.live {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(e.String())
	}
	b.WriteString("}")
	if len(s.dying) > 0 {
		fmt.Fprintf(&b, " dying %v", s.dying)
	}
	for ns := 1; ns < 64; ns++ {
		if s.Exited(ns) {
			fmt.Fprintf(&b, " ns%d exited", ns)
		}
	}
	return b.String()
}

func has(set []Entry, e Entry) bool {
	_, ok := slices.BinarySearchFunc(set, e, Entry.Compare)
	return ok
}

func with(set []Entry, e Entry) []Entry {
	i, _ := slices.BinarySearchFunc(set, e, Entry.Compare)
	return slices.Insert(slices.Clip(set), i, e)
}

func without(set []Entry, e Entry) []Entry {
	i, ok := slices.BinarySearchFunc(set, e, Entry.Compare)
	if !ok {
		return set
	}
	return slices.Delete(slices.Clone(set), i, i+1)
}

// Outcome is one result the specification allows, with the state after it.
type Outcome struct {
	Result Result
	State  State
}

// Step returns every outcome the specification allows for op in state s,
// the most deterministic one first.
//
// Almost every operation has exactly one outcome. The exception is a name
// that a concurrent removal has made invisible but not yet unlinked: kernfs
// deactivates a node at once but unlinks it only after draining its active
// users (__kernfs_remove, kernfs_drain), and kernfs_find_ns, which add and
// rename use to detect a collision, does not skip inactive nodes. So while
// the removal is under way, a create, rename or move onto that (name, tag)
// may still fail with EEXIST, though lookups no longer find it.
func Step(c Config, s State, op Op) []Outcome {
	if op.Kind == Create || op.Kind == Rename || op.Kind == Move {
		target := Entry{op.Name, op.NS}
		switch op.Kind {
		case Rename:
			target.Name = op.NewName
		case Move:
			target.Tag = op.To
		}
		if has(s.dying, target) {
			cleared := s
			cleared.dying = without(s.dying, target)
			r, next := apply(c, cleared, op)
			if r.Err != OK {
				// It failed on a check that comes before the collision,
				// and the dying entry is still there.
				return []Outcome{{r, s}}
			}
			return []Outcome{{r, next}, {Result{Err: EEXIST}, s}}
		}
	}
	r, next := apply(c, s, op)
	return []Outcome{{r, next}}
}

// Apply returns the outcome of op when nothing else runs: every removal has
// completed, so the first outcome of Step.
func Apply(c Config, s State, op Op) (Result, State) {
	o := Step(c, s, op)[0]
	return o.Result, o.State
}

func (c Config) validNS(ns int) bool { return ns >= 1 && ns <= c.Namespaces && ns < 64 }

// apply treats dying entries as absent except where they collide, which Step
// has already dealt with.
func apply(c Config, s State, op Op) (Result, State) {
	fail := func(e Errno) (Result, State) { return Result{Err: e}, s }
	switch op.Kind {
	case Create:
		// kernfs_add_one: a tagged parent requires a tag.
		if !c.validNS(op.NS) {
			return fail(EINVAL)
		}
		if e := ValidName(op.Name); e != OK {
			return fail(e)
		}
		// A dying namespace takes no new devices: its tag is dead.
		if s.Exited(op.NS) {
			return fail(ENOENT)
		}
		e := Entry{op.Name, op.NS}
		if has(s.live, e) || has(s.dying, e) {
			return fail(EEXIST)
		}
		s.live = with(s.live, e)
		return Result{}, s

	case Remove:
		e := Entry{op.Name, op.NS}
		if !has(s.live, e) {
			return fail(ENOENT)
		}
		s.live = without(s.live, e)
		s.dying = with(s.dying, e)
		return Result{}, s

	case Rename:
		// kernfs_rename_ns: ENOENT for an inactive node, a no-op for the
		// same name, EEXIST when (new name, tag) exists.
		e := Entry{op.Name, op.NS}
		if !has(s.live, e) {
			return fail(ENOENT)
		}
		if op.NewName == op.Name {
			return Result{}, s
		}
		if err := ValidName(op.NewName); err != OK {
			return fail(err)
		}
		n := Entry{op.NewName, op.NS}
		if has(s.live, n) || has(s.dying, n) {
			return fail(EEXIST)
		}
		s.live = with(without(s.live, e), n)
		return Result{}, s

	case Move:
		// __dev_change_net_namespace then kernfs_rename_ns with the new tag.
		e := Entry{op.Name, op.NS}
		if !has(s.live, e) {
			return fail(ENOENT)
		}
		if !c.validNS(op.To) {
			return fail(EINVAL)
		}
		if s.Exited(op.To) {
			return fail(ENOENT)
		}
		if op.To == op.NS {
			return Result{}, s
		}
		n := Entry{op.Name, op.To}
		if has(s.live, n) || has(s.dying, n) {
			return fail(EEXIST)
		}
		s.live = with(without(s.live, e), n)
		return Result{}, s

	case Lookup:
		// kernfs_iop_lookup: the mount's tag, never the caller's; inactive
		// nodes are absent.
		tag := c.MountTag(op.Mount)
		if tag == 0 {
			return fail(EINVAL)
		}
		if has(s.live, Entry{op.Name, tag}) {
			return Result{Tag: tag}, s
		}
		return fail(ENOENT)

	case Readdir:
		tag := c.MountTag(op.Mount)
		if tag == 0 {
			return fail(EINVAL)
		}
		entries := []Entry{}
		for _, e := range s.live {
			if e.Tag == tag {
				entries = append(entries, e)
			}
		}
		return Result{Entries: entries}, s

	case Exit:
		// sysfs_exit_tag: every entry of the tag invisible at once.
		if !c.validNS(op.NS) {
			return fail(EINVAL)
		}
		if s.Exited(op.NS) {
			return fail(ENOENT)
		}
		s.exits |= 1 << op.NS
		keep := func(set []Entry) []Entry {
			return slices.DeleteFunc(slices.Clone(set), func(e Entry) bool { return e.Tag == op.NS })
		}
		s.live, s.dying = keep(s.live), keep(s.dying)
		return Result{}, s
	}
	return fail(EINVAL)
}

// SameResult reports whether two results are equal, comparing readdir
// listings as sets: the order of a listing is the implementation's hash
// order, which the specification leaves open.
func SameResult(a, b Result) bool {
	if a.Err != b.Err || a.Tag != b.Tag || len(a.Entries) != len(b.Entries) {
		return false
	}
	if len(a.Entries) == 0 {
		return true
	}
	x := slices.SortedFunc(slices.Values(a.Entries), Entry.Compare)
	y := slices.SortedFunc(slices.Values(b.Entries), Entry.Compare)
	return slices.Equal(x, y)
}
