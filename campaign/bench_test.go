package campaign

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/properties"
)

// bench3x4 are the programs of the throughput target: 3 threads of 4
// operations at most.
var bench3x4 = gen.Options{MinThreads: 3, MaxThreads: 3, MaxOps: 4}

// BenchmarkCampaign measures checked executions per second (generate, run,
// check every property, porcupine included) of a default-strategy
// campaign on 3x4 programs, with 1 and 2 workers; compare the two for the
// scaling ratio.
func BenchmarkCampaign(b *testing.B) {
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			start := time.Now()
			s, err := Run(context.Background(), Config{Seed: 1, Executions: b.N, Workers: w, Gen: bench3x4})
			if err != nil || s.Executions != int64(b.N) {
				b.Fatalf("%d of %d executions: %v", s.Executions, b.N, err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "execs/s")
			b.ReportMetric(float64(s.Steps)/time.Since(start).Seconds(), "steps/s")
		})
	}
}

// BenchmarkExecution splits one checked execution into its parts, to show
// where the time of BenchmarkCampaign goes.
func BenchmarkExecution(b *testing.B) {
	c := Config{Seed: 1, Gen: bench3x4, Strategy: "random"}
	b.Run("run+check", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			runOne(&c, int64(i), 0)
		}
	})
	b.Run("check-only", func(b *testing.B) {
		_, _, x := One(ExecSeed(1, 0), nil, bench3x4, properties.Options{})
		for b.Loop() {
			properties.Check(x.History, properties.Options{})
		}
	})
}
