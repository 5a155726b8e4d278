package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/sysfsim/sysfsim/campaign"
	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

func init() {
	register("run", "run a campaign on the simulated sysfs", cmdRun)
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	var f runFlags
	fs := f.flagSet()
	pos, code := parse(fs, args, stdout, stderr)
	if code < 0 {
		code = argCount(fs, pos, 0, 0, "", stderr)
	}
	if code >= 0 {
		return code
	}
	// Bad usage exits 2 before anything runs.
	cfg, err := f.config()
	if err != nil {
		return failUsage(stderr, "%v", err)
	}
	if err := resume(&cfg, fs); err != nil {
		return failUsage(stderr, "%v", err)
	}
	// A first SIGINT ends the run after the executions under way, with
	// its summary saved; a second one kills at once.
	ctx, interrupted, stop := interruptible(false, os.Interrupt)
	defer stop()
	sum, err := runLive(ctx, cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "sysfsim: %v\n", err)
		return exitUsage
	}
	f.print(stdout, sum)
	if sum.Interrupted {
		return interrupted()
	}
	return verdictExit(len(sum.Violations) > 0 || sum.ViolationCount > 0, sum.Unknown > 0)
}

// runFlags are run's flags.
type runFlags struct {
	seed      uint64
	execs     int
	dur       time.Duration
	bugs      string
	out       string
	asJSON    bool
	strategy  string
	preempt   int
	schedules int
	workers   int
	shard     string
	keepGoing bool
	maxViol   int
	shrink    bool
	threads   string
	ops       int
	timeout   durationValue
	program   string
	coverage  bool
	guided    bool
}

func (f *runFlags) flagSet() *flag.FlagSet {
	fs := newFlagSet("run")
	fs.Uint64Var(&f.seed, "seed", 1, "campaign seed: the same seed runs the same executions")
	fs.IntVar(&f.execs, "executions", 0, "number of executions (default "+fmt.Sprint(campaign.DefaultExecutions)+" unless --time is given); exhaustive: checked schedules, the run ending after the program that reaches the number")
	durationVar(fs, &f.dur, "time", 0, "run for this long, a `duration` (e.g. 30s, 1h)")
	fs.StringVar(&f.bugs, "bug", "", "comma-separated seeded bugs to enable (see 'sysfsim bugs')")
	fs.StringVar(&f.out, "out", "", "campaign directory: summary.json, traces, visualizations; a later run resumes it (default: a new temporary directory at the first violation)")
	fs.BoolVar(&f.asJSON, "json", false, "print the summary as one JSON object on stdout")
	fs.StringVar(&f.strategy, "strategy", string(campaign.DefaultStrategy), "random, pct (depth "+strconv.Itoa(sched.DefaultPCTDepth)+"), pct:D, pos, surw, portfolio, or exhaustive")
	fs.IntVar(&f.preempt, "preemptions", campaign.DefaultPreemptions, "exhaustive: preemption bound; -1, none: DPOR, each trace once, fewer preemptions first; N: the sleep-set search within N, deepened from 0")
	fs.IntVar(&f.schedules, "schedules", campaign.DefaultSchedules, "exhaustive: checked schedules per program at most")
	fs.IntVar(&f.workers, "workers", runtime.GOMAXPROCS(0), "parallel workers (results do not depend on it)")
	fs.StringVar(&f.shard, "shard", "", "run only shard i of N of the execution indices (i/N, i from 0)")
	fs.BoolVar(&f.keepGoing, "keep-going", false, "go on after violations and collect them (default: stop at the first)")
	fs.IntVar(&f.maxViol, "max-violations", campaign.DefaultMaxViolations, "with --keep-going: save at most this many traces, count the rest")
	fs.BoolVar(&f.shrink, "shrink", true, "shrink each violation's trace before reporting it (the trace as found is kept too)")
	fs.StringVar(&f.threads, "threads", "", "threads per program, N or MIN-MAX (default 2-4)")
	fs.IntVar(&f.ops, "ops", 0, "operations per thread at most (default 4)")
	fs.StringVar(&f.program, "program", "", "run this program in every execution instead of generated ones: a litmus test (.litmus) or the program of a trace `FILE`")
	fs.BoolVar(&f.coverage, "coverage", false, "also print what the campaign reached of the simulator's state space, and every point it never reached (--json always has it, under \"coverage\")")
	fs.BoolVar(&f.guided, "guided", false, "steer toward the coverage not reached yet: most executions start from earlier ones that reached rare points, keeping their swarm of operation kinds or replaying part of their schedule (not with exhaustive)")
	fs.Var(&f.timeout, "timeout", "bound on each execution's linearizability search (0: none); out of time, the execution is undecided (exit 3 if nothing is violated)")
	return fs
}

