package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/sysfsim/sysfsim/campaign"
	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

func init() {
	register("run", "run a campaign on the simulated sysfs", cmdRun)
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	seed := fs.Uint64("seed", 1, "campaign seed: the same seed runs the same executions")
	execs := fs.Int("executions", 0, "number of executions (default "+fmt.Sprint(campaign.DefaultExecutions)+" unless --time is given)")
	dur := fs.Duration("time", 0, "run for this long (e.g. 30s, 1h)")
	bugs := fs.String("bug", "", "comma-separated seeded bugs to enable (see 'sysfsim bugs')")
	out := fs.String("out", "", "campaign directory: summary.json, traces, visualizations; a later run resumes it (default: a new temporary directory at the first violation)")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object on stdout")
	strategy := fs.String("strategy", string(campaign.DefaultStrategy), "random, pct (depth "+strconv.Itoa(sched.DefaultPCTDepth)+"), pct:D, portfolio, or exhaustive")
	preempt := fs.Int("preemptions", sched.DefaultPreemptionBound, "exhaustive: preemption bound (-1: none)")
	schedules := fs.Int("schedules", campaign.DefaultSchedules, "exhaustive: checked schedules per program at most")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "parallel workers (results do not depend on it)")
	shardFlag := fs.String("shard", "", "run only shard i of N of the execution indices (i/N, i from 0)")
	keepGoing := fs.Bool("keep-going", false, "go on after violations and collect them (default: stop at the first)")
	maxViol := fs.Int("max-violations", campaign.DefaultMaxViolations, "with --keep-going: save at most this many traces, count the rest")
	shrink := fs.Bool("shrink", true, "shrink each violation's trace before reporting it (the trace as found is kept too)")
	threads := fs.String("threads", "", "threads per program, N or MIN-MAX (default 2-4)")
	ops := fs.Int("ops", 0, "operations per thread at most (default 4)")
	pos, ok := parse(fs, args, stderr)
	if !ok {
		return exitUsage
	}
	if len(pos) > 0 {
		return failUsage(stderr, "run takes no arguments, got %q", pos)
	}
	if *execs < 0 || *dur < 0 {
		return failUsage(stderr, "--executions and --time must not be negative")
	}
	if *workers < 1 || *schedules < 1 || *maxViol < 1 || *ops < 0 {
		return failUsage(stderr, "--workers, --schedules and --max-violations must be positive, --ops not negative")
	}
	bs, err := sim.ParseBugs(*bugs)
	if err != nil {
		return failUsage(stderr, "%v", err)
	}
	var shard campaign.Shard
	if *shardFlag != "" {
		if shard, err = campaign.ParseShard(*shardFlag); err != nil {
			return failUsage(stderr, "--shard: %v", err)
		}
	}
	g := gen.Options{MaxOps: *ops}
	if *threads != "" {
		if g.MinThreads, g.MaxThreads, err = parseRange(*threads); err != nil {
			return failUsage(stderr, "--threads: %v", err)
		}
	}
	st, err := sched.ParseStrategy(*strategy)
	if err != nil {
		return failUsage(stderr, "--strategy: %v", err)
	}

	// Resuming: what the command line leaves unsaid comes from the
	// directory; what it says must agree (campaign.Run checks).
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *out != "" && campaign.HasSummary(*out) {
		old, err := campaign.LoadSummary(*out)
		if err != nil {
			return failUsage(stderr, "%v", err)
		}
		if !set["seed"] {
			*seed = old.Seed
		}
		if !set["bug"] {
			bs = old.Bugs
		}
		if !set["strategy"] {
			st = old.Strategy
		}
		if !set["shard"] {
			shard = old.Shard
		}
		if !set["threads"] {
			g.MinThreads, g.MaxThreads = old.Gen.MinThreads, old.Gen.MaxThreads
		}
		if !set["ops"] {
			g.MaxOps = old.Gen.MaxOps
		}
		g.MaxNamespaces = old.Gen.MaxNamespaces
		if x := old.Exhaustive; x != nil {
			if !set["preemptions"] {
				*preempt = x.Preemptions
			}
			if !set["schedules"] {
				*schedules = x.SchedulesPerProgram
			}
		}
	}

	cfg := campaign.Config{
		Seed: *seed, Executions: *execs, Duration: *dur, Bugs: bs, OutDir: *out, Gen: g,
		Strategy: st, Preemptions: *preempt, Schedules: *schedules, Workers: *workers, Shard: shard,
		KeepGoing: *keepGoing, MaxViolations: *maxViol, NoShrink: !*shrink,
	}
	live := isTerminal(os.Stderr) && stderr == io.Writer(os.Stderr)
	if live {
		cfg.Progress = func(s campaign.Stats) { fmt.Fprint(stderr, "\r\033[K"+progressLine(s)) }
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		// A second interrupt kills at once.
		<-ctx.Done()
		stop()
	}()
	sum, err := campaign.Run(ctx, cfg)
	if live {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		fmt.Fprintf(stderr, "sysfsim: %v\n", err)
		return exitUsage
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(sum)
	} else {
		printSummary(stdout, sum)
		if *out != "" && (sum.Interrupted || sum.Stopped == "time") {
			fmt.Fprintf(stdout, "campaign kept in %s: 'sysfsim run --out %s' resumes it at index %d\n", *out, *out, sum.NextIndex)
		}
	}
	if len(sum.Violations) > 0 || sum.ViolationCount > 0 {
		return exitViolation
	}
	return exitOK
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

