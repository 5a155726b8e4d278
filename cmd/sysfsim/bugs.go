package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/sysfsim/sysfsim/sim"
)

func init() {
	register("bugs", "list the seeded bugs (--json for scripts)", cmdBugs)
}

func cmdBugs(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bugs", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the catalogue as a JSON array")
	pos, ok := parse(fs, args, stderr)
	if !ok {
		return exitUsage
	}
	if len(pos) > 0 {
		return failUsage(stderr, "bugs takes no arguments, got %q", pos)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(sim.Bugs)
		return exitOK
	}
	for _, b := range sim.Bugs {
		fmt.Fprintf(stdout, "%s (caught by %s)\n  %s\n  scenario: %s\n", b.Name, b.Property, b.Reference, b.Scenario)
	}
	return exitOK
}
