package campaign

import (
	"fmt"
	"html/template"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/sysfsim/sysfsim/properties"
)

// WriteReport writes a self-contained HTML page about the campaign s: its
// facts, the table of executions and violations per strategy and
// property, each saved violation with links to its traces and
// visualization, and a plot of executions and violations over time
// (inline SVG). A campaign with violations shows the first in the first
// screen. Links are
// relative to dir, the directory the page is written to (pageLink).
// Every string is escaped by html/template.
func WriteReport(w io.Writer, s Summary, dir string) error {
	s.normalize()
	props := s.Properties()
	rows, total := reportRows(s, props)
	return reportTemplate.Execute(w, reportData{
		S: s, Props: props, Rows: rows, Total: total,
		Violations: reportViolations(s, dir), Plot: makePlot(s.Timeline), Facts: reportFacts(s),
		Coverage: s.StateCoverage, Unreached: groupUnreached(s.StateCoverage),
	})
}

// groupUnreached is the report's list of the points c never reached.
func groupUnreached(c *CoverageSummary) []pointGroup {
	if c == nil {
		return nil
	}
	return groupPoints(c.Unreached)
}

// reportData is what the report's template reads.
type reportData struct {
	S          Summary
	Props      []properties.Property
	Rows       []reportRow
	Total      reportRow
	Violations []reportViolation
	Plot       plot
	Facts      [][2]string // label and value
	Coverage   *CoverageSummary
	Unreached  []pointGroup
}

// reportRow is a strategy's line of the table: its violations by property
// (Cells, in the order of Props) and in all.
type reportRow struct {
	Strategy   string
	Executions int64
	Steps      int64
	Cells      []reportCell
	Total      int64
}

type reportCell struct{ N int64 }

// reportViolation is a saved violation with the links to its files.
type reportViolation struct {
	Found
	Links []reportLink
}

type reportLink struct{ Text, Href string }

// reportRows returns the table's row of each strategy and their total.
func reportRows(s Summary, props []properties.Property) (rows []reportRow, total reportRow) {
	total = reportRow{Strategy: "all", Cells: make([]reportCell, len(props))}
	for _, r := range s.ByStrategy {
		x := reportRow{Strategy: string(r.Strategy), Executions: r.Executions, Steps: r.Steps}
		for i, p := range props {
			x.Cells = append(x.Cells, reportCell{r.Violations[p]})
			x.Total += r.Violations[p]
			total.Cells[i].N += r.Violations[p]
		}
		total.Executions += r.Executions
		total.Steps += r.Steps
		total.Total += x.Total
		rows = append(rows, x)
	}
	return rows, total
}

// reportViolations returns the saved violations with their links.
func reportViolations(s Summary, dir string) []reportViolation {
	rel := func(p string) string { return pageLink(dir, p) }
	var vs []reportViolation
	for _, f := range s.Violations {
		v := reportViolation{Found: f}
		if f.HTML != "" {
			v.Links = append(v.Links, reportLink{"visualization", rel(f.HTML)})
		}
		v.Links = append(v.Links, reportLink{"trace", rel(f.Trace)})
		if f.Original != "" {
			v.Links = append(v.Links, reportLink{"trace as found", rel(f.Original)})
		}
		vs = append(vs, v)
	}
	return vs
}

// pageLink is the href of the file p on a page written in dir: relative
// to dir, so that it works wherever the page is written and wherever the
// page and the campaign are moved together (a file:// URL would be
// refused by html/template, and printed as #ZgotmplZ). Without dir, or
// where no relative path leads (another volume), it is p, which a page
// opened from a file resolves on the same machine.
func pageLink(dir, p string) string {
	if p == "" {
		return ""
	}
	if r, err := filepath.Rel(dir, p); err == nil && dir != "" {
		p = r
	}
	return (&url.URL{Path: filepath.ToSlash(p)}).String()
}