// config checks the flags and returns the campaign they describe.
func (f *runFlags) config() (campaign.Config, error) {
	if f.execs < 0 || f.dur < 0 {
		return campaign.Config{}, errors.New("--executions and --time must not be negative")
	}
	if f.preempt < -1 {
		return campaign.Config{}, fmt.Errorf("--preemptions %d: want a bound of 0 or more, or -1 for none", f.preempt)
	}
	if f.workers < 1 || f.schedules < 1 || f.maxViol < 1 || f.ops < 0 {
		return campaign.Config{}, errors.New("--workers, --schedules and --max-violations must be positive, --ops not negative")
	}
	bs, err := sim.ParseBugs(f.bugs)
	if err != nil {
		return campaign.Config{}, err
	}
	var shard campaign.Shard
	if f.shard != "" {
		if shard, err = campaign.ParseShard(f.shard); err != nil {
			return campaign.Config{}, fmt.Errorf("--shard: %w", err)
		}
	}
	g := gen.Options{MaxOps: f.ops}
	if f.threads != "" {
		if g.MinThreads, g.MaxThreads, err = parseRange(f.threads); err != nil {
			return campaign.Config{}, fmt.Errorf("--threads: %w", err)
		}
	}
	st, err := sched.ParseStrategy(f.strategy)
	if err != nil {
		return campaign.Config{}, fmt.Errorf("--strategy: %w", err)
	}
	prog, err := f.fixedProgram()
	if err != nil {
		return campaign.Config{}, err
	}
	if f.guided && prog != nil {
		return campaign.Config{}, errors.New("--guided draws programs from the coverage reached; --program runs one program: not both")
	}
	if f.guided && st == campaign.Exhaustive {
		return campaign.Config{}, errors.New("--guided draws programs from the coverage reached; --strategy exhaustive searches each program it draws: not both")
	}
	return campaign.Config{
		Seed: f.seed, Executions: f.execs, Duration: f.dur, Bugs: bs, OutDir: f.out, Gen: g, Program: prog,
		Strategy: st, Preemptions: f.preempt, Schedules: f.schedules, Workers: f.workers, Shard: shard,
		KeepGoing: f.keepGoing, MaxViolations: f.maxViol, NoShrink: !f.shrink, Command: self, Guided: f.guided,
		Check: properties.Options{LinearizabilityTimeout: time.Duration(f.timeout)},
	}, nil
}

