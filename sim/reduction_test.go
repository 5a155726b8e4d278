package sim_test

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// outcome is what an execution ends in, up to the schedule: how it ended,
// its history (results, faults and the real-time order of every call and
// return, timestamps included) and what each mount shows. Equivalent
// schedules end in the same outcome: the steps that record all conflict,
// so they come in the same order.
func outcome(t *testing.T, p history.Program, x sim.Execution) string {
	var b strings.Builder
	fmt.Fprintln(&b, x.Outcome, x.History.Records, x.History.Faults)
	mounts := len(p.Config.Mounts)
	for _, ops := range p.Threads {
		for _, op := range ops {
			if op.Kind == model.Mount {
				mounts = max(mounts, op.Mount)
			}
		}
	}
	for m := 1; m <= mounts; m++ {
		v := files(t, x.View(m))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			fmt.Fprintf(&b, "m%d %s %s\n", m, k, v[k])
		}
	}
	return b.String()
}

// outcomes explores p and returns the outcomes reached, with the history
// of each.
func outcomes(t *testing.T, p history.Program, opt sim.Options, eo sched.ExploreOptions) (map[string]history.History, sched.ExploreStats) {
	seen := map[string]history.History{}
	st := sim.Explore(p, opt, eo, func(x sim.Execution) bool {
		seen[outcome(t, p, x)] = x.History
		return true
	})
	if st.Err != nil {
		t.Fatal(st.Err)
	}
	return seen, st
}

// violated returns the properties some history of hs violates.
func violated(hs map[string]history.History) map[string]bool {
	props := map[string]bool{}
	for _, h := range hs {
		for _, v := range properties.Check(h, properties.Options{}).Violations {
			props[string(v.Property)] = true
		}
	}
	return props
}

// reductionPrograms are small programs, some generated and some the
// scenarios of seeded bugs, with the bugs to run them under.
func reductionPrograms() []struct {
	p    history.Program
	bugs sim.BugSet
} {
	type run = struct {
		p    history.Program
		bugs sim.BugSet
	}
	two := model.Config{Namespaces: 2, Mounts: []int{1, 2}}
	create := model.Op{Kind: model.Create, NS: 1, Name: "eth0"}
	var runs []run
	for _, r := range []run{
		{history.Program{Config: two, Threads: [][]model.Op{{create}, {create}}}, sim.BugSet{sim.BugUnlockedAdd}},
		{history.Program{Config: two, Threads: [][]model.Op{{create}, {{Kind: model.Lookup, Mount: 2, Name: "eth0"}}}}, sim.BugSet{sim.BugTagBlindLookup}},
		{history.Program{Config: two, Threads: [][]model.Op{{{Kind: model.Exit, NS: 1}}, {create}}}, sim.BugSet{sim.BugExitUnlockedDeactivate}},
		{history.Program{Config: two, Setup: []model.Op{create, {Kind: model.Open, Mount: 1, Name: "eth0", FD: 1}},
			Threads: [][]model.Op{{{Kind: model.Read, FD: 1}}, {{Kind: model.Remove, NS: 1, Name: "eth0"}}}}, sim.BugSet{sim.BugShowTakesRTNL}},
		{history.Program{Config: two, Setup: []model.Op{create},
			Threads: [][]model.Op{{{Kind: model.Readdir, Mount: 1, Dir: model.ClassNet}}, {{Kind: model.Rename, NS: 1, Name: "eth0", NewName: "eth1"}}}}, sim.BugSet{sim.BugReaddirDropLock}},
		// The glue directory: gdp_mutex's steps and the directory's
		// removal beside an add that holds it.
		{history.Program{Config: two, Setup: []model.Op{create},
			Threads: [][]model.Op{{{Kind: model.Exit, NS: 1}}, {{Kind: model.AddDev, NS: 2, Name: "eth1", Index: 2}}}}, sim.BugSet{sim.BugGlueDirNoKref}},
	} {
		runs = append(runs, r, run{p: r.p})
	}
	bugs := []sim.BugSet{nil, {sim.BugUnlockedAdd}, {sim.BugTagBlindLookup}, {sim.BugExitUnlockedDeactivate}, {sim.BugReaddirDropLock}}
	for seed := range uint64(40) {
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 2, MaxThreads: 2, MaxOps: 2})
		runs = append(runs, run{p, bugs[seed%uint64(len(bugs))]})
	}
	return runs
}

