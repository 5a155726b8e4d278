package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sysfsim/sysfsim/campaign"
)

func init() {
	register("report", "write a campaign directory's HTML report (-o report.html)", cmdReport)
}

func cmdReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("report")
	out := fs.String("o", "", "the HTML file to write (default DIR/report.html)")
	pos, code := parse(fs, args, stdout, stderr)
	if code < 0 {
		code = argCount(fs, pos, 1, 1, "DIR", stderr)
	}
	if code >= 0 {
		return code
	}
	s, err := campaign.LoadSummary(pos[0])
	if err != nil {
		return failUsage(stderr, "%v", err)
	}
	path := *out
	if path == "" {
		path = filepath.Join(pos[0], "report.html")
	} else if err := checkOutput(path); err != nil {
		return failUsage(stderr, "-o %v", err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return failUsage(stderr, "%v", err)
	}
	var b bytes.Buffer
	if err := campaign.WriteReport(&b, s, dir); err != nil {
		return failUsage(stderr, "%v", err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return failUsage(stderr, "%v", err)
	}
	fmt.Fprintf(stdout, "%s: %d executions, %d violations saved, report in %s\n", pos[0], s.Executions, len(s.Violations), path)
	return exitOK
}
