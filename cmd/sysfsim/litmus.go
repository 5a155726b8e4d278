package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/sysfsim/sysfsim/kernel"
	"github.com/sysfsim/sysfsim/litmus"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/traces"
)

func init() {
	register("litmus", "run litmus tests on the model and the simulator, or N times on the real kernel (--kernel N); exit 1 if an observation is not the one expected", cmdLitmus)
}

// litmusFlags are the flags of litmus.
type litmusFlags struct {
	asJSON bool
	bugs   string
	out    string
	// kernel is the number of runs on the real kernel (0: none, run the
	// simulator); delay and seed widen and vary their windows.
	kernel int
	delay  time.Duration
	seed   uint64
}

func cmdLitmus(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("litmus")
	var f litmusFlags
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON object per test")
	fs.StringVar(&f.bugs, "bug", "", "comma-separated seeded bugs to enable (see 'sysfsim bugs')")
	fs.StringVar(&f.out, "out", "", "where to save the trace of a violation (default: a new temporary directory)")
	fs.IntVar(&f.kernel, "kernel", 0, "run each test `N` times on the real kernel instead of the simulator, each run in fresh namespaces, and print the histogram beside the model's outcomes")
	durationVar(fs, &f.delay, "delay", 0, "with --kernel: before each operation, and between two getdents calls of a listing, wait a random time below this `duration`, to widen the windows between threads")
	fs.Uint64Var(&f.seed, "seed", 1, "with --kernel --delay: seed of the random waits")
	pos, code := parse(fs, args, stdout, stderr)
	if code < 0 {
		code = argCount(fs, pos, 1, -1, "FILE or DIR", stderr)
	}
	if code >= 0 {
		return code
	}
	bs, err := sim.ParseBugs(f.bugs)
	if err != nil {
		fmt.Fprintf(stderr, "sysfsim litmus: %v\n", err)
		return exitUsage
	}
	if code := checkKernelFlags(f, fs, stderr); code >= 0 {
		return code
	}
	tests, err := litmus.Load(pos...)
	if err != nil {
		fmt.Fprintf(stderr, "sysfsim litmus: %v\n", err)
		return exitUsage
	}
	if f.kernel > 0 {
		return litmusKernel(args, tests, f, stdout, stderr)
	}
	code = exitOK
	for _, t := range tests {
		c, err := runLitmus(t, sim.Options{Bugs: bs}, f, stdout)
		if err != nil {
			fmt.Fprintf(stderr, "sysfsim litmus: %v\n", err)
			return exitUsage
		}
		code = max(code, c)
	}
	return code
}

// runLitmus runs one test and prints its report, saving a trace of the
// first schedule each violated property was found in.
func runLitmus(t *litmus.Test, opt sim.Options, f litmusFlags, stdout io.Writer) (int, error) {
	r, sr := litmus.Run(t, opt)
	saved, err := saveViolations(t, opt, sr, &f.out)
	if err != nil {
		return 0, err
	}
	if f.asJSON {
		obj := struct {
			*litmus.Report
			Traces []string `json:"traces,omitempty"`
		}{r, saved}
		json.NewEncoder(stdout).Encode(obj)
	} else {
		r.Write(stdout, true)
		for _, p := range saved {
			fmt.Fprintf(stdout, "Trace saved: %s (sysfsim replay %s)\n", p, p)
		}
		fmt.Fprintln(stdout)
	}
	// A seeded bug is there to be caught: only the correct simulator
	// fails on a violation.
	if !r.Matches() || len(saved) > 0 && len(opt.Bugs) == 0 {
		return exitViolation, nil
	}
	return exitOK, nil
}

// saveViolations writes a trace for the first schedule that violated
// each property, into *out (made if it does not exist; a new temporary
// directory when empty).
func saveViolations(t *litmus.Test, opt sim.Options, sr litmus.SimResult, out *string) ([]string, error) {
	var saved []string
	done := map[string]bool{}
	for _, v := range sr.Violations {
		p := string(v.Found[0].Property)
		if done[p] {
			continue
		}
		done[p] = true
		if *out == "" {
			dir, err := os.MkdirTemp("", "sysfsim-litmus-")
			if err != nil {
				return nil, err
			}
			*out = dir
		}
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return nil, err
		}
		path := filepath.Join(*out, t.Name+"-"+p+".jsonl")
		tr := traces.FromExecution(t.Program, 0, "exhaustive", opt, v.Exec, v.Found)
		if err := traces.WriteFile(path, tr); err != nil {
			return nil, err
		}
		saved = append(saved, path)
	}
	return saved, nil
}

// checkKernelFlags refuses --kernel, --delay and --seed where they mean
// nothing, rather than ignore them; it returns -1 when they are fine.
func checkKernelFlags(f litmusFlags, fs *flag.FlagSet, stderr io.Writer) int {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	switch {
	case f.kernel < 0 || f.delay < 0:
		return failUsage(stderr, "--kernel and --delay must not be negative")
	case f.kernel == 0 && (set["delay"] || set["seed"] || set["kernel"]):
		return failUsage(stderr, "--delay and --seed go with --kernel N, N > 0")
	case f.kernel > 0 && (f.bugs != "" || f.out != ""):
		return failUsage(stderr, "--bug and --out are the simulator's: the kernel has no seeded bugs and saves no traces")
	}
	return -1
}

// litmusKernel runs the tests on the kernel, in a copy of this program
// started in fresh mount and network namespaces (and a user namespace
// unless root), as the kernel command does: nothing reaches the host.
// Where the kernel cannot be driven it says why and exits 2.
func litmusKernel(args []string, tests []*litmus.Test, f litmusFlags, stdout, stderr io.Writer) int {
	if !kernel.Isolated() {
		code, err := kernel.Reexec(append([]string{"litmus"}, args...))
		if err != nil {
			return failUsage(stderr, "%v", err)
		}
		return code
	}
	if err := kernel.Probe(); err != nil {
		return failUsage(stderr, "kernel backend unavailable: %v", err)
	}
	ctx, interrupted, stop := interruptible(false, os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := exitOK
	for _, t := range tests {
		r, err := litmus.RunKernel(ctx, t, litmus.KernelOptions{Runs: f.kernel, Delay: f.delay, Seed: f.seed})
		if err != nil {
			if ctx.Err() != nil {
				return interrupted()
			}
			fmt.Fprintf(stderr, "sysfsim litmus: %v\n", err)
			return exitUsage
		}
		if f.asJSON {
			json.NewEncoder(stdout).Encode(r)
		} else {
			r.Write(stdout, true)
			fmt.Fprintln(stdout)
		}
		if !r.Matches() {
			code = exitViolation
		}
	}
	return code
}