// Sleep sets keep every outcome: on small programs, with and without seeded
// bugs, the search with reduction reaches exactly the outcomes that every
// schedule reaches, and so every property violation. Without a bound, on
// the programs whose schedules can all be run; with preemption bound 2, on
// all of them, against every schedule within the bound, for the
// campaign's search (the bound deepened level by level) and the
// bounded-DPOR prototype too. A declaration that promises less than its
// step touches (Kernel.treeStep, say) fails this.
func TestReductionKeepsOutcomes(t *testing.T) {
	const limit = 20000 // schedules without reduction
	var mu sync.Mutex
	compared, props := 0, map[string]bool{}
	programs := reductionPrograms()
	inParallel(t, len(programs), func(t *testing.T, i int) {
		r := programs[i]
		opt := sim.Options{Bugs: r.bugs}
		for _, bound := range []int{sched.Unbounded, 2} {
			full, fst := outcomes(t, r.p, opt, sched.ExploreOptions{Bound: bound, NoReduction: true, MaxExecutions: limit})
			if !fst.Exhausted {
				continue // too many schedules to run them all
			}
			red, rst := outcomes(t, r.p, opt, sched.ExploreOptions{Bound: bound})
			if !rst.Exhausted || rst.Executions > fst.Executions {
				t.Fatalf("program %d, bound %d: reduced %v, full %v", i, bound, rst, fst)
			}
			for o := range full {
				if _, ok := red[o]; !ok {
					t.Errorf("program %d %v, bugs %v, bound %d: reduction (%v) lost an outcome of the full search (%v):\n%s",
						i, r.p.Threads, r.bugs, bound, rst, fst, o)
					break
				}
			}
			fp, rp := violated(full), violated(red)
			if !maps.Equal(fp, rp) {
				t.Errorf("program %d, bugs %v, bound %d: properties violated without reduction %v, with %v", i, r.bugs, bound, fp, rp)
			}
			if bound >= 0 {
				compareBounded(t, i, r.p, opt, bound, full, fp)
			}
			mu.Lock()
			maps.Copy(props, fp)
			compared++
			mu.Unlock()
		}
	})
	// The comparison must not be vacuous.
	if compared < 40 || len(props) < 3 {
		t.Fatalf("%d searches compared, properties violated: %v", compared, props)
	}
	t.Logf("%d searches compared; properties violated: %v", compared, slices.Sorted(maps.Keys(props)))
}

// compareBounded checks the campaign's bounded search (the bound
// deepened level by level) and the bounded-DPOR prototype against the
// outcomes of every schedule within the bound, full, and the properties
// they violate, fp.
func compareBounded(t *testing.T, i int, p history.Program, opt sim.Options, bound int, full map[string]history.History, fp map[string]bool) {
	it, ist := outcomes(t, p, opt, sched.ExploreOptions{Bound: bound, Iterative: true})
	if !ist.Exhausted || len(it) != len(full) || !maps.Equal(violated(it), fp) {
		t.Errorf("program %d, bugs %v, bound %d: iterative search %v reached %d outcomes, the full search %d", i, opt.Bugs, bound, ist, len(it), len(full))
	}
	bp, bst := outcomes(t, p, opt, sched.ExploreOptions{Bound: bound, ExperimentalBPOR: true})
	if !bst.Exhausted || len(bp) != len(full) || !maps.Equal(violated(bp), fp) {
		t.Errorf("program %d, bugs %v, bound %d: bounded DPOR %v reached %d outcomes, the full search %d", i, opt.Bugs, bound, bst, len(bp), len(full))
	}
}

// inParallel runs f(t, i) for i from 0 to n-1 as parallel subtests, and
// returns once all have finished, so that what they add up is complete
// for the checks after it: the searches are independent, and this lets
// them use every core.
func inParallel(t *testing.T, n int, f func(t *testing.T, i int)) {
	t.Run("each", func(t *testing.T) {
		for i := range n {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				f(t, i)
			})
		}
	})
}

