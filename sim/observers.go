package sim

import (
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// lookup is one path component looked up through a mount, through its
// dentry cache (walk).
func (k *Kernel) lookup(t *sched.Thread, op *model.Op) model.Result {
	tag, mnt := k.useMount(op.Mount, op.Dir) // never the caller's namespace (kernfs_iop_lookup)
	defer mnt.done()
	if tag == 0 {
		return errno(model.EINVAL)
	}
	tr := &k.tree
	k.rlock(t, &tr.lock)
	defer k.runlock(t, &tr.lock)
	n := k.walkDir(t, mnt, op.Dir, op.Name, tag)
	if n == nil {
		return errno(model.ENOENT)
	}
	return model.Result{Tag: n.owner}
}

// readlink is kernfs_iop_get_link: the target path is computed from the
// current tree (kernfs_get_target_path).
func (k *Kernel) readlink(t *sched.Thread, op *model.Op) model.Result {
	tag, mnt := k.useMount(op.Mount, op.Dir) // never the caller's namespace (kernfs_iop_lookup)
	defer mnt.done()
	if tag == 0 {
		return errno(model.EINVAL)
	}
	tr := &k.tree
	k.rlock(t, &tr.lock)
	defer k.runlock(t, &tr.lock)
	l := k.walk(t, mnt, k.class, op.Name, tag)
	if l == nil {
		return errno(model.ENOENT)
	}
	target := l.target
	tr.touch(t, target, "kernfs_get_target_path")
	if !target.linked || !target.isActive() { // removed: no longer in the tree
		return errno(model.ENOENT)
	}
	// class/net is two levels below the root.
	var buf [64]byte
	return model.Result{Target: string(tr.appendPath(append(buf[:0], "../.."...), target))}
}

// open is kernfs_fop_open of devices/virtual/net/<name>/ifindex: it takes
// a plain reference on the attribute, so the file follows its device.
func (k *Kernel) open(t *sched.Thread, op *model.Op) model.Result {
	tag, mnt := k.useMount(op.Mount, op.Dir)
	if tag == 0 {
		return errno(model.EINVAL)
	}
	if _, busy := k.files[op.FD]; busy || op.FD <= 0 {
		mnt.done()
		return errno(model.EINVAL)
	}
	tr := &k.tree
	k.rlock(t, &tr.lock)
	defer k.runlock(t, &tr.lock)
	dir := k.walkDir(t, mnt, model.Devices, op.Name, tag)
	if dir == nil {
		mnt.done()
		return errno(model.ENOENT)
	}
	attr := k.walk(t, mnt, dir, "ifindex", 0)
	if attr == nil {
		mnt.done()
		return errno(model.ENOENT)
	}
	tr.get(attr)
	k.files[op.FD] = openFile{attr, mnt} // the file keeps the mount busy
	return model.Result{Tag: dir.owner}
}

// read is kernfs_fop_read_iter: an active reference for the length of
// the show, which fails once the attribute is deactivated.
func (k *Kernel) read(t *sched.Thread, op *model.Op) model.Result {
	f, ok := k.files[op.FD]
	if !ok {
		return errno(model.EBADF)
	}
	n := f.attr
	tr := &k.tree
	tr.touch(t, n, "kernfs_get_active")
	if !n.isActive() {
		return errno(model.ENODEV)
	}
	n.active++
	if k.bugs.Has(BugShowTakesRTNL) {
		// The show method takes rtnl with the active reference held, as
		// net-sysfs attributes did before the 2009 rtnl_trylock fix and
		// as 79c61899b5ee avoids by breaking the active protection
		// first: an unregistration holding rtnl drains this reference.
		k.lock(t, &k.rtnl)
		tr.touch(t, n, "show")
		k.unlock(t, &k.rtnl)
	} else {
		tr.touch(t, n, "show")
	}
	v := n.value
	// netdev_show: -EINVAL once the device is unregistered (dev_isalive).
	alive := n.parent == nil || !n.parent.unreg
	tr.touch(t, n, "kernfs_put_active")
	n.active--
	if !alive {
		return errno(model.EINVAL)
	}
	return model.Result{Index: v}
}

// openFile is an open descriptor: the attribute it holds and the mount
// it keeps in use.
type openFile struct {
	attr  *node
	mount *sysfsMount
}

// close is kernfs_fop_release: the plain reference goes.
func (k *Kernel) close(t *sched.Thread, op *model.Op) model.Result {
	f, ok := k.files[op.FD]
	if !ok {
		return errno(model.EBADF)
	}
	delete(k.files, op.FD)
	k.tree.put(t, f.attr)
	f.mount.done()
	return model.Result{}
}
