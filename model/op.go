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

// Kind names an operation.
type Kind uint8

// The operations. They come in three groups.
//
// Device flows, as the net core runs them under rtnl: Create registers a
// device, Remove unregisters it, Rename renames it, Move moves it to another
// namespace. The kernel does each as several kernfs steps, and an observer
// can see the states in between. Programs are written with them; a history
// may record them whole (a real kernel, where only the flow is seen) or as
// their steps (the simulator). Steps expands a flow into its steps.
//
// Kernfs steps, each atomic under the tree lock: AddDev adds
// devices/virtual/net/<name> with its attribute files, AddLink adds the
// symlink class/net/<name>, and so on (see the constants). Unregister is
// the net core's step before them in a removal: the device is no longer
// registered, so its attributes read EINVAL (netdev_show), though its
// entries are still there.
//
// Observers, through a mount: Lookup, Readdir, Readlink, Open, Read, Close.
// Exit is the namespace going away (sysfs_exit_tag), one step.
//
// Processes and mounts: Clone brings to life a namespace the program
// declared for later (Config.Later); Setns moves a process to another
// namespace; Mount makes a new sysfs mount that captures the process's
// current namespace, as mount_tag() does; Umount drops a mount.
const (
	Create Kind = iota + 1
	Remove
	Rename
	Move
	Lookup
	Readdir
	Exit
	Readlink
	Open
	Read
	Close
	AddDev
	AddLink
	DelLink
	DelDev
	RenameLink
	RenameDev
	MoveLink
	MoveDev
	Clone
	Setns
	Mount
	Umount
	Gone
	AddUID
	DelUID
	ExitUser
	Unregister
	kindEnd
)

var kindNames = [...]string{
	Create: "create", Remove: "remove", Rename: "rename", Move: "move",
	Lookup: "lookup", Readdir: "readdir", Exit: "exit",
	Readlink: "readlink", Open: "open", Read: "read", Close: "close",
	AddDev: "add-dev", AddLink: "add-link", DelLink: "del-link", DelDev: "del-dev",
	RenameLink: "rename-link", RenameDev: "rename-dev", MoveLink: "move-link", MoveDev: "move-dev",
	Clone: "clone", Setns: "setns", Mount: "mount", Umount: "umount",
	Gone: "gone", AddUID: "add-uid", DelUID: "del-uid", ExitUser: "exit-user",
	Unregister: "unregister",
}

// Kinds returns every operation kind, in order.
func Kinds() []Kind {
	ks := make([]Kind, 0, kindEnd-1)
	for k := Create; k < kindEnd; k++ {
		ks = append(ks, k)
	}
	return ks
}

// IsFlow reports whether k is a device flow made of several steps.
func (k Kind) IsFlow() bool { return k >= Create && k <= Move }

// IsObserver reports whether k only looks.
func (k Kind) IsObserver() bool {
	switch k {
	case Lookup, Readdir, Readlink, Open, Read, Close:
		return true
	}
	return false
}

