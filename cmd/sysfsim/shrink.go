package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

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
	small, st, err := traces.Shrink(t, traces.ShrinkOptions{Property: p, MaxRuns: *runs})
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
