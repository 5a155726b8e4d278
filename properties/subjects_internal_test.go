package properties

import (
	"math/rand/v2"
	"testing"

	"github.com/sysfsim/sysfsim/model"
)

// TestSubjectIDsAgreeWithAMap numbers random subjects, alike but for one
// field or another, with one table reused table after table, and
// compares every id and lookup with a map's: tables of a few subjects,
// which are scanned, and of many, which are hashed from the subject past
// fewSubjects on, must both occur.
func TestSubjectIDsAgreeWithAMap(t *testing.T) {
	names := []string{"eth0", "eth1", "veth0", "lo", "1000", "0"}
	dirs := []model.Dir{model.ClassNet, model.Devices, model.UIDs}
	random := func(rng *rand.Rand) subject {
		return subject{key{dirs[rng.IntN(len(dirs))], names[rng.IntN(len(names))], 1 + rng.IntN(3)}, scope(rng.IntN(5))}
	}
	rng := rand.New(rand.NewPCG(3, 9))
	var ids subjectIDs
	differ, few, many := 0, 0, 0
	for range 500 {
		want := map[subject]int32{}
		for range 1 + rng.IntN(40) {
			s := random(rng)
			if _, ok := want[s]; !ok {
				want[s] = int32(len(want))
			}
			if got := ids.id(&s); got != want[s] {
				differ++
			}
		}
		for range 10 {
			s := random(rng)
			w, ok := want[s]
			if !ok {
				w = -1
			}
			if got := ids.lookup(&s); got != w {
				differ++
			}
		}
		if ids.hashed {
			many++
		} else {
			few++
		}
		ids.reset()
	}
	if few == 0 || many == 0 {
		t.Fatalf("%d tables of a few subjects, %d of many: one kind is not tested", few, many)
	}
	if differ > 0 {
		t.Errorf("%d ids differ from the map's", differ)
	}
}
