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

// The return-order shortcut is sound: whenever it explains a history,
// porcupine finds the history linearizable too. Both of its answers must
// occur, or the comparison proves nothing: histories of the correct
// simulator it explains, and, under bugs that break linearizability,
// histories it does not explain, which porcupine must then judge.
func TestReturnOrderAgreesWithPorcupine(t *testing.T) {
	var explained, unexplained, illegal int
	for i := range 600 {
		opt := sim.Options{}
		if i%2 == 1 {
			opt.Bugs = sim.BugSet{sim.BugRenameLinkRecreate, sim.BugExitUnlockedDeactivate, sim.BugUnlockedAdd}
		}
		seed := uint64(i)
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 3, MaxThreads: 4, MaxOps: 4})
		x := sim.Run(p, sched.NewRandom(seed), opt)
		res, _ := Linearize(x.History, 0)
		if explainedInReturnOrder(x.History) {
			explained++
			if res != porcupine.Ok {
				t.Fatalf("seed %d, bugs %v: explained in return order, but porcupine says %v", seed, opt.Bugs, res)
			}
		} else {
			unexplained++
			if res == porcupine.Illegal {
				illegal++
			}
		}
		x.Release()
	}
	t.Logf("%d explained in return order, %d not (%d of them not linearizable)", explained, unexplained, illegal)
	if explained == 0 || unexplained == 0 || illegal == 0 {
		t.Fatalf("the comparison was one-sided: %d explained, %d not, %d illegal", explained, unexplained, illegal)
	}
}

// returnOrderEvents builds the return order's events straight from the
// records; it must give what sorting h.Steps by Return (stably) gives:
// on simulator histories (steps, readdirs, pending operations of
// deadlocks under bugs) and on histories of whole flows (expanded, failed,
// pending, returning together). Every kind of record must occur, or the
// comparison proves nothing.
func TestReturnOrderEventsAreStepsSorted(t *testing.T) {
	var hs []history.History
	for i := range 400 {
		opt := sim.Options{}
		if i%2 == 1 {
			opt.Bugs = sim.BugNames()
		}
		seed := uint64(i)
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 2, MaxThreads: 4, MaxOps: 5})
		x := sim.Run(p, sched.NewRandom(seed), opt)
		hs = append(hs, x.History) // never released: kept
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
		steps := h.Steps(nil)
		slices.SortStableFunc(steps, func(a, b history.Step) int { return cmp.Compare(a.Return, b.Return) })
		want := make([]model.Event, len(steps))
		for j, st := range steps {
			want[j] = st.Event
		}
		if _, got := returnOrderEvents(h, nil, nil); !reflect.DeepEqual(got, want) {
			t.Fatalf("history %d: events\n%v\nsorted steps\n%v", n, got, want)
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
