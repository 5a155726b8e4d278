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
//	sysfsim convert --to F IN OUT write a trace in version 1 or the recorded form
//	sysfsim bugs                  list the seeded bugs
//	sysfsim merge DIR...          fold shard directories into one summary; exit 1 if it holds violations
//	sysfsim report DIR            write a campaign directory's HTML report
//	sysfsim kernel [flags]        a campaign on the real kernel (--record D: one long recording); exit 1 if a violation is found
//	sysfsim litmus FILE|DIR...    litmus tests on the model and the simulator (--kernel N: on the kernel); exit 1 if one is not as expected
//	sysfsim version               the version and the build's module information (also --version)
//	sysfsim help                  list the commands
//
// 'sysfsim COMMAND -h' (or 'sysfsim help COMMAND') prints a command's
// help on stdout and exits 0. The README's command-line contract gives
// each command's arguments and exit codes: 0 nothing wrong, 1 a violation
// (or a divergent replay), 2 bad usage or bad input (for kernel, also a
// kernel it cannot run on), 3 no violation but a check left undecided (it
// ran out of its --timeout): never a pass, 130 a run or kernel campaign
// that SIGINT cut short (143 for kernel's SIGTERM), its summary written.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/sysfsim/sysfsim/campaign"
	"github.com/sysfsim/sysfsim/traces"
)

// Exit codes are part of the command-line contract.
const (
	exitOK        = 0
	exitViolation = 1
	exitUsage     = 2
	exitUndecided = 3
	// exitInterrupted is a run or kernel campaign that SIGINT cut short,
	// its summary written: 128 plus the signal's number, as shells report
	// a command the signal ended.
	exitInterrupted = 130
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
		// Every subcommand runs campaigns or checks their histories: the
		// campaigns' setting suits them all.
		debug.SetGCPercent(campaign.GCPercent)
	}
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs the command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		args[0] = "version"
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" && args[0] != "-help" {
		return commands["run"].run(args, stdout, stderr)
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		if topic := arg(args, 1); name == "help" && topic != "" {
			if c, ok := commands[topic]; ok {
				return c.run([]string{"-h"}, stdout, stderr)
			}
			fmt.Fprintf(stderr, "sysfsim help: unknown command %q\n", topic)
			usage(stderr)
			return exitUsage
		}
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

// arg is args[i], or "" past the end.
func arg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
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
	fmt.Fprintln(w, "'sysfsim COMMAND -h' or 'sysfsim help COMMAND' shows a command's help. Exit codes: 0 ok, 1 violation, 2 bad usage or input, 3 undecided, 130 interrupted.")
}

// traceArg parses fs over args and reads the one trace FILE they must
// name; outputs are the flags naming a file to write (-o), which must be
// given, in a directory that exists.
// code is the exit code to return with at once, or -1.
func traceArg(fs *flag.FlagSet, args []string, stdout, stderr io.Writer, outputs ...string) (t *traces.Trace, file string, code int) {
	pos, code := parse(fs, args, stdout, stderr)
	if code >= 0 {
		return nil, "", code
	}
	if code := argCount(fs, pos, 1, 1, "FILE", stderr); code >= 0 {
		return nil, "", code
	}
	for _, name := range outputs {
		f := fs.Lookup(name)
		if f.Value.String() == "" {
			fmt.Fprintf(stderr, "sysfsim %s: needs -%s: %s\n\n", fs.Name(), name, f.Usage)
			printHelp(stderr, fs)
			return nil, "", exitUsage
		}
		if err := checkOutput(f.Value.String()); err != nil {
			return nil, "", failUsage(stderr, "-%s %v", name, err)
		}
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