// reportFacts returns the page's list of facts: the campaign's identity,
// then its figures.
func reportFacts(s Summary) [][2]string {
	var facts [][2]string
	fact := func(k, v string) { facts = append(facts, [2]string{k, v}) }
	fact("seed", fmt.Sprint(s.Seed))
	fact("strategy", string(s.Strategy))
	if len(s.Bugs) > 0 {
		fact("seeded bugs", strings.Join(s.Bugs.Strings(), ", "))
	}
	if len(s.Shards) > 0 {
		fact("shards", fmt.Sprintf("%v of %d", s.Shards, s.Shard.Count))
	} else if s.Shard.Count > 1 {
		fact("shard", s.Shard.String())
	}
	fact("executions", fmt.Sprint(s.Executions))
	fact("steps", fmt.Sprint(s.Steps))
	fact("elapsed", fmt.Sprintf("%.1fs", s.ElapsedS))
	fact("rate", fmt.Sprintf("%.0f executions/s, %.0f steps/s", s.ExecsPerSec, s.StepsPerSec))
	fact("distinct schedules (estimate)", fmt.Sprint(s.DistinctSchedules))
	fact("violating executions", fmt.Sprintf("%d (%d traces saved)", s.ViolationCount, len(s.Violations)))
	undecided := "0"
	if s.Unknown > 0 {
		undecided = fmt.Sprintf("%d (the linearizability check ran out of its time or memory bound: not counted as passing)", s.Unknown)
	}
	fact("undecided executions", undecided)
	if p := s.PCT; p != nil {
		for _, g := range p.Guarantees {
			fact(fmt.Sprintf("PCT depth %d guarantee", g.Depth), fmt.Sprintf("%.3g per execution (n=%d threads, k=%d steps)", g.Bound, p.MaxThreads, p.MaxSteps))
		}
	}
	if x := s.Exhaustive; x != nil {
		fact("exhaustive search", fmt.Sprintf("preemption bound %d, %d programs, %d schedules, %d programs exhausted, space exhausted: %v",
			x.Preemptions, x.Programs, x.Schedules, x.ProgramsExhausted, x.Exhausted))
	}
	fact("next index", fmt.Sprint(s.NextIndex))
	return facts
}

// plot is the timeline drawn as two panels over one time axis: the
// executions, and below them the violating executions, each on its own
// scale and in its own colour, named above it. Drawn in one panel, the
// two lines lay on top of each other: both grow about as fast.
type plot struct {
	Empty  bool
	Panels []plotPanel
	MaxT   string
	// The drawing's size, its view box (the panels' origin is at 0,0,
	// the margins are left of it and above it), the size of a panel and
	// the time axis' y.
	W, H           float64
	ViewBox        string
	PanelW, PanelH float64
	AxisY          float64
}

// plotPanel is one series: its name, colour and polyline, the label of
// its top (the series' largest value), and the y of the panel's top.
type plotPanel struct {
	Title, Color, Points, Max string
	Y                         float64
}

// The plot's panels, px: each panelW x panelH, below a title line of
// titleH; the time axis' labels under the last one, in axisH.
const (
	panelW, panelH = 600.0, 100.0
	titleH, axisH  = 20.0, 20.0
	// labelCharW bounds the width of a character of the plot's labels
	// (11px, digits and letters of a sans-serif font are 5-7px wide): the
	// margins are sized from the labels' text, so none is clipped.
	labelCharW = 7.0
	labelGap   = 8.0
)

func makePlot(ts []Sample) plot {
	if len(ts) < 2 {
		return plot{Empty: true}
	}
	t0, t1 := ts[0].T, ts[len(ts)-1].T
	span := max(t1-t0, 1e-9)
	series := []struct {
		title, color string
		value        func(Sample) int64
	}{
		{"executions", "#2a6fdb", func(s Sample) int64 { return s.Executions }},
		{"violating executions", "#c33", func(s Sample) int64 { return s.Violations }},
	}
	p := plot{MaxT: fmt.Sprintf("%.1fs", t1), PanelW: panelW, PanelH: panelH}
	widest := len("0")
	for i, se := range series {
		var top int64
		for _, s := range ts {
			top = max(top, se.value(s))
		}
		var pts strings.Builder
		for _, s := range ts {
			x := (s.T - t0) / span * panelW
			fmt.Fprintf(&pts, "%.1f,%.1f ", x, panelH-float64(se.value(s))/float64(max(top, 1))*panelH)
		}
		label := fmt.Sprint(top)
		widest = max(widest, len(label))
		p.Panels = append(p.Panels, plotPanel{Title: se.title, Color: se.color, Points: strings.TrimSpace(pts.String()), Max: label,
			Y: float64(i) * (titleH + panelH)})
	}
	left := labelGap + labelCharW*float64(widest)
	p.AxisY = float64(len(series))*(titleH+panelH) - titleH + axisH*0.75
	p.W, p.H = left+panelW+labelGap, float64(len(series))*(titleH+panelH)+axisH
	p.ViewBox = fmt.Sprintf("%.0f %.0f %.0f %.0f", -left, -titleH, p.W, p.H)
	return p
}

