//go:build linux

package kernel

import (
	"golang.org/x/sys/unix"

	"github.com/sysfsim/sysfsim/model"
)

// The observers: each looks through the sysfs instance of the namespace
// its mount captured, and never through the process's own /sys.

// lookup walks class/net/<name> or devices/virtual/net/<name>. The kernel
// shows no tag on what it finds, only that kernfs_find_ns matched (name,
// the instance's tag): the result's tag is therefore the mount's namespace.
// Which device was found is what a later open and read tell, by ifindex.
func (b *Backend) lookup(op model.Op) (model.Result, error) {
	m := b.useMount(op.Mount)
	if m == nil {
		return fail(model.EINVAL)
	}
	defer m.mu.RUnlock()
	if err := m.v.lookup(op.Dir, op.Name); err != nil {
		return result(err, model.ENOENT)
	}
	return model.Result{Tag: m.tag}, nil
}

// readdir lists the directory in the mount's own sysfs instance, opened
// afresh, without the initial entries of the namespace it captured (lo and
// fallback tunnels).
func (b *Backend) readdir(op model.Op) (model.Result, error) {
	m := b.useMount(op.Mount)
	if m == nil {
		return fail(model.EINVAL)
	}
	defer m.mu.RUnlock()
	names, err := m.v.listWith(op.Dir, b.opts.ReaddirBuffer, b.randomWait)
	if err != nil {
		return result(err, model.ENOENT)
	}
	base := b.ns[m.tag].base // set once, when the namespace was made
	es := make([]model.Entry, 0, len(names))
	for _, n := range names {
		if !base[n] {
			es = append(es, model.Entry{Name: n, Tag: m.tag})
		}
	}
	return model.Result{Entries: es}, nil
}

func (b *Backend) readlink(op model.Op) (model.Result, error) {
	m := b.useMount(op.Mount)
	if m == nil {
		return fail(model.EINVAL)
	}
	defer m.mu.RUnlock()
	target, err := m.v.readlink(op.Name)
	if err != nil {
		return result(err, model.ENOENT)
	}
	return model.Result{Target: target}, nil
}

// open opens devices/virtual/net/<name>/ifindex through the mount and
// keeps the kernel descriptor under the program's number op.FD.
func (b *Backend) open(op model.Op) (model.Result, error) {
	m := b.useMount(op.Mount)
	if m == nil {
		return fail(model.EINVAL)
	}
	defer m.mu.RUnlock()
	b.mu.Lock()
	_, taken := b.files[op.FD]
	b.mu.Unlock()
	if op.FD <= 0 || taken {
		return fail(model.EINVAL)
	}
	kfd, err := m.v.open(op.Name)
	if err != nil {
		return result(err, model.ENOENT)
	}
	b.mu.Lock()
	b.files[op.FD] = openFile{kfd, op.Mount}
	b.mu.Unlock()
	return model.Result{Tag: m.tag}, nil
}

func (b *Backend) file(fd int) (int, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, ok := b.files[fd]
	return f.fd, ok
}

// read reads the ifindex of an open attribute: ENODEV once its device's
// directory is deactivated (kernfs_fop_read_iter).
func (b *Backend) read(op model.Op) (model.Result, error) {
	kfd, ok := b.file(op.FD)
	if !ok {
		return fail(model.EBADF)
	}
	idx, err := readIndex(kfd)
	if err != nil {
		return result(err, model.ENODEV)
	}
	return model.Result{Index: idx}, nil
}

func (b *Backend) closeFile(op model.Op) (model.Result, error) {
	b.mu.Lock()
	f, ok := b.files[op.FD]
	delete(b.files, op.FD)
	b.mu.Unlock()
	if !ok {
		return fail(model.EBADF)
	}
	return result(unix.Close(f.fd), model.ENOENT)
}
