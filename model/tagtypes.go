package model

// TagType is a kind of namespace that tags sysfs directories: the seed's
// enum sysfs_tag_type, today enum kobj_ns_type.
type TagType string

// The tag types. The kernel registers only the network type today; the
// design allows several, and the seed article's second example is the user
// namespace's /sys/kernel/uids. A type is registered once, at boot
// (sysfs_register_tag_type, today kobj_ns_type_register), before any
// operation the model specifies: the model keeps no registry, and the
// simulator models the registration.
const (
	NetTag  TagType = "net"
	UserTag TagType = "user"
)

// CurrentTag is the mount_tag operation of a tag type: the tag a process
// mounting sysfs gives its mount, its current namespace of that type.
func (c Config) CurrentTag(t TagType, proc int, s State) int { return c.currentTag(t, proc, &s) }

// currentTag is CurrentTag on pointers, for the transitions.
func (c *Config) currentTag(t TagType, proc int, s *State) int {
	if t == UserTag {
		return at(c.ProcUsers, proc-1)
	}
	return s.proc(c, proc)
}
