package sched

// An iterative search runs its levels one after another, each within one
// more preemption (or delay) than the last, and visits at each only the
// schedules that spend exactly its bound. A subtree in which a level cut
// nothing off holds no schedule that spends more, so every later level
// would run it again only to visit none of it: the search remembers such
// subtrees (doneSet) and the levels above skip them, instead of running
// them once a level. A skipped step is not put in its siblings' done sets,
// so their sleep sets are at most smaller than without the skip: the
// search explores no less.
//
// A subtree is named by the schedule that leads to it, hashed (childKey):
// two schedules with one hash would make a level skip one of them, a
// chance of about n²/2⁶⁵ for n subtrees remembered.

// doneSet holds the keys of the subtrees a level of an iterative search
// explored without cutting anything off; nil in other searches.
type doneSet map[uint64]bool

// childKey names the schedule that takes tid after the one key names
// (splitmix64 of the two: the root's key is 0).
func childKey(key uint64, tid int) uint64 {
	z := key ^ (uint64(tid)+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// finish notes that the subtrees of the states from depth i on are
// explored, deepest first: one in which nothing was cut off is done, and
// a cut below a state is a cut below its parent.
func (e *explorer) finish(i int) {
	if e.done == nil {
		return
	}
	for j := len(e.stack) - 1; j >= i; j-- {
		n := e.stack[j]
		switch {
		case !n.hit:
			e.done[n.key] = true
		case j > 0:
			e.stack[j-1].hit = true
		}
	}
}
