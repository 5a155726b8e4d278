package properties

import (
	"cmp"
	"reflect"
	"slices"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// The return-order and call-order shortcuts are sound: whenever one
// explains a history, porcupine finds the history linearizable too. Both
// of each one's answers must occur, or the comparison proves nothing:
// histories of the correct simulator it explains, and, under bugs that
// break linearizability, histories it does not explain, which porcupine
// must then judge; and the call order must explain some the return order
// does not, or it is not worth its time.
func TestReturnOrderAgreesWithPorcupine(t *testing.T) {
	orders := []struct {
		name      string
		explained func(history.History) bool
	}{{"return", explainedInReturnOrder}, {"call", explainedInCallOrder}}
	var explained, unexplained, illegal [2]int
	rescued := 0
	for i := range 600 {
		opt := sim.Options{}
		if i%2 == 1 {
			opt.Bugs = sim.BugSet{sim.BugRenameLinkRecreate, sim.BugExitUnlockedDeactivate, sim.BugUnlockedAdd}
		}
		seed := uint64(i)
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 3, MaxThreads: 4, MaxOps: 4})
		x := sim.Run(p, sched.NewRandom(seed), opt)
		res, _ := Linearize(x.History, 0)
		var ok [2]bool
		for j, o := range orders {
			if ok[j] = o.explained(x.History); ok[j] {
				explained[j]++
				if res != porcupine.Ok {
					t.Fatalf("seed %d, bugs %v: explained in %s order, but porcupine says %v", seed, opt.Bugs, o.name, res)
				}
			} else {
				unexplained[j]++
				illegal[j] += b2i(res == porcupine.Illegal)
			}
		}
		rescued += b2i(ok[1] && !ok[0])
		x.Release()
	}
	for j, o := range orders {
		t.Logf("%s order: %d explained, %d not (%d of them not linearizable)", o.name, explained[j], unexplained[j], illegal[j])
		if explained[j] == 0 || unexplained[j] == 0 || illegal[j] == 0 {
			t.Fatalf("%s order: the comparison was one-sided: %d explained, %d not, %d illegal", o.name, explained[j], unexplained[j], illegal[j])
		}
	}
	if rescued == 0 {
		t.Fatal("the call order explained no history the return order did not")
	}
}

// orderedEvents is h's events in the order explainedInOrder replays
// them: its records in stepOrder, each expanded by eachEvent.
func orderedEvents(h history.History, byCall bool) []model.Event {
	var events []model.Event
	for _, i := range stepOrder(&h, byCall, nil) {
		eachEvent(&h.Records[i], new(model.Event), func(op *model.Op, r *model.Result, pending bool) bool {
			events = append(events, model.Event{Op: *op, Result: *r, Pending: pending})
			return true
		})
	}
	return events
}

// stepOrder and eachEvent build the return (and call) order's events
// straight from the records; they must give what sorting h.Steps by Return (Call) stably gives:
// on simulator histories (steps, readdirs, pending operations of
// deadlocks under bugs), with their times as they are and coarsened into
// ties, and on histories of whole flows (expanded, failed,
// pending, returning together). Every kind of record must occur, or the
// comparison proves nothing.
func TestReturnOrderEventsAreStepsSorted(t *testing.T) {
	var hs []history.History
	for i := range 800 {
		opt := sim.Options{}
		if i%2 == 1 {
			opt.Bugs = sim.BugNames()
		}
		seed := uint64(i)
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 2, MaxThreads: 4, MaxOps: 5})
		x := sim.Run(p, sched.NewRandom(seed), opt)
		// Kept, never released; coarsened, records call and return at
		// the same time, which the orders must keep in record order.
		hs = append(hs, x.History, coarsened(x.History, 3))
	}
	create := func(ns int, name string) model.Op { return model.Op{Kind: model.Create, NS: ns, Name: name} }
	rename := model.Op{Kind: model.Rename, NS: 1, Name: "d1", NewName: "d2"}
	hs = append(hs, history.History{Records: []history.Record{
		at(0, 1, 9, create(1, "d1"), model.Result{}),
		at(1, 2, 9, create(1, "d1"), model.Result{Err: model.EEXIST}),
		at(2, 3, -1, rename, model.Result{}),
		at(1, 10, 12, rename, model.Result{}),
		at(0, 11, 12, model.Op{Kind: model.Remove, NS: 1, Name: "d2"}, model.Result{}),
	}})
	var pending, flows, failed, readdirs int
	for n, h := range hs {
		for _, byCall := range []bool{false, true} {
			steps := h.Steps(nil)
			slices.SortStableFunc(steps, func(a, b history.Step) int {
				if byCall {
					return cmp.Compare(a.Call, b.Call)
				}
				return cmp.Compare(a.Return, b.Return)
			})
			want := make([]model.Event, len(steps))
			for j, st := range steps {
				want[j] = st.Event
			}
			if got := orderedEvents(h, byCall); !reflect.DeepEqual(got, want) {
				t.Fatalf("history %d, by call %v: events\n%v\nsorted steps\n%v", n, byCall, got, want)
			}
		}
		for _, r := range h.Records {
			pending += b2i(r.Pending)
			readdirs += b2i(r.Op.Kind == model.Readdir)
			flows += b2i(r.Op.Kind.IsFlow() && len(model.Steps(r.Op, model.Result{})) > 1)
			failed += b2i(r.Op.Kind.IsFlow() && !r.Pending && r.Result.Err != model.OK)
		}
	}
	if pending < 2 || flows == 0 || failed == 0 || readdirs == 0 {
		t.Fatalf("one-sided: %d pending records, %d flows of several steps, %d failed flows, %d readdirs", pending, flows, failed, readdirs)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
