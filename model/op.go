// Package model is the sequential specification of a tagged sysfs directory:
// what every operation returns when operations happen one at a time.
//
// The directory is /sys/class/net: its entries are tagged with the network
// namespace they belong to, and an observer sees them through a mount that
// captured one namespace's tag when it was made (see REFERENCE.md beside the
// project and the seed article). Namespaces are named by small integers
// 1..Config.Namespaces; tag 0 means "no tag".
//
// The model is pure: Apply never mutates its input state. It is also a
// porcupine model (Porcupine), so concurrent histories of the simulator or of a
// real kernel are judged against it.
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
)

// Kind names an operation.
type Kind uint8

// The operations on class/net. Create, Remove, Rename and Move are what the
// net core does to a device; Lookup and Readdir are what an observer does
// through a mount; Exit is the namespace going away (sysfs_exit_tag).
const (
	Create Kind = iota + 1
	Remove
	Rename
	Move
	Lookup
	Readdir
	Exit
)

var kindNames = [...]string{Create: "create", Remove: "remove", Rename: "rename", Move: "move", Lookup: "lookup", Readdir: "readdir", Exit: "exit"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
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
// Kind: NS for create, remove, rename, move and exit; Name for all but
// readdir and exit; NewName for rename; To for move; Mount for lookup and
// readdir.
type Op struct {
	Kind    Kind   `json:"op"`
	NS      int    `json:"ns,omitempty"`
	Mount   int    `json:"mount,omitempty"`
	Name    string `json:"name,omitempty"`
	NewName string `json:"new_name,omitempty"`
	To      int    `json:"to,omitempty"`
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
		return fmt.Sprintf("lookup(m%d, %q)", o.Mount, o.Name)
	case Readdir:
		return fmt.Sprintf("readdir(m%d)", o.Mount)
	case Exit:
		return fmt.Sprintf("exit(ns%d)", o.NS)
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
// successful lookup found; Entries is a readdir listing in the order the
// implementation produced it.
type Result struct {
	Err     Errno   `json:"err,omitempty"`
	Tag     int     `json:"tag,omitempty"`
	Entries []Entry `json:"entries,omitempty"`
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
	case r.Tag != 0:
		return fmt.Sprintf("ns%d", r.Tag)
	}
	return "ok"
}

// Config is what a program fixes before it runs: how many namespaces exist
// and which namespace each mount captured (Mounts[i] for mount i+1).
type Config struct {
	Namespaces int   `json:"namespaces"`
	Mounts     []int `json:"mounts"`
}

// MountTag returns the namespace mount m (1-based) captured, or 0.
func (c Config) MountTag(m int) int {
	if m < 1 || m > len(c.Mounts) {
		return 0
	}
	return c.Mounts[m-1]
}
