package campaign

import (
	"fmt"
	"testing"
)

func TestPageLink(t *testing.T) {
	for _, c := range []struct{ dir, p, want string }{
		{"/c", "/c/x.html", "x.html"},
		{"/elsewhere/pages", "/c/x.html", "../../c/x.html"},
		{"/e", "/d/a b#c?.jsonl", "../d/a%20b%23c%3F.jsonl"},
		{"/e", "/d/a:b.jsonl", "../d/a:b.jsonl"},
		{"/d", "/d/a:b.jsonl", "./a:b.jsonl"}, // not a URL scheme
		{"", "/d/x.html", "/d/x.html"},
		{"/e", "", ""},
	} {
		if got := pageLink(c.dir, c.p); got != c.want {
			t.Errorf("pageLink(%q, %q) = %q, want %q", c.dir, c.p, got, c.want)
		}
	}
}

// The plot draws executions and violating executions in two panels of
// two colours, and its left margin holds the widest label: 11px digits
// are at most 0.64em wide (DejaVu Sans, the widest common sans-serif),
// right-aligned 5px left of the panel.
func TestPlotPanelsAndMargins(t *testing.T) {
	const digitW = 0.64 * 11
	for _, top := range []int64{9, 245025, 12345678901} {
		p := makePlot([]Sample{{0, 0, 0}, {60, top / 2, top / 200}, {120, top, top / 100}})
		if len(p.Panels) != 2 || p.Panels[0].Color == p.Panels[1].Color || p.Panels[0].Y == p.Panels[1].Y {
			t.Fatalf("%d: panels %+v, want two apart in two colours", top, p.Panels)
		}
		var x, y, w, h float64
		if _, err := fmt.Sscan(p.ViewBox, &x, &y, &w, &h); err != nil {
			t.Fatal(err)
		}
		for _, label := range []string{p.Panels[0].Max, p.Panels[1].Max} {
			if need := 5 + digitW*float64(len(label)); -x < need {
				t.Errorf("label %s needs %.0fpx left of the panel, the plot has %.0f", label, need, -x)
			}
		}
		if w != p.W || h != p.H || y > -titleH || x+w < panelW {
			t.Errorf("%d: view box %s, drawing %vx%v: the panels or titles are cut", top, p.ViewBox, p.W, p.H)
		}
	}
}
