package model

import "slices"

// The steps on a net device's two entries: its directory
// devices/virtual/net/<name> with its attribute files, and its symlink
// class/net/<name>. The net core runs them under rtnl, in the order Steps
// gives; each is atomic under the kernfs tree lock.

// byIndex returns op addressed by name: an operation of a kind that may
// address its device by ifindex (KindSpec.ByIndex) and does so acts on the
// visible device of namespace op.NS with that ifindex, as
// __dev_get_by_index finds it when the step runs, under the name it has
// in s then (a rename may have come between the recorder's resolving the
// name and the step). ok is false when no such device is there (the
// kernel's ENODEV from rtnl, ENOENT here as for a name that is not there).
func (s *State) byIndex(op Op) (_ Op, ok bool) {
	if op.Index == 0 || !kindSpecs[op.Kind].ByIndex {
		return op, true
	}
	i := slices.IndexFunc(s.devs, func(d device) bool { return d.index == op.Index && d.tag == op.NS && !d.dying })
	if i < 0 {
		return op, false
	}
	op.Name, op.Index = s.devs[i].name, 0
	return op, true
}

// addable is the check before an add into a tagged directory of the net
// class: a tagged parent requires a valid tag (kernfs_add_one), the name
// must pass dev_valid_name, and a namespace not alive takes no new entries.
func addable(c *Config, s *State, ns int, name string) Errno {
	if !c.validNS(ns) {
		return EINVAL
	}
	if e := ValidName(name); e != OK {
		return e
	}
	if !s.alive(c, ns) {
		return ENOENT
	}
	return OK
}

// addDev is device_add -> kobject_add -> kernfs_create_dir_ns: the
// device's directory, tagged with its namespace.
func addDev(c *Config, s *State, op *Op) Result {
	if e := addable(c, s, op.NS, op.Name); e != OK {
		return Result{Err: e}
	}
	if s.findDev(op.Name, op.NS) >= 0 {
		return Result{Err: EEXIST}
	}
	s.devs = appendTo(s, s.devs, device{id: s.next, name: op.Name, tag: op.NS, index: op.Index, phys: op.Phys})
	s.next++
	return Result{}
}

// addLink is device_add_class_symlinks -> sysfs_create_link: the link
// takes its target's tag, and the target must exist
// (sysfs_do_create_link_sd).
func addLink(c *Config, s *State, op *Op) Result {
	if e := addable(c, s, op.NS, op.Name); e != OK {
		return Result{Err: e}
	}
	d := s.liveDev(op.Name, op.NS)
	if d < 0 {
		return Result{Err: ENOENT}
	}
	if s.findLink(op.Name, op.NS) >= 0 {
		return Result{Err: EEXIST}
	}
	s.links = insertLink(s, link{op.Name, op.NS, s.devs[d].id})
	return Result{}
}

// delLink is device_remove_class_symlinks -> sysfs_delete_link: by name
// and the target's tag. A symlink has no active users, so its removal is
// immediate.
func delLink(c *Config, s *State, op *Op) Result {
	i := s.findLink(op.Name, op.NS)
	if i < 0 || c.unreachable(s, op) {
		return Result{Err: ENOENT}
	}
	s.links = slices.Delete(writable(s, s.links), i, i+1)
	return Result{}
}

// unregister is unregister_netdevice_many's first step: reg_state leaves
// NETREG_REGISTERED before the sysfs entries go, so from here the device's
// attributes read EINVAL (netdev_show).
func unregister(c *Config, s *State, op *Op) Result {
	i := s.liveDev(op.Name, op.NS)
	if i < 0 || s.devs[i].unreg || c.unreachable(s, op) {
		return Result{Err: ENOENT}
	}
	s.devs = writable(s, s.devs)
	s.devs[i].unreg = true
	return Result{}
}

// delDev is device_del -> kobject_del -> kernfs_remove: the whole subtree
// is deactivated at once, and the directory is unlinked after the drain
// (dyingDev).
func delDev(c *Config, s *State, op *Op) Result {
	i := s.liveDev(op.Name, op.NS)
	if i < 0 || c.unreachable(s, op) {
		return Result{Err: ENOENT}
	}
	s.devs = writable(s, s.devs)
	s.devs[i].dying = true
	return Result{}
}

