package properties

import (
	"sync"

	"github.com/sysfsim/sysfsim/history"
)

// facts are what the checkers derive from each record of a history,
// worked out once: the checkers compare records pairwise and more, and
// deriving a record's entries at every comparison was most of their cost.
// The entries each record may have brought into existence and those it
// showed to exist (see appendProduced and appendObserved) are in the
// index, by their subject ids.
type facts struct {
	h      history.History
	mounts mountTags
	index  index
	// progress is what the checkers of undecided properties say of how
	// far they got (Report.Progress).
	progress []Progress
	// lin is the linearizability checker's memory.
	lin stepBuf
}

// factsOf returns h's facts, in the memory of an earlier history's.
func factsOf(h history.History) *facts { return factsPool.Get().(*facts).of(h) }

// of makes f h's facts, keeping f's memory.
func (f *facts) of(h history.History) *facts {
	f.h = h
	f.mounts.fill(&f.h)
	f.index.build(&f.h, &f.mounts)
	return f
}

// release gives f's memory to the next history's facts. Nothing may use
// f afterwards.
func (f *facts) release() {
	f.index.reset()
	f.progress = f.progress[:0]
	f.h = history.History{}
	factsPool.Put(f)
}

// factsPool holds the facts of histories already checked: a campaign
// checks one history after another, all of about the same size.
var factsPool = sync.Pool{New: func() any { return new(facts) }}

// grow returns xs with length n, reusing its array if large enough.
func grow[T any](xs []T, n int) []T {
	if cap(xs) < n {
		return make([]T, n)
	}
	return xs[:n]
}
