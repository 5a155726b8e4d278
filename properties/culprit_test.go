package properties_test

import (
	"slices"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// A linearizability violation names the operation that cannot go next,
// with its thread, time and result, what the model allows there and how
// much of the history was explained; a linearizable history has none.
func TestCulpritDetail(t *testing.T) {
	eexist := &model.Result{Err: model.EEXIST}
	tests := []struct {
		name    string
		recs    []history.Record
		detail  string // "": linearizable
		records []int
	}{
		{"linearizable", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(1, 3, 4, lookup(1, "eth0"), found(1)),
		}, "", nil},
		{"a lookup misses an entry created before it", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(1, 3, 4, lookup(1, "eth0"), enoent),
		}, `lookup(m1, class/net/eth0) on T1 at t=3..4 returned ENOENT; after the longest explained prefix (2 of 3 operations) the model allows ns1`, []int{1}},
		{"a flow recorded whole fails at its first step", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), eexist),
		}, `create(ns1, "eth0") on T0 at t=1..2 returned EEXIST (its step add-dev(ns1, "eth0") returned EEXIST); after the longest explained prefix (0 of 1 operation) the model allows ok`, []int{0}},
		{"two concurrent lookups miss it: the first to return is named first", []history.Record{
			rec(0, 1, 2, create(1, "eth0"), ok),
			rec(1, 3, 6, lookup(1, "eth0"), enoent),
			rec(2, 4, 5, lookup(1, "eth0"), enoent),
		}, `lookup(m1, class/net/eth0) on T2 at t=4..5 returned ENOENT; after the longest explained prefix (2 of 4 operations) the model allows ns1; nor can the 1 other operation that could go next`, []int{2, 1}},
		{"partitioned by namespace, from setup", []history.Record{
			rec(history.SetupThread, 1, 2, create(2, "eth0"), ok),
			rec(0, 3, 4, lookup(2, "eth0"), enoent),
			rec(1, 3, 4, create(1, "eth1"), ok),
		}, `lookup(m2, class/net/eth0) on T0 at t=3..4 returned ENOENT; after the longest explained prefix (2 of 3 operations of its partition) the model allows ns2`, []int{1}},
		{"a pending operation is placed, not blamed", []history.Record{
			rec(0, 1, 0, lookup(1, "eth0"), nil),
			rec(1, 3, 4, lookup(1, "eth0"), found(1)),
		}, `lookup(m1, class/net/eth0) on T1 at t=3..4 returned ns1; after the longest explained prefix (1 of 2 operations) the model allows ENOENT`, []int{1}},
		{"a setup operation", []history.Record{
			rec(history.SetupThread, 1, 2, lookup(1, "eth0"), found(1)),
		}, `lookup(m1, class/net/eth0) in setup at t=1..2 returned ns1; after the longest explained prefix (0 of 1 operation) the model allows ENOENT`, []int{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs, decided := properties.CheckLinearizable(history.History{Config: cfg, Records: tc.recs}, 0)
			if !decided {
				t.Fatal("undecided without a timeout")
			}
			if tc.detail == "" {
				if len(vs) != 0 {
					t.Fatalf("violations %v, want none", vs)
				}
				return
			}
			if len(vs) != 1 {
				t.Fatalf("violations %v, want one", vs)
			}
			if vs[0].Detail != tc.detail {
				t.Errorf("detail\n%s\nwant\n%s", vs[0].Detail, tc.detail)
			}
			if !slices.Equal(vs[0].Records, tc.records) {
				t.Errorf("records %v, want %v", vs[0].Records, tc.records)
			}
		})
	}
}

// A wrong result injected at a random place in a long correct history is
// found, and named: first among the violation's records. When the model
// cannot pin it exactly (operations concurrent with it could be the wrong
// ones as well), it is one of the records named, which are at most one per
// thread. A flip that some order of the history still explains is no
// violation; most are not explained.
func TestCulpritOfAnInjectedError(t *testing.T) {
	const histories = 12
	var named, exact int
	for seed := range uint64(histories) {
		h := longHistory(seed, 300)
		if vs, _ := properties.CheckLinearizable(h, 0); len(vs) != 0 {
			t.Fatalf("seed %d: the correct simulator's history is not linearizable: %v", seed, vs)
		}
		at := inject(h, gen.NewRand(seed+1000))
		vs, decided := properties.CheckLinearizable(h, 0)
		if !decided {
			t.Fatalf("seed %d: undecided without a timeout", seed)
		}
		if len(vs) == 0 {
			continue // some order explains the wrong result
		}
		rs := vs[0].Records
		if !slices.Contains(rs, at) || len(rs) > 5 {
			t.Fatalf("seed %d: injected at record %d (%v -> %v), the violation names %v: %s", seed, at, h.Records[at].Op, h.Records[at].Result, rs, vs[0].Detail)
		}
		named++
		if rs[0] == at {
			exact++
		}
		again, _ := properties.CheckLinearizable(h, 0)
		if len(again) != 1 || again[0].Detail != vs[0].Detail || !slices.Equal(again[0].Records, rs) {
			t.Fatalf("seed %d: a second check says %v, the first %v", seed, again, vs)
		}
	}
	t.Logf("%d of %d injected errors found and named, %d first", named, histories, exact)
	if named < histories/2 {
		t.Errorf("only %d of %d injected errors found", named, histories)
	}
}

