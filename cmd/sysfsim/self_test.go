package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/traces"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

func TestSelfCommand(t *testing.T) {
	const cache = "/root/.cache/go-build"
	for _, c := range []struct {
		exe, gocache string
		local        bool
		want         string
	}{
		{"/tmp/go-build3225727284/b001/exe/sysfsim", cache, true, "go run ./cmd/sysfsim"},
		{"/tmp/go-build3225727284/b001/exe/sysfsim", cache, false, "go run github.com/sysfsim/sysfsim/cmd/sysfsim"},
		{"/var/tmp/gotmp/go-build1/b001/exe/sysfsim", "", true, "go run ./cmd/sysfsim"},
		{cache + "/fb/fb2c460168ba-d/sysfsim", cache, true, "go run ./cmd/sysfsim"},
		{"/root/go/bin/sysfsim", cache, true, "sysfsim"},
		{"/usr/local/bin/sysfsim", "", false, "sysfsim"},
		{"/tmp/go-build1/b001/sysfsim.test", cache, true, "sysfsim"}, // go test's binary
		{"/root/.cache/go-buildx/sysfsim", cache, true, "sysfsim"},
		{"/home/u/exe/sysfsim", cache, true, "sysfsim"},
		{"", cache, true, "sysfsim"},
	} {
		if got := selfCommand(c.exe, c.gocache, c.local); got != c.want {
			t.Errorf("selfCommand(%q, %q, %v) = %q, want %q", c.exe, c.gocache, c.local, got, c.want)
		}
	}
}

// The replay hint of a program run by 'go run' runs as printed, from
// where it was run.
func TestGoRunHintRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command with go run")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "small.jsonl")
	cmd := exec.Command(gobin, "run", "./cmd/sysfsim", "shrink", bugTrace[len("../../"):], "-o", out, "--json")
	cmd.Dir = root
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run shrink: %v\n%s", err, b)
	}
	var v shrinkVerdict
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if !strings.HasPrefix(v.Replay, "go run ./cmd/sysfsim replay ") {
		t.Fatalf("hint %q does not say go run", v.Replay)
	}
	hint := exec.Command("sh", "-c", v.Replay)
	hint.Dir = root
	if b, err := hint.CombinedOutput(); err != nil || !strings.Contains(string(b), "reproduces") {
		t.Fatalf("%s: %v\n%s", v.Replay, err, b)
	}
}

func TestVersionText(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Path:      mainPackage,
		Main:      debug.Module{Path: "github.com/sysfsim/sysfsim", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "-compiler", Value: "gc"},
			{Key: "vcs.revision", Value: "5026d3d"},
			{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	got := versionText(bi)
	for _, want := range []string{"sysfsim " + tracefile.Version + " ", "module   github.com/sysfsim/sysfsim (devel)\n",
		"revision 5026d3d\n", "time     2026-01-02T03:04:05Z\n", "modified true\n", "go       go1.26.8\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("version text lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "compiler") {
		t.Errorf("version text shows build flags:\n%s", got)
	}
	if got := versionText(nil); !strings.Contains(got, "no build information") {
		t.Errorf("without build info: %q", got)
	}
}

// version and --version print the version every trace header records.
func TestVersionIsTheTracesVersion(t *testing.T) {
	tr, err := traces.ReadFile(bugTrace)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "t.jsonl")
	if err := traces.WriteFile(out, tr); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var h tracefile.Header
	if err := json.Unmarshal(b[:strings.IndexByte(string(b), '\n')], &h); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		code, stdout, errs := run(t, args...)
		if code != exitOK || !strings.HasPrefix(stdout, "sysfsim "+h.Sysfsim+" ") || errs != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want the header's %q", args, code, stdout, errs, h.Sysfsim)
		}
	}
	if code, _, _ := run(t, "version", "extra"); code != exitUsage {
		t.Errorf("version extra: exit %d", code)
	}
}
