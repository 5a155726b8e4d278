package model

import (
	"fmt"
	"slices"
	"strings"
)

// device is a directory devices/virtual/net/<name> with its attribute
// files. id is its identity across renames and moves.
type device struct {
	id    int
	name  string
	tag   int
	index int  // ifindex, 0 when not known
	dying bool // removed, not yet unlinked: invisible but still colliding
	phys  bool // handed back at exit under the kernel's scheme
	unreg bool // unregistered: its attributes read EINVAL
}

// link is a symlink class/net/<name> to device dev.
type link struct {
	name string
	tag  int
	dev  int
}

// file is an open descriptor on a device's ifindex attribute, opened
// through a mount, which it keeps busy.
type file struct {
	fd    int
	dev   int
	mount int
}

// mount is a sysfs mount made by the program: the tags it captured.
type mount struct{ id, tag, user int }

// State is the content of the net class's two tagged directories, the open
// files and the exited namespaces, between two operations. It is a value:
// Step never changes the State it is given.
//
// A transition changes its *State in place (see transition). It writes a
// slice's array in place only when the State is owned: its arrays are
// its own alone, as a Replay's are, which no other State shares. Any
// other State's slices are copied before a change, so that the States
// they came from keep theirs.
type State struct {
	devs  []device // by id
	links []link   // by (name, tag)
	files []file   // by fd
	exits nsSet    // the namespaces that have exited
	next  int      // the next device id

	borns     nsSet   // the namespaces declared for later that were cloned
	procs     []int   // each process's namespace; nil until a setns
	mounts    []mount // mounts made by the program
	unmounted nsSet   // the mounts that were unmounted

	uids      []Entry // kernel/uids: name and user namespace, sorted
	uidsDying []Entry // removed, not yet unlinked: still colliding
	userExits nsSet   // the user namespaces that have exited

	owned bool // the arrays are this State's alone: changed in place
}

// adopt makes *s, which owns its arrays, equal to t, copying t's
// slices into s's arrays: t may share them (a Step from s shares what it
// did not change). A nil procs stands for the configuration's and stays
// nil.
func (s *State) adopt(t *State) {
	x := *t
	x.devs = append(s.devs[:0], t.devs...)
	x.links = append(s.links[:0], t.links...)
	x.files = append(s.files[:0], t.files...)
	x.mounts = append(s.mounts[:0], t.mounts...)
	x.uids = append(s.uids[:0], t.uids...)
	x.uidsDying = append(s.uidsDying[:0], t.uidsDying...)
	if t.procs != nil {
		x.procs = append(s.procs[:0], t.procs...)
		if x.procs == nil {
			x.procs = []int{}
		}
	}
	x.owned = true
	*s = x
}

// writable returns xs, a slice of s, ready to be changed in place: xs
// itself when s owns its arrays, a copy otherwise.
func writable[T any](s *State, xs []T) []T {
	if s.owned {
		return xs
	}
	return slices.Clone(xs)
}

// appendTo appends x to xs, a slice of s, in place when s owns its
// arrays, into a new array otherwise.
func appendTo[T any](s *State, xs []T, x T) []T {
	if s.owned {
		return append(xs, x)
	}
	return append(slices.Clip(xs), x)
}

// insertLink adds l to s's links, which stay sorted by (name, tag).
func insertLink(s *State, l link) []link {
	i, _ := slices.BinarySearchFunc(s.links, l, compareLinks)
	if s.owned {
		return slices.Insert(s.links, i, l)
	}
	out := make([]link, len(s.links)+1)
	copy(out, s.links[:i])
	out[i] = l
	copy(out[i+1:], s.links[i:])
	return out
}

// nsSet is a set of numbers 1..maxNum (namespaces, user namespaces or
// mounts), a bit each, so that a State copies without allocating.
type nsSet uint64

// maxNum is the largest number an nsSet holds, and so the most namespaces,
// user namespaces and mounts the model tells apart.
const maxNum = 63

// inRange reports whether n fits in an nsSet.
func inRange(n int) bool { return n >= 1 && n <= maxNum }

