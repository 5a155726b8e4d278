//go:build linux

package kernel

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sysfsim/sysfsim/model"
)

// view is a sysfs instance made inside one network namespace: a detached
// mount (fsopen, fsconfig, fsmount), never attached to any directory tree,
// reachable only through its file descriptor. kernfs gives the instance the
// namespace tag of the thread that made it (sysfs_init_fs_context,
// kobj_ns_grab_current) and keeps it for the instance's whole life, which is
// exactly a mount in the model: it captured one namespace. The instance holds
// only a passive reference on the namespace, so it does not keep the
// namespace alive.
type view struct {
	root int // the mount's root directory
	// The two tagged directories, for lookups and readlinks only: those
	// take no file offset, so one descriptor serves every thread.
	net, devs int
}

// newView makes a sysfs instance in the calling thread's network namespace.
// The caller must have locked its OS thread into that namespace.
func newView() (*view, error) {
	fs, err := unix.Fsopen("sysfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("fsopen sysfs: %w", err)
	}
	defer unix.Close(fs)
	if err := unix.FsconfigCreate(fs); err != nil {
		return nil, fmt.Errorf("fsconfig create sysfs: %w", err)
	}
	root, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return nil, fmt.Errorf("fsmount sysfs: %w", err)
	}
	v := &view{root: root, net: -1, devs: -1}
	if v.net, err = v.openDir(model.ClassNet); err == nil {
		v.devs, err = v.openDir(model.Devices)
	}
	if err != nil {
		v.close()
		return nil, fmt.Errorf("open the net class directories of a new sysfs instance: %w", err)
	}
	return v, nil
}

func (v *view) openDir(d model.Dir) (int, error) {
	return unix.Openat(v.root, d.Path(), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
}

// close releases the instance; it disappears with its last descriptor.
func (v *view) close() {
	for _, fd := range []int{v.devs, v.net, v.root} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

func (v *view) dirFD(d model.Dir) int {
	if d == model.Devices {
		return v.devs
	}
	return v.net
}

// lookup reports whether d/name exists in this instance: the path walk
// ends in kernfs_iop_lookup, which finds a node by (name, the instance's
// tag). It does not follow class/net's symbolic links.
func (v *view) lookup(d model.Dir, name string) error {
	var st unix.Stat_t
	return unix.Fstatat(v.dirFD(d), name, &st, unix.AT_SYMLINK_NOFOLLOW)
}

// readlink returns the target of class/net/name, which kernfs computes
// from the current tree (kernfs_get_target_path).
func (v *view) readlink(name string) (string, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Readlinkat(v.net, name, buf)
		if err != nil {
			return "", err
		}
		if n < len(buf) {
			return string(buf[:n]), nil
		}
		buf = make([]byte, 2*len(buf))
	}
}

// open opens devices/virtual/net/name/ifindex for reading.
func (v *view) open(name string) (int, error) {
	return unix.Openat(v.devs, name+"/ifindex", unix.O_RDONLY|unix.O_CLOEXEC, 0)
}

// readIndex reads an open ifindex attribute from its start. kernfs takes
// an active reference on the node for the read (kernfs_fop_read_iter), and
// fails with ENODEV once the device's directory is deactivated.
func readIndex(fd int) (int, error) {
	var buf [32]byte
	for {
		n, err := unix.Pread(fd, buf[:], 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		i, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
		if err != nil {
			return 0, fmt.Errorf("ifindex attribute holds %q", buf[:n])
		}
		return i, nil
	}
}

// list returns the names in directory d, "." and ".." left out, in the
// order getdents gave them. The directory is opened afresh for every
// listing: a descriptor shared by concurrent listings would share its file
// offset, and their getdents calls would interleave (kernfs_fop_readdir
// keeps its cursor in the file).
func (v *view) list(d model.Dir) ([]string, error) {
	return v.listWith(d, defaultReaddirBuffer, func() {})
}

// listWith is list with getdents calls of size bytes, calling between
// two of them: with a small size a listing takes several calls, each its
// own critical section in kernfs_fop_readdir, as the simulator's does,
// and between widens the windows between them. A call whose next entry
// does not fit (EINVAL, nothing returned) is made again with a buffer
// twice as large.
func (v *view) listWith(d model.Dir, size int, between func()) ([]string, error) {
	fd, err := v.openDir(d)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	buf := make([]byte, size)
	names := []string{}
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EINVAL && len(buf) < defaultReaddirBuffer {
			buf = make([]byte, 2*len(buf))
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
		between()
	}
}
