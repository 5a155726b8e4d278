package model

import "slices"

// Namespaces, processes and mounts: what an observer sees through, and how
// it ends.

// exit is a network namespace going away, by the configuration's exit
// scheme. It is the one place that picks the scheme's function.
func exit(c *Config, s *State, op *Op) Result {
	if c.Exit == ExitKernel {
		return exitNet(c, s, op)
	}
	return exitTag(c, s, op)
}

// exitTag is the seed design's sysfs_exit_tag (sysfs_exit_ns in
// 2.6.35-2.6.39): every entry of the tag becomes invisible at once, in one
// step, and none is visible or added again.
func exitTag(c *Config, s *State, op *Op) Result {
	if !c.validNS(op.NS) {
		return Result{Err: EINVAL}
	}
	if !s.alive(c, op.NS) {
		return Result{Err: ENOENT}
	}
	s.exits = s.exits.With(op.NS)
	s.links = slices.DeleteFunc(writable(s, s.links), func(l link) bool { return l.tag == op.NS })
	s.devs = slices.DeleteFunc(writable(s, s.devs), func(d device) bool { return d.tag == op.NS })
	return Result{}
}

// exitNet is today's exit: the last reference goes (__put_net), and from
// then on nothing can address the namespace (unreachable). Its entries
// stay: cleanup_net later removes or hands back its devices one flow at a
// time, each recorded as its own steps marked Cleanup, and Gone marks the
// end. The initial namespace never exits.
func exitNet(c *Config, s *State, op *Op) Result {
	if !c.validNS(op.NS) || op.NS == 1 {
		return Result{Err: EINVAL}
	}
	if !s.alive(c, op.NS) {
		return Result{Err: ENOENT}
	}
	s.exits = s.exits.With(op.NS)
	return Result{}
}

// gone is the end of cleanup_net, under the kernel's scheme only. The
// kernel's rule is that it ends with nothing of the namespace left
// (netdev_exit warns otherwise), so gone always succeeds, and whatever
// the history did not show leaving goes with it: directories still
// draining stay until drained. A kernel whose teardown left something
// behind answers otherwise (EBUSY, or something seen afterwards), and
// property teardown reports it.
func gone(c *Config, s *State, op *Op) Result {
	if c.Exit != ExitKernel || !c.validNS(op.NS) || !s.exited(op.NS) {
		return Result{Err: EINVAL}
	}
	s.links = slices.DeleteFunc(writable(s, s.links), func(l link) bool { return l.tag == op.NS })
	s.devs = slices.DeleteFunc(writable(s, s.devs), func(d device) bool { return d.tag == op.NS && !d.dying })
	return Result{}
}

// exitUser is a user namespace's own exit: its tag's entries go at once,
// as sysfs_exit_tag would have it. The network namespaces it owns are
// untouched; each exits on its own.
func exitUser(c *Config, s *State, op *Op) Result {
	if op.User < 1 || op.User > c.users() {
		return Result{Err: EINVAL}
	}
	if !s.userAlive(c, op.User) {
		return Result{Err: ENOENT}
	}
	s.userExits = s.userExits.With(op.User)
	ofUser := func(e Entry) bool { return e.Tag == op.User }
	s.uids = slices.DeleteFunc(writable(s, s.uids), ofUser)
	s.uidsDying = slices.DeleteFunc(writable(s, s.uidsDying), ofUser)
	return Result{}
}

// clone brings to life, once, a namespace the program declared for later
// (copy_net_ns).
func clone(c *Config, s *State, op *Op) Result {
	if !c.validNS(op.NS) {
		return Result{Err: EINVAL}
	}
	if !slices.Contains(c.Later, op.NS) || s.borns.Has(op.NS) {
		return Result{Err: EEXIST}
	}
	s.borns = s.borns.With(op.NS)
	return Result{}
}

// setns moves a process into a living namespace (netns_install). It
// changes what the process's next mount captures, not what existing
// mounts show.
func setns(c *Config, s *State, op *Op) Result {
	if s.proc(c, op.Proc) == 0 || !c.validNS(op.NS) {
		return Result{Err: EINVAL}
	}
	if !s.alive(c, op.NS) {
		return Result{Err: ENOENT}
	}
	if s.procs == nil {
		// nil stands for c.Procs, which the State never owns.
		s.procs = slices.Clone(c.Procs)
	} else {
		s.procs = writable(s, s.procs)
	}
	s.procs[op.Proc-1] = op.NS
	return Result{}
}

// makeMount is sysfs_init_fs_context: the new mount captures the mounting
// process's tag of every type (mount_tag, today kobj_ns_grab_current) and
// holds them for its whole life. A mount number is used once.
func makeMount(c *Config, s *State, op *Op) Result {
	ns := s.proc(c, op.Proc)
	if ns == 0 || !inRange(op.Mount) {
		return Result{Err: EINVAL}
	}
	if op.Mount <= len(c.Mounts) || s.unmounted.Has(op.Mount) || s.mountTag(c, op.Mount) != 0 {
		return Result{Err: EBUSY}
	}
	if !s.alive(c, ns) {
		return Result{Err: ENOENT}
	}
	user := c.currentTag(UserTag, op.Proc, s)
	s.mounts = appendTo(s, s.mounts, mount{op.Mount, ns, user})
	return Result{Tag: ns, User: user}
}

// umount is umount(2) without MNT_DETACH: EINVAL for no such mount, EBUSY
// while a file is open through it (do_umount, propagate_mount_busy).
func umount(c *Config, s *State, op *Op) Result {
	if s.mountTag(c, op.Mount) == 0 {
		return Result{Err: EINVAL}
	}
	if slices.ContainsFunc(s.files, func(f file) bool { return f.mount == op.Mount }) {
		return Result{Err: EBUSY}
	}
	s.unmounted = s.unmounted.With(op.Mount)
	return Result{}
}

// busyMountIn reports whether busyMount, umount's race, is on: it always
// is, as an operation in flight through the mount keeps it busy too,
// which the specification cannot see, so EBUSY is always allowed.
func busyMountIn(*Config, *State, *Op) bool { return true }