// TestReductionFigures measures what sleep sets save on small generated
// programs: the executions sim.Explore visits with preemption bound 2,
// with and without reduction, and the distinct outcomes each reaches. It
// is a measurement, not a check; set SYSFSIM_REDUCTION_FIGURES=1 to run it.
func TestReductionFigures(t *testing.T) {
	if os.Getenv("SYSFSIM_REDUCTION_FIGURES") == "" {
		t.Skip("set SYSFSIM_REDUCTION_FIGURES=1 to measure")
	}
	var ratios []float64
	for seed := range uint64(8) {
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 2, MaxThreads: 3, MaxOps: 3})
		eo := sched.ExploreOptions{Bound: 2}
		red, rst := outcomes(t, p, sim.Options{}, eo)
		eo.NoReduction = true
		full, fst := outcomes(t, p, sim.Options{}, eo)
		ratio := float64(fst.Executions) / float64(rst.Executions)
		ratios = append(ratios, ratio)
		ops := 0
		for _, th := range p.Threads {
			ops += len(th)
		}
		t.Logf("seed %d (%d threads, %d ops): %d executions without reduction, %d with (%.2fx); %d outcomes, %d",
			seed, len(p.Threads), ops, fst.Executions, rst.Executions, ratio, len(full), len(red))
	}
	t.Logf("bound 2: median %.2fx", median(ratios))
	// Without a bound, on programs small enough to run every schedule.
	ratios = nil
	for seed := range uint64(12) {
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 2, MaxThreads: 2, MaxOps: 2})
		eo := sched.ExploreOptions{Bound: sched.Unbounded, NoReduction: true, MaxExecutions: 30000}
		full, fst := outcomes(t, p, sim.Options{}, eo)
		if !fst.Exhausted {
			continue
		}
		eo.NoReduction = false
		red, rst := outcomes(t, p, sim.Options{}, eo)
		ratio := float64(fst.Executions) / float64(rst.Executions)
		ratios = append(ratios, ratio)
		t.Logf("seed %d unbounded: %d executions without reduction, %d with (%.1fx); %d outcomes, %d",
			seed, fst.Executions, rst.Executions, ratio, len(full), len(red))
	}
	t.Logf("unbounded: median %.1fx", median(ratios))
}

// TestDPORFigures compares, on the programs of TestDPORExploresEachTraceOnce,
// the runs each unbounded method takes per Mazurkiewicz trace: DPOR, and
// the sleep-set search it replaced, abandoned runs included. Like
// TestReductionFigures, a measurement: set SYSFSIM_REDUCTION_FIGURES=1.
func TestDPORFigures(t *testing.T) {
	if os.Getenv("SYSFSIM_REDUCTION_FIGURES") == "" {
		t.Skip("set SYSFSIM_REDUCTION_FIGURES=1 to measure")
	}
	programs, traces, dpor, sleep := 0, 0, 0, 0
	all := func(x sim.Execution) bool { x.Release(); return true }
	for seed := range uint64(80) {
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 2, MaxThreads: 3, MaxOps: 2})
		st := sim.Explore(p, sim.Options{}, sched.ExploreOptions{Bound: sched.Unbounded, CheckTraces: true, MaxExecutions: 3000}, all)
		if !st.Exhausted {
			continue
		}
		old := sim.Explore(p, sim.Options{}, sched.ExploreOptions{Bound: sched.Unbounded, SleepSets: true, CheckTraces: true}, all)
		if old.Traces != st.Traces || old.Duplicates != 0 {
			t.Errorf("seed %d: sleep sets %+v, DPOR %+v", seed, old, st)
		}
		programs++
		traces += st.Traces
		dpor += st.Executions + st.Pruned
		sleep += old.Executions + old.Pruned
	}
	t.Logf("unbounded, %d programs, %d traces: DPOR %d runs (%.4f per trace), sleep sets %d (%.4f per trace)",
		programs, traces, dpor, float64(dpor)/float64(traces), sleep, float64(sleep)/float64(traces))
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	return (xs[(len(xs)-1)/2] + xs[len(xs)/2]) / 2
}

// TestDPORExploresEachTraceOnce runs the unbounded search, source-DPOR, on
// generated programs with and without seeded bugs, checking the trace of
// every complete execution (sched.ExploreOptions.CheckTraces): no two
// explored executions are equivalent, every one is complete (at most 5%
// more runs than traces, counting those sleep sets block) and, where every
// schedule can be run, the traces are as many as the full search finds.
// The check itself is shown to fail on a weakened reduction in sched's
// test of the same name.
func TestDPORExploresEachTraceOnce(t *testing.T) {
	bugs := []sim.BugSet{nil, {sim.BugUnlockedAdd}, {sim.BugReaddirDropLock}, {sim.BugShowTakesRTNL}, {sim.BugRemoveByNameNoRef}}
	var mu sync.Mutex
	programs, runs, traces, compared := 0, 0, 0, 0
	inParallel(t, 80, func(t *testing.T, i int) {
		seed := uint64(i)
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 2, MaxThreads: 3, MaxOps: 2})
		opt := sim.Options{Bugs: bugs[seed%uint64(len(bugs))]}
		st := sim.Explore(p, opt, sched.ExploreOptions{Bound: sched.Unbounded, CheckTraces: true, MaxExecutions: 3000}, func(x sim.Execution) bool { x.Release(); return true })
		if st.Err != nil || !st.DPOR || st.Duplicates != 0 || st.Executions != st.Traces {
			t.Fatalf("seed %d %v: %+v", seed, p.Threads, st)
		}
		if !st.Exhausted {
			return
		}
		mu.Lock()
		programs++
		runs += st.Executions + st.Pruned
		traces += st.Traces
		mu.Unlock()
		if st.Traces > 300 {
			return
		}
		full := sim.Explore(p, opt, sched.ExploreOptions{Bound: sched.Unbounded, NoReduction: true, CheckTraces: true, MaxExecutions: 20000}, func(x sim.Execution) bool { x.Release(); return true })
		if full.Exhausted {
			mu.Lock()
			compared++
			mu.Unlock()
			if full.Traces != st.Traces {
				t.Errorf("seed %d %v: DPOR explored %d traces, every schedule %d", seed, p.Threads, st.Traces, full.Traces)
			}
		}
	})
	if programs < 45 || compared < 20 {
		t.Fatalf("%d programs exhausted, %d compared with every schedule", programs, compared)
	}
	if r := float64(runs) / float64(traces); r > 1.05 {
		t.Errorf("%d runs for %d traces: %.3f per trace", runs, traces, r)
	}
	t.Logf("%d programs, %d traces, %d runs; %d compared with every schedule", programs, traces, runs, compared)
}