// resume fills in cfg, when its directory holds a campaign, what the
// command line fs left unsaid: identity and settings alike, so that a
// resumed run does what the last one did. What it says must agree
// (campaign.Run checks the identity); workers and the bound of this run
// are taken anew.
func resume(cfg *campaign.Config, fs *flag.FlagSet) error {
	if cfg.OutDir == "" || !campaign.HasSummary(cfg.OutDir) {
		return nil
	}
	old, err := campaign.LoadSummary(cfg.OutDir)
	if err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	x := old.Exhaustive
	// Each flag, and what taking it from the directory sets. A setting
	// without a flag ("") is always taken.
	for _, s := range []struct {
		flag string
		take func()
	}{
		{"seed", func() { cfg.Seed = old.Seed }},
		{"bug", func() { cfg.Bugs = old.Bugs }},
		{"strategy", func() { cfg.Strategy = old.Strategy }},
		{"shard", func() { cfg.Shard = old.Shard }},
		{"threads", func() { cfg.Gen.MinThreads, cfg.Gen.MaxThreads = old.Gen.MinThreads, old.Gen.MaxThreads }},
		{"ops", func() { cfg.Gen.MaxOps = old.Gen.MaxOps }},
		{"program", func() { cfg.Program = old.Program }},
		{"", func() { cfg.Gen.MaxNamespaces, cfg.Gen.NoUsers = old.Gen.MaxNamespaces, old.Gen.NoUsers }},
		{"preemptions", func() {
			if x != nil {
				cfg.Preemptions = x.Preemptions
			}
		}},
		{"schedules", func() {
			if x != nil {
				cfg.Schedules = x.SchedulesPerProgram
			}
		}},
		// A summary written before settings were recorded holds false
		// for both booleans, which is what the command line's defaults
		// say, and 0 for MaxViolations: the command line's is kept.
		{"keep-going", func() { cfg.KeepGoing = old.KeepGoing }},
		{"max-violations", func() {
			if old.MaxViolations > 0 {
				cfg.MaxViolations = old.MaxViolations
			}
		}},
		{"shrink", func() { cfg.NoShrink = old.NoShrink }},
		{"guided", func() { cfg.Guided = old.Guided }},
	} {
		if !given[s.flag] {
			s.take()
		}
	}
	return nil
}

// print prints the summary, with how to resume a campaign cut short.
func (f *runFlags) print(stdout io.Writer, sum campaign.Summary) {
	if f.asJSON {
		printSummaryJSON(stdout, sum)
		return
	}
	printSummary(stdout, sum)
	if f.coverage {
		sum.StateCoverage.WriteText(stdout)
	}
	if x := sum.Exhaustive; x != nil && f.execs > 0 && sum.RunExecutions > int64(f.execs) {
		fmt.Fprintf(stdout, "--executions %d bounds an exhaustive search between programs: each program's search runs to its end (at most --schedules %d), so this run checked %d schedules\n",
			f.execs, x.SchedulesPerProgram, sum.RunExecutions)
	}
	if f.out != "" && (sum.Interrupted || sum.Stopped == "time") {
		fmt.Fprintf(stdout, "campaign kept in %s: '%s run --out %s' resumes it at index %d\n", f.out, self, f.out, sum.NextIndex)
	}
}

// printSummaryJSON prints s for scripts: the object of summary.json but
// for distinct_sketch, the estimator's state (kilobytes of base64), which
// only a resumed run or a merge reads, and from the directory.
func printSummaryJSON(w io.Writer, s campaign.Summary) {
	s.DistinctSketch = nil
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(s)
}

// parseRange parses "N" or "MIN-MAX".
func parseRange(s string) (lo, hi int, err error) {
	a, b, found := strings.Cut(s, "-")
	lo, err1 := strconv.Atoi(a)
	hi, err2 := lo, error(nil)
	if found {
		hi, err2 = strconv.Atoi(b)
	}
	if err1 != nil || err2 != nil || lo < 1 || hi < lo {
		return 0, 0, fmt.Errorf("%q: want N or MIN-MAX, 1 <= MIN <= MAX", s)
	}
	return lo, hi, nil
}

