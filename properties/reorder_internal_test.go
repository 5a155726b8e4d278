package properties

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/history"
)

// TestReorderingAgreesWithPorcupine checks that explainedByReordering is
// sound: on the histories of thousands of short executions, of the
// correct simulator and under seeded bugs, each with its times as the
// simulator's clock has them and coarsened (records that call and
// return at the same time), whatever it explains porcupine finds
// linearizable. It must explain histories the return order does not, or
// it is not worth its time, and most of those the end search would have
// to. The broken case is the search on the history with its times
// forgotten (every step called at 0 and returning last), which follows
// orders real time rules out: it must explain some history porcupine
// does not, or the comparison proves nothing.
func TestReorderingAgreesWithPorcupine(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 600
	}
	var explained, rescued, failed, illegal, brokenWrong int
	for i := range n {
		x, bugs := mixedExecution(i)
		for _, grain := range []int64{1, 3} {
			h := coarsened(x.History, grain)
			what := fmt.Sprintf("seed %d, bugs %v, grain %d", i, bugs, grain)
			res, _ := Linearize(h, 0)
			if explainedByReordering(&h) {
				explained++
				if res != porcupine.Ok {
					t.Fatalf("%s: explained by reordering, but porcupine says %v", what, res)
				}
				if !explainedInReturnOrder(h) {
					rescued++
				}
			} else if res == porcupine.Ok && !explainedInReturnOrder(h) {
				failed++
			}
			if res == porcupine.Illegal {
				illegal++
				if th := timeless(h); explainedByReordering(&th) {
					brokenWrong++
				}
			}
		}
		x.Release()
	}
	t.Logf("%d explained, %d of them not in return order; %d linearizable left to the checks after it; %d not linearizable, of which %d explained when the times are forgotten", explained, rescued, failed, illegal, brokenWrong)
	if rescued == 0 || illegal == 0 || brokenWrong == 0 {
		t.Fatalf("the comparison was one-sided: %d explained beyond the return order, %d not linearizable, %d of them explained without real time", rescued, illegal, brokenWrong)
	}
	if failed > rescued/10 {
		t.Errorf("%d linearizable histories left to the end search, against %d explained: the budget is too small", failed, rescued)
	}
}

// timeless returns h with every record called at 0 and returning at
// the end: every order of its steps respects real time.
func timeless(h history.History) history.History {
	h.Records = slices.Clone(h.Records)
	for i := range h.Records {
		h.Records[i].Call, h.Records[i].Return = 0, math.MaxInt32
	}
	return h
}
