package properties

import "github.com/sysfsim/sysfsim/history"

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
}

func factsOf(h history.History) *facts {
	n := len(h.Records)
	f := &facts{h: h, mounts: mountTagsOf(h), produced: make([][]key, n), observed: make([][]key, n)}
	// One array for all: the entries of a record are a slice of it.
	buf := make([]key, 0, 3*n)
	for i, r := range h.Records {
		start := len(buf)
		buf = appendProduced(buf, r)
		f.produced[i] = buf[start:len(buf):len(buf)]
		start = len(buf)
		buf = appendObserved(buf, f.mounts, r)
		f.observed[i] = buf[start:len(buf):len(buf)]
	}
	return f
}
