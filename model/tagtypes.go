package model

import "slices"

// TagType is a kind of namespace that tags sysfs directories: the seed's
// enum sysfs_tag_type, today enum kobj_ns_type.
type TagType string

// The tag types. The kernel registers only the network type today; the
// design allows several, and the seed article's second example is the user
// namespace's /sys/kernel/uids.
const (
	NetTag  TagType = "net"
	UserTag TagType = "user"
)

// Registry holds the registered tag types and their mount_tag operations'
// names (sysfs_register_tag_type, today kobj_ns_type_register).
type Registry struct{ types []TagType }

// Register adds a tag type. As kobj_ns_type_register: an unknown type is
// EINVAL, a type registered twice EBUSY. The registry is a value: Register
// returns a new one.
func (r Registry) Register(t TagType) (Registry, Errno) {
	if t != NetTag && t != UserTag {
		return r, EINVAL
	}
	if slices.Contains(r.types, t) {
		return r, EBUSY
	}
	r.types = append(slices.Clip(r.types), t)
	return r, OK
}

// Registered reports whether t was registered.
func (r Registry) Registered(t TagType) bool { return slices.Contains(r.types, t) }

// CurrentTag is the mount_tag operation of a tag type: the tag a process
// mounting sysfs gives its mount, its current namespace of that type.
func (c Config) CurrentTag(t TagType, proc int, s State) int {
	if t == UserTag {
		return at(c.ProcUsers, proc-1)
	}
	return s.proc(c, proc)
}
