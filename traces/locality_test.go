package traces

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// The locality cut keeps the culprit and the lineage of what it reads:
// the change that left each of its entries as it found them, and what
// that change needed in turn, not what came and went before. Each case
// names the records the cut at the culprit's own time keeps, and that
// set is a witness of the violation from which no record can go: a cut
// that lost a link of the lineage, or kept the history before it, fails.
func TestLocalCut(t *testing.T) {
	eth0, veth0 := "eth0", "veth0"
	create := func(ns int, n string) model.Op { return model.Op{Kind: model.Create, NS: ns, Name: n} }
	remove := func(ns int, n string) model.Op { return model.Op{Kind: model.Remove, NS: ns, Name: n} }
	rename := model.Op{Kind: model.Rename, NS: 1, Name: eth0, NewName: veth0}
	lookup := func(m int, n string) model.Op { return model.Op{Kind: model.Lookup, Mount: m, Name: n} }
	cases := []struct {
		name string
		cfg  model.Config
		recs []rec
		want []int // the records the cut keeps, the culprit (the last record) too
	}{
		{
			"a lookup that misses a renamed device: its create and rename, not the names before",
			model.Config{Namespaces: 1, Mounts: []int{1}},
			[]rec{{0, create(1, eth0), ok}, {1, create(1, veth0), ok}, {0, remove(1, eth0), ok}, {1, remove(1, veth0), ok},
				{0, create(1, eth0), ok}, {1, lookup(1, eth0), model.Result{Tag: 1}}, {0, rename, ok}, {1, lookup(1, veth0), model.Result{Err: model.ENOENT}}},
			[]int{4, 6, 7},
		},
		{
			"a remove that fails on a device there: its last create only",
			model.Config{Namespaces: 1, Mounts: []int{1}},
			[]rec{{0, create(1, eth0), ok}, {0, remove(1, eth0), ok}, {1, create(1, eth0), ok}, {0, remove(1, eth0), model.Result{Err: model.ENOENT}}},
			[]int{2, 3},
		},
		{
			"a lookup through a mount the program made: the mount, the setns before it and the device seen, not the earlier ones",
			model.Config{Namespaces: 2, Mounts: []int{1}, Procs: []int{1}},
			[]rec{{0, model.Op{Kind: model.Setns, Proc: 1, NS: 1}, ok}, {0, model.Op{Kind: model.Setns, Proc: 1, NS: 2}, ok},
				{1, create(1, eth0), ok}, {1, create(2, eth0), ok},
				{0, model.Op{Kind: model.Mount, Proc: 1, Mount: 2}, model.Result{Tag: 2, User: 1}}, {1, lookup(2, eth0), model.Result{Tag: 1}}},
			[]int{1, 3, 4, 5},
		},
		{
			"a device moved into a namespace born later: the clone, the create and the move",
			model.Config{Namespaces: 2, Mounts: []int{1}, Later: []int{2}, Procs: []int{1}},
			[]rec{{0, create(1, eth0), ok}, {1, model.Op{Kind: model.Clone, NS: 2}, ok}, {0, create(1, veth0), ok},
				{0, model.Op{Kind: model.Move, NS: 1, Name: eth0, To: 2}, ok}, {1, lookup(1, veth0), model.Result{Tag: 1}},
				{1, model.Op{Kind: model.Remove, NS: 2, Name: eth0}, model.Result{Err: model.ENOENT}}},
			[]int{0, 1, 3, 5},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := handTrace(c.recs)
			tr.Program.Config, tr.History.Config = c.cfg, c.cfg
			vs, err := properties.CheckProperty(tr.History, properties.Linearizability, properties.Options{})
			if err != nil || len(vs) == 0 {
				t.Fatalf("the history is linearizable: %v", err)
			}
			s := newHistoryShrinker(tr, vs[0], vs, ShrinkOptions{MaxRuns: DefaultShrinkRuns})
			culprit := len(c.recs) - 1
			if !slices.Equal(s.pinned, []int{culprit}) {
				t.Fatalf("culprit %v, want %d", s.pinned, culprit)
			}
			x := newLocalIndex(tr.History)
			if got := x.local(s.pinned, tr.History.Records[culprit].Call, false); !slices.Equal(got, c.want) {
				t.Errorf("the cut keeps %v, want %v", got, c.want)
			}
			if !s.same(s.sub(c.want), c.want) {
				t.Fatalf("%v does not show the violation", c.want)
			}
			for k := range c.want[:len(c.want)-1] {
				less := slices.Delete(slices.Clone(c.want), k, k+1)
				if s.same(s.sub(less), less) {
					t.Errorf("%v shows the violation without record %d: the case does not hold the cut to its lineage", less, c.want[k])
				}
			}
			if !s.cutLocal() || len(s.rest) != len(c.want)-1 {
				t.Errorf("cutLocal kept %v", s.rest)
			}
		})
	}
}

