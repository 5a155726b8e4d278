package campaign

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
)

// A campaign's coverage is that of its executions: each point reached by
// as many as reached it, first by the first of them, and every other
// point listed as unreached.
func TestCampaignCoverageIsItsExecutions(t *testing.T) {
	const n = 200
	s := mustRun(t, Config{Seed: 4, Executions: n, Strategy: "random"})
	hits := make([]int64, len(sim.CoverageNames()))
	first := make([]int64, len(hits))
	for i := range n {
		_, _, x := One(ExecSeed(4, int64(i)), nil, gen.Options{}, properties.Options{})
		x.Coverage.Points(func(p int) {
			if hits[p] == 0 {
				first[p] = int64(i)
			}
			hits[p]++
		})
		x.Release()
	}
	c := s.StateCoverage
	if c == nil || c.Points != sim.CoveragePoints() || c.Reached+len(c.Unreached) != c.Points || c.Reached != len(c.Hits) {
		t.Fatalf("coverage %+v", c)
	}
	reached := 0
	for _, h := range hits {
		if h > 0 {
			reached++
		}
	}
	if c.Reached != reached {
		t.Fatalf("campaign reached %d points, its executions %d", c.Reached, reached)
	}
	for _, h := range c.Hits {
		p, _ := sim.CoveragePoint(h.Point)
		if h.Executions != hits[p] || h.First != first[p] {
			t.Fatalf("%s: %d executions, first %d; the executions say %d, first %d", h.Point, h.Executions, h.First, hits[p], first[p])
		}
	}
	for _, u := range c.Unreached {
		if p, ok := sim.CoveragePoint(u); !ok || hits[p] != 0 {
			t.Fatalf("%q listed unreached: a point %v, reached by %d", u, ok, hits[p])
		}
	}
}

// The text groups unreached points by all but their last word, and a
// summary without coverage says so rather than print nothing.
func TestCoverageText(t *testing.T) {
	s := &CoverageSummary{Points: 4, Reached: 1, Unreached: []string{"node lookup draining", "node lookup unlinked", "list class/net 5+"}}
	var b bytes.Buffer
	s.WriteText(&b)
	want := "coverage: 1 of 4 points reached (25%); never reached: 3\n  node lookup: draining unlinked\n  list class/net: 5+\n"
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	(*CoverageSummary)(nil).WriteText(&b)
	if !strings.Contains(b.String(), "not recorded") {
		t.Fatalf("nil coverage: %q", b.String())
	}
}

// Points an older or newer simulator named are kept, not dropped or
// counted as this one's.
func TestCoverageKeepsForeignPoints(t *testing.T) {
	c := newCoverCounts()
	c.load(&CoverageSummary{Hits: []PointHits{{Point: "node lookup active", Executions: 3, First: 2}, {Point: "no such point", Executions: 1, First: 7}}})
	s := c.summary()
	if s.Reached != 1 || len(s.Hits) != 2 || s.Hits[1].Point != "no such point" {
		t.Fatalf("%+v", s)
	}
}

// The report shows the share reached and each group of points never
// reached, and says when a summary has no coverage.
func TestReportShowsCoverage(t *testing.T) {
	s := mustRun(t, Config{Seed: 2, Executions: 50, Strategy: "random"})
	var b bytes.Buffer
	if err := WriteReport(&b, s, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	c := s.StateCoverage
	head := c.Unreached[0][:strings.LastIndexByte(c.Unreached[0], ' ')]
	for _, want := range []string{fmt.Sprintf("%d of %d points reached", c.Reached, c.Points), "<td>" + head + "</td>"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	s.StateCoverage = nil
	b.Reset()
	if err := WriteReport(&b, s, t.TempDir()); err != nil || !strings.Contains(b.String(), "Not recorded") {
		t.Fatalf("a summary without coverage: %v", err)
	}
}

// add answers and counts as counting every point in full does, whatever
// it has settled: on executions in index order, on an index before the
// points it settled, and after a summary loaded with points already
// common.
func TestCoverCountsAddCountsEveryPoint(t *testing.T) {
	points := len(sim.CoverageNames())
	loaded := &CoverageSummary{Hits: []PointHits{{Point: sim.CoverageNames()[3], Executions: 9, First: 40}}}
	for _, tc := range []struct {
		name    string
		indices []int64
		load    *CoverageSummary
	}{
		{"in order", indices(0, 60), nil},
		{"an index before the settled", append(indices(10, 40), 3, 50, 2, 51), nil},
		{"loaded", append(indices(50, 40), 20, 90), loaded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, want := newCoverCounts(), newCoverCounts()
			c.load(tc.load)
			want.load(tc.load)
			r := rand.New(rand.NewPCG(1, 2))
			for _, index := range tc.indices {
				var cov sim.Coverage
				for range 1 + r.IntN(3) {
					i := r.IntN(8) // few points, so that they settle
					if r.IntN(4) == 0 {
						i = r.IntN(points)
					}
					cov[i/64] |= 1 << (i % 64)
				}
				if got, rare := c.add(&cov, index), addInFull(want, &cov, index); got != rare {
					t.Fatalf("index %d: rare %v, counted in full %v", index, got, rare)
				}
				for i := range points {
					if c.hits[i] != want.hits[i] || c.first[i] != want.first[i] {
						t.Fatalf("index %d, point %d: hits %d first %d, counted in full %d %d", index, i, c.hits[i], c.first[i], want.hits[i], want.first[i])
					}
				}
			}
			if c.settled == (sim.Coverage{}) {
				t.Fatal("no point settled: the test tests nothing")
			}
		})
	}
}

// indices returns the n indices from start on.
func indices(start, n int64) []int64 {
	var is []int64
	for i := range n {
		is = append(is, start+i)
	}
	return is
}

// addInFull is coverCounts.add without settled points.
func addInFull(c *coverCounts, cov *sim.Coverage, index int64) bool {
	rare := false
	cov.Points(func(i int) {
		rare = rare || c.hits[i] < rareBelow[i]
		c.hits[i]++
		if c.first[i] < 0 || index < c.first[i] {
			c.first[i] = index
		}
	})
	return rare
}
