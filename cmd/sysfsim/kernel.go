package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"syscall"
	"time"

	"github.com/sysfsim/sysfsim/campaign"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/kernel"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/traces"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

func init() {
	register("kernel", "run concurrent programs on the real Linux kernel, isolated, and check them", cmdKernel)
}

// cmdKernel parses its flags, then runs the campaign in a copy of this
// program started in fresh user (unless root), mount and network
// namespaces: nothing it does reaches the host, and nothing survives it.
func cmdKernel(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("kernel")
	seed := fs.Uint64("seed", 1, "campaign seed: the same seed runs the same programs")
	dur := new(time.Duration)
	durationVar(fs, dur, "time", 0, "run for this long, a `duration` (default: "+fmt.Sprint(kernel.DefaultExecutions)+" programs)")
	execs := fs.Int("executions", 0, "number of programs (0: as many as --time allows)")
	out := fs.String("out", "", "campaign directory, made if needed: summary.json and the violations' traces (default: traces in a new temporary directory made at the first violation, no summary file)")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object on stdout")
	scheme := fs.String("exit-scheme", "kernel", "the model's account of a namespace exit to judge by: kernel (today's cleanup_net), tag (the seed design's one-step exit), drawn (as generated)")
	noWait := fs.Bool("exit-nowait", false, "with --exit-scheme tag: let exit return as soon as the namespace's last reference is dropped")
	timeout := new(time.Duration)
	durationVar(fs, timeout, "timeout", 0, "bound on each history's linearizability search, a `duration` (0: the default, 10s); out of time, the history is undecided (exit 3 if nothing is violated)")
	record := new(time.Duration)
	durationVar(fs, record, "record", 0, "instead of a campaign, record one concurrent history this long, a `duration`, into --out/"+recordingFile+" as it happens, then check it")
	rate := fs.Float64("rate", 500, "with --record: operations per second, all workers together (negative: as fast as the kernel answers)")
	pos, code := parse(fs, args, stdout, stderr)
	if code < 0 {
		code = argCount(fs, pos, 0, 0, "", stderr)
	}
	if code >= 0 {
		return code
	}
	if *dur < 0 || *execs < 0 {
		return failUsage(stderr, "--time and --executions must not be negative")
	}
	if err := checkExitScheme(*scheme, *noWait); err != nil {
		return failUsage(stderr, "%v", err)
	}
	if err := checkRecordFlags(fs, *record, *rate); err != nil {
		return failUsage(stderr, "%v", err)
	}
	if !kernel.Isolated() {
		code, err := kernel.Reexec(append([]string{"kernel"}, args...))
		if err != nil {
			return failUsage(stderr, "%v", err)
		}
		return code
	}
	if err := kernel.Probe(); err != nil {
		return failUsage(stderr, "kernel backend unavailable: %v", err)
	}
	if *record > 0 {
		return runRecord(recordRun{duration: *record, rate: *rate, seed: *seed, out: *out, asJSON: *asJSON,
			timeout: cmp.Or(*timeout, 10*time.Second)}, stdout, stderr)
	}
	return runKernel(kernel.CampaignConfig{
		Seed: *seed, Duration: *dur, Executions: *execs,
		ExecSeed:   campaign.ExecSeed,
		Backend:    kernel.Options{ExitNoWait: *noWait},
		ExitScheme: *scheme,
		Check:      properties.Options{LinearizabilityTimeout: *timeout},
	}, *out, *asJSON, stdout, stderr)
}

// runKernel runs the campaign c in the isolated copy, saving traces in
// out and, when out is given, the summary as out/summary.json: the
// directory is made before the campaign starts, so that it has the
// summary however the campaign ends, a violation found or not.
func runKernel(c kernel.CampaignConfig, out string, asJSON bool, stdout, stderr io.Writer) int {
	// The signals end the campaign after the program under way; they are
	// held until it returns.
	ctx, interrupted, stop := interruptible(true, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if out != "" {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return failUsage(stderr, "--out: %v", err)
		}
	}
	c.Save = traceSaver(out)
	sum, err := kernel.Campaign(ctx, c)
	if out != "" {
		if werr := writeKernelSummary(filepath.Join(out, campaign.SummaryFile), sum); err == nil {
			err = werr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "sysfsim kernel: %v\n", err)
		return exitUsage
	}
	if asJSON {
		printJSON(stdout, sum)
	} else {
		printKernelSummary(stdout, sum)
	}
	if sum.Interrupted {
		return interrupted()
	}
	return verdictExit(sum.Violating > 0, sum.Unknown > 0)
}

