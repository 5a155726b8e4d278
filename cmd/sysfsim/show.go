package main

import (
	"io"

	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/traces"
)

func init() {
	register("show", "print a trace as a timeline, one column per thread", cmdShow)
}

// minShowWidth is the narrowest timeline show draws: the time and two
// thread columns of traces.MinColumn, with room for the notes to wrap.
const minShowWidth = 40

func cmdShow(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("show")
	width := fs.Int("width", 80, "width of the timeline in columns")
	recheck := fs.Bool("check", false, "run the checkers and mark what they find, instead of the violations recorded in the trace")
	t, _, code := traceArg(fs, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if *width < minShowWidth {
		return failUsage(stderr, "--width %d: a timeline needs at least %d columns", *width, minShowWidth)
	}
	if *recheck {
		t.Violations = traces.Violations(properties.Check(t.History, properties.Options{}).Violations)
	}
	if err := traces.Show(stdout, t, *width); err != nil {
		return failUsage(stderr, "%v", err)
	}
	return exitOK
}
