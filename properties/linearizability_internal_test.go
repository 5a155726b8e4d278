package properties

import (
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// The return-order shortcut is sound: whenever it explains a history,
// porcupine finds the history linearizable too. Both of its answers must
// occur, or the comparison proves nothing: histories of the correct
// simulator it explains, and, under bugs that break linearizability,
// histories it does not explain, which porcupine must then judge.
func TestReturnOrderAgreesWithPorcupine(t *testing.T) {
	var explained, unexplained, illegal int
	for i := range 600 {
		opt := sim.Options{}
		if i%2 == 1 {
			opt.Bugs = sim.BugSet{sim.BugRenameLinkRecreate, sim.BugExitUnlockedDeactivate, sim.BugUnlockedAdd}
		}
		seed := uint64(i)
		p := gen.Program(gen.NewRand(seed), gen.Options{MinThreads: 3, MaxThreads: 4, MaxOps: 4})
		x := sim.Run(p, sched.NewRandom(seed), opt)
		res, _ := Linearize(x.History, 0)
		if explainedInReturnOrder(x.History) {
			explained++
			if res != porcupine.Ok {
				t.Fatalf("seed %d, bugs %v: explained in return order, but porcupine says %v", seed, opt.Bugs, res)
			}
		} else {
			unexplained++
			if res == porcupine.Illegal {
				illegal++
			}
		}
		x.Release()
	}
	t.Logf("%d explained in return order, %d not (%d of them not linearizable)", explained, unexplained, illegal)
	if explained == 0 || unexplained == 0 || illegal == 0 {
		t.Fatalf("the comparison was one-sided: %d explained, %d not, %d illegal", explained, unexplained, illegal)
	}
}
