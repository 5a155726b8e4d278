package sim

import (
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// dentry is one entry of a mount's dentry cache: a name under a directory,
// positive (node, which the dentry's inode pins) or negative (node nil,
// valid while the directory's revision is rev, kernfs_set_rev).
type dentry struct {
	parent *node
	name   string
	node   *node
	rev    uint32
}

// walk is one component of a path walk through mount x, under the tree
// lock held shared: the cached dentry if kernfs_dop_revalidate keeps it,
// else kernfs_iop_lookup, whose answer d_splice_alias caches. tag is the
// mount's tag for a tagged parent, 0 for an untagged one. It returns the
// node found, active, or nil.
//
// The step it starts may change the mount's dentries, so it declares a
// write of the tree even under the shared lock: walks conflict with each
// other, as lookups of one name do in the VFS (d_alloc_parallel), while
// the listing steps of readdir, which never use the cache, stay reads.
func (k *Kernel) walk(t *sched.Thread, x *sysfsMount, parent *node, name string, tag int) *node {
	k.access(t, &k.tree.lock, true)
	return k.component(t, x, parent, name, tag)
}

// walkDir is walk of name in directory d of mount x. Under
// devices/virtual, the glue directory's own component ("net") is walked
// in the same step, through the cache like any other: nothing can make
// or remove the glue directory while the walk holds the tree lock shared
// (kobject_add and kobject_del of a directory take it exclusively), so
// the step is one of the walks the kernel could take, with no window
// between the two components that matters. Without the glue directory
// the name is not found.
func (k *Kernel) walkDir(t *sched.Thread, x *sysfsMount, d model.Dir, name string, tag int) *node {
	if d != model.Devices {
		return k.walk(t, x, k.dir(d), name, tag)
	}
	k.access(t, &k.tree.lock, true)
	parent := k.component(t, x, k.virtual, "net", 0)
	if parent == nil {
		return nil
	}
	return k.component(t, x, parent, name, tag)
}

// component is walk's work within the step walk starts.
func (k *Kernel) component(t *sched.Thread, x *sysfsMount, parent *node, name string, tag int) *node {
	tr := &k.tree
	tr.check(t, parent, "lookup_fast")
	if i := x.dentry(parent, name); i >= 0 {
		d := x.dcache[i]
		if k.revalidate(d, tag) {
			if d.node != nil {
				tr.check(t, d.node, "kernfs_dop_revalidate")
			}
			return d.node
		}
		x.drop(t, k, i) // d_invalidate
	}
	return k.lookupDentry(t, x, parent, name, tag)
}

// revalidate is kernfs_dop_revalidate. A negative dentry holds while its
// directory has not changed since the lookup that made it: every link and
// unlink bumps the revision. A positive one holds while its node is
// active, still under the same parent with the same name, and, in a
// tagged directory, of the mount's tag ("moved to a different
// namespace"), which BugDentryNSUnchecked forgets.
func (k *Kernel) revalidate(d dentry, tag int) bool {
	n := d.node
	if n == nil {
		return d.parent.rev == d.rev // !kernfs_dir_changed
	}
	if !n.isActive() || !n.linked || n.parent != d.parent || n.name != d.name {
		return false
	}
	return tag == 0 || n.tag == tag || k.bugs.Has(BugDentryNSUnchecked)
}

// lookupDentry is kernfs_iop_lookup: kernfs_find_ns with the mount's tag.
// An active node gets a positive dentry; no node gets a negative one
// stamped with the directory's revision. A node found inactive, linked but
// not yet activated or already deactivated, gets none ("don't create a
// negative dentry if inactive node exists", fixing c7e7c04274b1): its
// activation bumps no revision, so a negative dentry made for it would
// hide it. BugNegativeDentryInactive makes one, as c7e7c04274b1 did.
func (k *Kernel) lookupDentry(t *sched.Thread, x *sysfsMount, parent *node, name string, tag int) *node {
	tr := &k.tree
	var n *node
	if k.bugs.Has(BugTagBlindLookup) {
		n = tr.childAnyTag(parent, name)
	} else {
		n = tr.child(parent, name, tag)
	}
	switch {
	case n == nil:
		x.dcache = append(x.dcache, dentry{parent: parent, name: name, rev: parent.rev})
	case !n.isActive():
		if k.bugs.Has(BugNegativeDentryInactive) {
			x.dcache = append(x.dcache, dentry{parent: parent, name: name, rev: parent.rev})
		}
		return nil
	default:
		tr.get(n) // the dentry's inode holds the node (kernfs_get_inode)
		x.dcache = append(x.dcache, dentry{parent: parent, name: name, node: n})
	}
	return n
}

// dentry returns the index of the cached dentry of name under parent, or
// -1.
func (x *sysfsMount) dentry(parent *node, name string) int {
	for i, d := range x.dcache {
		if d.parent == parent && d.name == name {
			return i
		}
	}
	return -1
}

// drop removes dentry i from the cache, dropping its node (dput, then the
// inode's kernfs_put at eviction). t is nil at teardown.
func (x *sysfsMount) drop(t *sched.Thread, k *Kernel, i int) {
	d := x.dcache[i]
	x.dcache[i] = x.dcache[len(x.dcache)-1]
	x.dcache = x.dcache[:len(x.dcache)-1]
	if d.node == nil {
		return
	}
	if t == nil {
		k.tree.release(d.node)
		return
	}
	k.tree.put(t, d.node)
}

// shrink drops every dentry of x, as the superblock's end does
// (shrink_dcache_for_umount).
func (x *sysfsMount) shrink(t *sched.Thread, k *Kernel) {
	for len(x.dcache) > 0 {
		x.drop(t, k, len(x.dcache)-1)
	}
}
