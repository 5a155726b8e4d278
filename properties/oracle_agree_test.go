package properties

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// checkerPairs are the indexed checkers beside their oracles, with the
// kinds of violation each finds, told apart by their detail.
var checkerPairs = []struct {
	name         Property
	fast, oracle func(*facts) []Violation
	kinds        []violationKind
}{
	{NoResurrection, checkNoResurrection, oracleNoResurrection, []violationKind{
		{"seen after an exit", regexp.MustCompile(` observed .* after .* returned$`)},
		{"made after an exit", regexp.MustCompile(` succeeded after .* returned$`)},
		{"seen after a removal", regexp.MustCompile(` returned, and nothing re-created it$`)},
	}},
	{Uniqueness, checkUniqueness, oracleUniqueness, []violationKind{
		{"made twice", regexp.MustCompile(` both produced .*, and nothing removed it in between$`)},
	}},
	{Regularity, checkReaddir, oracleReaddir, []violationKind{
		{"listed twice", regexp.MustCompile(` twice$`)},
		{"listed but absent", regexp.MustCompile(`, which was not there at any time during the call$`)},
		{"missed", regexp.MustCompile(`, which was there and unchanged for the whole call$`)},
		{"never gone", regexp.MustCompile(` failed with ENOENT: the directory is never gone$`)},
		{"glue gone", regexp.MustCompile(`, and with it the glue directory$`)},
		{"failed otherwise", regexp.MustCompile(` failed with .*: a listing fails only with ENOENT or EINVAL$`)},
		{"mount there", regexp.MustCompile(` failed with EINVAL, though its mount was there for the whole call$`)},
		{"mount absent", regexp.MustCompile(`, though its mount was not there at any time during the call( \(EINVAL\))?$`)},
	}},
}

type violationKind struct {
	name string
	re   *regexp.Regexp
}

// The indexed checkers find exactly what the oracles find, in the same
// order: on simulator histories, correct and with each seeded bug, on
// long ones, and on histories made at random (operations of every kind at
// random times on a short clock, so that they overlap and tie, with
// random results; some pending, some returning before their call).
// Every kind of violation turns up, so that agreeing is no empty claim.
func TestIndexedCheckersAgreeWithOracles(t *testing.T) {
	sources := []struct {
		name    string
		n       int
		history func(tb testing.TB, i int) history.History
	}{
		{"simulator", 1000, func(_ testing.TB, i int) history.History { return simHistory(uint64(i), nil) }},
		{"simulator with bugs", 1000, func(_ testing.TB, i int) history.History {
			return simHistory(uint64(i), sim.BugSet{sim.Bugs[i%len(sim.Bugs)].Name})
		}},
		{"hand-made", 2000, func(_ testing.TB, i int) history.History { return randomHistory(uint64(i), 40, 32) }},
		{"hand-made, short clock", 2000, func(_ testing.TB, i int) history.History { return randomHistory(uint64(i), 8, 6) }},
		{"long", 2, func(tb testing.TB, i int) history.History { return longHistory(tb, uint64(i+1), 2000) }},
	}
	kinds := map[string]int{}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			for i := range src.n {
				h := src.history(t, i)
				f := factsOf(h)
				// Each history in another order: the index makes some
				// tables when first asked, and none may depend on which.
				for n := range checkerPairs {
					c := checkerPairs[(i+n)%len(checkerPairs)]
					got, want := c.fast(f), c.oracle(f)
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("history %d, %s: the indexed checker found\n%v\nthe oracle\n%v\nrecords:\n%s", i, c.name, got, want, dump(h))
					}
					for _, v := range want {
						for _, k := range c.kinds {
							if k.re.MatchString(v.Detail) {
								kinds[k.name]++
							}
						}
					}
				}
				f.release()
			}
		})
	}
	for _, c := range checkerPairs {
		for _, k := range c.kinds {
			if kinds[k.name] == 0 {
				t.Errorf("no history shows a violation %q: the comparison proves nothing about it", k.name)
			}
		}
	}
	t.Logf("violations compared: %v", kinds)
}

func dump(h history.History) string {
	s := fmt.Sprintf("config %+v\n", h.Config)
	for i, r := range h.Records {
		s += fmt.Sprintf("  %d: T%d [%d,%d] pending=%v %v -> %v\n", i, r.Thread, r.Call, r.Return, r.Pending, r.Op, r.Result)
	}
	return s
}

// simHistory runs a default program of seed on the simulator with bugs.
func simHistory(seed uint64, bugs sim.BugSet) history.History {
	p := gen.Program(gen.NewRand(seed), gen.Options{MaxOps: 6})
	x := sim.Run(p, sched.NewRandom(seed), sim.Options{Bugs: bugs})
	return x.History
}

// randomKinds are the kinds of operation randomHistory draws: every kind
// a checker reads.
var randomKinds = []model.Kind{
	model.Create, model.Remove, model.Rename, model.Move, model.Lookup, model.Readdir,
	model.Exit, model.Readlink, model.Open, model.AddDev, model.AddLink, model.DelLink,
	model.DelDev, model.RenameLink, model.RenameDev, model.MoveLink, model.MoveDev,
	model.Mount, model.Gone, model.AddUID, model.DelUID, model.ExitUser, model.Unregister,
}

// randomHistory makes a history of seed that no implementation would
// record: a stress test of the checkers' arithmetic, not of their model.
func randomHistory(seed uint64, records, clock int) history.History {
	r := rand.New(rand.NewPCG(seed, 13))
	pick := func(n int) int { return 1 + r.IntN(n) }
	names := []string{"eth0", "eth1"}
	dirs := []model.Dir{model.ClassNet, model.Devices, model.UIDs}
	h := history.History{Config: model.Config{Namespaces: 3, Mounts: []int{1, 2}, MountUsers: []int{1, 2}}}
	if r.IntN(2) == 0 {
		h.Config.Exit = model.ExitKernel
	}
	for range 3 + r.IntN(records-2) {
		op := model.Op{
			Kind: randomKinds[r.IntN(len(randomKinds))], NS: pick(3), To: pick(3), User: pick(2), Mount: pick(3),
			Name: names[r.IntN(2)], NewName: names[r.IntN(2)], Dir: dirs[r.IntN(3)],
		}
		res := model.Result{Tag: pick(3), User: pick(2)}
		switch r.IntN(16) {
		case 0, 1, 2, 3:
			res.Err = model.ENOENT
		case 4:
			res.Err = model.EINVAL // a mount not there, or any other error
		case 5:
			res.Err = model.EBUSY
		}
		for range r.IntN(4) * r.IntN(2) { // half the listings empty
			res.Entries = append(res.Entries, model.Entry{Name: names[r.IntN(2)], Tag: pick(3)})
		}
		call := int64(r.IntN(clock))
		rec := history.Record{Thread: r.IntN(4), Op: op, Result: res, Call: call, Return: call + int64(r.IntN(clock/4+2)) - 1}
		if r.IntN(10) == 0 {
			rec.Pending, rec.Result, rec.Return = true, model.Result{}, 0
		}
		h.Records = append(h.Records, rec)
	}
	return h
}
