package gen_test

import (
	"fmt"

	"github.com/sysfsim/sysfsim/gen"
)

// A seed draws the same program every time: campaigns name an execution by
// its seed. gen.Rapid draws the same way from a rapid test, so that rapid
// shrinks a failing program.
func ExampleProgram() {
	p := gen.Program(gen.NewRand(7), gen.Options{MinThreads: 2, MaxThreads: 2, MaxOps: 2})
	fmt.Printf("namespaces 1..%d, mounts %v\n", p.Config.Namespaces, p.Config.Mounts)
	for i, th := range p.Threads {
		fmt.Printf("T%d %v\n", i, th)
	}
	// Output:
	// namespaces 1..2, mounts [1 2]
	// T0 [del-uid(user1, "0")]
	// T1 [create(ns1, "veth0")]
}
