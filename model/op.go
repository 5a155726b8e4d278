package model

import (
	"fmt"
	"strings"
)

// Errno is an operation's error, named as the kernel names it; OK is success.
type Errno string

// The errors kernfs and the net core return for these operations.
const (
	OK     Errno = ""
	EEXIST Errno = "EEXIST" // (name, tag) already present in the directory
	ENOENT Errno = "ENOENT" // no such entry, or it or its namespace is gone
	EINVAL Errno = "EINVAL" // a tag where none is allowed, or a bad name
	ERANGE Errno = "ERANGE" // a name that is empty or too long
	ENODEV Errno = "ENODEV" // a read on a node removed while open
	EBADF  Errno = "EBADF"  // a read or close of a descriptor not open
	EBUSY  Errno = "EBUSY"  // a mount number already used
)

// Op is one operation with its arguments. The fields a kind takes are
// the ones its printed form names (kindSpecs); every other is zero.
type Op struct {
	Kind  Kind   `json:"op"`
	NS    int    `json:"ns,omitempty"` // the device's namespace; where setns goes; the namespace of clone, exit, gone
	Mount int    `json:"mount,omitempty"`
	Dir   Dir    `json:"dir,omitempty"` // for lookup and readdir
	Name  string `json:"name,omitempty"`
	// NewName is a rename's new name, and on a move the name the device
	// takes in its new namespace when its own is taken there.
	NewName string `json:"new_name,omitempty"`
	To      int    `json:"to,omitempty"` // a move's new namespace
	FD      int    `json:"fd,omitempty"`
	// Index is the ifindex the kernel gave the device, 0 when not known.
	Index int  `json:"index,omitempty"`
	Proc  int  `json:"proc,omitempty"` // the process of setns and mount
	Phys  bool `json:"phys,omitempty"` // a physical device, handed back to namespace 1 when its own exits under the kernel's scheme
	User  int  `json:"user,omitempty"` // the user namespace of add-uid, del-uid and exit-user
	// Cleanup marks a step (or a removal recorded whole) taken by
	// cleanup_net on an exited namespace's device: under the kernel's
	// exit scheme nothing else can reach such a device, since the
	// namespace has no reference left to find it by (maybe_get_net
	// fails), though its entries are still there.
	Cleanup bool `json:"cleanup,omitempty"`
}

// Dir names one of the two tagged directories of the net class.
type Dir string

const (
	// ClassNet is /sys/class/net, which holds a symlink per device. It is
	// the default: the empty Dir.
	ClassNet Dir = ""
	// Devices is /sys/devices/virtual/net, the class's glue directory,
	// which holds a directory per device with its attribute files.
	Devices Dir = "devices"
	// UIDs is /sys/kernel/uids, the seed article's example of a directory
	// tagged by the user namespace, made tagged by its kobject
	// (sysfs_make_tagged_dir, today child_ns_type) rather than by a class.
	UIDs Dir = "uids"
)

// Path returns the directory's path under /sys.
func (d Dir) Path() string {
	switch d {
	case Devices:
		return "devices/virtual/net"
	case UIDs:
		return "kernel/uids"
	}
	return "class/net"
}

// dirs are the tagged directories, as Dir values.
var dirs = []Dir{ClassNet, Devices, UIDs}

// TagType returns the type of tag the directory's entries carry.
func (d Dir) TagType() TagType {
	if d == UIDs {
		return UserTag
	}
	return NetTag
}

// Entry is a directory entry as an observer sees it: its name and the
// namespace its tag belongs to.
type Entry struct {
	Name string `json:"name"`
	// Tag is left out of a trace when zero, as a recorder that cannot see
	// tags writes it (the recorded form fills it in; version 1 rejects it).
	Tag int `json:"tag,omitempty"`
}

func (e Entry) String() string { return fmt.Sprintf("%s@ns%d", e.Name, e.Tag) }

