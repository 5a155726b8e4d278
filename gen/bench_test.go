package gen_test

import (
	"fmt"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
)

// BenchmarkDraw measures drawing one program as a campaign's worker does:
// into its own buffer, from a generator reseeded per program. Buffer is
// that path; Program is gen.Program, which clones the program it draws.
func BenchmarkDraw(b *testing.B) {
	for _, o := range []struct {
		name string
		o    gen.Options
	}{{"default", gen.Options{}}, {"3x4", gen.Options{MinThreads: 3, MaxThreads: 3, MaxOps: 4}}} {
		b.Run(fmt.Sprintf("%s/Buffer", o.name), func(b *testing.B) {
			b.ReportAllocs()
			var (
				buf gen.Buffer
				r   gen.Rand
			)
			for i := uint64(0); b.Loop(); i++ {
				r.Reseed(i % 1024)
				buf.Draw(&r, o.o, nil)
			}
		})
		b.Run(fmt.Sprintf("%s/Program", o.name), func(b *testing.B) {
			b.ReportAllocs()
			for i := uint64(0); b.Loop(); i++ {
				gen.Program(gen.NewRand(i%1024), o.o)
			}
		})
	}
}