// Has reports whether n is in the set.
func (b nsSet) Has(n int) bool { return inRange(n) && b&(1<<n) != 0 }

// With returns the set with n added. A number out of range is never in
// the set; callers check the range first, as validNS does.
func (b nsSet) With(n int) nsSet {
	if !inRange(n) {
		return b
	}
	return b | 1<<n
}

// Init returns the empty directories with every namespace alive.
func Init() State { return State{next: 1} }

// Exited reports whether namespace ns has exited.
func (s State) Exited(ns int) bool { return s.exited(ns) }

// exited is Exited by pointer, for the transitions: a State is 25
// words, which an inlined call by value copies.
func (s *State) exited(ns int) bool { return s.exits.Has(ns) }

// alive reports whether namespace ns exists now: valid, born, not exited.
func (s *State) alive(c *Config, ns int) bool {
	return c.validNS(ns) && !s.exited(ns) && (!slices.Contains(c.Later, ns) || s.borns.Has(ns))
}

// userAlive reports whether user namespace u exists and has not exited.
func (s *State) userAlive(c *Config, u int) bool {
	return inRange(u) && u <= c.users() && !s.userExits.Has(u)
}

// proc returns process p's current namespace, or 0 for no such process.
func (s *State) proc(c *Config, p int) int {
	if p < 1 || p > len(c.Procs) {
		return 0
	}
	if s.procs != nil {
		return s.procs[p-1]
	}
	return c.Procs[p-1]
}

// mountTag returns the namespace mount m captured, or 0 when there is no
// such mount (never made, or unmounted).
func (s *State) mountTag(c *Config, m int) int {
	if m <= 0 || s.unmounted.Has(m) {
		return 0
	}
	if m <= len(c.Mounts) {
		return c.Mounts[m-1]
	}
	for _, x := range s.mounts {
		if x.id == m {
			return x.tag
		}
	}
	return 0
}

// MountTag returns the namespace mount m captured in s, or 0 (not made,
// or unmounted): the tag its lookups and listings see. The end search of
// properties tells operations through different tags apart by it.
func (s State) MountTag(c Config, m int) int { return s.mountTag(&c, m) }

// mountUser returns the user namespace mount m captured, or 0.
func (s *State) mountUser(c *Config, m int) int {
	if s.mountTag(c, m) == 0 {
		return 0
	}
	if m <= len(c.Mounts) {
		return at(c.MountUsers, m-1)
	}
	for _, x := range s.mounts {
		if x.id == m {
			return x.user
		}
	}
	return 0
}

func (s *State) dev(id int) (device, bool) {
	i, ok := slices.BinarySearchFunc(s.devs, id, func(d device, id int) int { return d.id - id })
	if !ok {
		return device{}, false
	}
	return s.devs[i], true
}

// findDev returns the index of the device (name, tag), live or dying.
func (s *State) findDev(name string, tag int) int {
	return slices.IndexFunc(s.devs, func(d device) bool { return d.name == name && d.tag == tag })
}

// liveDev returns the index of the visible device (name, tag), or -1.
func (s *State) liveDev(name string, tag int) int {
	i := s.findDev(name, tag)
	if i >= 0 && s.devs[i].dying {
		return -1
	}
	return i
}

func (s *State) findLink(name string, tag int) int {
	return slices.IndexFunc(s.links, func(l link) bool { return l.name == name && l.tag == tag })
}

func (s *State) findFile(fd int) int {
	return slices.IndexFunc(s.files, func(f file) bool { return f.fd == fd })
}

func sortLinks(ls []link) { slices.SortFunc(ls, compareLinks) }

// compareLinks orders links by (name, tag), as a State keeps them.
func compareLinks(a, b link) int {
	if c := strings.Compare(a.name, b.name); c != 0 {
		return c
	}
	return a.tag - b.tag
}