// Compare orders entries by name, then tag.
func (e Entry) Compare(f Entry) int {
	if c := strings.Compare(e.Name, f.Name); c != 0 {
		return c
	}
	return e.Tag - f.Tag
}

// Result is what an operation returned. Tag is the namespace of the entry a
// successful lookup or open found (for kernel/uids, the user namespace);
// Entries is a readdir listing in the order the implementation produced it;
// Target is what readlink returned; Index is the ifindex a read returned;
// Tag and User are what a mount captured.
type Result struct {
	Err     Errno   `json:"err,omitempty"`
	Tag     int     `json:"tag,omitempty"`
	Entries []Entry `json:"entries,omitempty"`
	Target  string  `json:"target,omitempty"`
	Index   int     `json:"index,omitempty"`
	User    int     `json:"user,omitempty"`
}

func (r Result) String() string {
	switch {
	case r.Err != OK:
		return string(r.Err)
	case r.Entries != nil:
		s := make([]string, len(r.Entries))
		for i, e := range r.Entries {
			s[i] = e.String()
		}
		return "[" + strings.Join(s, " ") + "]"
	case r.Target != "":
		return r.Target
	case r.Index != 0:
		return fmt.Sprintf("ifindex %d", r.Index)
	case r.Tag != 0:
		return fmt.Sprintf("ns%d", r.Tag)
	}
	return "ok"
}

// Config is what a program fixes before it runs: how many namespaces there
// are, which of them come to life only later (by Clone), which namespace
// each mount made before the start captured (Mounts[i] for mount i+1; the
// program's Mount operations make mounts numbered after these), and in which
// namespace each process starts (Procs[i] for process i+1).
type Config struct {
	Namespaces int   `json:"namespaces"`
	Mounts     []int `json:"mounts"`
	Later      []int `json:"later,omitempty"`
	Procs      []int `json:"procs,omitempty"`
	// Exit says how a namespace goes away: ExitTag or ExitKernel.
	Exit ExitScheme `json:"exit,omitempty"`
	// Users counts the user namespaces, numbered 1..Users (at least one,
	// the initial). Owners[i] owns network namespace i+1; each namespace
	// still exits on its own. MountUsers and ProcUsers give the user
	// namespace of each mount made before the start and of each process
	// (1 when absent): a mount captures a tag of every type.
	Users      int   `json:"users,omitempty"`
	Owners     []int `json:"owners,omitempty"`
	MountUsers []int `json:"mount_users,omitempty"`
	ProcUsers  []int `json:"proc_users,omitempty"`
}

// users returns the number of user namespaces: at least the initial one.
func (c *Config) users() int { return max(c.Users, 1) }

// Check rejects a configuration no execution can have: the trace reader
// and the litmus reader apply it to what they read.
func (c Config) Check() error {
	if !inRange(c.Namespaces) {
		return fmt.Errorf("%d namespaces; a program has 1 to %d", c.Namespaces, maxNum)
	}
	for i, ns := range c.Mounts {
		if !c.validNS(ns) {
			return fmt.Errorf("mount %d captures namespace %d, which the program does not have", i+1, ns)
		}
	}
	for _, ns := range c.Later {
		if !c.validNS(ns) {
			return fmt.Errorf("namespace %d comes to life later, but the program does not have it", ns)
		}
	}
	for i, ns := range c.Procs {
		if !c.validNS(ns) {
			return fmt.Errorf("process %d starts in namespace %d, which the program does not have", i+1, ns)
		}
	}
	return nil
}

func at(xs []int, i int) int {
	if i >= 0 && i < len(xs) && xs[i] > 0 {
		return xs[i]
	}
	return 1
}

// MountTag returns the namespace mount m (1-based) captured before the
// start, or 0. A mount made by the program has its tag in the state.
func (c Config) MountTag(m int) int {
	if m < 1 || m > len(c.Mounts) {
		return 0
	}
	return c.Mounts[m-1]
}
