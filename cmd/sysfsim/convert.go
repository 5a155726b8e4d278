package main

import (
	"fmt"
	"io"

	"github.com/sysfsim/sysfsim/traces"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

func init() {
	register("convert", "write a trace in the other form: version 1, or the recorded form (version 2)", cmdConvert)
}

// forms are the names convert's --to takes, by format version.
var forms = map[string]int{"v1": tracefile.FormatVersion, "recorded": tracefile.RecordedVersion}

// cmdConvert exits 0 once OUT is written, 2 on a bad file or a history
// the form asked for cannot express (version 1: a thread with two
// operations open at once).
func cmdConvert(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("convert")
	to := fs.String("to", "", "the form to write: v1 or recorded")
	pos, code := parse(fs, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if code := argCount(fs, pos, 2, 2, "IN OUT", stderr); code >= 0 {
		return code
	}
	version, ok := forms[*to]
	if !ok {
		return failUsage(stderr, "--to %q: the forms are v1 and recorded", *to)
	}
	if err := checkOutput(pos[1]); err != nil {
		return failUsage(stderr, "%v", err)
	}
	t, err := traces.ReadFile(pos[0])
	if err != nil {
		return failUsage(stderr, "%v", err)
	}
	c, err := tracefile.Convert(t, version)
	if err != nil {
		return failUsage(stderr, "%s: %v", pos[0], err)
	}
	if err := tracefile.WriteFile(pos[1], c); err != nil {
		return failUsage(stderr, "%v", err)
	}
	fmt.Fprintf(stdout, "%s: %d operations, written as %s to %s\n", pos[0], len(t.History.Records), *to, pos[1])
	return exitOK
}
