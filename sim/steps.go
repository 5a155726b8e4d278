package sim

import (
	"fmt"
	"slices"

	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// findActive is a lookup that skips inactive nodes, as kernfs_iop_lookup.
func (k *Kernel) findActive(t *sched.Thread, parent *node, name string, tag int) *node {
	var n *node
	if k.bugs.Has(BugTagBlindLookup) {
		n = k.tree.findAnyTag(t, parent, name)
	} else {
		n = k.tree.find(t, parent, name, tag)
	}
	if n == nil || !n.isActive() {
		return nil
	}
	return n
}

// findIn finds the active entry (name) of namespace id in dir, as the net
// core does with a device it holds: nil if the namespace's struct is gone.
// A dead namespace's entries are still found: cleanup_net works on them.
//
// Under the kernel's exit scheme only cleanup_net's own steps (op.Cleanup)
// reach an exited namespace's devices: nothing else can find the namespace
// once its last reference is gone (maybe_get_net fails).
func (k *Kernel) findIn(t *sched.Thread, dir *node, op *model.Op) *node {
	id := op.NS
	if dir == nil {
		return nil // no glue directory: no device at all
	}
	if id < 1 || id >= len(k.ns) || k.ns[id] == nil || k.ns[id].freed {
		return nil
	}
	if k.cfg.Exit == model.ExitKernel && k.ns[id].dead && !op.Cleanup {
		return nil
	}
	return k.findActive(t, dir, op.Name, k.ns[id].addr)
}

// unregister is unregister_netdevice_many's first act: the device leaves
// NETREG_REGISTERED, so its attributes' show methods answer EINVAL
// (netdev_show, dev_isalive), while its entries stay until device_del.
func (k *Kernel) unregister(t *sched.Thread, op *model.Op) model.Result {
	tr := &k.tree
	k.lock(t, &tr.lock)
	defer k.unlock(t, &tr.lock)
	d := k.findIn(t, k.devDir(), op)
	if d == nil || d.unreg {
		return errno(model.ENOENT)
	}
	d.unreg = true
	return model.Result{}
}

// addDev is device_add: the glue directory (get_device_parent), then
// kobject_add of the device under it followed by its attribute files,
// linked in one critical section and activated in the next
// (kernfs_add_one, then kernfs_activate: see activate). A failed add
// gives its glue reference back (cleanup_glue_dir), which may remove the
// glue directory it has just made.
func (k *Kernel) addDev(t *sched.Thread, op *model.Op) model.Result {
	if !k.validNS(op.NS) {
		return errno(model.EINVAL) // kernfs_add_one: a tagged parent requires a tag
	}
	if e := model.ValidName(op.Name); e != model.OK {
		return errno(e)
	}
	glue, parent := k.getDeviceParent(t)
	tr := &k.tree
	k.lock(t, &tr.lock)
	dir, e := k.linkDev(t, parent, op)
	k.unlock(t, &tr.lock)
	if e != model.OK {
		k.cleanupGlueDir(t, glue) // device_add's error path
		return errno(e)
	}
	k.activate(t, dir)
	return model.Result{}
}

// linkDev is addDev's first critical section under the glue directory
// parent: kernfs_new_node's reference on the parent (where a freed one
// shows), kernfs_add_one's checks and kernfs_link_sibling, for the
// directory and its attribute.
func (k *Kernel) linkDev(t *sched.Thread, parent *node, op *model.Op) (*node, model.Errno) {
	tr := &k.tree
	k.treeStep(t)
	ns := k.alive(op.NS)
	if ns == nil {
		return nil, model.ENOENT
	}
	tr.touch(t, parent, "kernfs_new_node")
	if parent.removing {
		return nil, model.ENOENT // kernfs_add_one: the parent is being removed
	}
	hash := nameHash(op.Name, ns.addr)
	if tr.childHashed(parent, op.Name, ns.addr, hash) != nil {
		return nil, model.EEXIST
	}
	if k.bugs.Has(BugUnlockedAdd) {
		// The uniqueness check and the link are two critical sections.
		k.unlock(t, &tr.lock)
		k.lock(t, &tr.lock)
		k.treeStep(t)
	}
	dir := tr.allocHashed(dirNode, op.Name, ns.addr, hash)
	dir.owner, dir.phys = ns.id, op.Phys
	attr := tr.allocHashed(fileNode, "ifindex", 0, ifindexHash)
	attr.value = op.Index
	tr.link(dir, attr)
	tr.touch(t, parent, "kernfs_link_sibling")
	tr.link(parent, dir)
	tr.get(dir) // pinned until activated
	return dir, model.OK
}

// addLink is sysfs_create_link into class/net: the link takes its target's
// tag and holds a reference on it.
func (k *Kernel) addLink(t *sched.Thread, op *model.Op) model.Result {
	if !k.validNS(op.NS) {
		return errno(model.EINVAL)
	}
	if e := model.ValidName(op.Name); e != model.OK {
		return errno(e)
	}
	tr := &k.tree
	k.lock(t, &tr.lock)
	l, e := k.linkLink(t, op)
	k.unlock(t, &tr.lock)
	if e != model.OK {
		return errno(e)
	}
	k.activate(t, l) // kernfs_create_link -> kernfs_add_one
	return model.Result{}
}

// linkLink is addLink's first critical section (kernfs_create_link).
func (k *Kernel) linkLink(t *sched.Thread, op *model.Op) (*node, model.Errno) {
	tr := &k.tree
	k.treeStep(t)
	ns := k.alive(op.NS)
	if ns == nil {
		return nil, model.ENOENT
	}
	devices := k.devDir()
	if devices == nil {
		return nil, model.ENOENT
	}
	target := tr.find(t, devices, op.Name, ns.addr)
	if target == nil || !target.isActive() {
		return nil, model.ENOENT
	}
	if tr.find(t, k.class, op.Name, target.tag) != nil {
		return nil, model.EEXIST
	}
	l := tr.alloc(linkNode, op.Name, target.tag)
	l.owner = target.owner
	l.target = target
	tr.get(target)
	tr.link(k.class, l)
	tr.get(l) // pinned until activated
	return l, model.OK
}

// remove removes a device's entry from dir: its class symlink
// (sysfs_delete_link, by name and target's tag: a link has no active
// users, so the drain does not wait) or its directory (kobject_del ->
// kernfs_remove).
//
// A device's directory removed, its glue reference goes, and with the
// class's last device the glue directory (cleanup_glue_dir).
func (k *Kernel) remove(t *sched.Thread, d model.Dir, op *model.Op) model.Result {
	tr := &k.tree
	k.lock(t, &tr.lock)
	n := k.findIn(t, k.dir(d), op)
	if n == nil {
		k.unlock(t, &tr.lock)
		return errno(model.ENOENT)
	}
	var glue *glueDir
	if d == model.Devices {
		glue = k.glueOf(n.parent) // dev->kobj.parent
	}
	nodes := k.deactivate(t, n, k.nodeBufs.take())
	k.unlock(t, &tr.lock)
	k.drainAndUnlink(t, nodes)
	k.cleanupGlueDir(t, glue)
	return model.Result{}
}

// deactivate is the first half of __kernfs_remove: the whole subtree of n
// becomes invisible at once and takes no new active references (a node
// already deactivated by another remover keeps its count). The remover
// holds a reference on each node until it is done. The caller holds the
// tree lock; the nodes are appended to nodes, children first (a buffer
// of k.nodeBufs, which drainAndUnlink gives back).
func (k *Kernel) deactivate(t *sched.Thread, n *node, nodes []*node) []*node {
	return k.deactivateFrom(t, n, nil, nodes)
}

// deactivateFrom is deactivate taking no reference on unpinned.
func (k *Kernel) deactivateFrom(t *sched.Thread, n, unpinned *node, nodes []*node) []*node {
	for _, c := range n.children {
		nodes = k.deactivateFrom(t, c, unpinned, nodes)
	}
	k.tree.touch(t, n, "kernfs_deactivate")
	n.removing = true // KERNFS_REMOVING
	if n.isActive() {
		n.active += deactivated
	}
	if n != unpinned {
		k.tree.get(n)
	}
	return append(nodes, n)
}

// drainAndUnlink is the rest of __kernfs_remove: wait with the lock
// released for the active users of each node (kernfs_drain), then unlink
// each once and drop the tree's and the remover's references. nodes,
// deactivate's, go back to k.nodeBufs.
func (k *Kernel) drainAndUnlink(t *sched.Thread, nodes []*node) {
	k.drainAndUnlinkFrom(t, nodes, nil)
}

// undrained reports whether a remover skips draining n, one of the nodes
// it removes: before 2d7f9f8c1815 (2022) __kernfs_remove drained only if
// the removal's root had been activated ("Drain iff @kn was activated"),
// and BugActivateRemoving runs that kernel. The root is n's highest
// ancestor among nodes.
func (k *Kernel) undrained(n *node, nodes []*node) bool {
	if !k.bugs.Has(BugActivateRemoving) {
		return false
	}
	r := n
	for r.parent != nil && slices.Contains(nodes, r.parent) {
		r = r.parent
	}
	return !r.activated
}

// drain names what a remover waits for in a wait-for graph; it is
// formatted only if one is drawn.
type drain struct{ n *node }

func (d drain) String() string { return fmt.Sprintf("kernfs_drain(%v)", d.n) }

// drainAndUnlinkFrom is drainAndUnlink for a removal whose root the
// remover did not pin beforehand (unpinned, the last of nodes): it is
// touched again, and only then pinned, once its descendants are drained,
// as __kernfs_remove does when its loop reaches pos == kn.
func (k *Kernel) drainAndUnlinkFrom(t *sched.Thread, nodes []*node, unpinned *node) {
	tr := &k.tree
	for _, n := range nodes {
		if n == unpinned || k.undrained(n, nodes) {
			continue
		}
		k.waitOn(t, drain{n}, n.drainedFunc())
	}
	k.lock(t, &tr.lock)
	if unpinned != nil {
		tr.touch(t, unpinned, "kernfs_leftmost_descendant")
		tr.get(unpinned) // kernfs_get(pos), pos == kn at last
		if unpinned.active != deactivated {
			k.unlock(t, &tr.lock)
			k.waitOn(t, drain{unpinned}, unpinned.drainedFunc())
			k.lock(t, &tr.lock)
		}
	}
	for _, n := range nodes {
		tr.touch(t, n, "kernfs_unlink_sibling")
		if tr.unlink(n) {
			tr.put(t, n) // the parent's reference
		}
	}
	k.unlock(t, &tr.lock)
	for _, n := range nodes {
		tr.put(t, n) // the remover's reference
	}
	k.nodeBufs.give(nodes)
}

// renameLink is sysfs_rename_link_ns: kernfs_rename_ns on the class link.
func (k *Kernel) renameLink(t *sched.Thread, op *model.Op) model.Result {
	return k.renameNode(t, model.ClassNet, op)
}

// renameDev is kobject_rename: kernfs_rename_ns on the device directory.
func (k *Kernel) renameDev(t *sched.Thread, op *model.Op) model.Result {
	return k.renameNode(t, model.Devices, op)
}

// renameNode is kernfs_rename_ns for the rename and move steps in
// directory d: name and tag change in one step under the tree lock.
func (k *Kernel) renameNode(t *sched.Thread, d model.Dir, op *model.Op) model.Result {
	tr := &k.tree
	k.lock(t, &tr.lock)
	defer k.unlock(t, &tr.lock)
	parent := k.dir(d)
	n := k.findIn(t, parent, op)
	if n == nil {
		return errno(model.ENOENT)
	}
	name, tag, owner := op.Name, n.tag, n.owner
	if op.NewName != "" && (op.Kind == model.MoveLink || op.Kind == model.MoveDev) {
		if e := model.ValidName(op.NewName); e != model.OK {
			return errno(e)
		}
	}
	switch op.Kind {
	case model.RenameLink, model.RenameDev:
		if op.NewName == op.Name {
			return model.Result{}
		}
		if e := model.ValidName(op.NewName); e != model.OK {
			return errno(e)
		}
		name = op.NewName
	default:
		if !k.validNS(op.To) {
			return errno(model.EINVAL)
		}
		k.treeStep(t)
		to := k.alive(op.To)
		if to == nil {
			return errno(model.ENOENT)
		}
		if op.To == op.NS {
			return model.Result{}
		}
		tag, owner = to.addr, to.id
		if op.NewName != "" {
			name = op.NewName
		}
	}
	if tr.find(t, parent, name, tag) != nil {
		return errno(model.EEXIST)
	}
	tr.touch(t, n, "kernfs_rename_ns")
	tr.unlink(n)
	if k.bugs.Has(BugRenameLinkRecreate) && op.Kind == model.RenameLink {
		// The old link goes in one critical section and the new one
		// comes in another, as sysfs_remove_link then sysfs_create_link.
		k.unlock(t, &tr.lock)
		k.lock(t, &tr.lock)
		k.treeStep(t)
	}
	old := n.nameBuf
	n.name, n.tag, n.owner, n.hash = name, tag, owner, nameHash(name, tag)
	if name != old.s {
		n.nameBuf = k.mem.nameBuf(name)
		old.freed = true // kfree_const(old_name)
	}
	tr.link(parent, n)
	return model.Result{}
}

// exit is sysfs_exit_tag: every entry of the namespace, in both
// directories, becomes invisible at once; each is deleted when no one uses
// it. It takes no rtnl: it is sysfs's own.
func (k *Kernel) exit(t *sched.Thread, ns int) model.Result {
	if !k.validNS(ns) || k.cfg.Exit == model.ExitKernel && ns == 1 {
		return errno(model.EINVAL)
	}
	tr := &k.tree
	k.lock(t, &tr.lock)
	k.treeStep(t)
	nsp := k.alive(ns)
	if nsp == nil {
		k.unlock(t, &tr.lock)
		return errno(model.ENOENT)
	}
	if k.cfg.Exit == model.ExitKernel {
		// cleanup_net: the namespace takes no new devices; its own are
		// dealt with flow by flow (caller.exitKernel).
		nsp.dead = true
		k.unlock(t, &tr.lock)
		return model.Result{}
	}
	doomed := k.doomed(nsp, k.nodeBufs.take())
	if k.bugs.Has(BugExitUnlockedDeactivate) {
		// The victims are collected under the lock, but deactivated in a
		// second critical section: what is created in between survives.
		k.unlock(t, &tr.lock)
		k.lock(t, &tr.lock)
		live := doomed[:0]
		for _, n := range doomed {
			if !n.removing {
				live = append(live, n)
			}
		}
		doomed = live
	}
	nsp.dead = true
	// The exit holds the namespace until its entries are unlinked: freed
	// earlier (its last mount gone meanwhile), the struct's address could
	// tag a new namespace's entry that then collides with a dying one.
	nsp.cleaning = true
	nodes := k.nodeBufs.take()
	glues := k.glueBufs.take() // each removed device's (cleanup_glue_dir)
	for _, n := range doomed {
		if g := k.glueOf(n.parent); g != nil {
			glues = append(glues, g)
		}
		nodes = k.deactivate(t, n, nodes)
	}
	k.nodeBufs.give(doomed)
	k.unlock(t, &tr.lock)
	k.drainAndUnlink(t, nodes)
	for _, g := range glues {
		k.cleanupGlueDir(t, g)
	}
	k.glueBufs.give(glues)
	nsp.cleaning = false
	k.freeNS(nsp)
	return model.Result{}
}

// doomed appends to buf the entries an exit of namespace ns removes, in
// both directories: not yet activated ones too, which the removal claims
// (KERNFS_REMOVING) so that they never show.
func (k *Kernel) doomed(ns *netns, buf []*node) []*node {
	for _, dir := range [...]*node{k.class, k.devDir()} {
		if dir == nil {
			continue
		}
		for _, c := range dir.children {
			if c.tag == ns.addr && !c.removing {
				buf = append(buf, c)
			}
		}
	}
	return buf
}

// gone checks the end of cleanup_net: nothing of the namespace is left.
func (k *Kernel) gone(t *sched.Thread, op *model.Op) model.Result {
	if k.cfg.Exit != model.ExitKernel || !k.validNS(op.NS) || k.ns[op.NS] == nil || !k.ns[op.NS].dead {
		return errno(model.EINVAL)
	}
	tr := &k.tree
	k.rlock(t, &tr.lock)
	defer k.runlock(t, &tr.lock)
	addr := k.ns[op.NS].addr
	for _, dir := range [...]*node{k.class, k.devDir()} {
		if dir == nil {
			continue
		}
		for _, c := range dir.children {
			if c.tag == addr && c.isActive() {
				return errno(model.EBUSY)
			}
		}
	}
	return model.Result{}
}
