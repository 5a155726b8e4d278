//go:build linux

package kernel

import (
	"github.com/sysfsim/sysfsim/model"
)

// Namespaces born during the run, processes and mounts.
//
// A process is the namespace its next mount will be made in: the backend
// records a setns rather than moving a thread, and a mount enters the
// process's namespace with setns on a locked thread of its own, then makes
// its sysfs instance there (sysfs_init_fs_context captures the namespace of
// the thread that makes it). What the kernel decides, the tag a mount
// captures and keeps, is the kernel's; the bookkeeping of process and mount
// numbers is the backend's and follows the model.

// clone brings to life a namespace the program declared for later.
func (b *Backend) clone(op model.Op) (model.Result, error) {
	if !b.valid(op.NS) {
		return fail(model.EINVAL)
	}
	ns := b.ns[op.NS]
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if !contains(b.cfg.Later, op.NS) || ns.born || ns.exited {
		return fail(model.EEXIST)
	}
	if err := ns.make(); err != nil {
		return model.Result{}, err
	}
	return model.Result{}, nil
}

func contains(s []int, x int) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// proc returns the namespace process p is in, or 0.
func (b *Backend) proc(p int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p < 1 || p > len(b.procs) {
		return 0
	}
	return b.procs[p-1]
}

// setns moves process p into a live namespace.
func (b *Backend) setns(op model.Op) (model.Result, error) {
	if b.proc(op.Proc) == 0 || !b.valid(op.NS) {
		return fail(model.EINVAL)
	}
	ns, ok := b.alive(op.NS)
	if !ok {
		return fail(model.ENOENT)
	}
	defer ns.mu.RUnlock()
	b.mu.Lock()
	b.procs[op.Proc-1] = op.NS
	b.mu.Unlock()
	return model.Result{}, nil
}

// mount makes a sysfs instance in process p's namespace under the program's
// mount number op.Mount, and returns the tag it captured.
func (b *Backend) mount(op model.Op) (model.Result, error) {
	at := b.proc(op.Proc)
	if at == 0 || op.Mount <= 0 || op.Mount >= 64 {
		return fail(model.EINVAL)
	}
	b.mu.Lock()
	used := b.made[op.Mount]
	b.made[op.Mount] = true
	b.mu.Unlock()
	if used {
		return fail(model.EBUSY)
	}
	ns, ok := b.alive(at)
	if !ok {
		b.mu.Lock()
		delete(b.made, op.Mount)
		b.mu.Unlock()
		return fail(model.ENOENT)
	}
	defer ns.mu.RUnlock()
	v, err := ns.newMount()
	if err != nil {
		return model.Result{}, err
	}
	b.mu.Lock()
	b.mounts[op.Mount] = &mount{tag: at, v: v}
	b.mu.Unlock()
	return model.Result{Tag: at}, nil
}

// umount drops a mount: its sysfs instance goes with its descriptors, once
// the observers using it are done. A mount through which a file is still
// open is busy: the backend answers EBUSY, as umount(2) without MNT_DETACH
// does (do_umount, propagate_mount_busy); its mounts are detached
// instances, so there is no umount(2) to ask.
func (b *Backend) umount(op model.Op) (model.Result, error) {
	b.mu.Lock()
	m, ok := b.mounts[op.Mount]
	b.mu.Unlock()
	if !ok {
		return fail(model.EINVAL)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if m.gone {
		return fail(model.EINVAL)
	}
	for _, f := range b.files {
		if f.mount == op.Mount {
			return fail(model.EBUSY)
		}
	}
	delete(b.mounts, op.Mount)
	m.gone = true
	m.v.close()
	return model.Result{}, nil
}

// useMount returns mount m with its shared lock held, or nil if there is no
// such mount; the caller unlocks.
func (b *Backend) useMount(m int) *mount {
	b.mu.Lock()
	mt, ok := b.mounts[m]
	b.mu.Unlock()
	if !ok {
		return nil
	}
	mt.mu.RLock()
	if mt.gone {
		mt.mu.RUnlock()
		return nil
	}
	return mt
}
