package main

import (
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
	fs := newFlagSet("version")
	pos, code := parse(fs, args, stdout, stderr)
	if code < 0 {
		code = argCount(fs, pos, 0, 0, "", stderr)
	}
	if code >= 0 {
		return code
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
