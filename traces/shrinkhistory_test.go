package traces

import (
	"bytes"
	"cmp"
	"slices"
	"strings"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/traces/tracefile"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// wrongResult returns the trace, without its schedule, of a long
// generated program of four threads run on the simulator, at least
// records operations, with one wrong result: a lookup after the middle
// that found its device says ENOENT, the first such that makes the
// history not linearizable. It returns the wrong record's index too.
func wrongResult(tb testing.TB, records int) (*Trace, int) {
	tb.Helper()
	for seed := uint64(1); seed < 100; seed++ {
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 4, MaxThreads: 4, MaxOps: records * 2 / 5})
		x := sim.Run(p, sched.NewRandom(seed), sim.Options{MaxSteps: 100 * records})
		h := x.History.Clone()
		if len(h.Records) < records || len(h.Faults) > 0 {
			continue
		}
		for i := len(h.Records) / 2; i < len(h.Records); i++ {
			r := &h.Records[i]
			if r.Op.Kind != model.Lookup || r.Pending || r.Result.Err != model.OK {
				continue
			}
			right := r.Result
			r.Result = model.Result{Err: model.ENOENT}
			if vs, err := properties.CheckProperty(h, properties.Linearizability, properties.Options{}); err == nil && len(vs) > 0 {
				x.History = h
				t := FromExecution(p, seed, "random", sim.Options{}, x, vs)
				t.Schedule = nil
				return t, i
			}
			r.Result = right
		}
	}
	tb.Fatalf("no program of %d operations with a lookup whose flip is caught", records)
	return nil, 0
}

// rec is a record of a hand-written history: each takes two ticks after
// the one before, so a table lists them in time order.
type rec struct {
	thread int
	op     model.Op
	result model.Result
}

// handTrace is the trace of a hand-written history without a schedule,
// recorded as a kernel records it: one namespace, one mount, two threads.
func handTrace(recs []rec) *Trace {
	cfg := model.Config{Namespaces: 1, Mounts: []int{1}}
	t := &Trace{
		Header:  tracefile.Header{Format: tracefile.FormatVersion, Sysfsim: tracefile.Version, Source: "hand"},
		Program: history.Program{Config: cfg, Threads: make([][]model.Op, 2)},
		History: history.History{Config: cfg},
	}
	for i, r := range recs {
		t.Program.Threads[r.thread] = append(t.Program.Threads[r.thread], r.op)
		t.History.Records = append(t.History.Records, history.Record{Thread: r.thread, Op: r.op, Result: r.result, Call: int64(2*i + 1), Return: int64(2*i + 2)})
	}
	return t
}

var (
	createEth0 = model.Op{Kind: model.Create, NS: 1, Name: "eth0"}
	createEth1 = model.Op{Kind: model.Create, NS: 1, Name: "eth1"}
	removeEth1 = model.Op{Kind: model.Remove, NS: 1, Name: "eth1"}
	lookupEth0 = model.Op{Kind: model.Lookup, Mount: 1, Name: "eth0"}
	listing    = model.Op{Kind: model.Readdir, Mount: 1}
	ok         = model.Result{}
)

// A shrunk history keeps the violation it was given, not one that taking
// records out made: each case holds a removal that would leave a
// violation of the same property behind, but another one.
func TestShrinkHistoryKeepsTheViolation(t *testing.T) {
	cases := []struct {
		name string
		prop properties.Property
		recs []rec
		want []int // the records kept
	}{
		{
			// Without eth1's create, its remove is wrong too.
			"a lookup that misses a device, not a remove without its create", properties.Linearizability,
			[]rec{{0, createEth1, ok}, {0, createEth0, ok}, {1, removeEth1, ok}, {1, lookupEth0, model.Result{Err: model.ENOENT}}},
			[]int{1, 3},
		},
		{
			// Without eth1's create, the listing is wrong about eth1 too,
			// and a shrinker content with "the listing is wrong" would
			// keep the listing alone.
			"a listing that misses a device, not one that lists a device never made", properties.Regularity,
			[]rec{{0, createEth1, ok}, {0, createEth0, ok}, {1, listing, model.Result{Entries: []model.Entry{{Name: "eth1", Tag: 1}}}}},
			[]int{0, 1, 2},
		},
		{
			// Without the remove, eth1's two creates are a duplicate too.
			"two creates of eth0, not two of eth1 without the remove between", properties.Uniqueness,
			[]rec{{0, createEth1, ok}, {0, createEth0, ok}, {0, removeEth1, ok}, {1, createEth0, ok}, {1, createEth1, ok}},
			[]int{1, 3},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := handTrace(c.recs)
			small, st, err := Shrink(tr, ShrinkOptions{Property: c.prop})
			if err != nil {
				t.Fatal(err)
			}
			var want []history.Record
			for _, i := range c.want {
				want = append(want, tr.History.Records[i])
			}
			got := small.History.Records
			if !slices.EqualFunc(got, want, func(a, b history.Record) bool {
				return a.Call == b.Call && a.Op == b.Op && model.SameResult(a.Result, b.Result)
			}) {
				t.Errorf("%v: kept\n%v\nwant\n%v", st, got, want)
			}
			if !slices.ContainsFunc(small.Violations, func(v tracefile.Violation) bool { return v.Property == string(c.prop) }) {
				t.Errorf("the shrunk trace records %v, not %s", small.Violations, c.prop)
			}
		})
	}
}

