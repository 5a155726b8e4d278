package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/traces"
)

func init() {
	register("viz", "draw a trace's history as an HTML page (porcupine's visualization, -o OUT.html)", cmdViz)
}

func cmdViz(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("viz", flag.ContinueOnError)
	out := fs.String("o", "", "write the HTML page to this file (required)")
	timeout := fs.Duration("timeout", time.Minute, "bound on the linearizability search (0: none)")
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: sysfsim viz FILE -o OUT.html [--timeout D]"); fs.PrintDefaults() }
	t, file, code := traceArg(fs, args, stderr, func() bool { return *out != "" })
	if code >= 0 {
		return code
	}
	// The page shows what the checkers find now, not what was recorded.
	r := properties.Check(t.History, properties.Options{LinearizabilityTimeout: *timeout})
	t.Violations = traces.Violations(r.Violations)
	var b bytes.Buffer
	if err := traces.Visualize(&b, t, *timeout); err != nil {
		return failUsage(stderr, "%v", err)
	}
	if err := writeAtomic(*out, b.Bytes()); err != nil {
		return failUsage(stderr, "%v", err)
	}
	fmt.Fprintf(stdout, "%s: %d operations, %d violations drawn in %s\n", file, len(t.History.Records), len(t.Violations), *out)
	for _, p := range r.Unknown {
		fmt.Fprintf(stdout, "UNDECIDED %s: not decided within %v (--timeout); the page draws porcupine's partial orders, not a verdict\n", p, *timeout)
	}
	return exitOK
}

// writeAtomic writes data to path through a temporary file and a rename.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".viz-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
