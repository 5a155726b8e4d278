package campaign

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/sim"
)

// A guided campaign (Config.Guided) steers toward unreached coverage as a
// greybox fuzzer does (AFL, and FairFuzz's rare branches; for
// interleavings, KRACE's and Fray's coverage of thread orders): an
// execution that reaches a point of sim.Coverage that few earlier ones
// reached (rareBelow) joins the corpus, and most later executions start
// from a corpus entry, often a recent one, instead of a fresh draw.
// Either the program is drawn anew within the entry's swarm (the kinds of
// operation it may use: gen.Draw), or the entry's own program runs under
// its schedule up to a random cut, then a fresh one: the interleavings
// next to one that reached rare ground.
//
// Mutating the entry's choices one by one (gen.Mutant with a rate) was
// tried first and did worse than fresh draws on the seeded bugs: a
// changed early choice reinterprets every later one.
//
// The search stays deterministic whatever the number of workers: the
// corpus execution j draws from is the one made by the executions before
// j-guideLag, which are committed (in index order) by the time j runs, or
// j waits. A shard guides itself by its own corpus.

// guideLag is how far behind an execution the corpus it draws from may
// be, in local indices: at least a batch (guidedBatch), so that the
// oldest batch under way never waits, and a few windows of workers, so
// that others rarely do.
const guideLag = 256

// Odds of a guided execution's kind, out of guideOdds: fresh (a new
// program, as unguided), a new program in the entry's swarm, or the
// entry's program under part of its schedule (the rest).
const (
	guideOdds     = 8
	guideFresh    = 2
	guideSwarm    = 3
	maxCorpusSize = 4096
	// rareHits: a point fewer executions reached is rare.
	rareHits = 4
	// recent: half the parents are among the last recent entries.
	recent = 16
)

// corpusEntry is an execution that reached new coverage: its local
// index, its program's choices and its schedule.
type corpusEntry struct {
	j       int64
	choices []int
	// swarm is the program's; given the one Draw was given (nil: it
	// drew it, from choices), so that Draw can draw the program again.
	swarm, given gen.Swarm
	schedule     []int
}

// guide is a guided run's corpus, shared by the committer, which adds to
// it, and the workers, which draw from it.
type guide struct {
	mu       sync.Mutex
	cond     *sync.Cond
	frontier int64 // every local index below it is committed
	stopped  bool
	corpus   []corpusEntry // by index
	// common are the points rareHits committed executions reached: an
	// execution that reaches only these does not join the corpus.
	common sim.Coverage
}