// injection is a history with one wrong result, and its violations.
type injection struct {
	h  history.History
	vs []properties.Violation
}

// injected returns the histories, each with one wrong result, of long
// generated programs run on the simulator: for every k-th record, a
// result of its kind made wrong (a found entry missed, a missing one
// found, a success failed, a failure succeeded) when that makes the
// history not linearizable (decided within a short time: a few take
// porcupine long).
func injected(tb testing.TB, seeds, records, every int) []injection {
	tb.Helper()
	var out []injection
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 4, MaxThreads: 4, MaxOps: records / 4, MaxNamespaces: 3})
		h := sim.Run(p, sched.NewRandom(seed), sim.Options{MaxSteps: 100 * records}).History
		if len(h.Faults) > 0 {
			continue
		}
		for i := every / 2; i < len(h.Records); i += every {
			r := h.Records[i]
			if r.Pending {
				continue
			}
			for _, wrong := range wrongResults(h.Config, r) {
				w := h.Clone()
				w.Records[i].Result = wrong
				if vs, err := properties.CheckProperty(w, properties.Linearizability, properties.Options{LinearizabilityTimeout: 100 * time.Millisecond}); err == nil && len(vs) > 0 {
					out = append(out, injection{w, vs})
					break
				}
			}
		}
	}
	return out
}

// wrongResults returns results other than r's that its operation could
// have returned.
func wrongResults(c model.Config, r history.Record) []model.Result {
	if r.Result.Err != model.OK {
		if r.Op.Kind == model.Lookup {
			return []model.Result{{Tag: max(c.MountTag(r.Op.Mount), 1)}}
		}
		return []model.Result{{}}
	}
	switch r.Op.Kind {
	case model.Create, model.Rename, model.Move:
		return []model.Result{{Err: model.EEXIST}, {Err: model.ENOENT}}
	case model.Remove, model.Lookup:
		return []model.Result{{Err: model.ENOENT}}
	}
	return nil
}

// On generated histories with one wrong result at many places, the
// locality cut finds a candidate that shows the violation, of a few
// records, in a few checks: each a witness the ddmin after it starts
// from.
func TestCutLocalInjected(t *testing.T) {
	hs := injected(t, 4, 1200, 37)
	if len(hs) < 25 {
		t.Fatalf("only %d histories with an injected wrong result caught", len(hs))
	}
	kinds := map[model.Kind]int{}
	var sizes, checks []int
	for n, in := range hs {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			h, vs := in.h, in.vs
			tr := &Trace{History: h, Program: history.Program{Config: h.Config}}
			s := newHistoryShrinker(tr, vs[0], vs, ShrinkOptions{MaxRuns: DefaultShrinkRuns})
			if len(s.pinned) == 0 {
				t.Skip("no culprit with a right result: the cut does not apply")
			}
			kinds[h.Records[s.pinned[0]].Op.Kind]++
			before := s.checks
			if !s.cutLocal() {
				t.Fatalf("no locality cut of %v shows the violation", h.Records[s.pinned[0]])
			}
			keep := slices.Sorted(slices.Values(slices.Concat(s.pinned, s.rest)))
			if !s.same(s.sub(keep), keep) {
				t.Fatal("the cut kept does not show the violation")
			}
			if n, most := len(keep), len(h.Records)/10; n > most {
				t.Errorf("the cut keeps %d of the %d records, more than %d", n, len(h.Records), most)
			}
			sizes, checks = append(sizes, len(keep)), append(checks, s.checks-before)
			if n := s.checks - before; n > 2*8 {
				t.Errorf("the cut took %d checks", n)
			}
		})
	}
	slices.Sort(sizes)
	slices.Sort(checks)
	t.Log(len(hs), "histories; culprits by kind:", kinds, "; records kept:", sizes, "; checks:", checks)
}
