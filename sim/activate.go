package sim

import "github.com/sysfsim/sysfsim/sim/sched"

// activate is kernfs_activate as kernfs_add_one calls it: after the node
// is linked and the tree lock dropped, in a critical section of its own.
// In between the node is in the tree but invisible: lookups and listings
// skip it (kernfs_active), while kernfs_find_ns finds it, so an add of the
// same name fails with EEXIST and a removal of it or of its parent claims
// it. A node a removal has claimed (KERNFS_REMOVING) is never activated:
// kernfs_activate skips it since c25491747b21; BugActivateRemoving
// activates it anyway, as the older test of KERNFS_ACTIVATED alone did.
//
// The caller holds no lock; the subtree of n is what it has just added,
// and it pinned n before dropping the lock (the creator's reference,
// kobj->sd), which activate drops: a removal in the window may unlink n,
// but not free it under the activation.
//
// It is one step after the Lock: the walk and the unpin touch only the
// tree, which the step after Lock is declared to touch.
func (k *Kernel) activate(t *sched.Thread, n *node) {
	tr := &k.tree
	k.lock(t, &tr.lock)
	k.activateTree(t, n)
	tr.drop(t, n)
	k.unlock(t, &tr.lock)
}

// activateTree is kernfs_activate's walk (kernfs_next_descendant_post)
// over n's subtree, children first; the caller holds the tree lock.
func (k *Kernel) activateTree(t *sched.Thread, n *node) {
	for _, c := range n.children {
		k.activateTree(t, c)
	}
	k.tree.check(t, n, "kernfs_activate_one")
	if k.bugs.Has(BugActivateRemoving) {
		if !n.activated { // before c25491747b21: KERNFS_ACTIVATED alone
			n.active -= deactivated
			n.activated = true
		}
		return
	}
	if n.isActive() || n.removing {
		return
	}
	n.active -= deactivated // atomic_sub(KN_DEACTIVATED_BIAS)
	n.activated = true
}
