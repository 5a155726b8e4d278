package sim

import (
	"math"
	"slices"

	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// getdentsBatch is how many entries one getdents call returns: each call is
// its own critical section, so a listing is a union of snapshots.
const getdentsBatch = 1

// userSteps is how long user space works between two getdents calls, in
// preemption points: time for other threads to change the directory.
const userSteps = 3

// emitSteps is how long dir_emit takes, in preemption points, when it runs
// without the lock.
const emitSteps = 4

// readdir lists a directory through a mount as kernfs_fop_readdir does,
// over as many getdents calls as it takes. The cursor is the hash of the
// next entry (ctx->pos) and a reference on it (file->private_data).
func (k *Kernel) readdir(t *sched.Thread, op *model.Op) model.Result {
	tag, mnt := k.useMount(op.Mount, op.Dir)
	defer mnt.done()
	if tag == 0 {
		return errno(model.EINVAL)
	}
	tr := &k.tree
	var parent *node // opened at the first getdents call (openDir)
	entries := k.entryBufs.take()
	hash := uint32(2) // ctx->pos after "." and ".."
	var saved *node
	for {
		k.rlock(t, &tr.lock) // kernfs_fop_readdir: down_read
		if parent == nil {
			if parent = k.openDir(t, op.Dir); parent == nil {
				k.runlock(t, &tr.lock)
				k.entryBufs.give(entries)
				return errno(model.ENOENT)
			}
		}
		k.coverList(parent)
		k.coverCursor(parent, hash, saved)
		emitted, full := 0, false
		for pos := k.dirPos(t, parent, hash, saved, tag); pos != nil; pos = k.dirNextPos(t, parent, hash, pos, tag) {
			hash, saved = pos.hash, pos
			if !k.bugs.Has(BugReaddirCursorNoRef) {
				tr.get(pos) // file->private_data holds the cursor
			}
			if emitted == getdentsBatch {
				full = true // dir_emit: the user's buffer is full
				break
			}
			if k.bugs.Has(BugReaddirDropLock) {
				// Before 9aab10a0249e the lock was dropped around dir_emit,
				// with the name pointer kept: a rename may free it.
				name := pos.nameBuf
				k.runlock(t, &tr.lock)
				for i := range emitSteps {
					if i < emitSteps-1 {
						k.access(t, private{}, false) // copy_to_user may fault and sleep
					} else {
						// Then dir_emit reads the tree (the name) unlocked.
						k.access(t, &tr.lock, false)
					}
				}
				name.use(k, t, "dir_emit")
				entries = append(entries, model.Entry{Name: name.s, Tag: pos.owner})
				k.rlock(t, &tr.lock)
			} else {
				tr.touch(t, pos, "dir_emit")
				entries = append(entries, model.Entry{Name: pos.name, Tag: pos.owner})
			}
			emitted++
		}
		if !full {
			if op.Dir == model.Devices {
				tr.drop(t, parent) // the open file's reference (fput)
			}
			k.runlock(t, &tr.lock)
			break
		}
		k.runlock(t, &tr.lock)
		for range userSteps {
			// Back in user space between two getdents calls: these
			// steps touch nothing shared, the last up to the Lock.
			k.access(t, private{}, false)
		}
	}
	// The history keeps the listing beyond the execution's memory (a
	// History.Clone shares it): its own array, sized once.
	list := append(make([]model.Entry, 0, len(entries)), entries...)
	k.entryBufs.give(entries)
	return model.Result{Entries: list}
}

// openDir is open(2) of directory d, which the listing's getdents calls
// then read: the glue directory (devices/virtual/net) is the one active
// now, found as kernfs_iop_lookup would (the dentry cache's answer is a
// fresh lookup's) and pinned by the open file, or nil when there is none;
// the other directories are always there. It is folded into the first
// getdents call's critical section, under the tree lock held shared.
func (k *Kernel) openDir(t *sched.Thread, d model.Dir) *node {
	if d != model.Devices {
		return k.dir(d)
	}
	n := k.devDir()
	if n == nil || !n.isActive() {
		return nil
	}
	k.tree.get(n)
	return n
}

// dirPos is kernfs_dir_pos: the saved node if it is still valid, or else
// the node the search for hash ends at; then the first active node of the
// mount's tag from there.
func (k *Kernel) dirPos(t *sched.Thread, parent *node, hash uint32, pos *node, tag int) *node {
	tr := &k.tree
	if pos != nil {
		tr.touch(t, pos, "kernfs_dir_pos")
		valid := pos.isActive() && pos.parent == parent && pos.linked && hash == pos.hash
		if !k.bugs.Has(BugReaddirCursorNoRef) {
			tr.put(t, pos)
		}
		if !valid {
			pos = nil
		}
	}
	if pos == nil && hash > 1 && hash < math.MaxInt32 {
		pos = k.search(parent, hash)
	}
	for pos != nil && (!pos.isActive() || pos.tag != tag) {
		pos = next(pos)
	}
	return pos
}

// search finds where a listing resumes when its saved node is gone: the
// first node whose hash is not below the cursor.
//
// kernfs_dir_pos descends the rbtree and stops at the match or at the last
// node it visited, which may lie on either side of the cursor; one below it
// was already listed and is listed again. The simulator does what the code
// means to do, and BugReaddirCursorDescent does what it does.
func (k *Kernel) search(parent *node, hash uint32) *node {
	sib := parent.children
	if k.bugs.Has(BugReaddirCursorDescent) {
		var pos *node
		lo, hi := 0, len(sib)
		for lo < hi {
			mid := (lo + hi) / 2
			pos = sib[mid]
			if hash < pos.hash {
				hi = mid
			} else if hash > pos.hash {
				lo = mid + 1
			} else {
				break
			}
		}
		return pos
	}
	i, _ := slices.BinarySearchFunc(sib, hash, func(n *node, h uint32) int {
		switch {
		case n.hash < h:
			return -1
		case n.hash > h:
			return 1
		}
		return 0
	})
	if i == len(sib) {
		return nil
	}
	return sib[i]
}

// dirNextPos is kernfs_dir_next_pos: the node after the cursor.
func (k *Kernel) dirNextPos(t *sched.Thread, parent *node, hash uint32, pos *node, tag int) *node {
	pos = k.dirPos(t, parent, hash, pos, tag)
	if pos != nil {
		for {
			pos = next(pos)
			if pos == nil || pos.isActive() && pos.tag == tag {
				break
			}
		}
	}
	return pos
}

// next is rb_next: the following sibling in (hash, tag, name) order.
func next(n *node) *node {
	sib := n.parent.children
	i := slices.Index(sib, n)
	if i < 0 || i+1 >= len(sib) {
		return nil
	}
	return sib[i+1]
}
