package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"testing"
)

// A command's line in the package doc, and in the README's table.
var (
	docLine    = regexp.MustCompile(`(?m)^\s+sysfsim (\w+)`)
	readmeLine = regexp.MustCompile("(?m)^\\| `sysfsim (\\w+)")
)

// TestEveryCommandDocumented checks that the package doc and the README's
// command-line contract each list exactly the dispatched commands.
func TestEveryCommandDocumented(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range commands {
		names = append(names, name)
	}
	if err := sameCommands(docLine, f.Doc.Text(), append(names, "help")); err != nil {
		t.Errorf("package doc: %v", err)
	}
	if err := sameCommands(readmeLine, string(readme), names); err != nil {
		t.Errorf("README: %v", err)
	}
}

// TestSameCommandsCatchesAMismatch shows the check above fails on a list
// that misses a command or names one that is not dispatched.
func TestSameCommandsCatchesAMismatch(t *testing.T) {
	want := []string{"bugs", "run"}
	for _, tc := range []struct {
		text string
		ok   bool
	}{
		{"\tsysfsim run [flags]  a campaign\n\tsysfsim bugs  the bugs\n", true},
		{"\tsysfsim               a default campaign\n\tsysfsim run  a campaign\n", false},
		{"\tsysfsim run  a campaign\n\tsysfsim bugs  the bugs\n\tsysfsim fly  flies\n", false},
	} {
		if err := sameCommands(docLine, tc.text, want); (err == nil) != tc.ok {
			t.Errorf("%q: error %v, want ok %v", tc.text, err, tc.ok)
		}
	}
}

// sameCommands reports whether the lines of text that line matches name
// exactly the commands want.
func sameCommands(line *regexp.Regexp, text string, want []string) error {
	var got []string
	for _, m := range line.FindAllStringSubmatch(text, -1) {
		got = append(got, m[1])
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(slices.Compact(got), slices.Compact(want)) {
		return fmt.Errorf("lists %v, want %v", got, want)
	}
	return nil
}
