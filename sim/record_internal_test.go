package sim

import (
	"reflect"
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// An operation's result goes straight into its record, and so into the
// records' old array when another thread's record grows it while the
// operation runs (Kernel.record). Run with no room to spare in the array
// for the threads' records, which then grows over and over in the middle
// of operations, an execution records what it records with room for all.
func TestRecordsGrowingMidOperation(t *testing.T) {
	grew := 0
	for seed := range uint64(400) {
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 3, MaxThreads: 4})
		opt := Options{Bugs: BugSet{BugReaddirDropLock}} // listings pending longer
		var roomy Execution
		runOn(new(arena), &p, sched.NewRandom(seed), opt, &roomy)
		tight, n := runClipped(&p, sched.NewRandom(seed), opt)
		grew += n
		if !reflect.DeepEqual(roomy.History, tight.History) {
			t.Fatalf("seed %d: with the records' array growing the history is\n%v\nnot\n%v", seed, tight.History, roomy.History)
		}
	}
	if grew == 0 {
		t.Fatal("the records' array never grew while an operation was pending")
	}
}

// runClipped is runOn with the records' array clipped to what the setup
// recorded. It also counts the records pending while the array grew.
func runClipped(p *history.Program, strategy sched.Strategy, opt Options) (Execution, int) {
	a := new(arena)
	k := prepare(p, opt, a)
	k.hist.Records = slices.Clip(k.hist.Records)
	s := a.scheduler(strategy, maxSteps(opt), opt)
	spawn(s, k, p)
	var x Execution
	finish(k, s.Run(), &x)
	rs := x.History.Records
	// Where append grew the array: from the setup's records on, as an
	// array of their length grows.
	grew, array := 0, make([]history.Record, setupRecords(rs))
	for j := len(array); j < len(rs); j++ {
		if len(array) == cap(array) {
			for _, r := range rs[:j] {
				if r.Return > rs[j].Call || r.Pending {
					grew++
				}
			}
		}
		array = append(array, history.Record{})
	}
	return x, grew
}

func setupRecords(rs []history.Record) int {
	n := 0
	for n < len(rs) && rs[n].Thread == history.SetupThread {
		n++
	}
	return n
}