// printJSON prints v as --json does: one indented object.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeKernelSummary writes sum to path as --json prints it.
func writeKernelSummary(path string, sum kernel.Summary) error {
	var b bytes.Buffer
	printJSON(&b, sum)
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// traceSaver returns a kernel campaign's Save: it writes each violating
// history as a trace in dir, made when first needed (a new temporary
// directory when dir is "").
func traceSaver(dir string) func(uint64, history.Program, history.History, []properties.Violation) (string, error) {
	return func(s uint64, p history.Program, h history.History, vs []properties.Violation) (string, error) {
		if dir == "" {
			d, err := os.MkdirTemp("", "sysfsim-kernel-")
			if err != nil {
				return "", err
			}
			dir = d
		} else if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		path := filepath.Join(dir, fmt.Sprintf("kernel-%d.jsonl", s))
		t := &tracefile.Trace{
			Header:     tracefile.Header{Format: tracefile.FormatVersion, Sysfsim: tracefile.Version, Source: "kernel", Seed: s},
			Program:    p,
			History:    h,
			Violations: traces.Violations(vs),
		}
		return path, tracefile.WriteFile(path, t)
	}
}

// checkRecordFlags checks --record and --rate against the campaign's
// flags: a recording has no programs to count or time, and judges exits
// by the kernel's scheme only, so those flags are refused rather than
// ignored.
func checkRecordFlags(fs *flag.FlagSet, record time.Duration, rate float64) error {
	set := map[string]string{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = f.Value.String() })
	if record < 0 {
		return errors.New("--record must not be negative")
	}
	if record == 0 {
		if _, ok := set["rate"]; ok {
			return errors.New("--rate applies to --record only")
		}
		return nil
	}
	for _, name := range []string{"time", "executions", "exit-nowait"} {
		if _, ok := set[name]; ok {
			return fmt.Errorf("--%s is a campaign's: a --record recording runs for its own duration", name)
		}
	}
	if s, ok := set["exit-scheme"]; ok && s != model.ExitKernel.String() {
		return fmt.Errorf("--record judges by the kernel's exit scheme only, not --exit-scheme %s", s)
	}
	if rate == 0 {
		return errors.New("--rate must not be 0 (negative: as fast as the kernel answers)")
	}
	return nil
}

// checkExitScheme checks --exit-scheme and --exit-nowait. Under the
// kernel scheme every exit returns at once: --exit-nowait would change
// nothing, so it is refused rather than taken silently.
func checkExitScheme(scheme string, noWait bool) error {
	s, drawn, err := kernel.ParseExitScheme(scheme)
	if err != nil {
		return fmt.Errorf("--exit-scheme: %w", err)
	}
	if noWait && !drawn && s == model.ExitKernel {
		return errors.New("--exit-nowait applies to --exit-scheme tag (or drawn) only: under kernel every exit returns at once")
	}
	return nil
}

func printKernelSummary(w io.Writer, s kernel.Summary) {
	fmt.Fprintf(w, "sysfsim kernel: %d concurrent histories, %d operations in %.2fs (%s kernel operations/s), seed %d, exit scheme %s\n",
		s.Histories, s.Operations, s.ElapsedS, si(s.OpsPerSec), s.Seed, s.ExitScheme)
	if s.Interrupted {
		fmt.Fprintln(w, "interrupted")
	}
	kinds := make([]string, 0, len(s.MedianMicros))
	for k := range s.MedianMicros {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	fmt.Fprint(w, "median:")
	for _, k := range kinds {
		fmt.Fprintf(w, " %s %v", k, time.Duration(s.MedianMicros[k]*1e3).Round(time.Microsecond))
	}
	fmt.Fprintln(w)
	if len(s.Skipped) > 0 {
		fmt.Fprintf(w, "programs skipped, holding an operation the backend does not drive: %v\n", s.Skipped)
	}
	if s.Unknown > 0 {
		fmt.Fprintf(w, "UNDECIDED %d histories: the linearizability check ran out of its --timeout (or its memory bound); not counted as passing\n", s.Unknown)
	}
	if s.Faults > 0 {
		fmt.Fprintf(w, "%d faults (a namespace not torn down in time)\n", s.Faults)
	}
	if s.Violating == 0 {
		fmt.Fprintln(w, noViolation(s.Unknown))
		return
	}
	fmt.Fprintf(w, "%d histories with violations:", s.Violating)
	props := make([]properties.Property, 0, len(s.ByProperty))
	for p := range s.ByProperty {
		props = append(props, p)
	}
	slices.Sort(props)
	for _, p := range props {
		fmt.Fprintf(w, " %s %d", p, s.ByProperty[p])
	}
	fmt.Fprintln(w)
	for g, n := range s.KnownGaps {
		fmt.Fprintf(w, "%d of them show the pattern of the known model gap %q (kernel/DIFFERENCES.md)\n", n, g)
	}
	if s.Unexplained > 0 {
		fmt.Fprintf(w, "%d of them match no known difference\n", s.Unexplained)
	}
	for i, t := range s.Traces {
		if i == 10 {
			fmt.Fprintf(w, "  ... and %d more\n", len(s.Traces)-10)
			break
		}
		fmt.Fprintf(w, "  trace: %s   (%s check %s)\n", t, self, t)
	}
}
