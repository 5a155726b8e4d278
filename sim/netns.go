package sim

import (
	"fmt"
	"slices"

	"github.com/sysfsim/sysfsim/history"

	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// netns is a network namespace as the simulator keeps it. Its tag in the
// tree is addr, the address of its struct net: when the struct is freed,
// the address goes back to the allocator and the next namespace created
// may get it, as kmalloc may hand out the same memory again. A mount holds
// a passive reference (passive), which keeps the struct, and so the tag,
// from being reused while the mount lives (a685e08987d1).
type netns struct {
	id      int
	addr    int
	dead    bool
	passive int
	freed   bool
	// cleaning: cleanup_net holds the namespace until it is done.
	cleaning bool
}

// sysfsMount is a mount: the tag mount_tag() gave it, and the namespace it
// holds a passive reference on.
type sysfsMount struct {
	addr  int
	user  *userns // the user tag it captured
	ns    *netns
	gone  bool
	users int // operations in flight and open files through it
	// killed: its superblock is gone at the end of the execution.
	killed bool
	// dcache is the superblock's dentry cache below the directories the
	// simulator holds fixed (class/net, devices/virtual/net, kernel/uids):
	// see walk.
	dcache []dentry
}

// newNS allocates a namespace, reusing the most recently freed address.
func (k *Kernel) newNS(id int) *netns {
	addr := 0
	if n := len(k.freeAddrs); n > 0 {
		addr, k.freeAddrs = k.freeAddrs[n-1], k.freeAddrs[:n-1]
	} else {
		k.nextAddr++
		addr = k.nextAddr
	}
	ns := k.mem.netns(netns{id: id, addr: addr})
	k.ns[id] = ns
	return ns
}

// freeNS frees a dead namespace's struct when nothing refers to it.
func (k *Kernel) freeNS(ns *netns) {
	if ns.addr == 0 || ns.freed || !ns.dead || ns.cleaning || ns.passive > 0 && !k.bugs.Has(BugTagReuse) {
		return
	}
	ns.freed = true
	k.freeAddrs = append(k.freeAddrs, ns.addr)
}

// alive returns namespace id if it exists now: valid, born, not exited.
func (k *Kernel) alive(id int) *netns {
	if id < 1 || id >= len(k.ns) {
		return nil
	}
	if ns := k.ns[id]; ns != nil && !ns.dead {
		return ns
	}
	return nil
}

// useMount starts an operation through mount m, as a path walk takes a
// reference on the mount: it returns the tag the mount captured for dir's
// tag type (0 for no such mount) and the mount, whose done ends the use.
func (k *Kernel) useMount(m int, dir model.Dir) (int, *sysfsMount) {
	x := k.mountOf(m)
	if x == nil || x.gone {
		return 0, nil
	}
	x.users++
	if dir.TagType() == model.UserTag {
		return x.user.addr, x
	}
	return x.addr, x
}

// mountOf is mount id, or nil if there is none.
func (k *Kernel) mountOf(id int) *sysfsMount {
	if id < 0 || id >= len(k.mounts) {
		return nil
	}
	return k.mounts[id]
}

// setMount makes x mount id.
func (k *Kernel) setMount(id int, x *sysfsMount) {
	for len(k.mounts) <= id {
		k.mounts = append(k.mounts, nil)
	}
	k.mounts[id] = x
}

// done ends a use that useMount started; nil, for no mount, is a no-op.
func (x *sysfsMount) done() {
	if x != nil {
		x.users--
	}
}

// mount is sysfs_init_fs_context: the mount captures the mounting
// process's namespace (mount_tag) and takes a passive reference on it.
func (k *Kernel) mount(t *sched.Thread, op *model.Op) model.Result {
	if op.Proc < 1 || op.Proc > len(k.procs) || op.Mount <= 0 || op.Mount >= 64 {
		return errno(model.EINVAL)
	}
	// Under the tree lock, so that an exit's critical section, which
	// marks the namespace dead and deactivates its entries, is atomic
	// for these too.
	k.lock(t, &k.tree.lock)
	defer k.unlock(t, &k.tree.lock)
	k.treeStep(t)
	if k.mountOf(op.Mount) != nil || op.Mount <= len(k.cfg.Mounts) {
		return errno(model.EBUSY)
	}
	ns := k.procs[op.Proc-1]
	if k.bugs.Has(BugMountDoubleDrop) {
		// Before 7b745a4e4051 sysfs_mount grabbed the namespace first
		// (kobj_ns_grab_current) and, when kernfs_mount_ns failed after
		// making the superblock, dropped it twice: once in sysfs_kill_sb,
		// called by deactivate_locked_super, and once more itself.
		ns.passive++
		if ns.dead {
			k.dropNS(t, ns) // sysfs_kill_sb
			k.dropNS(t, ns) // sysfs_mount: if (IS_ERR(root) || !new_sb)
			return errno(model.ENOENT)
		}
		ns.passive--
	}
	if ns.dead {
		return errno(model.ENOENT)
	}
	ns.passive++
	user := k.procUsers[op.Proc-1]
	k.setMount(op.Mount, k.mem.mount(sysfsMount{addr: ns.addr, ns: ns, user: user}))
	return model.Result{Tag: ns.id, User: user.id}
}

// umount is kill_sysfs_super: the passive reference goes, and with it,
// if the namespace is dead, its struct.
func (k *Kernel) umount(t *sched.Thread, op *model.Op) model.Result {
	// Under the tree lock, so that an exit's critical section, which
	// marks the namespace dead and deactivates its entries, is atomic
	// for these too.
	k.lock(t, &k.tree.lock)
	defer k.unlock(t, &k.tree.lock)
	k.treeStep(t)
	x := k.mountOf(op.Mount)
	if x == nil || x.gone {
		return errno(model.EINVAL)
	}
	if x.users > 0 {
		return errno(model.EBUSY)
	}
	x.gone = true
	x.shrink(t, k)
	k.dropNS(t, x.ns)
	return model.Result{}
}

// dropNS is kobj_ns_drop -> net_drop_ns: the mount's passive reference
// goes, and with the last one the struct, if the namespace is dead. It
// touches the struct, and refcount_t reports an underflow as the kernel's
// does ("refcount_t: underflow; use-after-free"). t is nil at teardown.
func (k *Kernel) dropNS(t *sched.Thread, ns *netns) {
	if k.bugs.Has(BugTagReuse) {
		// The mount held no reference in that bug: nothing to check.
		ns.passive--
		k.freeNS(ns)
		return
	}
	if ns.freed {
		k.fault(t, history.UseAfterFree, fmt.Sprintf("kobj_ns_drop on the freed struct net of ns%d", ns.id))
		return
	}
	ns.passive--
	if ns.passive < 0 {
		k.fault(t, history.UseAfterFree, fmt.Sprintf("refcount_t: underflow; use-after-free: passive count of ns%d below zero", ns.id))
	}
	k.freeNS(ns)
}

// clone brings a namespace declared for later to life.
func (k *Kernel) clone(t *sched.Thread, op *model.Op) model.Result {
	if !k.validNS(op.NS) {
		return errno(model.EINVAL)
	}
	// Under the tree lock, so that an exit's critical section, which
	// marks the namespace dead and deactivates its entries, is atomic
	// for these too.
	k.lock(t, &k.tree.lock)
	defer k.unlock(t, &k.tree.lock)
	k.treeStep(t)
	if !slices.Contains(k.cfg.Later, op.NS) || k.ns[op.NS] != nil {
		return errno(model.EEXIST)
	}
	k.newNS(op.NS)
	k.bindLaterProcs(op.NS)
	return model.Result{}
}

// bindLaterProcs moves the processes a program starts in namespace id,
// declared for later, from their placeholder (see initNamespaces) into
// the namespace now born: the specification names a process's namespace
// by its id, so their mounts capture it from here on.
func (k *Kernel) bindLaterProcs(id int) {
	for i, ns := range k.procs {
		if ns.addr == 0 && ns.id == id {
			k.procs[i] = k.ns[id]
		}
	}
}

// setns moves a process to another namespace.
func (k *Kernel) setns(t *sched.Thread, op *model.Op) model.Result {
	if op.Proc < 1 || op.Proc > len(k.procs) || !k.validNS(op.NS) {
		return errno(model.EINVAL)
	}
	// Under the tree lock, so that an exit's critical section, which
	// marks the namespace dead and deactivates its entries, is atomic
	// for these too.
	k.lock(t, &k.tree.lock)
	defer k.unlock(t, &k.tree.lock)
	k.treeStep(t)
	ns := k.alive(op.NS)
	if ns == nil {
		return errno(model.ENOENT)
	}
	k.procs[op.Proc-1] = ns
	return model.Result{}
}

// initNamespaces creates the namespaces, processes and mounts a program
// starts with.
func (k *Kernel) initNamespaces() {
	c := k.cfg
	k.ns = append(k.ns[:0], make([]*netns, c.Namespaces+1)...)
	for i := 1; i <= c.Namespaces; i++ {
		if !slices.Contains(c.Later, i) {
			k.newNS(i)
		}
	}
	for u := range max(c.Users, 1) {
		k.users = append(k.users, k.mem.userns(userns{id: u + 1, addr: userAddrBase + u + 1}))
	}
	user := func(xs []int, i int) *userns {
		if i < len(xs) && xs[i] >= 1 && xs[i] <= len(k.users) {
			return k.users[xs[i]-1]
		}
		return k.users[0]
	}
	for i, id := range c.Mounts {
		if ns := k.alive(id); ns != nil {
			ns.passive++
			k.setMount(i+1, k.mem.mount(sysfsMount{addr: ns.addr, ns: ns, user: user(c.MountUsers, i)}))
		}
	}
	for _, id := range c.Procs {
		ns := k.alive(id)
		if ns == nil {
			ns = k.mem.netns(netns{id: id, dead: true}) // in no namespace yet: see bindLaterProcs
		}
		k.procs = append(k.procs, ns)
		k.procUsers = append(k.procUsers, user(c.ProcUsers, len(k.procUsers)))
	}
}

// userns is a user namespace: it tags kernel/uids. User namespaces are not
// recycled here; their addresses lie apart from the network namespaces'.
type userns struct {
	id, addr int
	dead     bool
}

const userAddrBase = 1 << 20

func (k *Kernel) user(id int) *userns {
	if id < 1 || id > len(k.users) {
		return nil
	}
	return k.users[id-1]
}

// addUID adds kernel/uids/<name> tagged with its user namespace: the
// directory was made tagged by its kobject (sysfs_make_tagged_dir). As
// uids_user_create did (2.6.25-2.6.34), the directory comes first
// (kobject_add) and its attribute cpu_share after it, by a second
// kernfs_add_one: another critical section, with the kobject's reference
// on the directory held in between. No observer reads cpu_share; it is
// there because a directory with a child is what removal drains.
//
// Adds hold uids_mutex throughout, as alloc_uid did ("Make uid_hash_find()
// + uids_user_create() + uid_hash_insert() atomic"): without it two adds
// of one name race, and the loser's EEXIST, from an entry kernfs_find_ns
// sees linked but not yet activated, comes before the winner's entry
// shows. Removals here take no uids_mutex: del_uid is
// kernfs_remove_by_name, not cleanup_user_struct.
func (k *Kernel) addUID(t *sched.Thread, op *model.Op) model.Result {
	u := k.user(op.User)
	if u == nil {
		return errno(model.EINVAL)
	}
	if e := model.ValidName(op.Name); e != model.OK {
		return errno(e)
	}
	k.lock(t, &k.uidsMutex)
	defer k.unlock(t, &k.uidsMutex)
	tr := &k.tree
	k.lock(t, &tr.lock)
	k.treeStep(t)
	if u.dead {
		k.unlock(t, &tr.lock)
		return errno(model.ENOENT)
	}
	if tr.find(t, k.uids, op.Name, u.addr) != nil {
		k.unlock(t, &tr.lock)
		return errno(model.EEXIST)
	}
	n := tr.alloc(dirNode, op.Name, u.addr)
	n.owner = u.id
	tr.link(k.uids, n)
	tr.get(n) // the kobject's reference (kobj->sd)
	tr.get(n) // pinned until activated
	k.unlock(t, &tr.lock)
	k.activate(t, n)

	k.lock(t, &tr.lock)
	tr.touch(t, n, "kernfs_add_one")
	// kernfs_add_one: -ENOENT when the parent is being removed
	// (KERNFS_REMOVING since c25491747b21, KERNFS_ACTIVATED before).
	var a *node
	if !n.removing || k.bugs.Has(BugAddUnderRemoved) {
		a = tr.allocHashed(fileNode, "cpu_share", 0, cpuShareHash)
		a.owner = u.id
		tr.link(n, a)
		tr.get(a) // pinned until activated
	}
	k.unlock(t, &tr.lock)
	if a != nil {
		k.activate(t, a)
	}
	tr.put(t, n)
	return model.Result{}
}

// delUID removes a user's entry by name, as kernfs_remove_by_name_ns
// does: kernfs_find_ns finds a node another remover has deactivated but
// not yet unlinked, and the second remover then takes part in its
// removal (kernfs_remove_by_name_ns returns 0 there; the simulator reports
// ENOENT, what the caller could tell: the entry was already gone). Since
// 4abc99652812 the remover pins the node first; before, a second remover
// could free it while the first drained its children.
func (k *Kernel) delUID(t *sched.Thread, op *model.Op) model.Result {
	u := k.user(op.User)
	tr := &k.tree
	k.lock(t, &tr.lock)
	var n *node
	if u != nil {
		n = tr.find(t, k.uids, op.Name, u.addr)
	}
	if n == nil {
		k.unlock(t, &tr.lock)
		return errno(model.ENOENT)
	}
	joined := n.removing
	var unpinned *node
	if k.bugs.Has(BugRemoveByNameNoRef) && len(n.children) > 0 {
		unpinned = n // no kernfs_get(kn) before __kernfs_remove
	}
	nodes := k.deactivateFrom(t, n, unpinned, k.nodeBufs.take())
	k.unlock(t, &tr.lock)
	k.drainAndUnlinkFrom(t, nodes, unpinned)
	if joined {
		return errno(model.ENOENT)
	}
	return model.Result{}
}

// exitUser is sysfs_exit_tag for the user tag type: the namespace's
// entries go at once; the network namespaces it owns do not exit with it.
func (k *Kernel) exitUser(t *sched.Thread, op *model.Op) model.Result {
	u := k.user(op.User)
	if u == nil {
		return errno(model.EINVAL)
	}
	tr := &k.tree
	k.lock(t, &tr.lock)
	k.treeStep(t)
	if u.dead {
		k.unlock(t, &tr.lock)
		return errno(model.ENOENT)
	}
	u.dead = true
	nodes := k.nodeBufs.take()
	entries := append(k.nodeBufs.take(), k.uids.children...)
	for _, c := range entries {
		if c.tag == u.addr && !c.removing {
			nodes = k.deactivate(t, c, nodes)
		}
	}
	k.nodeBufs.give(entries)
	k.unlock(t, &tr.lock)
	k.drainAndUnlink(t, nodes)
	return model.Result{}
}

// tagTypes is the simulator's registry of tag types
// (kobj_ns_type_register): the kernel registers each once at boot. The
// simulator knows two types, so two flags are the whole registry.
type tagTypes struct{ net, user bool }

func (r *tagTypes) register(t model.TagType) model.Errno {
	var done *bool
	switch t {
	case model.NetTag:
		done = &r.net
	case model.UserTag:
		done = &r.user
	default:
		return model.EINVAL
	}
	if *done {
		return model.EBUSY
	}
	*done = true
	return model.OK
}
