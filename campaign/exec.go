package campaign

import (
	"fmt"
	"slices"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
	"github.com/sysfsim/sysfsim/traces"
)

// propertyOrder is the order properties appear in tables.
var propertyOrder = properties.Names

// CalibrationRuns is how many probe executions (random walks of the
// campaign's first programs, unchecked) estimate k, the steps of one
// execution, for PCT. They depend only on the campaign's seed, bugs and
// generator options, so every worker, shard and resumed run agrees on k.
const CalibrationRuns = 32

// usesPCT reports whether strategy draws PCT executions (the portfolio
// no longer does: sched.NewPortfolio).
func usesPCT(strategy sched.StrategyName) bool {
	return strategy.Depth() > 0
}

// calibrate returns the most steps of CalibrationRuns probe executions.
func calibrate(c Config) int {
	k := 1
	for i := range int64(CalibrationRuns) {
		s := ExecSeed(c.Seed, i)
		p := c.program(s)
		x := sim.Run(p, sched.NewRandom(s), sim.Options{Bugs: c.Bugs})
		k = max(k, x.Steps)
		x.Release()
	}
	return k
}

// strategyFor returns the strategy of the execution of seed s, for a
// program of n threads, and the name it is reported under: a portfolio
// reports its member ("random", "pos", "surw"), "pct" its depth.
func strategyFor(name sched.StrategyName, s uint64, n, k int) (sched.Strategy, sched.StrategyName) {
	st := name.New(s, n, k)
	switch x := st.(type) {
	case *sched.Random:
		return st, sched.StrategyRandom
	case *sched.PCT:
		return st, sched.PCTOfDepth(x.Depth())
	case *sched.POS:
		return st, sched.StrategyPOS
	case *sched.SURW:
		return st, sched.StrategySURW
	}
	return st, name
}

// surwCounts estimates, for SURW, the interesting steps each thread of p
// takes, into counts: its operations, a flow counted as its kernfs steps
// (model.StepsOf). Fray and Shuttle take counts from a first execution;
// here that unchecked run made a SURW execution cost two, a third of the
// default campaign's CPU, and the counts of the program find the seeded
// bugs as fast over 100 seeds (BENCHMARKS.md, "SURW's counts from the
// program").
func surwCounts(p *history.Program, counts []int) []int {
	for _, ops := range p.Threads {
		n := 0
		for i := range ops { // by index: a range copied each operation
			n += model.StepsOf(ops[i])
		}
		counts = append(counts, n)
	}
	return counts
}

// searchMethod names the exhaustive search of a preemption bound
// (ExhaustiveSummary.Method).
func searchMethod(preemptions int) string {
	if preemptions < 0 {
		return "dpor"
	}
	return "sleep-sets"
}

func searchBound(preemptions int) string {
	if preemptions < 0 {
		return "without a preemption bound (DPOR)"
	}
	return fmt.Sprintf("with preemption bound %d", preemptions)
}

// pctDepths returns the PCT depths s ran, ascending.
func pctDepths(s *Summary) []int {
	var ds []int
	for _, r := range s.ByStrategy {
		if d := r.Strategy.Depth(); d > 0 && !slices.Contains(ds, d) {
			ds = append(ds, d)
		}
	}
	slices.Sort(ds)
	return ds
}

func pctBound(n, k, d int) float64 { return sched.PCTBound(max(n, 1), max(k, 1), d) }

// unit is the result of one execution index: one execution, or for
// "exhaustive" the bounded search of one program.
type unit struct {
	j        int64 // local index in the shard
	execs    int64
	steps    int64
	unknown  int64
	hash     uint64   // the schedule's, for one execution
	hashes   []uint64 // the schedules', for a search
	member   sched.StrategyName
	props    []properties.Property // properties violated by the violating execution
	maxSteps int
	threads  int
	found    *finding
	// exhaustive
	exhausted, boundHit bool
	reruns              int64
	seed                uint64 // the program's
	traces              int64  // the traces DPOR explored
	err                 error
	// cov is what the execution reached (a search: all its schedules).
	cov sim.Coverage
	// entry is the execution as a corpus entry of a guided run, if it
	// may have reached new coverage.
	entry *corpusEntry
}

