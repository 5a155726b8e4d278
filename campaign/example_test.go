package campaign_test

import (
	"context"
	"fmt"
	"os"

	"github.com/sysfsim/sysfsim/campaign"
	"github.com/sysfsim/sysfsim/sim"
)

// A campaign with a seeded bug stops at its first violation, shrinks it
// and saves the trace in its directory, where `sysfsim replay` re-runs it.
// The same seed finds the same execution whatever the number of workers.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "campaign")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	s, err := campaign.Run(context.Background(), campaign.Config{
		Seed: 1, Executions: 5000, Bugs: sim.BugSet{sim.BugTagBlindLookup}, OutDir: dir, Workers: 2,
	})
	if err != nil {
		panic(err)
	}
	v := s.Violations[0]
	fmt.Printf("%s at execution %d (%s)\n", v.Property, v.Index, v.Strategy)
	_, err = os.Stat(v.Trace)
	fmt.Println("trace saved:", err == nil)
	// Output:
	// tag-isolation at execution 8 (random)
	// trace saved: true
}
