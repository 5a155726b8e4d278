package litmus_test

import (
	"testing"

	"github.com/sysfsim/sysfsim/litmus"
	"github.com/sysfsim/sysfsim/sim"
)

// BenchmarkLibrary runs the whole library as TestLibrary does: every test
// on the model and the exhaustively searched simulator, correct and with
// each bug the file names. The target (issue 15) is under 10 s on one
// core: run with -cpu 1.
func BenchmarkLibrary(b *testing.B) {
	tests, err := litmus.Load("testdata")
	if err != nil {
		b.Fatal(err)
	}
	execs := 0
	for b.Loop() {
		execs = 0
		for _, lt := range tests {
			runs := []string{""}
			for bug := range lt.BugExpect {
				runs = append(runs, bug)
			}
			for _, bug := range runs {
				bugs, _ := sim.ParseBugs(bug)
				r, _ := litmus.Run(lt, sim.Options{Bugs: bugs})
				execs += r.Executions
			}
		}
	}
	b.ReportMetric(float64(execs), "schedules/op")
}

// three is a 3-thread test with one operation per thread, two of them
// device flows (a rename and a move, which rtnl serializes) and a
// listing that interleaves with both: the target (issue 15) is an
// exhaustive search in under 1 s.
const three = `sysfs three-flows
{ namespaces 2; mount m1 = ns1; mount m2 = ns2; device eth0 in ns1; device eth1 in ns1 }
T0: r0 = rename(ns1, "eth0" -> "eth3") | T1: r1 = readdir(m1, class/net) | T2: r2 = move("eth1", ns1 -> ns2)
exists r1 = []
expect Never
`

// threeUIDs is the costly case: three kernel/uids flows, which take no
// lock in common, so that their kernfs steps interleave freely.
const threeUIDs = `sysfs three-uid-flows
{ namespaces 1; mount m1 = ns1
  add-uid(user1, "0") }
T0: r0 = add-uid(user1, "1") | T1: r1 = del-uid(user1, "0") | T2: r2 = readdir(m1, class/net)
exists r0 = EEXIST
expect Never
`

// BenchmarkThreeFlows searches every schedule of three on the simulator
// and every interleaving on the model.
func BenchmarkThreeFlows(b *testing.B) { benchSearch(b, three) }

// BenchmarkThreeUIDFlows does the same for threeUIDs.
func BenchmarkThreeUIDFlows(b *testing.B) { benchSearch(b, threeUIDs) }

func benchSearch(b *testing.B, src string) {
	lt, err := litmus.Parse("bench.litmus", src)
	if err != nil {
		b.Fatal(err)
	}
	execs := 0
	for b.Loop() {
		r, _ := litmus.Run(lt, sim.Options{})
		if !r.Exhausted || !r.Matches() {
			b.Fatalf("exhausted %v, observed %s", r.Exhausted, r.Observation)
		}
		execs = r.Executions
	}
	b.ReportMetric(float64(execs), "schedules/op")
}