// finding is a violation before it is saved.
type finding struct {
	trace    *traces.Trace
	v        properties.Violation
	seed     uint64
	strategy string
	schedule int64
}

func distinctProps(vs []properties.Violation) []properties.Property {
	var ps []properties.Property
	for _, v := range vs {
		if !slices.Contains(ps, v.Property) {
			ps = append(ps, v.Property)
		}
	}
	return ps
}

// runOne runs and checks execution i (global index) of the campaign.
func runOne(c *Config, i int64, k int) unit {
	s := ExecSeed(c.Seed, i)
	return runProgram(c, i, k, s, c.program(s), guided{})
}

// runOneOn is runOne on w's memory, into u: its program is drawn into
// w's buffer (a fixed program is used as it is).
func runOneOn(c *Config, w *worker, i int64, k int, u *unit) {
	s := ExecSeed(c.Seed, i)
	if c.Program != nil {
		runProgramInto(c, i, k, s, c.Program, &guided{}, u)
		return
	}
	w.rand.Reseed(s)
	p, _ := w.buf.DrawInPlace(&w.rand, c.Gen, nil)
	runProgramInto(c, i, k, s, p, &guided{}, u)
}

// runGuided is runOne for execution i, local index j, of a guided run
// (see guide), into u. It reports false if the run stopped before j
// could run.
func runGuided(c *Config, g *guide, w *worker, i, j int64, k int, u *unit) bool {
	s := ExecSeed(c.Seed, i)
	p, prefix, common, ok := guidedProgram(c, g, w, j, s)
	if !ok {
		return false
	}
	runProgramInto(c, i, k, s, &p, &guided{on: true, prefix: prefix, common: &common, choices: w.rec.Choices, swarm: w.swarm, given: w.given}, u)
	if u.entry != nil {
		u.entry.j = j
	}
	return true
}

// guided is how a guided run runs one execution: the schedule prefix to
// replay, the points common when it began, and the program's choices,
// kept (unit.entry) if it may reach a rare point.
type guided struct {
	on           bool
	prefix       []int
	common       *sim.Coverage
	choices      []int
	swarm, given gen.Swarm
}

// runProgram runs and checks p, the program of execution i, seed s.
func runProgram(c *Config, i int64, k int, s uint64, p history.Program, gd guided) unit {
	var u unit
	runProgramInto(c, i, k, s, &p, &gd, &u)
	return u
}

// runProgramInto is runProgram into u, in its place in a batch: a unit is
// 288 bytes, and one returned by value was copied twice on its way there
// (and p, 216, once). u is zero, as a batch's units are (pool.recycle
// clears them), so only the fields an execution sets are stored.
func runProgramInto(c *Config, i int64, k int, s uint64, p *history.Program, gd *guided, u *unit) {
	n := len(p.Threads)
	st, name := strategyFor(c.Strategy, s, n, k)
	if name == sched.StrategySURW {
		var buf [8]int // NewSURW copies the counts
		st = sched.NewSURW(s, surwCounts(p, buf[:0]))
	}
	if gd.prefix != nil { // after SURW's counts, which replace st
		st = sched.NewPrefixed(gd.prefix, st)
	}
	opt := sim.Options{Bugs: c.Bugs, GoroutineBaseline: c.goroutineBaseline}
	x := sim.Run(*p, st, opt)
	defer x.Release() // after the trace, if any, has copied what it needs
	r := properties.Check(x.History, c.Check)
	u.execs, u.steps, u.hash, u.member, u.maxSteps, u.threads = 1, int64(x.Steps), scheduleHash(x.Schedule), name, x.Steps, n
	u.cov = x.Coverage
	if gd.on && mayBeRare(&x.Coverage, gd.common) {
		u.entry = &corpusEntry{choices: slices.Clone(gd.choices), swarm: slices.Clone(gd.swarm), given: gd.given, schedule: slices.Clone(x.Schedule)}
	}
	if len(r.Unknown) > 0 {
		u.unknown = 1
	}
	if len(r.Violations) > 0 {
		u.props = distinctProps(r.Violations)
		// A clone: p may be a worker's buffer, which its next draw reuses,
		// and the history's configuration shares p's lists.
		kept := gen.Clone(*p)
		t := traces.FromExecution(kept, s, string(name), opt, x, r.Violations)
		t.History.Config = kept.Config
		note := fmt.Sprintf("campaign seed %d, execution %d, strategy %s", c.Seed, i, c.Strategy)
		if c.Strategy != name {
			note += " (" + string(name) + ")"
		}
		if name.Depth() > 0 {
			note += fmt.Sprintf(", PCT n=%d k=%d", n, k)
		}
		if gd.on {
			note += ", guided by coverage"
		}
		t.Notes = append(t.Notes, note)
		u.found = &finding{trace: t, v: r.Violations[0], seed: s, strategy: string(name)}
	}
}

