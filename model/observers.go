package model

import "slices"

// The observers. Those through a mount use the tag the mount captured,
// never the caller's (kernfs_info(sb)->ns in kernfs_iop_lookup), and an
// inactive node is absent to them: a dying entry is not there. A mount
// that is not there is EINVAL.

const devicesPath = "../../devices/virtual/net/"

// lookup is kernfs_iop_lookup -> kernfs_find_ns in op.Dir with the mount's
// tag (for kernel/uids, the user tag); it returns the tag it found.
func lookup(c *Config, s *State, op *Op) Result {
	tag := s.mountTag(c, op.Mount)
	if tag == 0 {
		return Result{Err: EINVAL}
	}
	var found bool
	switch op.Dir {
	case UIDs:
		tag = s.mountUser(c, op.Mount)
		found = has(s.uids, Entry{op.Name, tag})
	case Devices:
		found = s.liveDev(op.Name, tag) >= 0
	default:
		found = s.findLink(op.Name, tag) >= 0
	}
	if !found {
		return Result{Err: ENOENT}
	}
	return Result{Tag: tag}
}

// readdir is kernfs_fop_readdir: the entries of op.Dir with the mount's
// tag, inactive ones skipped (kernfs_dir_pos). The model lists at once; a
// listing under concurrency is the readdir-regularity checker's to judge.
func readdir(c *Config, s *State, op *Op) Result {
	tag := s.mountTag(c, op.Mount)
	if tag == 0 {
		return Result{Err: EINVAL}
	}
	entries := []Entry{}
	switch op.Dir {
	case UIDs:
		u := s.mountUser(c, op.Mount)
		for _, e := range s.uids {
			if e.Tag == u {
				entries = append(entries, e)
			}
		}
	case Devices:
		for _, d := range s.devs {
			if d.tag == tag && !d.dying {
				entries = append(entries, Entry{d.name, d.tag})
			}
		}
		slices.SortFunc(entries, Entry.Compare)
	default:
		for _, l := range s.links {
			if l.tag == tag {
				entries = append(entries, Entry{l.name, l.tag})
			}
		}
	}
	return Result{Entries: entries}
}

// readlink is kernfs_iop_get_link -> kernfs_get_target_path: the target
// is computed from the current tree, so it follows a renamed directory.
func readlink(c *Config, s *State, op *Op) Result {
	tag := s.mountTag(c, op.Mount)
	if tag == 0 {
		return Result{Err: EINVAL}
	}
	i := s.findLink(op.Name, tag)
	if i < 0 {
		return Result{Err: ENOENT}
	}
	d, ok := s.dev(s.links[i].dev)
	if !ok {
		return Result{Err: ENOENT}
	}
	return Result{Target: devicesPath + d.name}
}

// open is kernfs_fop_open on devices/virtual/net/<name>/ifindex: a plain
// reference on the attribute, so the file then follows its device, not
// the namespace, and keeps its mount busy. op.FD is the descriptor's
// number, unused until it is closed.
func open(c *Config, s *State, op *Op) Result {
	tag := s.mountTag(c, op.Mount)
	if tag == 0 || op.FD <= 0 || s.findFile(op.FD) >= 0 {
		return Result{Err: EINVAL}
	}
	i := s.liveDev(op.Name, tag)
	if i < 0 {
		return Result{Err: ENOENT}
	}
	s.files = appendTo(s, s.files, file{op.FD, s.devs[i].id, op.Mount})
	slices.SortFunc(s.files, func(a, b file) int { return a.fd - b.fd })
	return Result{Tag: tag}
}

// read is kernfs_fop_read_iter: it takes an active reference for the
// read, which fails with ENODEV once the node is deactivated. The show
// itself is netdev_show: EINVAL once !dev_isalive, that is once the device
// is unregistered.
func read(_ *Config, s *State, op *Op) Result {
	i := s.findFile(op.FD)
	if i < 0 {
		return Result{Err: EBADF}
	}
	d, ok := s.dev(s.files[i].dev)
	if !ok || d.dying {
		return Result{Err: ENODEV}
	}
	if d.unreg {
		return Result{Err: EINVAL}
	}
	return Result{Index: d.index}
}

// closeFile is close(2), which ends in kernfs_fop_release: the plain
// reference goes and the mount is no longer busy for it.
func closeFile(_ *Config, s *State, op *Op) Result {
	i := s.findFile(op.FD)
	if i < 0 {
		return Result{Err: EBADF}
	}
	s.files = slices.Delete(writable(s, s.files), i, i+1)
	return Result{}
}

// glueGoneIn reports whether glueGone is on: a listing's race in devices/virtual/net, the class's glue
// directory: get_device_parent makes it with the class's first device and
// cleanup_glue_dir removes it with the last, of every namespace
// (drivers/base/core.c), so while it is gone opening it fails with ENOENT.
// It is gone only when no namespace has a device, and ENOENT is allowed
// when the state has no visible device at all. A history checked whole
// has every namespace's devices in its state: the rule is exact there. A
// history checked namespace by namespace (partition) has only the mount's
// own namespace's: the rule is then the weakest that is sound, ENOENT
// whenever that namespace has none, since the others' the check cannot
// see. A dying device does not keep the directory: its removal may have
// unlinked it already.
func glueGoneIn(c *Config, s *State, op *Op) bool {
	if op.Dir != Devices || s.mountTag(c, op.Mount) == 0 {
		return false
	}
	return !slices.ContainsFunc(s.devs, func(d device) bool { return !d.dying })
}
