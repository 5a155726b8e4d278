package properties

import (
	"sync"

	"github.com/sysfsim/sysfsim/history"
)

// facts are what the checkers derive from each record of a history,
// worked out once: the checkers compare records pairwise and more, and
// deriving a record's entries at every comparison was most of their cost.
type facts struct {
	h      history.History
	mounts mountTags
	// produced and observed hold, by record, the entries it may have
	// brought into existence and those it showed to exist (see
	// appendProduced and appendObserved).
	produced, observed [][]key
	buf                []key // the array of their entries
	index              index
	// progress is what the checkers of undecided properties say of how
	// far they got (Report.Progress).
	progress []Progress
}

// factsOf returns h's facts, in the memory of an earlier history's.
func factsOf(h history.History) *facts { return factsPool.Get().(*facts).of(h) }

// of makes f h's facts, keeping f's memory.
func (f *facts) of(h history.History) *facts {
	n := len(h.Records)
	f.h = h
	f.mounts.fill(h)
	f.produced, f.observed = grow(f.produced[:0], n), grow(f.observed[:0], n)
	// One array for all: the entries of a record are a slice of it.
	buf := f.buf[:0]
	for i := range h.Records {
		r := &h.Records[i]
		start := len(buf)
		buf = appendProduced(buf, r)
		f.produced[i] = buf[start:len(buf):len(buf)]
		start = len(buf)
		buf = appendObserved(buf, &f.mounts, r)
		f.observed[i] = buf[start:len(buf):len(buf)]
	}
	f.buf = buf
	f.index.build(f)
	return f
}

// release gives f's memory to the next history's facts. Nothing may use
// f afterwards.
func (f *facts) release() {
	clear(f.buf) // let go of the history's names
	clear(f.produced)
	clear(f.observed)
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
