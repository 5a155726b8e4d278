package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/sysfsim/sysfsim/campaign"
	"github.com/sysfsim/sysfsim/sim"
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
	out := fs.String("out", "", "directory for violation traces (default: a new temporary directory)")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object on stdout")
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
	bs, err := sim.ParseBugs(*bugs)
	if err != nil {
		return failUsage(stderr, "%v", err)
	}

	cfg := campaign.Config{Seed: *seed, Executions: *execs, Duration: *dur, Bugs: bs, OutDir: *out}
	live := isTerminal(os.Stderr) && stderr == io.Writer(os.Stderr)
	if live {
		cfg.Progress = func(s campaign.Stats) {
			rate := 0.0
			if s.Elapsed > 0 {
				rate = float64(s.Steps) / s.Elapsed.Seconds()
			}
			fmt.Fprintf(stderr, "\r\033[K%s  %d executions  %s steps/s  %d violations",
				s.Elapsed.Truncate(100*time.Millisecond), s.Executions, si(rate), s.Violations)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
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
	}
	if len(sum.Violations) > 0 {
		return exitViolation
	}
	return exitOK
}

func printSummary(w io.Writer, s campaign.Summary) {
	fmt.Fprintf(w, "sysfsim: %d executions, %d steps in %.2fs (%s steps/s, %s executions/s), seed %d",
		s.Executions, s.Steps, s.ElapsedS, si(s.StepsPerSec), si(s.ExecsPerSec), s.Seed)
	if len(s.Bugs) > 0 {
		fmt.Fprintf(w, ", bugs %v", s.Bugs)
	}
	fmt.Fprintln(w)
	if s.Interrupted {
		fmt.Fprintln(w, "interrupted")
	}
	if s.Unknown > 0 {
		fmt.Fprintf(w, "%d executions could not be fully decided (linearizability check timed out)\n", s.Unknown)
	}
	if len(s.Violations) == 0 {
		fmt.Fprintln(w, "no violation")
		return
	}
	for _, v := range s.Violations {
		fmt.Fprintf(w, "VIOLATION %s: %s\n  trace:  %s\n  replay: %s\n", v.Property, v.Detail, v.Trace, v.Replay)
	}
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
