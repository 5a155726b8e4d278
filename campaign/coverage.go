package campaign

import (
	"fmt"
	"io"
	"math/bits"
	"strings"

	"github.com/sysfsim/sysfsim/sim"
)

// CoverageSummary is what a campaign reached of the simulator's state
// space: the points of sim.Coverage (node states per step, namespace life
// stages, directory fill, a listing's cursor, overlapping operations), how
// many executions reached each and which first. It is summary.json's
// "coverage"; resumed runs and merged shards add up.
type CoverageSummary struct {
	// Points counts the simulator's points; Reached those reached.
	Points  int `json:"points"`
	Reached int `json:"reached"`
	// Hits are the points reached, in the simulator's order.
	Hits []PointHits `json:"hits"`
	// Unreached names the points never reached, in the same order.
	Unreached []string `json:"unreached"`
}

// PointHits is one point a campaign reached.
type PointHits struct {
	Point string `json:"point"`
	// Executions counts the executions (programs, for an exhaustive
	// search) that reached it; First is the index of the first.
	Executions int64 `json:"executions"`
	First      int64 `json:"first"`
}

// coverCounts are a run's coverage as it commits: per point of
// sim.CoverageNames, executions and first index (-1: never), and the
// points of an earlier summary this simulator does not have, kept as
// they were.
type coverCounts struct {
	hits, first []int64
	foreign     []PointHits
	// settled are the points for which add has nothing left to do but
	// count: no longer rare, their first index set and not past
	// settledFirst. Nearly all the points an execution reaches are
	// settled after the first few hundred executions.
	settled      sim.Coverage
	settledFirst int64 // the latest first index of a settled point
}

func newCoverCounts() *coverCounts {
	n := len(sim.CoverageNames())
	c := &coverCounts{hits: make([]int64, n), first: make([]int64, n)}
	for i := range c.first {
		c.first[i] = -1
	}
	return c
}

// load adds the counts of s, a summary read back or merged in.
func (c *coverCounts) load(s *CoverageSummary) {
	if s == nil {
		return
	}
	for _, h := range s.Hits {
		i, ok := sim.CoveragePoint(h.Point)
		if !ok {
			c.foreign = append(c.foreign, h)
			continue
		}
		c.hits[i] += h.Executions
		if c.first[i] < 0 || h.First < c.first[i] {
			c.first[i] = h.First
		}
	}
}

// add counts cov, reached by execution (program) index; it reports
// whether one of its points was rare before (rareBelow). A settled
// point is only counted; an index before a settled point's first (the
// indices a run commits only grow, so never in a run) counts every
// point in full.
func (c *coverCounts) add(cov *sim.Coverage, index int64) bool {
	rare := false
	inOrder := index >= c.settledFirst
	for w, x := range cov {
		if x == 0 {
			continue // most words: an execution reaches some thirty points
		}
		if inOrder {
			for counted := x & c.settled[w]; counted != 0; counted &= counted - 1 {
				c.hits[w*64+bits.TrailingZeros64(counted)]++
			}
			x &^= c.settled[w]
		}
		for ; x != 0; x &= x - 1 {
			rare = c.addPoint(w*64+bits.TrailingZeros64(x), index) || rare
		}
	}
	return rare
}

// addPoint counts point i, reached by execution index, and settles it
// if it can be; it reports whether i was rare before.
func (c *coverCounts) addPoint(i int, index int64) bool {
	rare := c.hits[i] < rareBelow[i]
	c.hits[i]++
	if c.first[i] < 0 || index < c.first[i] {
		c.first[i] = index
	}
	if c.hits[i] >= rareBelow[i] {
		c.settled[i/64] |= 1 << (i % 64)
		c.settledFirst = max(c.settledFirst, c.first[i])
	}
	return rare
}

// summary returns the counts as summary.json holds them.
func (c *coverCounts) summary() *CoverageSummary {
	s := &CoverageSummary{Points: sim.CoveragePoints(), Hits: []PointHits{}, Unreached: []string{}}
	for i, name := range sim.CoverageNames() {
		switch {
		case name == "":
		case c.hits[i] > 0:
			s.Hits = append(s.Hits, PointHits{Point: name, Executions: c.hits[i], First: c.first[i]})
		default:
			s.Unreached = append(s.Unreached, name)
		}
	}
	s.Reached = len(s.Hits)
	s.Hits = append(s.Hits, c.foreign...)
	return s
}

// WriteText writes the coverage for people: the share reached, then the
// points never reached, a line per group of names alike but for their
// last word ("node lookup: draining deactivated unlinked").
func (s *CoverageSummary) WriteText(w io.Writer) {
	if s == nil {
		fmt.Fprintln(w, "coverage: not recorded (a summary from before coverage)")
		return
	}
	fmt.Fprintf(w, "coverage: %d of %d points reached (%.0f%%); never reached: %d\n",
		s.Reached, s.Points, 100*float64(s.Reached)/float64(max(s.Points, 1)), len(s.Unreached))
	for _, g := range groupPoints(s.Unreached) {
		fmt.Fprintf(w, "  %s: %s\n", g.Head, strings.Join(g.Tails, " "))
	}
}

// pointGroup is the unreached points of one head: their names but for
// the last word.
type pointGroup struct {
	Head  string
	Tails []string
}

func groupPoints(names []string) []pointGroup {
	var gs []pointGroup
	for _, n := range names {
		head, tail, _ := strings.Cut(n, " ")
		if i := strings.LastIndexByte(n, ' '); i >= 0 {
			head, tail = n[:i], n[i+1:]
		}
		if len(gs) == 0 || gs[len(gs)-1].Head != head {
			gs = append(gs, pointGroup{Head: head})
		}
		g := &gs[len(gs)-1]
		g.Tails = append(g.Tails, tail)
	}
	return gs
}