// explore checks the schedules of program i, up to c.Schedules of them,
// stopping at the first violating one.
//
// Without a bound (c.Preemptions < 0, the command line's default) the
// search is source-DPOR (sched.Explore): every schedule it checks is a
// different Mazurkiewicz trace of the program, and none is run twice; an
// exhausted search has checked every trace, which its certificate says.
// It takes its branches cheapest first, so that a budget too small for the
// program still goes to the schedules with fewer preemptions first.
//
// Within a bound, the search deepens it: first every schedule without
// preemption, then those with one, and so on, so that a budget too small
// for the space still covers the cheap schedules first (iterative context
// bounding, Musuvathi and Qadeer, PLDI 2007). A level reruns the schedules
// of the levels below without checking them again (unit.reruns), and
// sleep sets skip a schedule equivalent to one already checked (the same
// steps, independent ones in another order), which counts against neither
// the budget nor unit.execs, only unit.reruns (explored part way, then
// abandoned).
func explore(c *Config, i int64) unit {
	s := ExecSeed(c.Seed, i)
	p := c.program(s)
	opt := sim.Options{Bugs: c.Bugs}
	name := fmt.Sprintf("%s:%d", Exhaustive, c.Preemptions)
	if c.Preemptions < 0 {
		name = string(Exhaustive) + ":unbounded"
	}
	u := unit{member: Exhaustive, threads: len(p.Threads), seed: s}
	eo := sched.ExploreOptions{Bound: c.Preemptions, Iterative: c.Preemptions >= 0, MaxExecutions: c.Schedules}
	st := sim.Explore(p, opt, eo, func(x sim.Execution) bool {
		defer x.Release() // after the trace, if any, has copied what it needs
		u.execs++
		u.steps += int64(x.Steps)
		u.maxSteps = max(u.maxSteps, x.Steps)
		u.hashes = append(u.hashes, scheduleHash(x.Schedule))
		u.cov.Or(&x.Coverage)
		r := properties.Check(x.History, c.Check)
		if len(r.Unknown) > 0 {
			u.unknown++
		}
		if len(r.Violations) > 0 {
			u.props = distinctProps(r.Violations)
			t := traces.FromExecution(p, s, name, opt, x, r.Violations)
			t.Notes = append(t.Notes, fmt.Sprintf("campaign seed %d, program %d, schedule %d of the search %s",
				c.Seed, i, u.execs, searchBound(c.Preemptions)))
			u.found = &finding{trace: t, v: r.Violations[0], seed: s, strategy: name, schedule: u.execs}
			return false
		}
		return true
	})
	if st.Err != nil {
		u.err = fmt.Errorf("campaign: exhaustive search of execution %d (seed %d): %v", i, s, st.Err)
	}
	u.reruns = int64(st.Repeats + st.Pruned)
	u.boundHit = st.BoundHit
	u.exhausted = st.Exhausted && u.found == nil
	if st.DPOR {
		u.traces = int64(st.Executions)
	}
	return u
}
