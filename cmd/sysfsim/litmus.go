package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sysfsim/sysfsim/litmus"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/traces"
)

func init() {
	register("litmus", "run litmus tests on the model and the simulator; exit 1 if an observation is not the one expected", cmdLitmus)
}

// litmusFlags are the flags of litmus.
type litmusFlags struct {
	asJSON bool
	bugs   string
	out    string
}

func cmdLitmus(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("litmus")
	var f litmusFlags
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON object per test")
	fs.StringVar(&f.bugs, "bug", "", "comma-separated seeded bugs to enable (see 'sysfsim bugs')")
	fs.StringVar(&f.out, "out", "", "where to save the trace of a violation (default: a new temporary directory)")
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
	tests, err := litmus.Load(pos...)
	if err != nil {
		fmt.Fprintf(stderr, "sysfsim litmus: %v\n", err)
		return exitUsage
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
// each property, into *out (made when empty).
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
		path := filepath.Join(*out, t.Name+"-"+p+".jsonl")
		tr := traces.FromExecution(t.Program, 0, "exhaustive", opt, v.Exec, v.Found)
		if err := traces.WriteFile(path, tr); err != nil {
			return nil, err
		}
		saved = append(saved, path)
	}
	return saved, nil
}
