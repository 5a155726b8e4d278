package campaign

import (
	"os"
	"runtime/debug"
	"sync"
)

// GCPercent is the collector's setting while campaigns run, and the one
// the command line sets for itself: campaigns make short-lived garbage at
// a steady rate from a small live heap, and collecting four times less
// often is about 10% more executions per second for a few megabytes.
const GCPercent = 400

// gcTuning counts the campaigns running with the setting raised, so that
// the last to end puts back what was there before the first began.
var gcTuning struct {
	sync.Mutex
	running int
	raised  bool
	before  int
}

// tuneGC raises the collector's setting for a campaign, unless the user
// chose one (GOGC set) or the program did (a setting other than Go's
// default of 100): library callers then run as fast as the command. The
// function it returns undoes it.
func tuneGC() (undo func()) {
	g := &gcTuning
	g.Lock()
	defer g.Unlock()
	if g.running == 0 && os.Getenv("GOGC") == "" {
		if prev := debug.SetGCPercent(GCPercent); prev == 100 {
			g.raised, g.before = true, prev
		} else {
			debug.SetGCPercent(prev) // the program chose its own
		}
	}
	g.running++
	return func() {
		g.Lock()
		defer g.Unlock()
		g.running--
		if g.running == 0 && g.raised {
			debug.SetGCPercent(g.before)
			g.raised = false
		}
	}
}
