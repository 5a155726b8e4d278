package model

// kernel/uids is the seed article's example of a directory tagged by the
// user namespace, made tagged by its kobject (sysfs_make_tagged_dir, today
// a ktype's child_ns_type) rather than by a class. Mainline never tagged
// it, so these steps follow the kernfs rules the net class shows.

// addUID adds a user's kobject under kernel/uids, tagged with its user
// namespace (kobject_add -> kernfs_create_dir_ns). A dying entry of the
// same (name, tag) still collides (dyingUID).
func addUID(c *Config, s *State, op *Op) Result {
	if op.User < 1 || op.User > c.users() {
		return Result{Err: EINVAL}
	}
	if e := ValidName(op.Name); e != OK {
		return Result{Err: e}
	}
	if !s.userAlive(c, op.User) {
		return Result{Err: ENOENT}
	}
	e := Entry{op.Name, op.User}
	if has(s.uids, e) || has(s.uidsDying, e) {
		return Result{Err: EEXIST}
	}
	s.uids = with(s, s.uids, e)
	return Result{}
}

// delUID is kobject_del -> kernfs_remove: the entry is invisible at once
// and unlinked after the drain.
func delUID(_ *Config, s *State, op *Op) Result {
	e := Entry{op.Name, op.User}
	if !has(s.uids, e) {
		return Result{Err: ENOENT}
	}
	s.uids = without(s, s.uids, e)
	s.uidsDying = with(s, s.uidsDying, e)
	return Result{}
}

// dyingUIDIn reports whether dyingUID is on: the race of a kernel/uids
// entry removed but not yet unlinked, the same window as dyingDev's,
// since kernfs_remove removes these entries too.
func dyingUIDIn(_ *Config, s *State, op *Op) bool { return has(s.uidsDying, Entry{op.Name, op.User}) }

func withoutDyingUID(s State, op Op) State {
	s.uidsDying = without(&s, s.uidsDying, Entry{op.Name, op.User})
	return s
}