func printSummary(w io.Writer, s campaign.Summary) {
	fmt.Fprintf(w, "sysfsim: %d executions, %d steps in %.2fs (%s steps/s, %s executions/s), seed %d",
		s.Executions, s.Steps, s.ElapsedS, si(s.StepsPerSec), si(s.ExecsPerSec), s.Seed)
	if len(s.Bugs) > 0 {
		fmt.Fprintf(w, ", bugs %v", s.Bugs)
	}
	fmt.Fprintln(w)
	printHow(w, s)
	if p := s.PCT; p != nil && len(p.Guarantees) > 0 {
		var gs []string
		for _, g := range p.Guarantees {
			gs = append(gs, fmt.Sprintf("depth %d: %.3g", g.Depth, g.Bound))
		}
		fmt.Fprintf(w, "PCT: each execution hits a given bug with probability >= 1/(n*k^(d-1)), n=%d threads, k=%d steps seen: %s\n",
			p.MaxThreads, p.MaxSteps, strings.Join(gs, ", "))
	}
	if x := s.Exhaustive; x != nil {
		bound := strconv.Itoa(x.Preemptions)
		if x.Preemptions < 0 {
			bound = "none"
		}
		stopped := ""
		if x.ProgramsViolated > 0 {
			stopped = fmt.Sprintf(", %d at a violation", x.ProgramsViolated)
		}
		fmt.Fprintf(w, "exhaustive, preemption bound %s: %d programs, %d schedules covered (%d reruns); %d programs exhausted their space%s, %d stopped at %d schedules; space exhausted: %v\n",
			bound, x.Programs, x.Schedules, x.Reruns, x.ProgramsExhausted, stopped, x.Programs-x.ProgramsExhausted-x.ProgramsViolated, x.SchedulesPerProgram, yesNo(x.Exhausted))
	}
	if s.Interrupted {
		fmt.Fprintln(w, "interrupted")
	}
	if s.Unknown > 0 {
		fmt.Fprintf(w, "UNDECIDED %d executions: the linearizability check ran out of its --timeout (or its memory bound); not counted as passing\n", s.Unknown)
	}
	if len(s.Violations) == 0 && s.ViolationCount == 0 {
		fmt.Fprintln(w, noViolation(s.Unknown))
		return
	}
	for _, v := range s.Violations {
		fmt.Fprintf(w, "VIOLATION %s: %s\n", v.Property, v.Detail)
		fmt.Fprintf(w, "  execution %d, seed %d, strategy %s", v.Index, v.Seed, v.Strategy)
		if v.Schedule > 0 {
			fmt.Fprintf(w, ", schedule %d", v.Schedule)
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  trace:  %s\n", v.Trace)
		if v.Original != "" {
			fmt.Fprintf(w, "  shrunk: %s\n  found:  %s\n", v.Shrink, v.Original)
		}
		if v.HTML != "" {
			fmt.Fprintf(w, "  html:   %s\n", v.HTML)
		}
		fmt.Fprintf(w, "  replay: %s\n", v.Replay)
	}
	if n := s.ViolationCount - int64(len(s.Violations)); n > 0 {
		fmt.Fprintf(w, "%d more violating executions, not saved (--max-violations)\n", n)
	}
}

// printHow prints the line of how the campaign ran: strategy, workers,
// shard, runs. A merged summary says what it merged instead of a shard and
// a run of its own.
func printHow(w io.Writer, s campaign.Summary) {
	var parts []string
	for _, r := range s.ByStrategy {
		parts = append(parts, fmt.Sprintf("%s %d", r.Strategy, r.Executions))
	}
	fmt.Fprintf(w, "strategy %s, %d workers", s.Strategy, s.Workers)
	if !s.Merged() && s.Shard.Count > 1 {
		fmt.Fprintf(w, ", %s", s.Coverage())
	}
	if len(parts) > 1 {
		fmt.Fprintf(w, " (%s)", strings.Join(parts, ", "))
	}
	if s.Guided {
		fmt.Fprintf(w, ", guided by coverage (corpus of %d)", len(s.GuideCorpus))
	}
	fmt.Fprintf(w, "; ~%d distinct schedules", s.DistinctSchedules)
	switch {
	case s.Merged():
		runs := "runs"
		if s.Runs == 1 {
			runs = "run"
		}
		fmt.Fprintf(w, "; %s, %d %s in all", s.Coverage(), s.Runs, runs)
	case s.Runs > 1:
		fmt.Fprintf(w, "; run %d of the campaign, %d executions in this one", s.Runs, s.RunExecutions)
	}
	fmt.Fprintln(w)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// si writes a rate with a k or M suffix.
func si(x float64) string {
	switch {
	case x >= 1e6:
		return fmt.Sprintf("%.2fM", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.1fk", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}

// noViolation is the last line of a campaign that found no violation,
// with undecided executions: it did not pass.
func noViolation(undecided int) string {
	if undecided > 0 {
		return fmt.Sprintf("no violation found, %d undecided", undecided)
	}
	return "no violation"
}