// longHistory runs a program of 4 threads of up to ops operations each on
// the correct simulator, to the end, and returns its history.
func longHistory(seed uint64, ops int) history.History {
	p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 4, MaxThreads: 4, MaxOps: ops})
	x := sim.Run(p, sched.NewRandom(seed), sim.Options{MaxSteps: 1 << 24})
	defer x.Release()
	return x.History.Clone()
}

// inject makes the result of one record drawn from h wrong: a success
// fails with ENOENT, a failure succeeds. It returns the record's index.
// Listings (judged as listings, not by the model) and device flows
// recorded whole are left alone.
func inject(h history.History, r gen.Rand) int {
	var can []int
	for i, rc := range h.Records {
		if rc.Op.Kind != model.Readdir && !rc.Op.Kind.IsFlow() && !rc.Pending {
			can = append(can, i)
		}
	}
	i := can[r.IntN(len(can), "injected")]
	if rc := &h.Records[i]; rc.Result.Err == model.OK {
		rc.Result = model.Result{Err: model.ENOENT}
	} else {
		rc.Result = model.Result{}
	}
	return i
}

// BenchmarkCulprit measures the culprit search on a history of about 10k
// operations with one injected error, beside porcupine's search, which
// it follows.
func BenchmarkCulprit(b *testing.B) {
	h := longHistory(3, 4500)
	for seed := uint64(0); ; seed++ {
		at := inject(h, gen.NewRand(seed))
		if vs, _ := properties.CheckLinearizable(h, 0); len(vs) == 1 {
			b.Logf("%d records, error injected at record %d: %s", len(h.Records), at, vs[0].Detail)
			break
		}
		h = longHistory(3, 4500)
	}
	b.Run("porcupine", func(b *testing.B) {
		for b.Loop() {
			properties.Linearize(h, 0)
		}
	})
	_, info := properties.Linearize(h, 0)
	b.Run("culprit", func(b *testing.B) {
		for b.Loop() {
			if _, ok := properties.FindCulprit(h, info); !ok {
				b.Fatal("no culprit")
			}
		}
	})
	b.Run("check", func(b *testing.B) {
		for b.Loop() {
			properties.CheckLinearizable(h, 0)
		}
	})
}

// A window around the culprit starts where the skipped part of the
// explained prefix ends: the rest of the prefix is explained from there,
// and the window is no more explainable than the whole history, unless
// the contradiction lies beyond it. A model started anywhere else would
// not explain the prefix's rest: the case with the initial state shows
// the check fails then.
func TestWindowStartsWhereThePrefixLeftOff(t *testing.T) {
	var windows, illegal, misplaced int
	for seed := range uint64(12) {
		h := longHistory(seed, 300)
		inject(h, gen.NewRand(seed+1000))
		res, info := properties.Linearize(h, 0)
		if res != porcupine.Illegal {
			continue
		}
		c, ok := properties.FindCulprit(h, info)
		if !ok {
			t.Fatalf("seed %d: no culprit in a history porcupine judged", seed)
		}
		if len(c.Prefix) <= 50 {
			continue // too early in the history to leave anything out
		}
		w := c.Window(h, 50)
		if w.Skipped == 0 || w.Whole || len(w.Ops) > 100 {
			t.Fatalf("seed %d: window of %d operations skips %d of a prefix of %d, whole %v", seed, len(w.Ops), w.Skipped, len(c.Prefix), w.Whole)
		}
		windows++
		if explained(w.Model, w.Ops) < len(c.Prefix)-w.Skipped {
			t.Errorf("seed %d: the window explains less than the %d steps of the prefix in it", seed, len(c.Prefix)-w.Skipped)
		}
		fresh := w.Model
		fresh.Init = model.Porcupine(h.Config).Init
		if explained(fresh, w.Ops) < len(c.Prefix)-w.Skipped {
			misplaced++
		}
		if r, _ := porcupine.CheckOperationsVerbose(w.Model, w.Ops, 0); r == porcupine.Illegal {
			illegal++
		}
	}
	t.Logf("%d windows, %d of them not linearizable; from the initial state, %d explain less", windows, illegal, misplaced)
	if windows == 0 || illegal == 0 || misplaced == 0 {
		t.Fatalf("%d windows, %d not linearizable, %d explain less from the initial state", windows, illegal, misplaced)
	}
}

// explained returns the length of the longest partial linearization
// porcupine finds for ops.
func explained(m porcupine.Model, ops []porcupine.Operation) int {
	_, info := porcupine.CheckOperationsVerbose(m, ops, 0)
	n := 0
	for _, part := range info.PartialLinearizations() {
		for _, p := range part {
			n = max(n, len(p))
		}
	}
	return n
}
