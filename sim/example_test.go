package sim_test

import (
	"fmt"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// A device is registered while a thread looks it up through the mount of
// its namespace. Run executes the program under one schedule and records
// every kernfs step; the same seed gives the same history.
func ExampleRun() {
	p := history.Program{
		Config: model.Config{Namespaces: 1, Mounts: []int{1}},
		Threads: [][]model.Op{
			{{Kind: model.Create, NS: 1, Name: "eth0"}},
			{{Kind: model.Lookup, Mount: 1, Name: "eth0"}},
		},
	}
	x := sim.Run(p, sched.NewRandom(3), sim.Options{})
	for _, r := range x.History.Records {
		fmt.Printf("T%d %v -> %v\n", r.Thread, r.Op, r.Result)
	}
	fmt.Println(len(x.Schedule), "scheduling decisions")
	// Output:
	// T1 lookup(m1, class/net/eth0) -> ENOENT
	// T0 add-dev(ns1, "eth0", ifindex 1) -> ok
	// T0 add-link(ns1, "eth0") -> ok
	// 21 scheduling decisions
}
