package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/sysfsim/sysfsim/sim"
)

func init() {
	register("bugs", "list the seeded bugs (--json for scripts)", cmdBugs)
}

func cmdBugs(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bugs")
	asJSON := fs.Bool("json", false, "print the catalogue as a JSON array")
	pos, code := parse(fs, args, stdout, stderr)
	if code < 0 {
		code = argCount(fs, pos, 0, 0, "", stderr)
	}
	if code >= 0 {
		return code
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
