package properties

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// wideHistory is n threads each creating a device of its own, all at
// once, and then a lookup that misses the first: no order explains it,
// and with more than maxNext creates that may go next, the end search
// gives up and porcupine gets them, whose search follows every subset of
// the creates (2^n states) before it can say so. lookupFinds makes the
// lookup find the device: then it is linearizable.
func wideHistory(n int, lookupFinds bool) history.History {
	c := model.Config{Namespaces: 1, Mounts: []int{1}}
	var recs []history.Record
	for i := range n {
		recs = append(recs, at(i, 10+int64(i), 1000, model.Op{Kind: model.Create, NS: 1, Name: fmt.Sprintf("d%d", i)}, model.Result{}))
	}
	res := model.Result{Err: model.ENOENT}
	if lookupFinds {
		res = model.Result{Tag: 1}
	}
	recs = append(recs, at(0, 2000, 2001, model.Op{Kind: model.Lookup, Mount: 1, Name: "d0"}, res))
	return history.History{Config: c, Records: recs}
}

// A history too wide for the end search goes to porcupine, whose search
// stops at the memory bound: the check is undecided and says why (too
// wide, how many steps pending at once, the heap figure), whole or cut
// into pieces, and the heap stays near the bound. Without the bound only
// the timeout stops the same search (and without either it would grow
// until the process ran out of memory: 70 creates in every order); a
// narrow history of the same shape is decided, violation or not.
// (Porcupine follows every order of concurrent creates, whose ifindexes
// differ by order: 8 take it half a minute, so narrow here is 4.)
func TestTooWideIsUndecidedWithinTheMemoryBound(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		finds   bool
		pieces  int // pieceSteps; 0: the default (the history is checked whole)
		bound   bool
		decided bool
	}{
		{"wide, whole", maxNext + 6, false, 0, true, false},
		{"wide, cut into pieces", maxNext + 6, false, 1, true, false},
		{"wide, no memory bound: out of time", maxNext + 6, false, 0, false, false},
		{"narrow, violated", 4, false, 0, true, true},
		{"narrow, violated, in pieces", 4, false, 1, true, true},
		{"narrow, linearizable", 4, true, 0, true, true},
		{"narrow, linearizable, in pieces", 4, true, 1, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := wideHistory(tc.n, tc.finds)
			limit := heapBytes() + 8<<20
			b := bounds{timeout: 20 * time.Second, memory: int64(limit)} // the timeout: so that a bound not kept fails rather than hangs
			if !tc.bound {
				b = bounds{timeout: 200 * time.Millisecond, memory: -1}
			}
			var v linVerdict
			peak := watchHeap(func() {
				if tc.pieces == 0 {
					v = checkLinearizable(&h, b)
					return
				}
				withPieces(t, tc.pieces, false, func() { v = checkLinearizable(&h, b) })
			})
			t.Logf("decided %v, %d violations, peak heap %d MiB (bound %d MiB): %s", v.decided, len(v.violations), peak>>20, limit>>20, v.progress)
			if v.decided != tc.decided {
				t.Fatalf("decided %v, want %v: %v %s", v.decided, tc.decided, v.violations, v.progress)
			}
			if tc.decided {
				if (len(v.violations) > 0) == tc.finds {
					t.Errorf("lookup finds %v: %v", tc.finds, v.violations)
				}
				return
			}
			if len(v.violations) > 0 {
				t.Fatalf("undecided with violations %v", v.violations)
			}
			want := fmt.Sprintf("too wide: %d steps pending at once", 2*tc.n) // a create is two steps
			switch {
			case tc.bound && (v.cause != "memory" || !strings.Contains(v.progress, want) || !strings.Contains(v.progress, "memory bound")):
				t.Errorf("cause %q, progress %q: want the memory bound and %q", v.cause, v.progress, want)
			case tc.bound && peak > limit+256<<20:
				t.Errorf("the heap grew to %d MiB, the bound is %d MiB", peak>>20, limit>>20)
			case !tc.bound && v.cause != "":
				t.Errorf("without a bound: cause %q; want the timeout to stop it", v.cause)
			}
		})
	}
}

// watchHeap runs f and returns the most heap it saw while f ran.
func watchHeap(f func()) uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			peak.Store(max(peak.Load(), heapBytes()))
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	f()
	close(done)
	<-stopped
	return peak.Load()
}
