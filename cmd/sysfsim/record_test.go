package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sysfsim/sysfsim/kernel"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

// writeRecording writes a recording of one namespace, born with lo, whose
// mount is listed once with the given entries.
func writeRecording(t *testing.T, path string, listed []model.Entry) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec, err := tracefile.NewRecorder(f, tracefile.Header{Source: "kernel"},
		tracefile.Setup{Config: model.Config{Namespaces: 1, Mounts: []int{1}, Exit: model.ExitKernel}, Initial: []string{"lo"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := rec.Call(0, model.Op{Kind: model.Readdir, Mount: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Return(id, model.Result{Entries: listed}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkRecording writes the counterexample, whole, only when the check
// finds a violation: a listing that misses lo, there all along, is one.
func TestCheckRecordingCounterexample(t *testing.T) {
	for _, c := range []struct {
		name   string
		listed []model.Entry
		want   bool
	}{
		{"lo listed", []model.Entry{{Name: "lo"}}, false},
		{"lo missed", []model.Entry{}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, recordingFile)
			writeRecording(t, path, c.listed)
			s, code := checkRecording(path, recordRun{timeout: time.Second}, kernel.RecordStats{}, io.Discard)
			if code >= 0 {
				t.Fatalf("exit %d", code)
			}
			cx := filepath.Join(dir, counterexampleFile)
			if got := len(s.Violations) > 0; got != c.want || (s.Counterexample != "") != c.want || exists(cx) != c.want {
				t.Fatalf("violations %v, counterexample %q (exists %v); want one: %v", s.Violations, s.Counterexample, exists(cx), c.want)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, tempPrefix+"*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
			if !c.want {
				return
			}
			tr, err := tracefile.ReadFile(cx)
			if err != nil || len(tr.Violations) != len(s.Violations) {
				t.Fatalf("the counterexample reads back with %v, %d violations for %d", err, len(tr.Violations), len(s.Violations))
			}
			if fi, err := os.Stat(cx); err != nil || fi.Mode().Perm() != 0o644 {
				t.Errorf("the counterexample's mode: %v %v", fi.Mode(), err)
			}
		})
	}
}
