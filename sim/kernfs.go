// Package sim is a concurrent kernfs-like implementation of a tagged sysfs
// directory, run under the deterministic scheduler of package sched.
//
// It follows fs/kernfs/dir.c in the points that matter for namespace tags: a
// tree lock (kernfs_rwsem) serializes changes to the tree; siblings are kept
// in (hash(name, tag), tag, name) order and are unique per (name, tag); every
// node has a plain reference count (memory) and an active count (operations
// in flight); removal deactivates first, drains active users with the lock
// released, unlinks once, and frees when the last reference drops. Threads
// yield to the scheduler at every lock operation and every access to shared
// state, so the scheduler sees every interleaving that matters.
//
// Seeded bugs (Bugs) change this code the way historical kernel bugs did.
package sim

import (
	"fmt"
	"slices"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// deactivated is added to a node's active count when it is deactivated, as
// KN_DEACTIVATED_BIAS: the count stays negative, so no new active
// reference can be taken, and it tells how many users are still in flight.
const deactivated = -1 << 30

type nodeKind uint8

const (
	dirNode nodeKind = iota
	fileNode
	linkNode
)

type node struct {
	id       int // allocation number, for messages
	kind     nodeKind
	name     string
	tag      int // the entry's tag: its namespace's address; 0 if untagged
	owner    int // the id of that namespace, which an observer reports
	hash     uint32
	parent   *node
	children []*node  // sorted by (hash, tag, name)
	nameBuf  *nameBuf // the memory name lives in: freed by a rename
	name0    nameBuf  // the first nameBuf, allocated with the node
	target   *node    // a symlink's target
	value    int      // an attribute's content: the ifindex
	phys     bool     // a physical device's directory
	unreg    bool     // a device's directory, unregistered
	active   int
	refs     int
	linked   bool
	freed    bool
	// activated: kernfs_activate has run on the node (KERNFS_ACTIVATED).
	activated bool
	// removing: a removal has claimed the node (KERNFS_REMOVING, set by
	// __kernfs_remove on the whole subtree): it is never activated again.
	removing bool
	// rev is a directory's revision (kernfs_inc_rev): it changes whenever
	// a child is linked or unlinked, which is what invalidates a cached
	// negative dentry (kernfs_dop_revalidate).
	rev uint32
	// drained is isDrained bound to the node's memory, made once for all
	// the nodes that memory holds (drainedFunc).
	drained func() bool
}

// isDrained reports whether n is deactivated with no user in flight: what
// kernfs_drain waits for.
func (n *node) isDrained() bool { return n.active == deactivated }

// drainedFunc returns n.isDrained, for a thread to wait on; it allocates
// only the first time the node's memory is waited on.
func (n *node) drainedFunc() func() bool {
	if n.drained == nil {
		n.drained = n.isDrained
	}
	return n.drained
}

// nameBuf is a node's name as memory: kernfs_rename_ns frees the old one,
// so a reader that kept a pointer across a dropped lock reads freed memory.
type nameBuf struct {
	s     string
	freed bool
}

func (b *nameBuf) use(k *Kernel, t *sched.Thread, what string) {
	if b.freed {
		k.fault(t, history.UseAfterFree, fmt.Sprintf("%s read the freed name %q", what, b.s))
	}
}

func (n *node) String() string { return fmt.Sprintf("%s@ns%d#%d", n.name, n.tag, n.id) }

// isActive is kernfs_active.
func (n *node) isActive() bool { return n.active >= 0 }

// The hashes of the names the simulator itself gives untagged nodes, made
// once: the glue directory's and the attributes'.
var (
	glueHash     = nameHash("net", 0)
	ifindexHash  = nameHash("ifindex", 0)
	cpuShareHash = nameHash("cpu_share", 0)
)

const fnvOffset, fnvPrime = 2166136261, 16777619

// tagSeed is nameHash's state after the tag's bytes. tagSeeds holds it for
// the small tags, the network namespaces' addresses and untagged nodes'
// 0, so that a hash goes over the name alone.
func tagSeed(tag int) uint32 {
	h := uint32(fnvOffset)
	for i := range 4 {
		h = (h ^ uint32(byte(tag>>(8*i)))) * fnvPrime
	}
	return h
}

var tagSeeds = func() (seeds [64]uint32) {
	for tag := range seeds {
		seeds[tag] = tagSeed(tag)
	}
	return seeds
}()

// nameHash follows kernfs_name_hash: the tag seeds the hash, so entries of
// one name under different tags land in different places.
func nameHash(name string, tag int) uint32 {
	// FNV-1a over the tag's four low bytes, then the name.
	var h uint32
	if tag >= 0 && tag < len(tagSeeds) {
		h = tagSeeds[tag]
	} else {
		h = tagSeed(tag)
	}
	for i := range len(name) {
		h = (h ^ uint32(name[i])) * fnvPrime
	}
	v := h & 0x7fffffff
	if v < 2 {
		v += 2
	}
	return v
}

// compare is kernfs_name_compare: hash, then tag, then name.
func compare(hash uint32, tag int, name string, n *node) int {
	switch {
	case hash != n.hash:
		if hash < n.hash {
			return -1
		}
		return 1
	case tag != n.tag:
		if tag < n.tag {
			return -1
		}
		return 1
	case name < n.name:
		return -1
	case name > n.name:
		return 1
	}
	return 0
}

// tree is the shared state: nodes, the tree lock and the memory they live in.
type tree struct {
	// lock is kernfs_rwsem. As in kernfs, it is taken shared where the
	// tree is only read: lookup (kernfs_iop_lookup), readdir
	// (kernfs_fop_readdir), readlink (kernfs_iop_get_link ->
	// kernfs_getlink), open's path walk, and the simulator's own reads
	// (caller.nameInUse, exitKernel's listing, gone); it is taken
	// exclusively for every change (kernfs_add_one, kernfs_activate,
	// __kernfs_remove, kernfs_rename_ns) and, here, for the namespace
	// and mount changes that an exit's critical section must see whole.
	//
	// Several readers are inside at once, so the scheduler explores their
	// steps interleaved; a step under the shared lock declares a read of
	// the tree (treeStep), so two readers' steps are independent for the
	// exhaustive search. Under the shared lock readers still change node
	// counts (kernfs_get and kernfs_put, atomic in kernfs), which commute;
	// see put for why even a put that frees does.
	lock  sched.Mutex
	root  *node
	nodes []*node // every node ever allocated, freed ones included
	slab  []node  // memory for the nodes, handed out in order
	used  int     // how many of slab are handed out
	k     *Kernel
}

func (tr *tree) alloc(kind nodeKind, name string, tag int) *node {
	return tr.allocHashed(kind, name, tag, nameHash(name, tag))
}

// allocHashed is alloc of a node whose nameHash(name, tag) is known.
func (tr *tree) allocHashed(kind nodeKind, name string, tag int, hash uint32) *node {
	n, children, drained := tr.slot()
	// Born deactivated, as __kernfs_new_node sets KN_DEACTIVATED_BIAS: a
	// node is invisible until kernfs_activate (see Kernel.activate).
	// Cleared in place, then filled: a literal would be built aside and
	// copied over.
	*n = node{}
	n.id, n.kind, n.name, n.tag, n.hash = len(tr.nodes), kind, name, tag, hash
	n.refs, n.active = 1, deactivated
	n.children, n.drained = children, drained
	n.name0.s = name
	n.nameBuf = &n.name0
	tr.nodes = append(tr.nodes, n)
	return n
}

// slot returns the slab's next node for a new node to be written over.
// It may hold one of an earlier execution's: all of that is overwritten
// but what slot returns with it, to keep: its children's array, emptied,
// and its drained, which is bound to the memory, not the node.
func (tr *tree) slot() (n *node, children []*node, drained func() bool) {
	if tr.used == len(tr.slab) {
		tr.slab, tr.used = make([]node, 16), 0
	}
	n = &tr.slab[tr.used]
	tr.used++
	return n, n.children[:0], n.drained
}

// touch is every access to a node's memory: it is where a use after free
// shows. Every step that follows a touch, up to the next preemption point,
// touches only the tree and the history (see Kernel.treeStep).
//
// It is the commonest preemption point of all, so it does the work of
// treeStep and check itself, neither of which is small enough to inline:
// two calls fewer at every touch.
func (tr *tree) touch(t *sched.Thread, n *node, what string) {
	if k := tr.k; !k.alone {
		t.Access(&k.tree.lock, !k.tree.lock.HeldShared(t))
	}
	if n.freed {
		tr.touchedFreed(t, n, what)
		return
	}
	tr.k.coverTouch(t, n)
}

// check faults if n is freed: the use after free a touch finds. It is
// also where coverage sees which node state each operation met.
func (tr *tree) check(t *sched.Thread, n *node, what string) {
	if n.freed {
		tr.touchedFreed(t, n, what)
		return
	}
	tr.k.coverTouch(t, n)
}

// touchedFreed is check's fault, apart so that check stays small enough
// to inline into every touch.
func (tr *tree) touchedFreed(t *sched.Thread, n *node, what string) {
	tr.k.fault(t, history.UseAfterFree, fmt.Sprintf("%s touched freed node %v", what, n))
}

// get and put are kernfs_get and kernfs_put.
func (tr *tree) get(n *node) { n.refs++ }

func (tr *tree) put(t *sched.Thread, n *node) {
	// Under the shared lock a put is a read, like a get: a reader that
	// frees a node holds its last reference, so no other reader can
	// reach the node, through the tree or a reference, to see it freed.
	tr.touch(t, n, "kernfs_put")
	// drop's check would meet n as the touch just did, and count the
	// same coverage point again: only its fault, for a freed n, is its
	// own.
	if n.freed {
		tr.touchedFreed(t, n, "kernfs_put")
	}
	tr.unref(t, n)
}

// drop is put within a step that already touches the tree.
func (tr *tree) drop(t *sched.Thread, n *node) {
	tr.check(t, n, "kernfs_put")
	tr.unref(t, n)
}

// unref is drop after its check: the reference goes.
func (tr *tree) unref(t *sched.Thread, n *node) {
	n.refs--
	if n.refs == 0 {
		n.freed = true
		if n.target != nil {
			// A symlink holds a reference on its target (kernfs_create_link).
			tr.put(t, n.target)
		}
	} else if n.refs < 0 {
		tr.k.fault(t, history.UseAfterFree, fmt.Sprintf("reference count of %v dropped below zero", n))
	}
}

// release is put at the end of an execution, outside any thread: no
// step, no fault.
func (tr *tree) release(n *node) {
	n.refs--
	if n.refs == 0 {
		n.freed = true
		if n.target != nil {
			tr.release(n.target)
		}
	}
}

// link is kernfs_link_sibling: it inserts n in order; the caller has
// checked uniqueness.
func (tr *tree) link(parent, n *node) {
	i, _ := position(parent.children, n.hash, n.tag, n.name)
	parent.children = insertAt(parent.children, i, n)
	n.parent, n.linked = parent, true
	parent.rev++ // kernfs_inc_rev
}

// insertAt is slices.Insert of one node into a directory's few children:
// an append and a shift by hand, where slices.Insert's general copy costs
// a runtime call even when nothing moves.
func insertAt(sib []*node, i int, n *node) []*node {
	sib = append(sib, n)
	for j := len(sib) - 1; j > i; j-- {
		sib[j] = sib[j-1]
	}
	sib[i] = n
	return sib
}

// removeNode is slices.Delete of n from a directory's children, by hand
// as insertAt inserts: the last slot, left behind, is cleared.
func removeNode(sib []*node, n *node) []*node {
	i := slices.Index(sib, n)
	for ; i+1 < len(sib); i++ {
		sib[i] = sib[i+1]
	}
	sib[len(sib)-1] = nil
	return sib[:len(sib)-1]
}

// unlink is kernfs_unlink_sibling; it reports whether n was linked.
func (tr *tree) unlink(n *node) bool {
	if !n.linked {
		return false
	}
	p := n.parent
	p.children = removeNode(p.children, n)
	n.linked = false
	p.rev++ // kernfs_inc_rev
	return true
}

// appendPath appends the path of n from the root, "/a/b", to b.
func (tr *tree) appendPath(b []byte, n *node) []byte {
	if n == tr.root {
		return b
	}
	return append(append(tr.appendPath(b, n.parent), '/'), n.name...)
}

// find is kernfs_find_ns: it ignores whether the node is active, as the
// kernel does, so a deactivated node still collides with a new one.
func (tr *tree) find(t *sched.Thread, parent *node, name string, tag int) *node {
	tr.touch(t, parent, "kernfs_find_ns")
	return tr.child(parent, name, tag)
}

// child is find within a step that has already touched parent.
func (tr *tree) child(parent *node, name string, tag int) *node {
	return tr.childHashed(parent, name, tag, nameHash(name, tag))
}

// childHashed is child of a name whose nameHash(name, tag) is known.
func (tr *tree) childHashed(parent *node, name string, tag int, hash uint32) *node {
	if i, ok := position(parent.children, hash, tag, name); ok {
		return parent.children[i]
	}
	return nil
}

// position is where (hash, tag, name) is or would be among siblings, in
// their order (kernfs_name_compare), and whether it is there: the binary
// search of slices.BinarySearchFunc, with the hashes, which decide
// nearly every comparison, compared inline, and the match tested for
// equality, which needs no string ordering.
func position(siblings []*node, hash uint32, tag int, name string) (int, bool) {
	lo, hi := 0, len(siblings)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		c := siblings[m]
		if c.hash < hash || c.hash == hash && compare(hash, tag, name, c) > 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == len(siblings) {
		return lo, false
	}
	c := siblings[lo]
	return lo, c.hash == hash && c.tag == tag && c.name == name
}

// findAnyTag is the early kernfs_find_ns that compared names but not tags
// (the tag-blind lookup bug): it returns the first sibling with the name.
func (tr *tree) findAnyTag(t *sched.Thread, parent *node, name string) *node {
	tr.touch(t, parent, "kernfs_find_ns")
	return tr.childAnyTag(parent, name)
}

// childAnyTag is findAnyTag within a step that has already touched parent.
func (tr *tree) childAnyTag(parent *node, name string) *node {
	for _, c := range parent.children {
		if c.name == name {
			return c
		}
	}
	return nil
}
