package campaign

import (
	"os"
	"runtime/debug"
	"testing"
	"time"
)

// A campaign raises the collector's setting while it runs, unless the
// program chose one, and puts it back.
func TestCampaignTunesGC(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set: the campaign leaves the setting alone")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	seen := 0
	mustRun(t, Config{Seed: 1, Executions: 20, Progress: func(Stats) {
		seen = debug.SetGCPercent(-1)
		debug.SetGCPercent(seen)
	}, ProgressEvery: time.Millisecond})
	if seen != GCPercent {
		t.Fatalf("while running: GC percent %d, want %d", seen, GCPercent)
	}
	if now := debug.SetGCPercent(100); now != 100 {
		t.Fatalf("after the run: GC percent %d, want 100 back", now)
	}
	debug.SetGCPercent(250)
	mustRun(t, Config{Seed: 1, Executions: 20, Progress: func(Stats) {
		seen = debug.SetGCPercent(-1)
		debug.SetGCPercent(seen)
	}, ProgressEvery: time.Millisecond})
	if seen != 250 {
		t.Fatalf("the program's own setting 250 became %d", seen)
	}
}
