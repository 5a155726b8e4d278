package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// self is how the commands this program prints (replay a trace, resume a
// campaign, check a kernel trace) name it, so that each runs as printed.
var self = selfCommand(executable(), goCache(), localSource())

// selfCommand returns how to name the program whose executable is exe.
// A binary built by 'go run' lives in the go command's work directory
// (TMP/go-buildNNN/b001/exe/NAME), deleted when it exits, or in its
// build cache gocache (GOCACHE/xx/HASH-d/NAME), trimmed when unused: its
// path would print commands that stop working. So the hint is 'go run'
// again: ./cmd/sysfsim when the working directory is the module root
// (local), the package's import path otherwise (it resolves anywhere
// inside the module). Any other binary is named sysfsim, as 'go install'
// puts it on PATH.
func selfCommand(exe, gocache string, local bool) string {
	if !builtByGoRun(exe, gocache) {
		return "sysfsim"
	}
	if local {
		return "go run ./cmd/sysfsim"
	}
	return "go run " + mainPackage
}

// mainPackage is this command's import path.
const mainPackage = "github.com/sysfsim/sysfsim/cmd/sysfsim"

// builtByGoRun reports whether exe lies in a go run work directory or
// in the build cache gocache.
func builtByGoRun(exe, gocache string) bool {
	if exe == "" {
		return false
	}
	if rel, err := filepath.Rel(gocache, exe); gocache != "" && err == nil && filepath.IsLocal(rel) {
		return true
	}
	dir := filepath.Dir(exe)
	if filepath.Base(dir) != "exe" {
		return false
	}
	for _, part := range strings.Split(filepath.ToSlash(dir), "/") {
		if strings.HasPrefix(part, "go-build") {
			return true
		}
	}
	return false
}

// goCache is the go command's build cache directory, as it finds it
// without asking go env: $GOCACHE, or go-build in the user's cache
// directory.
func goCache() string {
	if d := os.Getenv("GOCACHE"); d != "" && d != "off" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "go-build")
}

func executable() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return exe
}

// localSource reports whether the working directory is the root of this
// module, where ./cmd/sysfsim names this command.
func localSource() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Path != mainPackage {
		return false
	}
	_, err := os.Stat(filepath.Join("cmd", "sysfsim", "main.go"))
	return err == nil
}