func newGuide(frontier int64) *guide {
	g := &guide{frontier: frontier}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// view returns the corpus execution j draws from, waiting for the
// commits it needs, and the points common so far. It reports false if
// the run stopped meanwhile.
func (g *guide) view(j int64) ([]corpusEntry, sim.Coverage, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.frontier < j-guideLag && !g.stopped {
		g.cond.Wait()
	}
	if g.stopped && g.frontier < j-guideLag {
		return nil, sim.Coverage{}, false
	}
	n, _ := slices.BinarySearchFunc(g.corpus, j-guideLag, func(e corpusEntry, j int64) int { return cmp.Compare(e.j, j) })
	return g.corpus[:n:n], g.common, true
}

// commit records u, committed, given the campaign's hits per point, its
// own counted: u joins the corpus if rare (it reached a rare point), and
// the points it made common are marked. It reports whether u joined.
func (g *guide) commit(u *unit, rare bool, hits []int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	u.cov.Points(func(i int) {
		if hits[i] >= rareBelow[i] {
			g.common[i/64] |= 1 << (i % 64)
		}
	})
	if !rare || u.entry == nil || len(g.corpus) >= maxCorpusSize {
		return false
	}
	g.corpus = append(g.corpus, *u.entry)
	return true
}

// advance moves the frontier to j and wakes the workers waiting for it.
func (g *guide) advance(j int64) {
	g.mu.Lock()
	g.frontier = j
	g.mu.Unlock()
	g.cond.Broadcast()
}

// stop wakes every waiting worker for good.
func (g *guide) stop() {
	g.mu.Lock()
	g.stopped = true
	g.mu.Unlock()
	g.cond.Broadcast()
}

// rareBelow is, per point, how few executions make it rare: rareHits,
// but for the overlaps of operations, rare only until first reached.
// There are many of them, most of no consequence (a close during a
// clone): steering toward each of them until it is common spent the
// corpus on them, and on the bugs' figures, it cost more than it gained.
var rareBelow = func() []int64 {
	names := sim.CoverageNames()
	r := make([]int64, len(names))
	for i, n := range names {
		r[i] = rareHits
		if strings.HasPrefix(n, "overlap ") {
			r[i] = 1
		}
	}
	return r
}()

// worker is what one worker keeps from execution to execution, so that
// drawing a program allocates nothing: the generators (the program's,
// the guide's, a mutant's) and the program's buffer; for a guided run,
// the recorder of its programs' choices and the swarms of the last (as
// corpusEntry's).
type worker struct {
	rand, grand  gen.Rand
	mutant       gen.Mutant
	buf          gen.Buffer
	rec          gen.Recorder
	swarm, given gen.Swarm
}

// guidedProgram draws the program of local index j, seed s, from the
// corpus: it returns the program, the schedule prefix to replay (nil for
// none) and the points common so far. It reports false if the run
// stopped before j could be drawn.
func guidedProgram(c *Config, g *guide, w *worker, j int64, s uint64) (history.Program, []int, sim.Coverage, bool) {
	corpus, common, ok := g.view(j)
	if !ok {
		return history.Program{}, nil, common, false
	}
	w.grand.Reseed(s ^ 0x5bd1e9955bd1e995) // apart from the program's own stream
	r := &w.grand
	kind := r.IntN(guideOdds, "guide")
	var p history.Program
	if len(corpus) == 0 || kind < guideFresh {
		w.rand.Reseed(s)
		w.rec.Reset(&w.rand)
		w.given = nil
		p, w.swarm = w.buf.Draw(&w.rec, c.Gen, nil)
		return p, nil, common, true
	}
	parent := corpus[r.IntN(len(corpus), "parent")]
	if r.IntN(2, "recent") == 0 {
		parent = corpus[len(corpus)-1-r.IntN(min(recent, len(corpus)), "parent")]
	}
	if kind < guideFresh+guideSwarm {
		// The parent's swarm, the rest drawn anew.
		w.rand.Reseed(s)
		w.rec.Reset(&w.rand)
		w.given = parent.swarm
		p, w.swarm = w.buf.Draw(&w.rec, c.Gen, parent.swarm)
		return p, nil, common, true
	}
	// The parent's program, drawn again.
	w.mutant = gen.Mutant{Base: parent.choices}
	w.rec.Reset(&w.mutant)
	w.given = parent.given
	p, w.swarm = w.buf.Draw(&w.rec, c.Gen, parent.given)
	cut := r.IntN(len(parent.schedule)+1, "cut")
	return p, parent.schedule[:cut], common, true
}

// mayBeRare reports whether cov reached a point not common: only then
// can its execution be rare at its commit, since common only grows.
func mayBeRare(cov, common *sim.Coverage) bool {
	for i := range cov {
		if cov[i]&^common[i] != 0 {
			return true
		}
	}
	return false
}

// rebuildGuide makes the guide of a run starting at local index r.startJ:
// empty for a new campaign; for a resumed one, the corpus its summary
// lists, each entry drawn and run again as it was (its draw depends only
// on the entries before it), and the points committed so far.
func (r *runner) rebuildGuide() *guide {
	g := newGuide(math.MaxInt64) // no waiting while rebuilding
	w := new(worker)
	for _, i := range r.sum.GuideCorpus {
		j, ok := r.sum.Shard.Local(i)
		if !ok {
			continue
		}
		var none sim.Coverage
		s := ExecSeed(r.c.Seed, i)
		p, prefix, _, _ := guidedProgram(&r.c, g, w, j, s)
		u := runProgram(&r.c, i, r.k, s, p, guided{on: true, prefix: prefix, common: &none, choices: w.rec.Choices, swarm: w.swarm, given: w.given})
		if u.entry != nil {
			u.entry.j = j
			g.corpus = append(g.corpus, *u.entry)
		}
	}
	for i, h := range r.cov.hits {
		if h >= rareBelow[i] {
			g.common[i/64] |= 1 << (i % 64)
		}
	}
	g.frontier = r.startJ
	return g
}