// Equal compares states.
func (s State) Equal(t State) bool {
	return s.exits == t.exits && s.next == t.next && slices.Equal(s.devs, t.devs) &&
		slices.Equal(s.links, t.links) && slices.Equal(s.files, t.files) &&
		s.borns == t.borns && slices.Equal(s.procs, t.procs) && slices.Equal(s.mounts, t.mounts) && s.unmounted == t.unmounted &&
		s.userExits == t.userExits && slices.Equal(s.uids, t.uids) && slices.Equal(s.uidsDying, t.uidsDying)
}

// Hash returns a hash of s for tables of states: equal states (Equal)
// hash alike. It mixes the numbers of the state and leaves its names
// out, so states that differ only in names collide, and Equal tells them
// apart.
func (s State) Hash() uint64 {
	h := uint64(14695981039346656037)
	mix := func(x int) { h = (h ^ uint64(x)) * 1099511628211 }
	mix(int(s.exits))
	mix(int(s.borns))
	mix(int(s.unmounted))
	mix(int(s.userExits))
	mix(s.next)
	mix(len(s.devs))
	for _, d := range s.devs {
		mix(d.id<<8 | d.tag<<3 | b2i(d.dying)<<2 | b2i(d.phys)<<1 | b2i(d.unreg))
		mix(d.index)
	}
	mix(len(s.links))
	for _, l := range s.links {
		mix(l.tag<<32 | l.dev)
	}
	mix(len(s.files))
	for _, f := range s.files {
		mix(f.fd<<32 | f.dev<<8 | f.mount)
	}
	for _, p := range s.procs {
		mix(p)
	}
	for _, m := range s.mounts {
		mix(m.id<<16 | m.tag<<8 | m.user)
	}
	mix(len(s.uids))
	mix(len(s.uidsDying))
	return h
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s State) String() string {
	var b strings.Builder
	b.WriteString("class/net {")
	for i, l := range s.links {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s@ns%d", l.name, l.tag)
		if d, ok := s.dev(l.dev); !ok || d.name != l.name || d.tag != l.tag {
			fmt.Fprintf(&b, "->#%d", l.dev)
		}
	}
	b.WriteString("} devices/virtual/net {")
	for i, d := range s.devs {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s@ns%d#%d", d.name, d.tag, d.id)
		if d.dying {
			b.WriteString("(dying)")
		}
	}
	b.WriteString("}")
	for _, f := range s.files {
		fmt.Fprintf(&b, " fd%d->#%d", f.fd, f.dev)
	}
	for ns := 1; ns <= maxNum; ns++ {
		if s.exited(ns) {
			fmt.Fprintf(&b, " ns%d exited", ns)
		} else if s.borns.Has(ns) {
			fmt.Fprintf(&b, " ns%d cloned", ns)
		}
	}
	for i, ns := range s.procs {
		fmt.Fprintf(&b, " p%d@ns%d", i+1, ns)
	}
	for _, m := range s.mounts {
		fmt.Fprintf(&b, " m%d=ns%d", m.id, m.tag)
	}
	for m := 1; m <= maxNum; m++ {
		if s.unmounted.Has(m) {
			fmt.Fprintf(&b, " m%d unmounted", m)
		}
	}
	if len(s.uids) > 0 {
		fmt.Fprintf(&b, " kernel/uids %v", s.uids)
	}
	for u := 1; u <= maxNum; u++ {
		if s.userExits.Has(u) {
			fmt.Fprintf(&b, " user%d exited", u)
		}
	}
	return b.String()
}

// has, with and without treat a sorted slice of entries of s as a set;
// with and without change it in place only when s owns its arrays.
func has(set []Entry, e Entry) bool {
	_, ok := slices.BinarySearchFunc(set, e, Entry.Compare)
	return ok
}

func with(s *State, set []Entry, e Entry) []Entry {
	i, _ := slices.BinarySearchFunc(set, e, Entry.Compare)
	return slices.Insert(writable(s, set), i, e)
}

func without(s *State, set []Entry, e Entry) []Entry {
	i, ok := slices.BinarySearchFunc(set, e, Entry.Compare)
	if !ok {
		return set
	}
	return slices.Delete(writable(s, set), i, i+1)
}
