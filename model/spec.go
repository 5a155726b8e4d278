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

// State is the content of the net class's two tagged directories, the open
// files and the exited namespaces, between two operations. It is a value:
// Step never changes the State it is given.
type State struct {
	devs  []device // by id
	links []link   // by (name, tag)
	files []file   // by fd
	exits uint64   // bit n set: namespace n has exited
	next  int      // the next device id

	borns  uint64  // bit n set: namespace n, declared for later, was cloned
	procs  []int   // each process's namespace; nil until a setns
	mounts []mount // mounts made by the program
	gone   uint64  // bit m set: mount m was unmounted

	uids      []Entry // kernel/uids: name and user namespace, sorted
	uidsDying []Entry // removed, not yet unlinked: still colliding
	userExits uint64  // bit u set: user namespace u has exited
}

// mount is a sysfs mount made by the program: the tags it captured.
type mount struct{ id, tag, user int }

// mountUser returns the user namespace mount m captured, or 0.
func (s State) mountUser(c Config, m int) int {
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

// userAlive reports whether user namespace u exists and has not exited.
func (s State) userAlive(c Config, u int) bool {
	return u >= 1 && u <= c.users() && u < 64 && s.userExits&(1<<u) == 0
}

// alive reports whether namespace ns exists now: valid, born, not exited.
func (s State) alive(c Config, ns int) bool {
	return c.validNS(ns) && !s.Exited(ns) && (!slices.Contains(c.Later, ns) || s.borns&(1<<ns) != 0)
}

// mountTag returns the namespace mount m captured, or 0 when there is no
// such mount (never made, or unmounted).
func (s State) mountTag(c Config, m int) int {
	if m <= 0 || m < 64 && s.gone&(1<<m) != 0 {
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

// proc returns process p's current namespace, or 0 for no such process.
func (s State) proc(c Config, p int) int {
	if p < 1 || p > len(c.Procs) {
		return 0
	}
	if s.procs != nil {
		return s.procs[p-1]
	}
	return c.Procs[p-1]
}

// Init returns the empty directories with every namespace alive.
func Init() State { return State{next: 1} }

// Exited reports whether namespace ns has exited.
func (s State) Exited(ns int) bool { return ns > 0 && ns < 64 && s.exits&(1<<ns) != 0 }

// Equal compares states.
func (s State) Equal(t State) bool {
	return s.exits == t.exits && s.next == t.next && slices.Equal(s.devs, t.devs) &&
		slices.Equal(s.links, t.links) && slices.Equal(s.files, t.files) &&
		s.borns == t.borns && slices.Equal(s.procs, t.procs) && slices.Equal(s.mounts, t.mounts) && s.gone == t.gone &&
		s.userExits == t.userExits && slices.Equal(s.uids, t.uids) && slices.Equal(s.uidsDying, t.uidsDying)
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
	for ns := 1; ns < 64; ns++ {
		if s.Exited(ns) {
			fmt.Fprintf(&b, " ns%d exited", ns)
		} else if s.borns&(1<<ns) != 0 {
			fmt.Fprintf(&b, " ns%d cloned", ns)
		}
	}
	for i, ns := range s.procs {
		fmt.Fprintf(&b, " p%d@ns%d", i+1, ns)
	}
	for _, m := range s.mounts {
		fmt.Fprintf(&b, " m%d=ns%d", m.id, m.tag)
	}
	for m := 1; m < 64; m++ {
		if s.gone&(1<<m) != 0 {
			fmt.Fprintf(&b, " m%d unmounted", m)
		}
	}
	if len(s.uids) > 0 {
		fmt.Fprintf(&b, " kernel/uids %v", s.uids)
	}
	for u := 1; u < 64; u++ {
		if s.userExits&(1<<u) != 0 {
			fmt.Fprintf(&b, " user%d exited", u)
		}
	}
	return b.String()
}

func (s State) dev(id int) (device, bool) {
	i, ok := slices.BinarySearchFunc(s.devs, id, func(d device, id int) int { return d.id - id })
	if !ok {
		return device{}, false
	}
	return s.devs[i], true
}

// findDev returns the index of the device (name, tag), live or dying.
func (s State) findDev(name string, tag int) int {
	return slices.IndexFunc(s.devs, func(d device) bool { return d.name == name && d.tag == tag })
}

// liveDev returns the index of the visible device (name, tag), or -1.
func (s State) liveDev(name string, tag int) int {
	i := s.findDev(name, tag)
	if i >= 0 && s.devs[i].dying {
		return -1
	}
	return i
}

func (s State) findLink(name string, tag int) int {
	return slices.IndexFunc(s.links, func(l link) bool { return l.name == name && l.tag == tag })
}

func (s State) findFile(fd int) int {
	return slices.IndexFunc(s.files, func(f file) bool { return f.fd == fd })
}

func sortLinks(ls []link) {
	slices.SortFunc(ls, func(a, b link) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return a.tag - b.tag
	})
}

// Outcome is one result the specification allows, with the state after it.
type Outcome struct {
	Result Result
	State  State
}

// Step returns every outcome the specification allows for op in state s,
// the most deterministic one first. op must be a step, an observer or Exit;
// Steps expands a device flow.
//
// Almost every operation has exactly one outcome. The exception is a
// device directory that a concurrent removal has made invisible but not yet
// unlinked: kernfs deactivates a node at once but unlinks it only after
// draining its active users (__kernfs_remove, kernfs_drain), and
// kernfs_find_ns, which kernfs_add_one and kernfs_rename_ns use to detect a
// collision, does not skip inactive nodes. So while the removal is under
// way, an add, rename or move onto that (name, tag) may still fail with
// EEXIST, though lookups no longer find it.
func Step(c Config, s State, op Op) []Outcome {
	if r, next, ok := single(c, s, op); ok {
		return []Outcome{{r, next}}
	}
	if op.Kind == Umount {
		return umount(c, s, op)
	}
	cleared := s
	if op.Kind == AddUID {
		// The same window as for devices: kernel/uids entries are removed
		// by kernfs_remove too.
		cleared.uidsDying = without(s.uidsDying, Entry{op.Name, op.User})
	} else {
		i := s.findDev(devTarget(op))
		cleared.devs = slices.Delete(slices.Clone(s.devs), i, i+1)
	}
	r, next := apply(c, cleared, op)
	if r.Err != OK {
		// It failed on a check that comes before the collision, and the
		// dying entry is still there.
		return []Outcome{{r, s}}
	}
	return []Outcome{{r, next}, {Result{Err: EEXIST}, s}}
}

// single returns the outcome of op in s when Step allows only one, as it
// does unless a dying entry is in the way or op is an umount. It does not
// allocate a slice of outcomes: the common case of a sequential check.
func single(c Config, s State, op Op) (Result, State, bool) {
	switch op.Kind {
	case Umount:
		return Result{}, State{}, false
	case AddUID:
		if has(s.uidsDying, Entry{op.Name, op.User}) {
			return Result{}, State{}, false
		}
	case AddDev, RenameDev, MoveDev:
		if i := s.findDev(devTarget(op)); i >= 0 && s.devs[i].dying {
			return Result{}, State{}, false
		}
	}
	r, next := apply(c, s, op)
	return r, next, true
}

// devTarget returns the (name, tag) a device add, rename or move brings a
// directory to.
func devTarget(op Op) (string, int) {
	switch op.Kind {
	case RenameDev:
		return op.NewName, op.NS
	case MoveDev:
		if op.NewName != "" {
			return op.NewName, op.To
		}
		return op.Name, op.To
	}
	return op.Name, op.NS
}

// Apply returns the outcome of op when nothing else runs, so that every
// removal has completed: the first outcome of Step. A device flow runs
// its description (FlowOf) step by step, undo included, and returns the
// error of the step that failed.
func Apply(c Config, s State, op Op) (Result, State) {
	if op.Kind.IsFlow() {
		return applyFlow(c, s, op)
	}
	o := Step(c, s, op)[0]
	return o.Result, o.State
}

func (c Config) validNS(ns int) bool { return ns >= 1 && ns <= c.Namespaces && ns < 64 }

// unreachable reports whether op acts on a device of a namespace that has
// exited under the kernel's scheme, from anywhere but cleanup_net.
func (c Config) unreachable(s State, op Op) bool {
	if c.Exit != ExitKernel || op.Cleanup || !s.Exited(op.NS) {
		return false
	}
	switch op.Kind {
	case DelLink, DelDev, Unregister, RenameLink, RenameDev, MoveLink, MoveDev:
		return true
	}
	return false
}

// apply treats dying devices as present only where they collide, which
// Step has already dealt with.
func apply(c Config, s State, op Op) (Result, State) {
	fail := func(e Errno) (Result, State) { return Result{Err: e}, s }
	if c.unreachable(s, op) {
		return fail(ENOENT)
	}
	switch op.Kind {
	case AddDev:
		// device_add -> kobject_add -> kernfs_create_dir_ns: a tagged parent
		// requires a tag (kernfs_add_one), names as dev_valid_name, and a
		// dead namespace takes no new entries.
		if !c.validNS(op.NS) {
			return fail(EINVAL)
		}
		if e := ValidName(op.Name); e != OK {
			return fail(e)
		}
		if !s.alive(c, op.NS) {
			return fail(ENOENT)
		}
		if s.findDev(op.Name, op.NS) >= 0 {
			return fail(EEXIST)
		}
		s.devs = append(slices.Clip(s.devs), device{id: s.next, name: op.Name, tag: op.NS, index: op.Index, phys: op.Phys})
		s.next++
		return Result{}, s

	case AddLink:
		// device_add_class_symlinks -> sysfs_create_link: the link takes its
		// target's tag; the target must exist (sysfs_do_create_link_sd).
		if !c.validNS(op.NS) {
			return fail(EINVAL)
		}
		if e := ValidName(op.Name); e != OK {
			return fail(e)
		}
		if !s.alive(c, op.NS) {
			return fail(ENOENT)
		}
		d := s.liveDev(op.Name, op.NS)
		if d < 0 {
			return fail(ENOENT)
		}
		if s.findLink(op.Name, op.NS) >= 0 {
			return fail(EEXIST)
		}
		s.links = append(slices.Clone(s.links), link{op.Name, op.NS, s.devs[d].id})
		sortLinks(s.links)
		return Result{}, s

	case DelLink:
		// sysfs_delete_link: by (name, target's tag). A symlink has no
		// active users, so its removal is immediate.
		i := s.findLink(op.Name, op.NS)
		if i < 0 {
			return fail(ENOENT)
		}
		s.links = slices.Delete(slices.Clone(s.links), i, i+1)
		return Result{}, s

	case Unregister:
		// unregister_netdevice_many: reg_state leaves NETREG_REGISTERED
		// before the sysfs entries go.
		i := s.liveDev(op.Name, op.NS)
		if i < 0 || s.devs[i].unreg {
			return fail(ENOENT)
		}
		s.devs = slices.Clone(s.devs)
		s.devs[i].unreg = true
		return Result{}, s

	case DelDev:
		// kobject_del -> kernfs_remove: the whole subtree is deactivated at
		// once; the directory is unlinked after the drain.
		i := s.liveDev(op.Name, op.NS)
		if i < 0 {
			return fail(ENOENT)
		}
		s.devs = slices.Clone(s.devs)
		s.devs[i].dying = true
		return Result{}, s

	case RenameLink:
		// sysfs_rename_link_ns -> kernfs_rename_ns on the link.
		i := s.findLink(op.Name, op.NS)
		if i < 0 {
			return fail(ENOENT)
		}
		if op.NewName == op.Name {
			return Result{}, s
		}
		if e := ValidName(op.NewName); e != OK {
			return fail(e)
		}
		if s.findLink(op.NewName, op.NS) >= 0 {
			return fail(EEXIST)
		}
		s.links = slices.Clone(s.links)
		s.links[i].name = op.NewName
		sortLinks(s.links)
		return Result{}, s

	case RenameDev:
		// kobject_rename -> kernfs_rename_ns on the directory.
		i := s.liveDev(op.Name, op.NS)
		if i < 0 {
			return fail(ENOENT)
		}
		if op.NewName == op.Name {
			return Result{}, s
		}
		if e := ValidName(op.NewName); e != OK {
			return fail(e)
		}
		if s.findDev(op.NewName, op.NS) >= 0 {
			return fail(EEXIST)
		}
		s.devs = slices.Clone(s.devs)
		s.devs[i].name = op.NewName
		return Result{}, s

	case MoveLink, MoveDev:
		// __dev_change_net_namespace -> device_rename with the new
		// namespace: kernfs_rename_ns re-tags link, then directory.
		isLink := op.Kind == MoveLink
		var i int
		if isLink {
			i = s.findLink(op.Name, op.NS)
		} else {
			i = s.liveDev(op.Name, op.NS)
		}
		if i < 0 {
			return fail(ENOENT)
		}
		if !c.validNS(op.To) {
			return fail(EINVAL)
		}
		if !s.alive(c, op.To) {
			return fail(ENOENT)
		}
		if op.To == op.NS {
			return Result{}, s
		}
		name := op.Name
		if op.NewName != "" {
			// dev_change_net_namespace with a pattern: the name changes in
			// the same kernfs_rename_ns as the tag.
			if e := ValidName(op.NewName); e != OK {
				return fail(e)
			}
			name = op.NewName
		}
		if isLink {
			if s.findLink(name, op.To) >= 0 {
				return fail(EEXIST)
			}
			s.links = slices.Clone(s.links)
			s.links[i].name, s.links[i].tag = name, op.To
			sortLinks(s.links)
		} else {
			if s.findDev(name, op.To) >= 0 {
				return fail(EEXIST)
			}
			s.devs = slices.Clone(s.devs)
			s.devs[i].name, s.devs[i].tag = name, op.To
		}
		return Result{}, s

	case Exit:
		// sysfs_exit_tag: every entry of the tag invisible at once; none is
		// visible or added again.
		if !c.validNS(op.NS) || c.Exit == ExitKernel && op.NS == 1 {
			return fail(EINVAL) // the initial namespace never exits
		}
		if !s.alive(c, op.NS) {
			return fail(ENOENT)
		}
		s.exits |= 1 << op.NS
		if c.Exit == ExitKernel {
			// cleanup_net: the devices go one flow at a time, recorded as
			// their own steps, and Gone marks the end.
			return Result{}, s
		}
		s.links = slices.DeleteFunc(slices.Clone(s.links), func(l link) bool { return l.tag == op.NS })
		s.devs = slices.DeleteFunc(slices.Clone(s.devs), func(d device) bool { return d.tag == op.NS })
		return Result{}, s

	case Gone:
		// The end of cleanup_net: nothing of the namespace is left.
		if c.Exit != ExitKernel || !c.validNS(op.NS) || !s.Exited(op.NS) {
			return fail(EINVAL)
		}
		if slices.ContainsFunc(s.links, func(l link) bool { return l.tag == op.NS }) ||
			slices.ContainsFunc(s.devs, func(d device) bool { return d.tag == op.NS && !d.dying }) {
			return fail(EBUSY)
		}
		return Result{}, s

	case AddUID:
		// A user's kobject under kernel/uids, tagged with its user
		// namespace (the kobject-made tagged directory).
		if op.User < 1 || op.User > c.users() {
			return fail(EINVAL)
		}
		if e := ValidName(op.Name); e != OK {
			return fail(e)
		}
		if !s.userAlive(c, op.User) {
			return fail(ENOENT)
		}
		e := Entry{op.Name, op.User}
		if has(s.uids, e) || has(s.uidsDying, e) {
			return fail(EEXIST)
		}
		s.uids = with(s.uids, e)
		return Result{}, s

	case DelUID:
		// kernfs_remove: invisible at once, unlinked after the drain.
		e := Entry{op.Name, op.User}
		if !has(s.uids, e) {
			return fail(ENOENT)
		}
		s.uids = without(s.uids, e)
		s.uidsDying = with(s.uidsDying, e)
		return Result{}, s

	case ExitUser:
		// The user namespace's own exit: its tag's entries go at once; the
		// network namespaces it owns are untouched.
		if op.User < 1 || op.User > c.users() {
			return fail(EINVAL)
		}
		if !s.userAlive(c, op.User) {
			return fail(ENOENT)
		}
		s.userExits |= 1 << op.User
		gone := func(e Entry) bool { return e.Tag == op.User }
		s.uids = slices.DeleteFunc(slices.Clone(s.uids), gone)
		s.uidsDying = slices.DeleteFunc(slices.Clone(s.uidsDying), gone)
		return Result{}, s

	case Clone:
		// A namespace declared for later comes to life once.
		if !c.validNS(op.NS) {
			return fail(EINVAL)
		}
		if !slices.Contains(c.Later, op.NS) || s.borns&(1<<op.NS) != 0 {
			return fail(EEXIST)
		}
		s.borns |= 1 << op.NS
		return Result{}, s

	case Setns:
		if s.proc(c, op.Proc) == 0 || !c.validNS(op.NS) {
			return fail(EINVAL)
		}
		if !s.alive(c, op.NS) {
			return fail(ENOENT)
		}
		s.procs = slices.Clone(s.procs)
		if s.procs == nil {
			s.procs = slices.Clone(c.Procs)
		}
		s.procs[op.Proc-1] = op.NS
		return Result{}, s

	case Mount:
		// sysfs_init_fs_context: the mount captures the mounting process's
		// namespace (mount_tag) and holds it for its whole life.
		ns := s.proc(c, op.Proc)
		if ns == 0 || op.Mount <= 0 || op.Mount >= 64 {
			return fail(EINVAL)
		}
		if op.Mount <= len(c.Mounts) || s.gone&(1<<op.Mount) != 0 || s.mountTag(c, op.Mount) != 0 {
			return fail(EBUSY)
		}
		if !s.alive(c, ns) {
			return fail(ENOENT)
		}
		user := c.CurrentTag(UserTag, op.Proc, s)
		s.mounts = append(slices.Clone(s.mounts), mount{op.Mount, ns, user})
		return Result{Tag: ns, User: user}, s

	}
	return observe(c, s, op)
}

// umount is umount(2) without MNT_DETACH: EBUSY while the mount is in
// use. An open file keeps it busy for sure; an operation in flight through
// it may too, which the specification cannot see, so EBUSY is always
// allowed.
func umount(c Config, s State, op Op) []Outcome {
	busy := Outcome{Result{Err: EBUSY}, s}
	if s.mountTag(c, op.Mount) == 0 {
		return []Outcome{{Result{Err: EINVAL}, s}}
	}
	if slices.ContainsFunc(s.files, func(f file) bool { return f.mount == op.Mount }) {
		return []Outcome{busy}
	}
	s.gone |= 1 << op.Mount
	return []Outcome{{Result{}, s}, busy}
}

const devicesPath = "../../devices/virtual/net/"

// observe applies an observer. Lookups use the tag the mount captured,
// never the caller's (kernfs_iop_lookup); inactive nodes are absent.
func observe(c Config, s State, op Op) (Result, State) {
	fail := func(e Errno) (Result, State) { return Result{Err: e}, s }
	tag := s.mountTag(c, op.Mount)
	switch op.Kind {
	case Read:
		// kernfs_fop_read_iter: an active reference for the read, which
		// fails once the node is deactivated.
		i := s.findFile(op.FD)
		if i < 0 {
			return fail(EBADF)
		}
		d, ok := s.dev(s.files[i].dev)
		if !ok || d.dying {
			return fail(ENODEV)
		}
		if d.unreg {
			// netdev_show: -EINVAL once !dev_isalive(dev).
			return fail(EINVAL)
		}
		return Result{Index: d.index}, s
	case Close:
		i := s.findFile(op.FD)
		if i < 0 {
			return fail(EBADF)
		}
		s.files = slices.Delete(slices.Clone(s.files), i, i+1)
		return Result{}, s
	}
	if tag == 0 {
		return fail(EINVAL)
	}
	switch op.Kind {
	case Lookup:
		if op.Dir == UIDs {
			if u := s.mountUser(c, op.Mount); has(s.uids, Entry{op.Name, u}) {
				return Result{Tag: u}, s
			}
			return fail(ENOENT)
		}
		if op.Dir == Devices {
			if s.liveDev(op.Name, tag) >= 0 {
				return Result{Tag: tag}, s
			}
		} else if s.findLink(op.Name, tag) >= 0 {
			return Result{Tag: tag}, s
		}
		return fail(ENOENT)

	case Readlink:
		// kernfs_get_target_path: computed from the current tree.
		i := s.findLink(op.Name, tag)
		if i < 0 {
			return fail(ENOENT)
		}
		d, ok := s.dev(s.links[i].dev)
		if !ok {
			return fail(ENOENT)
		}
		return Result{Target: devicesPath + d.name}, s

	case Open:
		// kernfs_fop_open: a plain reference on the attribute; the file
		// then follows its device, not the namespace.
		if op.FD <= 0 || s.findFile(op.FD) >= 0 {
			return fail(EINVAL)
		}
		i := s.liveDev(op.Name, tag)
		if i < 0 {
			return fail(ENOENT)
		}
		s.files = append(slices.Clone(s.files), file{op.FD, s.devs[i].id, op.Mount})
		slices.SortFunc(s.files, func(a, b file) int { return a.fd - b.fd })
		return Result{Tag: tag}, s

	case Readdir:
		entries := []Entry{}
		if op.Dir == UIDs {
			u := s.mountUser(c, op.Mount)
			for _, e := range s.uids {
				if e.Tag == u {
					entries = append(entries, e)
				}
			}
		} else if op.Dir == Devices {
			for _, d := range s.devs {
				if d.tag == tag && !d.dying {
					entries = append(entries, Entry{d.name, d.tag})
				}
			}
			slices.SortFunc(entries, Entry.Compare)
		} else {
			for _, l := range s.links {
				if l.tag == tag {
					entries = append(entries, Entry{l.name, l.tag})
				}
			}
		}
		return Result{Entries: entries}, s
	}
	return fail(EINVAL)
}

// SameResult reports whether two results are equal, comparing readdir
// listings as sets (their order is the implementation's hash order) and
// ifindex only where both sides know it.
func SameResult(a, b Result) bool {
	if a.Err != b.Err || a.Tag != b.Tag || a.Target != b.Target || len(a.Entries) != len(b.Entries) {
		return false
	}
	if a.Index != b.Index && a.Index != 0 && b.Index != 0 {
		return false
	}
	if len(a.Entries) == 0 {
		return true
	}
	x := slices.SortedFunc(slices.Values(a.Entries), Entry.Compare)
	y := slices.SortedFunc(slices.Values(b.Entries), Entry.Compare)
	return slices.Equal(x, y)
}

func has(set []Entry, e Entry) bool {
	_, ok := slices.BinarySearchFunc(set, e, Entry.Compare)
	return ok
}

func with(set []Entry, e Entry) []Entry {
	i, _ := slices.BinarySearchFunc(set, e, Entry.Compare)
	return slices.Insert(slices.Clone(set), i, e)
}

func without(set []Entry, e Entry) []Entry {
	i, ok := slices.BinarySearchFunc(set, e, Entry.Compare)
	if !ok {
		return set
	}
	return slices.Delete(slices.Clone(set), i, i+1)
}