// progressLine is the live line of a campaign on a terminal.
func progressLine(s campaign.Stats) string {
	rate := 0.0
	if s.RunElapsed > 0 {
		rate = float64(s.RunSteps) / s.RunElapsed.Seconds()
	}
	line := fmt.Sprintf("%s  %d executions  %s steps/s  ~%d distinct schedules  %d violations",
		s.Elapsed.Truncate(100*time.Millisecond), s.Executions, si(rate), s.Distinct, s.Violations)
	if s.Left >= 0 {
		line += fmt.Sprintf("  %s left", s.Left.Truncate(time.Second))
	}
	return line
}

func printSummary(w io.Writer, s campaign.Summary) {
	fmt.Fprintf(w, "sysfsim: %d executions, %d steps in %.2fs (%s steps/s, %s executions/s), seed %d",
		s.Executions, s.Steps, s.ElapsedS, si(s.StepsPerSec), si(s.ExecsPerSec), s.Seed)
	if len(s.Bugs) > 0 {
		fmt.Fprintf(w, ", bugs %v", s.Bugs)
	}
	fmt.Fprintln(w)
	var parts []string
	for _, r := range s.ByStrategy {
		parts = append(parts, fmt.Sprintf("%s %d", r.Strategy, r.Executions))
	}
	fmt.Fprintf(w, "strategy %s, %d workers", s.Strategy, s.Workers)
	if s.Shard.Count > 1 {
		fmt.Fprintf(w, ", shard %v", s.Shard)
	}
	if len(parts) > 1 {
		fmt.Fprintf(w, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "; ~%d distinct schedules", s.DistinctSchedules)
	if s.Runs > 1 {
		fmt.Fprintf(w, "; run %d of the campaign, %d executions in this one", s.Runs, s.RunExecutions)
	}
	fmt.Fprintln(w)
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
		fmt.Fprintf(w, "exhaustive, preemption bound %s: %d programs, %d schedules covered (%d reruns); %d programs exhausted their space, %d stopped at %d schedules; space exhausted: %v\n",
			bound, x.Programs, x.Schedules, x.Reruns, x.ProgramsExhausted, x.Programs-x.ProgramsExhausted, x.SchedulesPerProgram, yesNo(x.Exhausted))
	}
	if s.Interrupted {
		fmt.Fprintln(w, "interrupted")
	}
	if s.Unknown > 0 {
		fmt.Fprintf(w, "%d executions could not be fully decided (linearizability check timed out)\n", s.Unknown)
	}
	if len(s.Violations) == 0 && s.ViolationCount == 0 {
		fmt.Fprintln(w, "no violation")
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

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
