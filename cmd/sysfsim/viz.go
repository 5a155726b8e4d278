package main

import (
	"bytes"
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
	fs := newFlagSet("viz")
	out := fs.String("o", "", "write the HTML page to this file (required)")
	var timeout time.Duration
	durationVar(fs, &timeout, "timeout", time.Minute, "bound on the linearizability search, a `duration` (0: none)")
	memory := memoryFlag(fs)
	t, file, code := traceArg(fs, args, stdout, stderr, "o")
	if code >= 0 {
		return code
	}
	// The page shows what the checkers find now, not what was recorded;
	// linearizability is checked once, as the drawing is cut.
	o := properties.Options{LinearizabilityTimeout: timeout, MemoryLimit: memoryLimit(*memory)}
	d := properties.Draw(t.History, o, traces.VizAround)
	r := properties.CheckDrawn(t.History, o, d)
	t.Violations = traces.Violations(r.Violations)
	var b bytes.Buffer
	if err := traces.VisualizeDrawing(&b, t, d); err != nil {
		return failUsage(stderr, "%v", err)
	}
	if err := writeAtomic(*out, b.Bytes()); err != nil {
		return failUsage(stderr, "%v", err)
	}
	fmt.Fprintf(stdout, "%s: %d operations, %d violations drawn in %s\n", file, len(t.History.Records), len(t.Violations), *out)
	for _, p := range r.Unknown {
		within := fmt.Sprintf("within %v (--timeout)", timeout)
		if d.Cause == "memory" && p == properties.Linearizability {
			within = "within the memory bound (--memory)"
		}
		fmt.Fprintf(stdout, "UNDECIDED %s: not decided %s; the page draws porcupine's partial orders, not a verdict\n", p, within)
	}
	return exitOK
}

// writeAtomic writes data to path whole or not at all: through a
// temporary file of the same directory (named with tempPrefix), synced,
// then renamed over path.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), tempPrefix+"*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after the rename, there is nothing to remove
	if _, err = f.Write(data); err == nil {
		err = f.Chmod(0o644) // as os.WriteFile would make it, not CreateTemp's 0600
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