// renameLink is device_rename's first step: sysfs_rename_link_ns ->
// kernfs_rename_ns on the class link.
func renameLink(c *Config, s *State, op *Op) Result {
	i := s.findLink(op.Name, op.NS)
	if i < 0 || c.unreachable(s, op) {
		return Result{Err: ENOENT}
	}
	if op.NewName == op.Name {
		return Result{}
	}
	if e := ValidName(op.NewName); e != OK {
		return Result{Err: e}
	}
	if s.findLink(op.NewName, op.NS) >= 0 {
		return Result{Err: EEXIST}
	}
	s.links = writable(s, s.links)
	s.links[i].name = op.NewName
	sortLinks(s.links)
	return Result{}
}

// renameDev is device_rename's second step: kobject_rename ->
// kernfs_rename_ns on the directory.
func renameDev(c *Config, s *State, op *Op) Result {
	i := s.liveDev(op.Name, op.NS)
	if i < 0 || c.unreachable(s, op) {
		return Result{Err: ENOENT}
	}
	if op.NewName == op.Name {
		return Result{}
	}
	if e := ValidName(op.NewName); e != OK {
		return Result{Err: e}
	}
	if s.findDev(op.NewName, op.NS) >= 0 {
		return Result{Err: EEXIST}
	}
	s.devs = writable(s, s.devs)
	s.devs[i].name = op.NewName
	return Result{}
}

// moveLink is __dev_change_net_namespace's first sysfs step: device_rename
// with the new namespace re-tags the class link (kernfs_rename_ns).
func moveLink(c *Config, s *State, op *Op) Result {
	i := s.findLink(op.Name, op.NS)
	if i < 0 || c.unreachable(s, op) {
		return Result{Err: ENOENT}
	}
	name, e := moveTo(c, s, op)
	if e != OK {
		return Result{Err: e}
	}
	if op.To == op.NS {
		return Result{}
	}
	if s.findLink(name, op.To) >= 0 {
		return Result{Err: EEXIST}
	}
	s.links = writable(s, s.links)
	s.links[i].name, s.links[i].tag = name, op.To
	sortLinks(s.links)
	return Result{}
}

// moveDev is __dev_change_net_namespace's second sysfs step: the
// directory re-tagged (kobject_rename -> kernfs_rename_ns).
func moveDev(c *Config, s *State, op *Op) Result {
	i := s.liveDev(op.Name, op.NS)
	if i < 0 || c.unreachable(s, op) {
		return Result{Err: ENOENT}
	}
	name, e := moveTo(c, s, op)
	if e != OK {
		return Result{Err: e}
	}
	if op.To == op.NS {
		return Result{}
	}
	if s.findDev(name, op.To) >= 0 {
		return Result{Err: EEXIST}
	}
	s.devs = writable(s, s.devs)
	s.devs[i].name, s.devs[i].tag = name, op.To
	return Result{}
}

// moveTo checks a move's destination and returns the name the entry takes
// there: the namespace must be alive, and a move within one namespace
// changes nothing. With a pattern (dev_change_net_namespace's pat, given
// when the device's name is taken there) the name changes in the same
// kernfs_rename_ns as the tag, and must be valid.
func moveTo(c *Config, s *State, op *Op) (string, Errno) {
	if !c.validNS(op.To) {
		return "", EINVAL
	}
	if !s.alive(c, op.To) {
		return "", ENOENT
	}
	if op.To == op.NS || op.NewName == "" {
		return op.Name, OK
	}
	if e := ValidName(op.NewName); e != OK {
		return "", e
	}
	return op.NewName, OK
}

// dyingDevIn reports whether dyingDev is on: the race of a device directory that a removal has made
// invisible but not yet unlinked, at the (name, tag) op brings a directory
// to. kernfs deactivates a node at once but unlinks it only after draining
// its active users (__kernfs_remove, kernfs_drain), and the collision
// checks (kernfs_link_sibling in kernfs_add_one, kernfs_find_ns in
// kernfs_rename_ns) do not skip inactive nodes. So while the removal is
// under way, an add, rename or move onto that (name, tag) may still fail
// with EEXIST, though lookups no longer find it.
func dyingDevIn(_ *Config, s *State, op *Op) bool {
	i := s.findDev(devTarget(op))
	return i >= 0 && s.devs[i].dying
}

func withoutDyingDev(s State, op Op) State {
	i := s.findDev(devTarget(&op))
	s.devs = slices.Delete(slices.Clone(s.devs), i, i+1)
	return s
}

// devTarget returns the (name, tag) a device add, rename or move brings a
// directory to.
func devTarget(op *Op) (string, int) {
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
