package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/traces"
)

func init() {
	register("shrink", "shrink a failing trace to a smaller one failing the same way (-o OUT)", cmdShrink)
}

type shrinkVerdict struct {
	File   string `json:"file"`
	Out    string `json:"out"`
	Replay string `json:"replay,omitempty"`
	Check  string `json:"check"`
	traces.ShrinkStats
}

// cmdShrink exits 0 when it wrote the shrunk trace, 2 when the input is
// bad or violates nothing.
func cmdShrink(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("shrink")
	out := fs.String("o", "", "write the shrunk trace to this file (required)")
	prop := fs.String("property", "", "the property to keep violated (default: the trace's first violation)")
	runs := fs.Int("max-runs", 0, fmt.Sprintf("bound on candidate executions, or histories checked for a trace without a schedule (default %d)", traces.DefaultShrinkRuns))
	asJSON := fs.Bool("json", false, "print the figures as one JSON object on stdout")
	var timeout durationValue
	fs.Var(&timeout, "timeout", "bound on the linearizability search of the trace itself (0: none) and of each candidate (0: 5s); the trace's undecided: exit 3")
	memory := memoryFlag(fs)
	t, file, code := traceArg(fs, args, stdout, stderr, "o")
	if code >= 0 {
		return code
	}
	var p properties.Property
	if *prop != "" {
		var err error
		if p, err = properties.ParseProperty(*prop); err != nil {
			return failUsage(stderr, "--property: %v", err)
		}
	}
	small, st, err := traces.Shrink(t, traces.ShrinkOptions{Property: p, MaxRuns: *runs,
		Check: properties.Options{LinearizabilityTimeout: time.Duration(timeout), MemoryLimit: memoryLimit(*memory)}})
	if errors.Is(err, traces.ErrUndecided) {
		// Not bad input: the trace may violate the property, but the
		// check could not say so, as `check` exits 3 for it.
		fmt.Fprintf(stderr, "sysfsim shrink: %s: %v\n", file, err)
		return exitUndecided
	}
	if err != nil {
		return failUsage(stderr, "%s: %v", file, err)
	}
	if err := traces.WriteFile(*out, small); err != nil {
		return failUsage(stderr, "%v", err)
	}
	path := *out
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	v := shrinkVerdict{File: file, Out: path, Check: self + " check " + path, ShrinkStats: st}
	if small.Schedule != nil {
		v.Replay = self + " replay " + path
	}
	if *asJSON {
		json.NewEncoder(stdout).Encode(v)
		return exitOK
	}
	fmt.Fprintf(stdout, "%s: shrunk, keeping %s\n  trace:  %s\n", v.File, st, v.Out)
	if v.Replay != "" {
		fmt.Fprintf(stdout, "  replay: %s\n", v.Replay)
	} else {
		fmt.Fprintf(stdout, "  check:  %s\n", v.Check)
	}
	return exitOK
}