var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>sysfsim campaign, seed {{.S.Seed}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}
td.bad{background:#fdd;font-weight:bold}
tr.total td{font-weight:bold;border-top:2px solid #888}
dl{display:grid;grid-template-columns:repeat(2,max-content minmax(auto,24em));gap:.2em 1em}
dt{font-weight:bold}
code{background:#f4f4f4;padding:0 .2em}
.viol{border-left:4px solid #c33;padding:.2em 1em;margin:1em 0}
svg text{font-size:11px}
</style></head><body>
<h1>sysfsim campaign</h1>
<dl>{{range .Facts}}<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>{{end}}</dl>

<h2>Executions and violations per strategy and property</h2>
<table>
<tr><th>strategy</th><th>executions</th><th>steps</th>{{range .Props}}<th>{{.}}</th>{{end}}<th>violations</th></tr>
{{range .Rows}}<tr><td>{{.Strategy}}</td><td>{{.Executions}}</td><td>{{.Steps}}</td>{{range .Cells}}<td{{if .N}} class="bad"{{end}}>{{.N}}</td>{{end}}<td{{if .Total}} class="bad"{{end}}>{{.Total}}</td></tr>
{{end}}<tr class="total"><td>{{.Total.Strategy}}</td><td>{{.Total.Executions}}</td><td>{{.Total.Steps}}</td>{{range .Total.Cells}}<td>{{.N}}</td>{{end}}<td>{{.Total.Total}}</td></tr>
</table>
<p>An execution that violates several properties counts under each.</p>

<h2>Violations</h2>
{{if not .Violations}}<p>None saved.{{if .S.Unknown}} <b>{{.S.Unknown}} executions undecided</b>: not counted as passing.{{end}}</p>{{end}}
{{range .Violations}}<div class="viol">
<p><b>{{.Property}}</b> at execution {{.Index}} (seed {{.Seed}}, {{.Strategy}}{{if .Schedule}}, schedule {{.Schedule}}{{end}})</p>
<p>{{.Detail}}</p>
{{if .Shrink}}<p>{{.Shrink}}</p>{{end}}
<p>{{range $i, $l := .Links}}{{if $i}} · {{end}}<a href="{{$l.Href}}">{{$l.Text}}</a>{{end}}</p>
<p><code>{{.Replay}}</code></p>
</div>{{end}}

<h2>Coverage of the state space</h2>
{{with .Coverage}}<p>{{.Reached}} of {{.Points}} points reached; never reached: {{len .Unreached}}.</p>
{{if $.Unreached}}<table>
<tr><th>points never reached</th><th>cases</th></tr>
{{range $.Unreached}}<tr><td>{{.Head}}</td><td style="text-align:left">{{range $i, $t := .Tails}}{{if $i}} {{end}}{{$t}}{{end}}</td></tr>
{{end}}</table>{{end}}{{else}}<p>Not recorded: a summary from before coverage.</p>{{end}}

<h2>Over time</h2>
{{if .Plot.Empty}}<p>Too short a campaign for a plot.</p>{{else}}
<svg xmlns="http://www.w3.org/2000/svg" width="{{.Plot.W}}" height="{{.Plot.H}}" viewBox="{{.Plot.ViewBox}}" role="img" aria-label="executions and violating executions over time">
{{range .Plot.Panels}}<g transform="translate(0 {{.Y}})">
<text x="0" y="-6" fill="{{.Color}}" font-weight="bold">{{.Title}}</text>
<rect x="0" y="0" width="{{$.Plot.PanelW}}" height="{{$.Plot.PanelH}}" fill="#fafafa" stroke="#999"/>
<polyline points="{{.Points}}" fill="none" stroke="{{.Color}}" stroke-width="2"/>
<text x="-5" y="10" text-anchor="end" fill="{{.Color}}">{{.Max}}</text>
<text x="-5" y="{{$.Plot.PanelH}}" text-anchor="end">0</text>
</g>
{{end}}<text x="0" y="{{.Plot.AxisY}}">0s</text>
<text x="{{.Plot.PanelW}}" y="{{.Plot.AxisY}}" text-anchor="end">{{.Plot.MaxT}}</text>
<text x="0" y="{{.Plot.AxisY}}" dx="3em">campaign time</text>
</svg>{{end}}
</body></html>
`))
