// Command sysfsim runs, checks and replays concurrent executions of a
// simulated namespace-tagged sysfs, and runs the same programs on the
// machine's kernel.
//
//	sysfsim                       a default campaign (same as sysfsim run)
//	sysfsim run [flags]           a campaign; exit 1 if a violation is found
//	sysfsim replay FILE           re-execute a trace; exit 1 if its history diverges
//	sysfsim check FILE            run every checker on a recorded history; exit 1 on a violation, 3 if undecided
//	sysfsim shrink FILE -o OUT    a smaller trace with the same violated property
//	sysfsim show FILE             print a trace as a timeline, one column per thread
//	sysfsim viz FILE -o OUT.html  porcupine's visualization of a trace, annotated
//	sysfsim bugs                  list the seeded bugs
//	sysfsim merge DIR...          fold shard directories into one summary; exit 1 if it holds violations
//	sysfsim report DIR            write a campaign directory's HTML report
//	sysfsim kernel [flags]        a campaign on the real kernel; exit 1 if a violation is found
//	sysfsim help                  list the commands
//
// 'sysfsim COMMAND -h' shows a command's flags. The README's command-line
// contract gives each command's arguments and exit codes: 0 nothing wrong,
// 1 a violation (or a divergent replay), 2 bad usage or bad input (for
// kernel, also a kernel it cannot run on), 3 no violation but a check
// left undecided (it ran out of its --timeout): never a pass.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/sysfsim/sysfsim/traces"
)

// Exit codes are part of the command-line contract.
const (
	exitOK        = 0
	exitViolation = 1
	exitUsage     = 2
	exitUndecided = 3
)

// verdictExit is the exit code of a verdict: a violation found comes
// first; without one, a check left undecided is not a pass.
func verdictExit(violated, undecided bool) int {
	switch {
	case violated:
		return exitViolation
	case undecided:
		return exitUndecided
	}
	return exitOK
}

type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

func register(name, summary string, run func(args []string, stdout, stderr io.Writer) int) {
	commands[name] = command{summary, run}
}

func main() {
	if os.Getenv("GOGC") == "" {
		// Campaigns make short-lived garbage at a steady rate from a small
		// live heap: collecting four times less often is about 10% more
		// executions per second for a few more megabytes.
		debug.SetGCPercent(400)
	}
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs the command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" && args[0] != "-help" {
		return commands["run"].run(args, stdout, stderr)
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		usage(stdout)
		return exitOK
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "sysfsim: unknown command %q\n", name)
		usage(stderr)
		return exitUsage
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sysfsim [command] [flags]   (no command: a default campaign)")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "'sysfsim COMMAND -h' shows a command's flags. Exit codes: 0 ok, 1 violation, 2 bad usage or input, 3 undecided.")
}

// parse parses flags wherever they stand among the positional arguments,
// so that both "replay FILE --json" and "replay --json FILE" work.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, bool) {
	fs.SetOutput(stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, false
			}
			return nil, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, true
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// traceArg parses fs over args and reads the one trace FILE they must
// name; required, called once the flags are parsed, reports whether the
// other required flags were given.
// code is the exit code to return with at once, or -1.
func traceArg(fs *flag.FlagSet, args []string, stderr io.Writer, required func() bool) (t *traces.Trace, file string, code int) {
	pos, ok := parse(fs, args, stderr)
	if !ok {
		return nil, "", exitUsage
	}
	if len(pos) != 1 || !required() {
		fs.Usage()
		return nil, "", exitUsage
	}
	t, err := traces.ReadFile(pos[0])
	if err != nil {
		return nil, "", failUsage(stderr, "%v", err)
	}
	return t, pos[0], -1
}

func failUsage(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "sysfsim: "+format+"\n", a...)
	return exitUsage
}
