package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/traces"
)

func init() {
	register("replay", "re-execute a trace under its schedule and confirm its history", cmdReplay)
	register("check", "run every checker on a recorded history, without re-executing it", cmdCheck)
}

func oneFile(name string, args []string, stdout, stderr io.Writer) (file string, asJSON bool, code int) {
	fs := newFlagSet(name)
	j := fs.Bool("json", false, "print the verdict as one JSON object on stdout")
	pos, code := parse(fs, args, stdout, stderr)
	if code < 0 {
		code = argCount(fs, pos, 1, 1, "FILE", stderr)
	}
	if code >= 0 {
		return "", false, code
	}
	return pos[0], *j, -1
}

type replayVerdict struct {
	File       string                 `json:"file"`
	Same       bool                   `json:"same"`
	Divergence string                 `json:"divergence,omitempty"`
	Operations int                    `json:"operations"`
	Steps      int                    `json:"steps"`
	Violations []properties.Violation `json:"violations"`
}

func cmdReplay(args []string, stdout, stderr io.Writer) int {
	file, asJSON, code := oneFile("replay", args, stdout, stderr)
	if code >= 0 {
		return code
	}
	t, err := traces.ReadFile(file)
	if err != nil {
		return failUsage(stderr, "%v", err)
	}
	x, err := traces.Replay(t)
	if err == traces.ErrNoSchedule {
		return failUsage(stderr, "%s: %v", file, err)
	}
	v := replayVerdict{File: file, Same: err == nil, Operations: len(x.History.Records), Steps: x.Steps,
		Violations: properties.Check(x.History, properties.Options{}).Violations}
	if v.Violations == nil {
		v.Violations = []properties.Violation{}
	}
	if err != nil {
		v.Divergence = err.Error()
	}
	if asJSON {
		json.NewEncoder(stdout).Encode(v)
	} else if v.Same {
		fmt.Fprintf(stdout, "%s: the replay reproduces the trace (%d operations, %d steps)\n", file, v.Operations, v.Steps)
		for _, vi := range v.Violations {
			fmt.Fprintf(stdout, "VIOLATION %s\n", vi)
		}
	} else if te := (*traces.Error)(nil); errors.As(err, &te) {
		fmt.Fprintf(stdout, "the replay diverges: %s\n", v.Divergence) // the error names the file
	} else {
		fmt.Fprintf(stdout, "%s: the replay diverges: %s\n", file, v.Divergence)
	}
	if !v.Same {
		return exitViolation
	}
	return exitOK
}

type checkVerdict struct {
	File       string                 `json:"file"`
	Operations int                    `json:"operations"`
	Violations []properties.Violation `json:"violations"`
	Unknown    []properties.Property  `json:"unknown"`
}

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	file, asJSON, code := oneFile("check", args, stdout, stderr)
	if code >= 0 {
		return code
	}
	t, err := traces.ReadFile(file)
	if err != nil {
		return failUsage(stderr, "%v", err)
	}
	r := properties.Check(t.History, properties.Options{})
	v := checkVerdict{File: file, Operations: len(t.History.Records), Violations: r.Violations, Unknown: r.Unknown}
	if v.Violations == nil {
		v.Violations = []properties.Violation{}
	}
	if v.Unknown == nil {
		v.Unknown = []properties.Property{}
	}
	if asJSON {
		json.NewEncoder(stdout).Encode(v)
	} else {
		if r.OK() {
			fmt.Fprintf(stdout, "%s: every property holds (%d operations)\n", file, v.Operations)
		}
		for _, vi := range r.Violations {
			fmt.Fprintf(stdout, "VIOLATION %s", vi)
			for _, i := range vi.Records {
				rec := t.History.Records[i]
				fmt.Fprintf(stdout, "\n  T%d [%d,%d] %v -> %v", rec.Thread, rec.Call, rec.Return, rec.Op, rec.Result)
			}
			fmt.Fprintln(stdout)
		}
	}
	if len(r.Violations) > 0 {
		return exitViolation
	}
	return exitOK
}
