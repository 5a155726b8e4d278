package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

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

// checkVerdict is what check --json prints. Undecided lists the
// properties the checkers could not decide in time; Unknown is the same
// list under the name it had first, kept for the scripts that read it.
type checkVerdict struct {
	File       string                 `json:"file"`
	Operations int                    `json:"operations"`
	Violations []properties.Violation `json:"violations"`
	Unknown    []properties.Property  `json:"unknown"`
	Undecided  []properties.Property  `json:"undecided"`
	// Progress says how far the checker of an undecided property got:
	// the pieces of a long history it decided.
	Progress []properties.Progress `json:"progress,omitempty"`
}

// cmdCheck exits 0 when every property holds, 1 on a violation, 3 when
// none is violated but some could not be decided (--timeout), 2 on bad
// usage or input.
func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check")
	asJSON := fs.Bool("json", false, "print the verdict as one JSON object on stdout")
	var timeout durationValue
	fs.Var(&timeout, "timeout", "bound on the linearizability search (0: none); out of time, the property is undecided (exit 3)")
	memory := memoryFlag(fs)
	t, file, code := traceArg(fs, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if err := t.NothingToJudge(); err != nil {
		return failUsage(stderr, "%v", err)
	}
	r := properties.Check(t.History, properties.Options{LinearizabilityTimeout: time.Duration(timeout), MemoryLimit: memoryLimit(*memory)})
	v := checkVerdict{File: file, Operations: len(t.History.Records), Violations: r.Violations, Undecided: r.Unknown, Progress: r.Progress}
	if v.Violations == nil {
		v.Violations = []properties.Violation{}
	}
	if v.Undecided == nil {
		v.Undecided = []properties.Property{}
	}
	v.Unknown = v.Undecided
	if *asJSON {
		json.NewEncoder(stdout).Encode(v)
	} else {
		printCheck(stdout, t, v, time.Duration(timeout))
	}
	return verdictExit(len(r.Violations) > 0, len(r.Unknown) > 0)
}

// memoryFlag declares --memory, the bound on porcupine's heap, for the
// commands that check a history.
func memoryFlag(fs *flag.FlagSet) *int64 {
	return fs.Int64("memory", 0, "bound, in `MiB`, on the heap the linearizability search may grow to (0: the default, 2048; -1: none); over it, the property is undecided")
}

// memoryLimit is properties.Options.MemoryLimit for --memory MiB.
func memoryLimit(mib int64) int64 {
	if mib < 0 {
		return -1
	}
	return mib << 20
}

// printCheck prints check's verdict: the violations with the operations
// they name, the properties left undecided.
func printCheck(w io.Writer, t *traces.Trace, v checkVerdict, timeout time.Duration) {
	if t.Cut {
		fmt.Fprintf(w, "%s: the recording was cut short (no end line): judged as far as it went\n", v.File)
	}
	switch {
	case len(v.Violations) == 0 && len(v.Undecided) == 0:
		fmt.Fprintf(w, "%s: every property holds (%d operations)\n", v.File, v.Operations)
	case len(v.Violations) == 0:
		fmt.Fprintf(w, "%s: no violation found, but not every property was decided (%d operations)\n", v.File, v.Operations)
	}
	for _, vi := range v.Violations {
		fmt.Fprintf(w, "VIOLATION %s", vi)
		for _, i := range vi.Records {
			rec := t.History.Records[i]
			fmt.Fprintf(w, "\n  T%d [%d,%d] %v -> %v", rec.Thread, rec.Call, rec.Return, rec.Op, rec.Result)
		}
		fmt.Fprintln(w)
	}
	for _, p := range v.Undecided {
		if slices.ContainsFunc(v.Progress, func(g properties.Progress) bool { return g.Property == p && g.Cause == "memory" }) {
			fmt.Fprintf(w, "UNDECIDED %s: not decided within the memory bound (--memory); not counted as holding\n", p)
		} else {
			fmt.Fprintf(w, "UNDECIDED %s: not decided within %v (--timeout); not counted as holding\n", p, timeout)
		}
		for _, g := range v.Progress {
			if g.Property == p {
				fmt.Fprintf(w, "  %s\n", g.Detail)
			}
		}
	}
}
