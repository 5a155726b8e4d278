package sim

import (
	"fmt"
	"slices"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// netns is a network namespace as the simulator keeps it.
type netns struct {
	id   int
	dead bool
}

// Kernel is one simulated sysfs: the class/net directory (tagged by network
// namespace), the namespaces and the mounts of one program.
type Kernel struct {
	cfg    model.Config
	bugs   BugSet
	tree   tree
	net    *node // /sys/class/net, a tagged directory
	ns     []*netns
	clock  int64
	hist   history.History
	faults []history.Fault
}

func newKernel(cfg model.Config, bugs BugSet) *Kernel {
	k := &Kernel{cfg: cfg, bugs: bugs}
	k.tree.k = k
	k.tree.lock.Name = "kernfs_rwsem"
	k.tree.root = k.tree.alloc("", 0)
	k.net = k.tree.alloc("net", 0)
	k.tree.link(k.tree.root, k.net)
	k.ns = make([]*netns, cfg.Namespaces+1)
	for i := 1; i <= cfg.Namespaces; i++ {
		k.ns[i] = &netns{id: i}
	}
	k.hist.Config = cfg
	return k
}

func (k *Kernel) now() int64 {
	k.clock++
	return k.clock
}

// fault records what the simulator noticed about itself; t is nil for the
// scheduler's own findings.
func (k *Kernel) fault(t *sched.Thread, kind history.FaultKind, detail string) {
	thread := -1
	if t != nil {
		thread = t.ID()
	}
	k.faults = append(k.faults, history.Fault{Kind: kind, Thread: thread, Time: k.now(), Detail: detail})
}

// do runs op on thread t and records it. thread is the number recorded,
// which differs from t.ID() for setup.
func (k *Kernel) do(t *sched.Thread, thread int, op model.Op) {
	t.Yield() // a thread may be preempted before any operation starts
	i := len(k.hist.Records)
	k.hist.Records = append(k.hist.Records, history.Record{Thread: thread, Op: op, Call: k.now(), Pending: true})
	r := k.exec(t, op)
	rec := &k.hist.Records[i]
	rec.Result, rec.Return, rec.Pending = r, k.now(), false
}

func (k *Kernel) exec(t *sched.Thread, op model.Op) model.Result {
	switch op.Kind {
	case model.Create:
		return k.create(t, op.NS, op.Name)
	case model.Remove:
		return k.remove(t, op.NS, op.Name)
	case model.Rename:
		return k.rename(t, op.NS, op.Name, op.NewName)
	case model.Move:
		return k.move(t, op.NS, op.Name, op.To)
	case model.Lookup:
		return k.lookup(t, op.Mount, op.Name)
	case model.Readdir:
		return k.readdir(t, op.Mount)
	case model.Exit:
		return k.exit(t, op.NS)
	}
	return errno(model.EINVAL)
}

func errno(e model.Errno) model.Result { return model.Result{Err: e} }

func (k *Kernel) validNS(ns int) bool { return ns >= 1 && ns <= k.cfg.Namespaces }

// create is device_add: kernfs_create_dir_ns then kernfs_add_one.
func (k *Kernel) create(t *sched.Thread, ns int, name string) model.Result {
	if !k.validNS(ns) {
		return errno(model.EINVAL)
	}
	if e := model.ValidName(name); e != model.OK {
		return errno(e)
	}
	tr := &k.tree
	t.Lock(&tr.lock)
	t.Yield()
	if k.ns[ns].dead {
		t.Unlock(&tr.lock)
		return errno(model.ENOENT)
	}
	if tr.find(t, k.net, name, ns) != nil {
		t.Unlock(&tr.lock)
		return errno(model.EEXIST)
	}
	if k.bugs.Has(BugUnlockedAdd) {
		// The uniqueness check and the link are two critical sections.
		t.Unlock(&tr.lock)
		t.Lock(&tr.lock)
		t.Yield()
		if k.ns[ns].dead {
			t.Unlock(&tr.lock)
			return errno(model.ENOENT)
		}
	}
	n := tr.alloc(name, ns)
	tr.touch(t, k.net, "kernfs_link_sibling")
	tr.link(k.net, n)
	t.Unlock(&tr.lock)
	return model.Result{}
}

// findActive is a lookup that an inactive node fails, as kernfs_iop_lookup.
func (k *Kernel) findActive(t *sched.Thread, name string, tag int) *node {
	var n *node
	if k.bugs.Has(BugTagBlindLookup) {
		n = k.tree.findAnyTag(t, k.net, name)
	} else {
		n = k.tree.find(t, k.net, name, tag)
	}
	if n == nil || !n.isActive() {
		return nil
	}
	return n
}

// deactivate is kernfs_deactivate on one node: from now on it is invisible
// and takes no new active references. The caller holds the tree lock. The
// remover takes its own reference for the drain.
func (k *Kernel) deactivate(t *sched.Thread, n *node) {
	k.tree.touch(t, n, "kernfs_deactivate")
	n.active += deactivated
	k.tree.get(n)
}

// drainAndUnlink is the rest of __kernfs_remove for a deactivated node: wait
// with the lock released for active users, then unlink once and drop the
// tree's and the remover's references.
func (k *Kernel) drainAndUnlink(t *sched.Thread, n *node) {
	tr := &k.tree
	t.Wait(fmt.Sprintf("kernfs_drain(%v)", n), func() bool { return n.active == deactivated })
	t.Lock(&tr.lock)
	tr.touch(t, n, "kernfs_unlink_sibling")
	if tr.unlink(n) {
		tr.put(t, n) // the parent's reference
	}
	t.Unlock(&tr.lock)
	tr.put(t, n) // the remover's reference
}

// remove is device_del: kernfs_remove_by_name_ns.
func (k *Kernel) remove(t *sched.Thread, ns int, name string) model.Result {
	tr := &k.tree
	t.Lock(&tr.lock)
	n := k.findActive(t, name, ns)
	if n == nil {
		t.Unlock(&tr.lock)
		return errno(model.ENOENT)
	}
	k.deactivate(t, n)
	t.Unlock(&tr.lock)
	k.drainAndUnlink(t, n)
	return model.Result{}
}

// rename is kernfs_rename_ns without a change of tag.
func (k *Kernel) rename(t *sched.Thread, ns int, name, newName string) model.Result {
	tr := &k.tree
	t.Lock(&tr.lock)
	defer t.Unlock(&tr.lock)
	n := k.findActive(t, name, ns)
	if n == nil {
		return errno(model.ENOENT)
	}
	if name == newName {
		return model.Result{}
	}
	if e := model.ValidName(newName); e != model.OK {
		return errno(e)
	}
	if tr.find(t, k.net, newName, ns) != nil {
		return errno(model.EEXIST)
	}
	k.relink(t, n, newName, ns)
	return model.Result{}
}

// relink changes a node's name and tag in one step under the tree lock.
func (k *Kernel) relink(t *sched.Thread, n *node, name string, tag int) {
	tr := &k.tree
	tr.touch(t, n, "kernfs_rename_ns")
	tr.unlink(n)
	n.name, n.tag, n.hash = name, tag, nameHash(name, tag)
	tr.link(k.net, n)
}

// move is __dev_change_net_namespace: the entry is re-tagged with the new
// namespace by kernfs_rename_ns.
func (k *Kernel) move(t *sched.Thread, ns int, name string, to int) model.Result {
	tr := &k.tree
	t.Lock(&tr.lock)
	defer t.Unlock(&tr.lock)
	n := k.findActive(t, name, ns)
	if n == nil {
		return errno(model.ENOENT)
	}
	if !k.validNS(to) {
		return errno(model.EINVAL)
	}
	t.Yield()
	if k.ns[to].dead {
		return errno(model.ENOENT)
	}
	if to == ns {
		return model.Result{}
	}
	if tr.find(t, k.net, name, to) != nil {
		return errno(model.EEXIST)
	}
	k.relink(t, n, name, to)
	return model.Result{}
}

// lookup opens class/net/<name> through a mount and reads an attribute of
// it: it holds an active reference for the read, as kernfs_fop_read_iter.
func (k *Kernel) lookup(t *sched.Thread, mount int, name string) model.Result {
	tag := k.cfg.MountTag(mount)
	if tag == 0 {
		return errno(model.EINVAL)
	}
	tr := &k.tree
	t.Lock(&tr.lock)
	n := k.findActive(t, name, tag)
	if n == nil {
		t.Unlock(&tr.lock)
		return errno(model.ENOENT)
	}
	n.active++ // kernfs_get_active
	// The entry found is what the lookup observes. The open file then
	// follows the device, not the namespace (measured: it still reads after
	// the device moved), so the tag is taken here, under the lock.
	seen := n.tag
	t.Unlock(&tr.lock)

	tr.touch(t, n, "show")

	tr.touch(t, n, "kernfs_put_active")
	n.active--
	return model.Result{Tag: seen}
}

// readdir lists class/net through a mount. It holds the tree lock for the
// whole listing, so a listing is one snapshot.
func (k *Kernel) readdir(t *sched.Thread, mount int) model.Result {
	tag := k.cfg.MountTag(mount)
	if tag == 0 {
		return errno(model.EINVAL)
	}
	tr := &k.tree
	t.Lock(&tr.lock)
	defer t.Unlock(&tr.lock)
	entries := []model.Entry{}
	tr.touch(t, k.net, "kernfs_fop_readdir")
	for _, c := range k.net.children {
		if c.isActive() && c.tag == tag {
			entries = append(entries, model.Entry{Name: c.name, Tag: c.tag})
		}
	}
	return model.Result{Entries: entries}
}

// exit is sysfs_exit_tag: every entry of the namespace becomes invisible at
// once, then each is deleted when no one uses it.
func (k *Kernel) exit(t *sched.Thread, ns int) model.Result {
	if !k.validNS(ns) {
		return errno(model.EINVAL)
	}
	tr := &k.tree
	t.Lock(&tr.lock)
	t.Yield()
	if k.ns[ns].dead {
		t.Unlock(&tr.lock)
		return errno(model.ENOENT)
	}
	var doomed []*node
	for _, c := range k.net.children {
		if c.tag == ns && c.isActive() {
			doomed = append(doomed, c)
		}
	}
	if k.bugs.Has(BugExitUnlockedDeactivate) {
		// The victims are collected under the lock, but deactivated in a
		// second critical section: what is created in between survives.
		t.Unlock(&tr.lock)
		t.Lock(&tr.lock)
		doomed = slices.DeleteFunc(doomed, func(n *node) bool { return !n.isActive() })
	}
	k.ns[ns].dead = true
	for _, n := range doomed {
		k.deactivate(t, n)
	}
	t.Unlock(&tr.lock)
	for _, n := range doomed {
		k.drainAndUnlink(t, n)
	}
	return model.Result{}
}

// checkLeaks runs once every thread has finished: every node that is no
// longer in the tree must have been freed.
func (k *Kernel) checkLeaks() {
	for _, n := range k.tree.nodes {
		if !n.linked && !n.freed && n != k.tree.root {
			k.faults = append(k.faults, history.Fault{Kind: history.Leak, Thread: -1, Time: k.now(),
				Detail: fmt.Sprintf("node %v unlinked but still holds %d references", n, n.refs)})
		}
	}
}
