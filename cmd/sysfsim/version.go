package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/sysfsim/sysfsim/traces/tracefile"
)

func init() {
	register("version", "print the version and the build's module information", cmdVersion)
}

func cmdVersion(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	pos, ok := parse(fs, args, stderr)
	if !ok {
		return exitUsage
	}
	if len(pos) > 0 {
		return failUsage(stderr, "version takes no arguments, got %q", pos)
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprint(stdout, versionText(bi))
	return exitOK
}

// versionText is what 'sysfsim version' prints: tracefile.Version, the
// version every trace header records, then what the build knows of
// itself (bi may be nil).
func versionText(bi *debug.BuildInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "sysfsim %s (trace format %d)\n", tracefile.Version, tracefile.FormatVersion)
	if bi == nil {
		b.WriteString("no build information\n")
		return b.String()
	}
	fmt.Fprintf(&b, "module   %s %s\n", bi.Main.Path, bi.Main.Version)
	if bi.Path != "" {
		fmt.Fprintf(&b, "package  %s\n", bi.Path)
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision", "vcs.time", "vcs.modified":
			fmt.Fprintf(&b, "%-8s %s\n", strings.TrimPrefix(s.Key, "vcs."), s.Value)
		}
	}
	fmt.Fprintf(&b, "go       %s\n", bi.GoVersion)
	return b.String()
}