// The witness check itself: a candidate that shows the violation for
// another reason (a removal broke something else) is refused, the one
// that shows it for the original reason accepted.
func TestWitnessRefusesOtherViolations(t *testing.T) {
	cases := []struct {
		name          string
		prop          properties.Property
		recs          []rec
		other, itself []int // candidates: the records they keep
	}{
		{
			"the remove without its create is wrong too", properties.Linearizability,
			[]rec{{0, createEth1, ok}, {0, createEth0, ok}, {1, removeEth1, ok}, {1, lookupEth0, model.Result{Err: model.ENOENT}}},
			[]int{2, 3}, []int{1, 3},
		},
		{
			"the lookup without the create is right", properties.Linearizability,
			[]rec{{0, createEth0, ok}, {1, lookupEth0, model.Result{Err: model.ENOENT}}},
			[]int{1}, []int{0, 1},
		},
		{
			"the listing is wrong about eth1 too", properties.Regularity,
			[]rec{{0, createEth1, ok}, {0, createEth0, ok}, {1, listing, model.Result{Entries: []model.Entry{{Name: "eth1", Tag: 1}}}}},
			[]int{1, 2}, []int{0, 1, 2},
		},
		{
			"the listing is wrong about eth1 only", properties.Regularity,
			[]rec{{0, createEth1, ok}, {0, createEth0, ok}, {1, listing, model.Result{Entries: []model.Entry{{Name: "eth1", Tag: 1}}}}},
			[]int{2}, []int{0, 1, 2},
		},
		{
			"eth1's creates are a duplicate too", properties.Uniqueness,
			[]rec{{0, createEth1, ok}, {0, createEth0, ok}, {0, removeEth1, ok}, {1, createEth0, ok}, {1, createEth1, ok}},
			[]int{0, 1, 3, 4}, []int{1, 3},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := handTrace(c.recs).History
			all, err := properties.CheckProperty(h, c.prop, properties.Options{})
			if err != nil || len(all) == 0 {
				t.Fatalf("the history does not violate %s: %v", c.prop, err)
			}
			s := &historyShrinker{h: h, maxChecks: DefaultShrinkRuns}
			s.witness(all[0], all)
			if s.same(s.sub(c.other), c.other) {
				t.Errorf("keeping %v counts as the violation %v", c.other, all[0])
			}
			if !s.same(s.sub(c.itself), c.itself) {
				t.Errorf("keeping %v does not count as the violation %v", c.itself, all[0])
			}
		})
	}
}

// A long history with one wrong result shrinks to the few records that
// show it, the wrong one among them, and the shrunk trace reads back with
// the same violation.
func TestShrinkLongHistory(t *testing.T) {
	tr, wrong := wrongResult(t, 4000)
	small, st, err := Shrink(tr, ShrinkOptions{Property: properties.Linearizability})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(st)
	if st.Method != MethodHistory || st.OpsBefore != len(tr.History.Records) || st.OpsAfter != len(small.History.Records) || st.OpsAfter > 10 {
		t.Errorf("%+v: want at most 10 of the %d operations", st, len(tr.History.Records))
	}
	w := tr.History.Records[wrong]
	if !slices.ContainsFunc(small.History.Records, func(r history.Record) bool { return r.Call == w.Call && r.Op == w.Op }) {
		t.Errorf("the wrong result %v is not among the records kept: %v", w, small.History.Records)
	}
	var b bytes.Buffer
	if err := Write(&b, small); err != nil {
		t.Fatal(err)
	}
	back, err := Read(&b, "small.jsonl")
	if err != nil {
		t.Fatalf("the shrunk trace does not read back: %v", err)
	}
	if vs, err := properties.CheckProperty(back.History, properties.Linearizability, properties.Options{}); err != nil || len(vs) == 0 {
		t.Errorf("read back, the shrunk trace is linearizable: %v", err)
	}
	if back.Schedule != nil || !slices.ContainsFunc(back.Notes, func(n string) bool { return strings.Contains(n, "shrunk by removing records") }) {
		t.Errorf("schedule %v, notes %q", back.Schedule, back.Notes)
	}
	for i, r := range back.History.Records {
		if r.Thread >= len(back.Program.Threads) || r.Thread >= 0 && !slices.Contains(back.Program.Threads[r.Thread], r.Op) {
			t.Errorf("record %d, %v, is not in its thread of the program %v", i, r, back.Program)
		}
	}
}

