package properties

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// slowCheck is Check without its shortcuts: facts made in fresh memory,
// and linearizability decided by porcupine on the whole history, never
// by a replay in return or call order or by the end search, its
// violation named as checkLinearizable names it.
func slowCheck(h history.History) Report {
	var r Report
	f := new(facts).of(h)
	for _, c := range checkers {
		if slices.Contains(c.judges, Linearizability) {
			switch res, info := Linearize(h, 0); res {
			case porcupine.Illegal:
				r.Violations = append(r.Violations, notLinearizable(h, info).violations...)
			case porcupine.Unknown:
				r.Unknown = append(r.Unknown, Linearizability)
			}
			continue
		}
		vs, _ := c.check(f, Options{})
		r.Violations = append(r.Violations, vs...)
	}
	return r
}

// TestCheckAgreesWithTheSlowPath checks thousands of short simulator
// histories, of the correct simulator and under seeded bugs, one after
// the other as a campaign does (each in the memory the last one's check
// left), and compares every report with slowCheck's: the same violations
// with the same details and records. Both verdicts of linearizability,
// and violations of other properties, must occur, or the comparison
// proves nothing.
func TestCheckAgreesWithTheSlowPath(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 600
	}
	var nonlinear, others int
	for i := range n {
		x, bugs := mixedExecution(i)
		got, want := Check(x.History, Options{}), slowCheck(x.History)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d, bugs %v: Check says\n%+v\nthe slow path\n%+v", i, bugs, got, want)
		}
		for _, v := range got.Violations {
			if v.Property == Linearizability {
				nonlinear++
			} else {
				others++
			}
		}
		x.Release()
	}
	t.Logf("%d histories: %d linearizability violations, %d of other properties", n, nonlinear, others)
	if nonlinear == 0 || others == 0 {
		t.Fatalf("one-sided: %d linearizability violations, %d others", nonlinear, others)
	}
}

// TestIndexMakesOnlyTheTablesAsked checks every property of a few
// histories, as short histories and as long ones (shortHistory), and
// compares the lazily made tables of the index that were made with those
// the checkers need: a history without a listing or an entry made twice
// needs no removals, one without a removal observed afterwards (or a
// listing) no produced spans, one without a removal no observers'
// calls, one without a listing or an entry made twice no makers' calls;
// a short one's removal no observers' calls (nor produced spans), its
// listing no present intervals (nor makers, nor produced spans), and
// its questions about removals only its list of them (removalList).
func TestIndexMakesOnlyTheTablesAsked(t *testing.T) {
	c := model.Config{Namespaces: 2, Mounts: []int{1, 2}}
	create := model.Op{Kind: model.Create, NS: 1, Name: "eth0"}
	remove := model.Op{Kind: model.Remove, NS: 1, Name: "eth0"}
	lookup := model.Op{Kind: model.Lookup, Mount: 1, Name: "eth0"}
	listing := model.Op{Kind: model.Readdir, Mount: 1}
	defer func(n int) { shortHistory = n }(shortHistory)
	for _, tt := range []struct {
		name        string
		records     []history.Record
		short, long uint8 // the bits of index.built
	}{
		{"a create and a lookup", []history.Record{
			at(0, 1, 2, create, model.Result{}),
			at(0, 3, 4, lookup, model.Result{Tag: 1}),
		}, 0, 0},
		{"a removal nothing observed after", []history.Record{
			at(0, 1, 2, create, model.Result{}),
			at(0, 3, 4, remove, model.Result{}),
		}, 0, seenBuilt},
		{"a lookup after a removal", []history.Record{
			at(0, 1, 2, create, model.Result{}),
			at(0, 3, 4, remove, model.Result{}),
			at(0, 5, 6, lookup, model.Result{Tag: 1}),
		}, 0, seenBuilt | producedBuilt},
		{"an entry made twice", []history.Record{
			at(0, 1, 2, create, model.Result{}),
			at(0, 3, 4, remove, model.Result{}),
			at(0, 5, 6, create, model.Result{}),
		}, madeBuilt | removalsListed, seenBuilt | madeBuilt | removedBuilt},
		{"a listing", []history.Record{
			at(0, 1, 2, create, model.Result{}),
			at(0, 3, 4, listing, model.Result{Entries: []model.Entry{{Name: "eth0", Tag: 1}}}),
		}, removalsListed | listedBuilt, madeBuilt | producedBuilt | removedBuilt | presentBuilt | listedBuilt},
	} {
		for _, long := range []bool{false, true} {
			want := tt.short
			shortHistory = len(tt.records)
			if long {
				shortHistory, want = len(tt.records)-1, tt.long
			}
			f := new(facts).of(history.History{Config: c, Records: tt.records})
			for _, ch := range checkers {
				if !slices.Contains(ch.judges, Linearizability) {
					ch.check(f, Options{})
				}
			}
			if got := f.index.built; got != want {
				t.Errorf("%s (long %v): tables made %08b, want %08b", tt.name, long, got, want)
			}
		}
	}
}