func (k Kind) String() string {
	if k < kindEnd && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MarshalText writes the kind's name, so traces read as words.
func (k Kind) MarshalText() ([]byte, error) {
	if k.String() == fmt.Sprintf("kind(%d)", uint8(k)) {
		return nil, fmt.Errorf("unknown operation kind %d", uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText reads a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n != "" && n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown operation %q", b)
}

// Op is one operation with its arguments. Which fields matter depends on
// Kind: NS (the device's namespace) for flows, steps and exit; Name for
// flows, steps, lookup, readlink and open; NewName for renames; To for
// moves; Mount for observers, mount and umount; Dir for lookup and readdir;
// FD for open, read and close; Index for AddDev (the ifindex the kernel gave
// the device, 0 when not known); Proc for setns and mount (NS is where
// setns goes); NS for clone and gone; Phys for create and add-dev (a
// physical device, handed back to the initial namespace when its own exits
// under the kernel's scheme). NewName, on a move step, is the name the
// device takes in its new namespace when its own is taken there. User names
// the user namespace of add-uid, del-uid and exit-user. Cleanup marks a
// step (or a removal recorded whole) taken by cleanup_net on an exited
// namespace's device: under the kernel's exit scheme nothing else can
// reach such a device, since the namespace has no reference left to find
// it by (maybe_get_net fails), though its entries are still there.
type Op struct {
	Kind    Kind   `json:"op"`
	NS      int    `json:"ns,omitempty"`
	Mount   int    `json:"mount,omitempty"`
	Dir     Dir    `json:"dir,omitempty"`
	Name    string `json:"name,omitempty"`
	NewName string `json:"new_name,omitempty"`
	To      int    `json:"to,omitempty"`
	FD      int    `json:"fd,omitempty"`
	Index   int    `json:"index,omitempty"`
	Proc    int    `json:"proc,omitempty"`
	Phys    bool   `json:"phys,omitempty"`
	User    int    `json:"user,omitempty"`
	Cleanup bool   `json:"cleanup,omitempty"`
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

// TagType returns the type of tag the directory's entries carry.
func (d Dir) TagType() TagType {
	if d == UIDs {
		return UserTag
	}
	return NetTag
}

func (o Op) String() string {
	switch o.Kind {
	case Create, Remove:
		return fmt.Sprintf("%v(ns%d, %q)", o.Kind, o.NS, o.Name)
	case Rename:
		return fmt.Sprintf("rename(ns%d, %q -> %q)", o.NS, o.Name, o.NewName)
	case Move:
		return fmt.Sprintf("move(%q, ns%d -> ns%d)", o.Name, o.NS, o.To)
	case Lookup:
		return fmt.Sprintf("lookup(m%d, %s/%s)", o.Mount, o.Dir.Path(), o.Name)
	case Readdir:
		return fmt.Sprintf("readdir(m%d, %s)", o.Mount, o.Dir.Path())
	case Exit:
		return fmt.Sprintf("exit(ns%d)", o.NS)
	case Readlink:
		return fmt.Sprintf("readlink(m%d, class/net/%s)", o.Mount, o.Name)
	case Open:
		return fmt.Sprintf("open(m%d, devices/virtual/net/%s/ifindex) = fd%d", o.Mount, o.Name, o.FD)
	case Read, Close:
		return fmt.Sprintf("%v(fd%d)", o.Kind, o.FD)
	case AddDev:
		return fmt.Sprintf("add-dev(ns%d, %q, ifindex %d)", o.NS, o.Name, o.Index)
	case AddLink, DelLink, DelDev, Unregister:
		return fmt.Sprintf("%v(ns%d, %q)", o.Kind, o.NS, o.Name)
	case RenameLink, RenameDev:
		return fmt.Sprintf("%v(ns%d, %q -> %q)", o.Kind, o.NS, o.Name, o.NewName)
	case MoveLink, MoveDev:
		if o.NewName != "" {
			return fmt.Sprintf("%v(%q, ns%d -> %q, ns%d)", o.Kind, o.Name, o.NS, o.NewName, o.To)
		}
		return fmt.Sprintf("%v(%q, ns%d -> ns%d)", o.Kind, o.Name, o.NS, o.To)
	case Clone:
		return fmt.Sprintf("clone(ns%d)", o.NS)
	case Setns:
		return fmt.Sprintf("setns(p%d, ns%d)", o.Proc, o.NS)
	case Mount:
		return fmt.Sprintf("mount(p%d) = m%d", o.Proc, o.Mount)
	case Umount:
		return fmt.Sprintf("umount(m%d)", o.Mount)
	case Gone:
		return fmt.Sprintf("gone(ns%d)", o.NS)
	case AddUID, DelUID:
		return fmt.Sprintf("%v(user%d, %q)", o.Kind, o.User, o.Name)
	case ExitUser:
		return fmt.Sprintf("exit-user(user%d)", o.User)
	}
	return o.Kind.String()
}

// Entry is a directory entry as an observer sees it: its name and the
// namespace its tag belongs to.
type Entry struct {
	Name string `json:"name"`
	Tag  int    `json:"tag"`
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
	Exit string `json:"exit,omitempty"`
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
func (c Config) users() int { return max(c.Users, 1) }

func at(xs []int, i int) int {
	if i >= 0 && i < len(xs) && xs[i] > 0 {
		return xs[i]
	}
	return 1
}

// The two ways a namespace exits.
const (
	// ExitTag is the seed design's sysfs_exit_tag (2.6.35-2.6.39): every
	// entry of the tag becomes invisible at once, in one step.
	ExitTag = ""
	// ExitKernel is today's cleanup_net: under rtnl, virtual devices are
	// unregistered and physical ones moved back to the initial namespace
	// (namespace 1, which never exits), renamed dev<ifindex> when their
	// name is taken there, each flow step by step; Gone marks the end.
	ExitKernel = "kernel"
)

// MountTag returns the namespace mount m (1-based) captured before the
// start, or 0. A mount made by the program has its tag in the state.
func (c Config) MountTag(m int) int {
	if m < 1 || m > len(c.Mounts) {
		return 0
	}
	return c.Mounts[m-1]
}
