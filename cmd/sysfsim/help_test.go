package main

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// Every command's -h, --help and 'help CMD' print its help on stdout
// and exit 0; the help starts with a synopsis line and an example of
// the command.
func TestEveryCommandHelp(t *testing.T) {
	for _, name := range slices.Sorted(maps.Keys(commands)) {
		if _, ok := help[name]; !ok {
			t.Errorf("%s has no synopsis and example", name)
		}
		for _, args := range [][]string{{name, "-h"}, {name, "--help"}, {name, "-help"}, {"help", name}} {
			code, out, errs := run(t, args...)
			lines := strings.Split(out, "\n")
			if code != exitOK || errs != "" || len(lines) < 3 {
				t.Errorf("%v: exit %d, stderr %q, stdout %q", args, code, errs, out)
				continue
			}
			if err := helpStart(name, lines); err != "" {
				t.Errorf("%v: %s:\n%s", args, err, out)
			}
		}
	}
}

// 'help' alone prints the usage and exits 0; 'help' of a command that
// does not exist is a usage error, as the command itself is.
func TestHelpOfUnknownCommand(t *testing.T) {
	if code, out, _ := run(t, "help"); code != exitOK || !strings.Contains(out, "usage") {
		t.Errorf("help: exit %d, stdout %q", code, out)
	}
	for _, args := range [][]string{{"help", "nosuch"}, {"nosuch"}} {
		if code, _, errs := run(t, args...); code != exitUsage || !strings.Contains(errs, `unknown command "nosuch"`) {
			t.Errorf("%v: exit %d, stderr %q; want %d and the unknown command named", args, code, errs, exitUsage)
		}
	}
}

// helpStart says what is wrong with the first lines of the help of the
// command name, or "".
func helpStart(name string, lines []string) string {
	if !strings.HasPrefix(lines[0], "usage: sysfsim "+name) {
		return "the first line is not its synopsis"
	}
	if !strings.HasPrefix(lines[1], "example: sysfsim "+name) {
		return "the second line is not an example"
	}
	return ""
}

func TestHelpStartCatchesGoUsage(t *testing.T) {
	for _, c := range []struct {
		text string
		ok   bool
	}{
		{"usage: sysfsim run [flags]\nexample: sysfsim run --bug x\n", true},
		{"Usage of run:\n  -bug string\n", false},
		{"usage: sysfsim run [flags]\n  -bug string\n", false},
		{"usage: sysfsim show FILE\nexample: sysfsim show f\n", false},
	} {
		if got := helpStart("run", strings.Split(c.text, "\n")); (got == "") != c.ok {
			t.Errorf("%q: %q, want ok %v", c.text, got, c.ok)
		}
	}
}

// A wrong number of arguments, or a required flag left out, exits 2 and
// says what was wrong before the help; every command is tried.
func TestWrongArgumentsSayWhat(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "x"}, `sysfsim run: takes no arguments, got 1: ["x"]`},
		{[]string{"replay"}, "sysfsim replay: takes one FILE, got none"},
		{[]string{"replay", "a", "b"}, `sysfsim replay: takes one FILE, got 2: ["a" "b"]`},
		{[]string{"check"}, "sysfsim check: takes one FILE, got none"},
		{[]string{"shrink", bugTrace}, "sysfsim shrink: needs -o: write the shrunk trace"},
		{[]string{"shrink", "-o", "x"}, "sysfsim shrink: takes one FILE, got none"},
		{[]string{"show", "a", "b"}, `sysfsim show: takes one FILE, got 2`},
		{[]string{"viz", bugTrace}, "sysfsim viz: needs -o: write the HTML page"},
		{[]string{"bugs", "x"}, `sysfsim bugs: takes no arguments, got 1: ["x"]`},
		{[]string{"merge"}, "sysfsim merge: takes one or more DIR, got none"},
		{[]string{"report"}, "sysfsim report: takes one DIR, got none"},
		{[]string{"report", "a", "b"}, `sysfsim report: takes one DIR, got 2: ["a" "b"]`},
		{[]string{"kernel", "x"}, `sysfsim kernel: takes no arguments, got 1: ["x"]`},
		{[]string{"litmus"}, "sysfsim litmus: takes one or more FILE or DIR, got none"},
		{[]string{"version", "x"}, `sysfsim version: takes no arguments, got 1: ["x"]`},
		{[]string{"convert", "--to", "v1", "a"}, `sysfsim convert: takes IN OUT, got 1: ["a"]`},
	}
	tried := map[string]bool{}
	for _, c := range cases {
		tried[c.args[0]] = true
		code, out, errs := run(t, c.args...)
		if code != exitUsage || out != "" || !strings.HasPrefix(errs, c.want) || !strings.Contains(errs, "usage: sysfsim "+c.args[0]) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and %q, then the help", c.args, code, out, errs, c.want)
		}
	}
	for name := range commands {
		if !tried[name] {
			t.Errorf("%s is not tried with wrong arguments", name)
		}
	}
}