// TestShortPathsAgreeWithTheIndex checks thousands of short simulator
// histories, of the correct simulator and under seeded bugs, and a few
// written by hand, with the scans of short histories (shortHistory) and
// with the index's trees that longer ones use, and compares the reports:
// the same violations, details and records. Listings that missed an
// entry, and what was seen after a removal, an exit or a teardown, must
// occur, or the comparison proves nothing.
func TestShortPathsAgreeWithTheIndex(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 600
	}
	defer func(n int) { shortHistory = n }(shortHistory)
	judged, missed, reseen := map[Property]int{}, 0, 0
	agree := func(h history.History, what string) {
		t.Helper()
		shortHistory = len(h.Records)
		short := Check(h, Options{SkipLinearizability: true})
		shortHistory = len(h.Records) - 1
		long := Check(h, Options{SkipLinearizability: true})
		if !reflect.DeepEqual(short, long) {
			t.Fatalf("%s: scanned, the checkers say\n%+v\nwith the index's trees\n%+v", what, short, long)
		}
		for _, v := range short.Violations {
			judged[v.Property]++
			if strings.Contains(v.Detail, " missed ") {
				missed++
			}
			if strings.Contains(v.Detail, "nothing re-created it") {
				reseen++
			}
		}
	}
	// An entry made twice, by operations that both returned before a
	// listing that missed it: it is missed once.
	create := model.Op{Kind: model.Create, NS: 1, Name: "eth0"}
	agree(history.History{Config: model.Config{Namespaces: 2, Mounts: []int{1, 2}}, Records: []history.Record{
		at(0, 1, 2, create, model.Result{}),
		at(1, 3, 4, create, model.Result{}),
		at(0, 5, 6, model.Op{Kind: model.Readdir, Mount: 1}, model.Result{Entries: []model.Entry{}}),
	}}, "an entry made twice, then missed")
	// An operation still pending, called after its namespace's exit
	// returned, made nothing: it may not have taken effect.
	agree(history.History{Config: model.Config{Namespaces: 2, Mounts: []int{1, 2}}, Records: []history.Record{
		at(0, 1, 2, model.Op{Kind: model.Exit, NS: 1}, model.Result{}),
		at(1, 3, -1, create, model.Result{}),
	}}, "a creation pending after an exit")
	// A removal after its namespace's exit returned observed both
	// entries of the device: the first is named.
	agree(history.History{Config: model.Config{Namespaces: 2, Mounts: []int{1, 2}}, Records: []history.Record{
		at(0, 1, 2, model.Op{Kind: model.Exit, NS: 1}, model.Result{}),
		at(1, 3, 4, model.Op{Kind: model.Remove, NS: 1, Name: "eth0"}, model.Result{}),
	}}, "a removal after an exit")
	// Listings at the bounds of what may have been there: an entry made
	// again by an operation that returned as the last removal was
	// called may be listed, one made by an operation called as the
	// listing returned may not.
	listed := model.Result{Entries: []model.Entry{{Name: "eth0", Tag: 1}}}
	agree(history.History{Config: model.Config{Namespaces: 2, Mounts: []int{1, 2}}, Records: []history.Record{
		at(0, 1, 3, create, model.Result{}),
		at(1, 3, 4, model.Op{Kind: model.Remove, NS: 1, Name: "eth0"}, model.Result{}),
		at(0, 5, 6, model.Op{Kind: model.Readdir, Mount: 1}, listed),
	}}, "a listing after a removal called as the maker returned")
	agree(history.History{Config: model.Config{Namespaces: 2, Mounts: []int{1, 2}}, Records: []history.Record{
		at(0, 5, 6, model.Op{Kind: model.Readdir, Mount: 1}, listed),
		at(1, 6, 7, create, model.Result{}),
	}}, "a listing that returned as its entry's maker was called")
	// A listing after a device's removal, recorded whole, returned: its
	// entry listed was not there, and a listing before it must show it.
	// The simulator records steps, whose removals are of one entry: only
	// a flow removes a device's entries together.
	agree(history.History{Config: model.Config{Namespaces: 2, Mounts: []int{1, 2}}, Records: []history.Record{
		at(0, 1, 2, create, model.Result{}),
		at(1, 3, 4, model.Op{Kind: model.Readdir, Mount: 1}, model.Result{Entries: []model.Entry{}}),
		at(1, 5, 6, model.Op{Kind: model.Remove, NS: 1, Name: "eth0"}, model.Result{}),
		at(0, 7, 8, model.Op{Kind: model.Readdir, Mount: 1}, listed),
	}}, "a listing after a device's removal")
	for i := range n {
		x, bugs := mixedExecution(i)
		// The history as the simulator's clock has it (every tick
		// apart), and with its times coarsened, which makes records
		// call and return at the same time: both paths take ties alike.
		for _, grain := range []int64{1, 3} {
			agree(coarsened(x.History, grain), fmt.Sprintf("seed %d, bugs %v, grain %d", i, bugs, grain))
		}
		x.Release()
	}
	t.Logf("%d histories: violations %v, %d of them listings that missed an entry, %d entries seen after their removal", n, judged, missed, reseen)
	if missed == 0 || reseen == 0 || judged[NoResurrection] == 0 || judged[Teardown] == 0 {
		t.Fatalf("%d listings missed an entry, %d entries seen after their removal, violations %v: the comparison proves nothing", missed, reseen, judged)
	}
}

// mixedExecution runs the i-th of the executions the fast paths are
// compared on: a 3x4 program of seed i under a random walk, on the
// correct simulator, with one seeded bug, or with all of them, in turn.
func mixedExecution(i int) (sim.Execution, sim.BugSet) {
	var opt sim.Options
	switch bugs := sim.BugNames(); i % 3 {
	case 1:
		opt.Bugs = sim.BugSet{bugs[(i/3)%len(bugs)]}
	case 2:
		opt.Bugs = bugs
	}
	seed := uint64(i)
	p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 3, MaxThreads: 3, MaxOps: 4})
	return sim.Run(p, sched.NewRandom(seed), opt), opt.Bugs
}

// coarsened returns h with its times divided by grain: records a tick
// or two apart then call and return at the same time.
func coarsened(h history.History, grain int64) history.History {
	if grain == 1 {
		return h
	}
	h.Records = slices.Clone(h.Records)
	for i := range h.Records {
		r := &h.Records[i]
		r.Call, r.Return = r.Call/grain, r.Return/grain
	}
	return h
}
