package properties_test

import (
	"fmt"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// Two threads register eth0 in one namespace at once. With the seeded bug
// unlocked-add (the uniqueness check and the insertion in two critical
// sections), some schedule lets both succeed: a duplicate entry, which
// the checkers report. The correct simulator passes the same schedules.
func ExampleCheck() {
	p := history.Program{
		Config: model.Config{Namespaces: 1, Mounts: []int{1}},
		Threads: [][]model.Op{
			{{Kind: model.Create, NS: 1, Name: "eth0"}},
			{{Kind: model.Create, NS: 1, Name: "eth0"}},
		},
	}
	for _, bugs := range []sim.BugSet{nil, {sim.BugUnlockedAdd}} {
		violated := map[properties.Property]bool{}
		for seed := range uint64(200) {
			x := sim.Run(p, sched.NewRandom(seed), sim.Options{Bugs: bugs})
			for _, v := range properties.Check(x.History, properties.Options{}).Violations {
				violated[v.Property] = true
			}
			x.Release()
		}
		fmt.Printf("bugs %v: uniqueness violated: %v\n", bugs, violated[properties.Uniqueness])
	}
	// Output:
	// bugs []: uniqueness violated: false
	// bugs [unlocked-add]: uniqueness violated: true
}
