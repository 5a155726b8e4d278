package litmus_test

import (
	"os"
	"testing"

	"github.com/sysfsim/sysfsim/litmus"
	"github.com/sysfsim/sysfsim/sim"
)

func TestScratch(t *testing.T) {
	src, _ := os.ReadFile("testdata/two-eth0.litmus")
	tt, err := litmus.Parse("two-eth0.litmus", string(src))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := litmus.Run(tt, sim.Options{})
	r.Write(os.Stdout, true)
}
