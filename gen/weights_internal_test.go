package gen

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/model"
)

// TestWeightsFit: every kind at its boosted weight fits in the table, and
// each in the run weigh stores.
func TestWeightsFit(t *testing.T) {
	total, most := 0, 0
	for _, k := range kinds {
		total += k.w * themeBoost
		most = max(most, k.w*themeBoost)
	}
	if most > 16 {
		t.Fatalf("a kind weighs up to %d, weigh stores 16 at most", most)
	}
	if total > maxWeight {
		t.Fatalf("kinds weigh up to %d, the table holds %d", total, maxWeight)
	}
}

// TestPickAsRunningSums: a pick from the table is the kind a scan of the
// weights' running sums picks (the generator's first way), for every
// draw below the total, in swarms of every shape.
func TestPickAsRunningSums(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		var swarm Swarm
		if n > 0 {
			swarm = make(Swarm, len(kinds)+len(themes))
			for i := range swarm {
				swarm[i] = r.IntN(2) == 0
			}
		}
		users := n%2 == 0
		var w kindWeights
		w.weights(setOf(swarm), users)
		boosted := uint32(0)
		for th := range themes {
			if swarm != nil && swarm[len(kinds)+th] {
				boosted |= themeKinds[th]
			}
		}
		var cum []int
		total := 0
		for i, k := range kinds {
			if (swarm == nil || swarm[i]) && (users || !userKind(k.kind)) {
				if boosted&(1<<i) != 0 {
					total += k.w * themeBoost
				} else {
					total += k.w
				}
			}
			cum = append(cum, total)
		}
		if w.total != total {
			t.Fatalf("swarm %v: total %d, running sums %d", swarm, w.total, total)
		}
		for pick := range total {
			want := model.Kind(0)
			for i, c := range cum {
				if pick < c {
					want = kinds[i].kind
					break
				}
			}
			if got := w.pick(fixed(pick)); got != want {
				t.Fatalf("swarm %v, draw %d: picked %v, running sums %v", swarm, pick, got, want)
			}
		}
	}
}

// fixed is a Chooser that always chooses itself.
type fixed int

func (f fixed) IntN(int, string) int { return int(f) }

// TestAlwaysIn: alwaysIn is the set of creates and readdirs, the kinds
// every swarm has.
func TestAlwaysIn(t *testing.T) {
	for i, k := range kinds {
		if want := k.kind == model.Create || k.kind == model.Readdir; (alwaysIn&(1<<i) != 0) != want {
			t.Errorf("kind %v: in alwaysIn %v, want %v", k.kind, !want, want)
		}
	}
}

// TestNewSwarmOfRand: a Rand's swarms, drawn inline from its PCG, are
// those its IntN draws through the Chooser interface (behind a
// Recorder), and leave the PCG where those leave it; each swarm's set
// is the set of its slice.
func TestNewSwarmOfRand(t *testing.T) {
	var inline, called Buffer
	for seed := range uint64(500) {
		r, viaIntN := NewRand(seed), NewRand(seed)
		got, gotSet := inline.newSwarm(r)
		want, wantSet := called.newSwarm(&Recorder{C: viaIntN})
		if !slices.Equal(got, want) || gotSet != wantSet {
			t.Fatalf("seed %d: swarm %v (set %b), by IntN %v (set %b)", seed, got, gotSet, want, wantSet)
		}
		if setOf(got) != gotSet {
			t.Fatalf("seed %d: set %b of swarm %v, drawn %b", seed, setOf(got), got, gotSet)
		}
		if a, b := r.IntN(1<<30, ""), viaIntN.IntN(1<<30, ""); a != b {
			t.Fatalf("seed %d: the PCGs part after the swarm: %d, %d", seed, a, b)
		}
	}
}
