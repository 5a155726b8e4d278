package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// help is each command's synopsis (its arguments, after its name) and
// one example, runnable from the repository's root. 'sysfsim CMD -h'
// prints them first, then the command's summary and flags.
var help = map[string]struct{ synopsis, example string }{
	"run": {"[--seed N] [--executions N | --time D] [--bug NAME[,NAME]] [--strategy S] [--out DIR] [--json] [flags]",
		"run --bug tag-blind-lookup --out /tmp/found"},
	"replay":  {"FILE [--json]", "replay traces/testdata/bugs/tag-blind-lookup.jsonl"},
	"check":   {"FILE [--json] [--timeout D] [--memory MiB]", "check traces/testdata/bugs/tag-blind-lookup.jsonl --json"},
	"shrink":  {"FILE -o OUT [--property P] [--max-runs N] [--timeout D] [--memory MiB] [--json]", "shrink traces/testdata/bugs/tag-blind-lookup.jsonl -o /tmp/small.jsonl"},
	"show":    {"FILE [--width N] [--check]", "show traces/testdata/bugs/tag-blind-lookup.jsonl --width 100"},
	"viz":     {"FILE -o OUT.html [--timeout D] [--memory MiB]", "viz traces/testdata/bugs/tag-blind-lookup.jsonl -o /tmp/found.html"},
	"convert": {"--to v1|recorded IN OUT", "convert --to recorded traces/testdata/bugs/tag-blind-lookup.jsonl /tmp/recorded.jsonl"},
	"bugs":    {"[--json]", "bugs --json"},
	"merge":   {"DIR... [-o DIR] [--json]", "merge /tmp/shard0 /tmp/shard1 -o /tmp/merged"},
	"report":  {"DIR [-o FILE]", "report /tmp/found -o /tmp/found.html"},
	"kernel":  {"[--time D | --executions N | --record D [--rate N]] [--seed N] [--exit-scheme S] [--out DIR] [--json]", "kernel --time 60s"},
	"litmus":  {"FILE|DIR... [--bug NAME[,NAME]] [--out DIR] [--json] [--kernel N [--delay D] [--seed N]]", "litmus litmus/testdata"},
	"version": {"", "version"},
}

// newFlagSet returns the flag set of the command name, whose usage is its
// help.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() { printHelp(fs.Output(), fs) }
	return fs
}

// printHelp writes the help of the command whose flags are fs: its
// synopsis, an example, what it does, its flags.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	name := fs.Name()
	h := help[name]
	fmt.Fprintf(w, "usage: %s\n", strings.TrimSpace(self+" "+name+" "+h.synopsis))
	fmt.Fprintf(w, "example: %s %s\n\n", self, h.example)
	fmt.Fprintf(w, "%s %s: %s.\n", self, name, commands[name].summary)
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintln(w, "\nflags:")
		fs.PrintDefaults()
	}
}

// parse parses flags wherever they stand among the positional arguments,
// so that both "replay FILE --json" and "replay --json FILE" work, and
// returns the positional arguments. -h prints the help on stdout and
// code is 0; a bad flag is reported on stderr, with the help, and code
// is 2; otherwise code is -1.
func parse(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (pos []string, code int) {
	var msg strings.Builder
	fs.SetOutput(&msg)
	defer fs.SetOutput(stderr)
	for {
		if err := fs.Parse(args); err == flag.ErrHelp {
			fs.SetOutput(stdout)
			fs.Usage()
			return nil, exitOK
		} else if err != nil {
			io.WriteString(stderr, msg.String())
			return nil, exitUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, -1
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// argCount checks that the command of fs got from lo to hi (hi < 0: any
// number) positional arguments pos, each a what ("FILE"). If not, it says
// so on stderr with the command's help, and code is 2; otherwise -1.
func argCount(fs *flag.FlagSet, pos []string, lo, hi int, what string, stderr io.Writer) (code int) {
	n := len(pos)
	if n >= lo && (hi < 0 || n <= hi) {
		return -1
	}
	want := "no arguments"
	switch {
	case lo == 1 && hi == 1:
		want = "one " + what
	case lo == 1 && hi < 0:
		want = "one or more " + what
	case lo == hi && lo > 1:
		want = what
	}
	got := "none"
	if n > 0 {
		got = fmt.Sprintf("%d: %q", n, pos)
	}
	fmt.Fprintf(stderr, "sysfsim %s: takes %s, got %s\n\n", fs.Name(), want, got)
	printHelp(stderr, fs)
	return exitUsage
}