// BenchmarkShrinkHistory shrinks a history of 30,000 operations or more
// with one wrong result, as `sysfsim shrink` does a trace without a
// schedule: the kept property named, or found by every checker first.
func BenchmarkShrinkHistory(b *testing.B) {
	tr, _ := wrongResult(b, 30000)
	for _, prop := range []properties.Property{properties.Linearizability, ""} {
		name := cmp.Or(string(prop), "first-found")
		b.Run(name, func(b *testing.B) {
			var st ShrinkStats
			for range b.N {
				var err error
				if _, st, err = Shrink(tr, ShrinkOptions{Property: prop}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(st.OpsBefore), "ops-before")
			b.ReportMetric(float64(st.OpsAfter), "ops-after")
			b.ReportMetric(float64(st.Checks), "checks")
		})
	}
}

// The relevance cut keeps the culprits and the changes of what they
// touch when that still shows the violation, and is rejected, leaving
// the candidate to the passes after it, when it does not.
func TestCutIrrelevant(t *testing.T) {
	renameEth0 := model.Op{Kind: model.Rename, NS: 1, Name: "eth0", NewName: "eth1"}
	lookupEth1 := model.Op{Kind: model.Lookup, Mount: 1, Name: "eth1"}
	createVeth0 := model.Op{Kind: model.Create, NS: 1, Name: "veth0"}
	lookupVeth0 := model.Op{Kind: model.Lookup, Mount: 1, Name: "veth0"}
	cases := []struct {
		name string
		prop properties.Property
		recs []rec
		cut  bool
		want []int // the candidate's records after the cut, culprits too
	}{
		{
			// The rename alone (the first cut) makes its success wrong;
			// with eth0's create (the second) it shows the violation.
			"a lookup after a rename: the create renamed kept, other names dropped", properties.Linearizability,
			[]rec{{0, createEth0, ok}, {1, createVeth0, ok}, {0, renameEth0, ok}, {1, lookupVeth0, model.Result{Tag: 1}}, {0, listing, model.Result{Entries: []model.Entry{{Name: "eth1", Tag: 1}, {Name: "veth0", Tag: 1}}}}, {1, lookupEth1, model.Result{Err: model.ENOENT}}},
			true, []int{0, 2, 5},
		},
		{
			// A listing names no entry: the cut keeps it alone, which
			// lists a device never made, another violation.
			"a listing that misses a device: the cut loses it", properties.Regularity,
			[]rec{{0, createEth1, ok}, {0, createEth0, ok}, {1, listing, model.Result{Entries: []model.Entry{{Name: "eth1", Tag: 1}}}}},
			false, []int{0, 1, 2},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := handTrace(c.recs)
			vs, err := properties.CheckProperty(tr.History, c.prop, properties.Options{})
			if err != nil || len(vs) == 0 {
				t.Fatalf("the history shows no %s violation: %v %v", c.prop, vs, err)
			}
			s := newHistoryShrinker(tr, vs[0], vs, ShrinkOptions{MaxRuns: DefaultShrinkRuns})
			before := s.checks
			if got := s.cutIrrelevant(); got != c.cut {
				t.Errorf("cut %v, want %v", got, c.cut)
			}
			if s.checks == before {
				t.Error("the cut was not checked")
			}
			if got := slices.Sorted(slices.Values(slices.Concat(s.pinned, s.rest))); !slices.Equal(got, c.want) {
				t.Errorf("kept %v, want %v", got, c.want)
			}
			if !s.same(s.sub(c.want), c.want) {
				t.Error("the candidate kept does not show the violation")
			}
		})
	}
}

// The witness of a linearizability violation starts from the culprit the
// checker named: on a kernel recording, its right result is found in a
// few checks, where the search for the point at which the history stops
// being linearizable checks a dozen long prefixes (replaying a kernel's
// records in the order they returned fails early). And a device flow recorded whole, whose
// culprit is one of its steps, gets the error its step is allowed, or
// none, as its right result.
func TestWitnessOfTheNamedCulprit(t *testing.T) {
	tr, wrong := tagFlipped(t, kernelRecorded60s, 3000)
	vs, err := properties.CheckProperty(tr.History, properties.Linearizability, properties.Options{})
	if err != nil || len(vs) == 0 {
		t.Fatal("the history is linearizable")
	}
	s := newHistoryShrinker(tr, vs[0], vs, ShrinkOptions{MaxRuns: DefaultShrinkRuns})
	if !slices.Equal(s.pinned, []int{wrong}) || s.checks > 4 {
		t.Errorf("culprit %v in %d checks, want %d in at most 4", s.pinned, s.checks, wrong)
	}
	flow := handTrace([]rec{{0, createEth1, ok}, {1, removeEth1, model.Result{Err: model.ENOENT}}})
	s = &historyShrinker{h: flow.History, maxChecks: DefaultShrinkRuns}
	if r, found := s.rightResult(1); !found || !model.SameResult(r, ok) {
		t.Errorf("the remove's right result: %v %v, want ok", r, found)
	}
}