// TestBPORFigures measures, within preemption bounds 0 to 3, the bounded
// searches on generated programs: the campaign's (sleep sets, the bound
// deepened level by level), the same sleep-set search in one pass, and the
// bounded-DPOR prototype (sched.ExploreOptions.ExperimentalBPOR). It
// reports, at bound 2, the runs each takes per Mazurkiewicz trace within
// the bound (abandoned and repeated runs included; the one-pass sleep-set
// search gives the traces) and the executions the prototype explores
// twice, and at every bound the searches where the prototype misses an
// outcome the campaign's search reaches. A measurement, not a check (the
// prototype fails it): set SYSFSIM_REDUCTION_FIGURES=1.
func TestBPORFigures(t *testing.T) {
	if os.Getenv("SYSFSIM_REDUCTION_FIGURES") == "" {
		t.Skip("set SYSFSIM_REDUCTION_FIGURES=1 to measure")
	}
	bugs := []sim.BugSet{nil, {sim.BugUnlockedAdd}, {sim.BugReaddirDropLock}, {sim.BugShowTakesRTNL}, {sim.BugRemoveByNameNoRef}}
	type sums struct{ programs, traces, iter, pass, passDup, bpor, bporTraces, bporDup int }
	var s sums
	missed, searches := map[int]int{}, map[int]int{}
	for seed := range uint64(60) {
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 2, MaxThreads: 3, MaxOps: 2})
		opt := sim.Options{Bugs: bugs[seed%uint64(len(bugs))]}
		for bound := range 4 {
			it, ist := outcomes(t, p, opt, sched.ExploreOptions{Bound: bound, Iterative: true, MaxExecutions: 5000})
			bp, bst := outcomes(t, p, opt, sched.ExploreOptions{Bound: bound, ExperimentalBPOR: true, CheckTraces: true, MaxExecutions: 5000})
			if !ist.Exhausted || !bst.Exhausted {
				continue
			}
			searches[bound]++
			for o := range it {
				if _, ok := bp[o]; !ok {
					missed[bound]++
					break
				}
			}
			if bound != 2 {
				continue
			}
			_, pst := outcomes(t, p, opt, sched.ExploreOptions{Bound: bound, SleepSets: true, CheckTraces: true, MaxExecutions: 5000})
			s.programs++
			s.traces += pst.Traces
			s.iter += ist.Executions + ist.Pruned + ist.Repeats
			s.pass += pst.Executions + pst.Pruned
			s.passDup += pst.Duplicates
			s.bpor += bst.Executions + bst.Pruned
			s.bporTraces += bst.Traces
			s.bporDup += bst.Duplicates
		}
	}
	per := func(runs int) float64 { return float64(runs) / float64(s.traces) }
	t.Logf("bound 2, %d programs, %d traces within the bound: iterative sleep sets %d runs (%.3f per trace); one pass %d runs (%.3f), %d executions equivalent to an earlier one; BPOR prototype %d runs (%.3f), %d traces reached, %d executions equivalent to an earlier one",
		s.programs, s.traces, s.iter, per(s.iter), s.pass, per(s.pass), s.passDup, s.bpor, per(s.bpor), s.bporTraces, s.bporDup)
	for bound := range 4 {
		t.Logf("bound %d: the BPOR prototype misses an outcome of the iterative search in %d of %d searches", bound, missed[bound], searches[bound])
	}
}
