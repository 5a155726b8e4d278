package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/chromedp/chromedp"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/traces"
)

// The first screen of the pages, as a person opening them sees it.
const screenW, screenH = 1400, 900

// TestPagesInChromium opens the pages a person meets in headless Chromium:
// the visualization of a trace (sysfsim viz) and the report of a campaign
// with violations (sysfsim report). Each page logs no error to the
// console, each of its links resolves, and what it is about is in the
// first screen: on a visualization the row of every violated property,
// the named rows of the threads and the operations the violations name;
// on a report the violations and a plot whose labels are all drawn. A
// screenshot of each is written in the test's temporary directory.
//
// Pages that must fail the checks show that they can: porcupine's page
// without what sysfsim adds to it, a report laid out as it was, and a
// page with a script error and a dead link.
func TestPagesInChromium(t *testing.T) {
	ctx := chromium(t)
	tmp := t.TempDir()
	camp, found := campaignWithViolations(t, tmp)
	golden := func(bug string) string { return filepath.Join("..", "..", "traces", "testdata", "bugs", bug+".jsonl") }
	tests := []struct {
		name  string
		page  string
		check func(ctx context.Context) error
		fails bool  // the page is bad: the check must say so
		width int64 // of the window, when not screenW
	}{
		{"viz of a uniqueness race", vizOf(t, found, tmp, "race.html"), vizScreen(t, found), false, 0},
		{"viz with setup and a culprit", vizOf(t, golden("rename-link-recreate"), tmp, "setup.html"), vizScreen(t, golden("rename-link-recreate")), false, 0},
		{"viz of a listing", vizOf(t, golden("readdir-cursor-descent"), tmp, "listing.html"), vizScreen(t, golden("readdir-cursor-descent")), false, 0},
		// Narrow enough that the page scrolls sideways to its culprit, which
		// still fits: the labels must follow at once (window.layoutAtLoad).
		{"viz with a culprit on a narrow screen", vizOf(t, golden("rename-link-recreate"), tmp, "narrow.html"), vizScreen(t, golden("rename-link-recreate")), false, 880},
		{"report", filepath.Join(camp, "report.html"), reportScreen, false, 0},
		{"porcupine's page alone", porcupinePage(t, found, tmp), vizScreen(t, found), true, 0},
		{"a report as it was: one line, a clipped label", oldReport(t, tmp), reportScreen, true, 0},
		{"a script error and a dead link", brokenPage(t, tmp), func(context.Context) error { return nil }, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := openPage(ctx, t, tc.page, cmp.Or(tc.width, screenW), tc.check)
			switch {
			case tc.fails && err == nil:
				t.Errorf("%s: the checks pass on a bad page", tc.page)
			case tc.fails:
				t.Logf("caught, as it should be: %v", err)
			case err != nil:
				t.Errorf("%s: %v", tc.page, err)
			}
		})
	}
}

// chromium starts a headless Chromium for the test, or skips it, saying
// why, when there is none.
func chromium(t *testing.T) context.Context {
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); path == "" && err == nil {
		path = "/usr/bin/chromium"
	}
	if path == "" {
		t.Skip("no Chromium: none of chromium, chromium-browser, google-chrome in PATH, nor /usr/bin/chromium " +
			"(.ci/run installs Debian's chromium package)")
	}
	// No sandbox: CI runs as root. No component updates or QUIC: the
	// machine's network is closed, and the pages are local files.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(screenW, screenH))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// campaignWithViolations runs a short campaign of a seeded bug in dir,
// with a report whose plot has labels as wide as a long campaign's, and
// returns the campaign's directory and the trace of its first violation.
func campaignWithViolations(t *testing.T, dir string) (camp, trace string) {
	camp = filepath.Join(dir, "campaign")
	args := []string{"run", "--bug", "unlocked-add", "--keep-going", "--max-violations", "2", "--executions", "3000", "--out", camp, "--json"}
	code, out, errs := run(t, args...)
	var s struct{ Violations []struct{ Trace string } }
	if err := json.Unmarshal([]byte(out), &s); code != exitViolation || err != nil || len(s.Violations) == 0 {
		t.Fatalf("%v: exit %d, %v: %s %s", args, code, err, out, errs)
	}
	// The campaign is too short for a plot worth the name: give it the
	// timeline of a long one, whose numbers have six digits.
	sum := filepath.Join(camp, "summary.json")
	var m map[string]any
	data, err := os.ReadFile(sum)
	if err == nil {
		err = json.Unmarshal(data, &m)
	}
	if err != nil {
		t.Fatal(err)
	}
	m["timeline"] = []map[string]any{
		{"t_s": 0, "executions": 0, "violations": 0},
		{"t_s": 60, "executions": 98000, "violations": 900},
		{"t_s": 120, "executions": 170000, "violations": 2100},
		{"t_s": 180, "executions": 245025, "violations": 2450},
	}
	data, _ = json.Marshal(m)
	if err := os.WriteFile(sum, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := run(t, "report", camp); code != exitOK {
		t.Fatalf("report: exit %d: %s %s", code, out, errs)
	}
	return camp, s.Violations[0].Trace
}

// vizOf writes the visualization of trace with sysfsim viz.
func vizOf(t *testing.T, trace, dir, name string) string {
	page := filepath.Join(dir, name)
	if code, out, errs := run(t, "viz", trace, "-o", page); code != exitOK {
		t.Fatalf("viz %s: exit %d: %s %s", trace, code, out, errs)
	}
	measureAtLoad(t, page)
	return page
}

// measureAtLoad makes page note its layout as the page's scripts leave
// it, before the browser draws a frame or sends a scroll event, in
// window.layoutAtLoad: what is on the screen must not wait for events.
func measureAtLoad(t *testing.T, page string) {
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.LastIndex(b, []byte("</body>"))
	if at < 0 {
		t.Fatalf("%s: no </body>", page)
	}
	script := "<script>window.layoutAtLoad = " + vizLayout + "</script>\n"
	b = append(b[:at:at], append([]byte(script), b[at:]...)...)
	if err := os.WriteFile(page, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// porcupinePage writes porcupine's own page of trace.
func porcupinePage(t *testing.T, trace, dir string) string {
	tr, err := traces.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	_, info := properties.Linearize(tr.History, time.Minute)
	page := filepath.Join(dir, "porcupine.html")
	if err := porcupine.VisualizePath(model.Porcupine(tr.History.Config), info, page); err != nil {
		t.Fatal(err)
	}
	measureAtLoad(t, page)
	return page
}

// oldReport writes a page laid out as reports were: the plot's two lines
// in one colour, its right label clipped, the violations below the plot.
func oldReport(t *testing.T, dir string) string {
	page := filepath.Join(dir, "old-report.html")
	html := `<!DOCTYPE html><html><body><table><tr><td class="bad">1</td></tr></table>
<svg width="660" height="290" viewBox="-60 -20 660 290"><polyline points="0,240 600,0" stroke="#2a6fdb"/>
<polyline points="0,240 600,0" stroke="#2a6fdb"/><text x="605" y="10">245025</text></svg>
<div style="height:1000px"></div><div class="viol">a violation</div></body></html>`
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	return page
}

// brokenPage writes a page whose script throws and whose link is dead.
func brokenPage(t *testing.T, dir string) string {
	page := filepath.Join(dir, "broken.html")
	html := `<!DOCTYPE html><html><body><a href="missing.html">gone</a><script>undefinedFunction()</script></body></html>`
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	return page
}

// openPage opens the file page in a new tab of the browser in ctx, at the
// size of the first screen, runs check on it, checks its console and its
// links, and writes its screenshot beside it, as a .png.
func openPage(browser context.Context, t *testing.T, page string, width int64, check func(context.Context) error) error {
	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	ctx, stop := context.WithTimeout(ctx, 20*time.Second)
	defer stop()
	console := watchConsole(ctx)
	u := (&url.URL{Scheme: "file", Path: page}).String()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, screenH), chromedp.Navigate(u)); err != nil {
		return err
	}
	errs := []error{check(ctx), links(ctx)}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err == nil {
		png := strings.TrimSuffix(page, filepath.Ext(page)) + ".png"
		err = os.WriteFile(png, shot, 0o644)
		t.Logf("screenshot: %s", png)
	}
	errs = append(errs, err, console())
	return errors.Join(errs...)
}

// watchConsole collects what the page in ctx writes to its console. The
// function it returns says which of the messages so far are errors: it
// logs a mark and waits for it, since the console keeps their order.
func watchConsole(ctx context.Context) func() error {
	const mark = "sysfsim-test: end of the page's messages"
	var mu sync.Mutex
	var bad []string
	done := make(chan struct{})
	messages := chromedp.Console(ctx)
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil || m.Text == mark {
				return
			}
			if m.IsException() || m.Type == "error" || m.Type == "warning" {
				mu.Lock()
				bad = append(bad, fmt.Sprintf("%s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line+1))
				mu.Unlock()
			}
		}
	}()
	return func() error {
		_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("console.log(%q)", mark)))
		<-done
		mu.Lock()
		defer mu.Unlock()
		if len(bad) > 0 {
			return errors.Join(err, fmt.Errorf("the console has %d errors: %s", len(bad), strings.Join(bad, "; ")))
		}
		return err
	}
}

// links checks that every link of the page, as the browser resolves it,
// names a file that exists.
func links(ctx context.Context) error {
	hrefs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('a[href]')].map((a) => a.href)`))
	if err != nil {
		return err
	}
	var bad []string
	for _, h := range hrefs {
		u, err := url.Parse(h)
		if err != nil || u.Scheme != "file" {
			bad = append(bad, h+" (not a file)")
			continue
		}
		if _, err := os.Stat(u.Path); err != nil {
			bad = append(bad, h)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("dead links: %s", strings.Join(bad, ", "))
	}
	return nil
}

// box is an element's bounding box in the window, px.
type box struct{ Left, Top, Right, Bottom float64 }

func (b box) String() string {
	return fmt.Sprintf("[%.0f,%.0f]-[%.0f,%.0f]", b.Left, b.Top, b.Right, b.Bottom)
}

// in reports whether b lies inside o.
func (b box) in(o box) bool {
	return b.Left >= o.Left && b.Right <= o.Right && b.Top >= o.Top && b.Bottom <= o.Bottom
}

// overlaps reports whether b and o share some area.
func (b box) overlaps(o box) bool {
	return b.Left < o.Right && o.Left < b.Right && b.Top < o.Bottom && o.Top < b.Bottom
}

// vizLayout is where a visualization's parts are drawn in the window.
const vizLayout = `(() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return {Left: r.left, Top: r.top, Right: r.right, Bottom: r.bottom} }
  const view = document.documentElement
  const notes = [...document.querySelectorAll('rect.target-rect')]
    .filter((r) => Number(r.dataset.partition) === data.Partitions.length)
  return {
    Screen: {Left: 0, Top: 0, Right: view.clientWidth, Bottom: view.clientHeight},
    Legend: box(document.querySelector('#legend')),
    Rows: [...document.querySelectorAll('[data-row]')].map((e) => ({Name: e.getAttribute('data-row'), Box: box(e)})),
    Culprits: [...document.querySelectorAll('[data-sysfsim=culprit]')].map(box),
    Named: [...document.querySelectorAll('[data-sysfsim=named]')].map(box),
    Notes: notes.map((r) => ({Name: data.Annotations[Number(r.dataset.index)].Tag, Box: box(r)})),
  }
})()`

type vizBoxes struct {
	Screen, Legend box
	Rows, Notes    []namedBox
	Culprits       []box // outlined: the culprit (properties.Culprit)
	Named          []box // outlined: the other operations violations name
}

// namedBox is a row's label or an annotation, by its row's name.
type namedBox struct {
	Name string
	Box  box
}

// vizScreen checks the first screen of trace's visualization: a named
// row for each thread and each violated property, the rows' labels in the
// window, and right of the labels, a mark in each property's row, the
// culprit (when the history is not linearizable) and at least one
// operation the violations name outlined.
func vizScreen(t *testing.T, trace string) func(ctx context.Context) error {
	tr, err := traces.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	vs := properties.Check(tr.History, properties.Options{LinearizabilityTimeout: time.Minute}).Violations
	var want []string
	add := func(name string) {
		if !slices.Contains(want, name) {
			want = append(want, name)
		}
	}
	for _, r := range tr.History.Records {
		if r.Op.Kind != model.Readdir { // drawn in the listings' row
			add(thread(r.Thread))
		}
	}
	for _, v := range vs {
		add(string(v.Property))
	}
	return func(ctx context.Context) error {
		var errs []error
		for _, when := range []struct{ name, js string }{{"at load", "window.layoutAtLoad"}, {"now", vizLayout}} {
			l, err := chromedp.Run(ctx, chromedp.Evaluate[vizBoxes](when.js))
			if err == nil {
				err = l.check(want)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", when.name, err))
			}
		}
		return errors.Join(errs...)
	}
}

func (l vizBoxes) check(want []string) error {
	var errs []error
	labels := box{Left: l.Screen.Left, Top: l.Screen.Top, Right: l.Screen.Left, Bottom: l.Screen.Bottom}
	for _, r := range l.Rows {
		labels.Right = max(labels.Right, r.Box.Right)
	}
	view := l.Screen
	view.Left = labels.Right
	for _, name := range want {
		i := slices.IndexFunc(l.Rows, func(r namedBox) bool { return r.Name == name })
		switch {
		case i < 0:
			errs = append(errs, fmt.Errorf("no row named %q", name))
		case !l.Rows[i].Box.in(l.Screen):
			errs = append(errs, fmt.Errorf("row %q at %v, out of the screen %v", name, l.Rows[i].Box, l.Screen))
		}
		if isThread(name) {
			continue
		}
		if !slices.ContainsFunc(l.Notes, func(n namedBox) bool { return n.Name == name && n.Box.overlaps(view) }) {
			errs = append(errs, fmt.Errorf("row %q: no mark in the first screen %v", name, view))
		}
	}
	seen := func(b box) bool { return b.in(view) && !b.overlaps(l.Legend) }
	if !slices.ContainsFunc(append(l.Culprits, l.Named...), seen) {
		errs = append(errs, fmt.Errorf("no outlined operation in the first screen %v (culprit %v, others %v)", view, l.Culprits, l.Named))
	}
	for _, c := range l.Culprits {
		if !seen(c) {
			errs = append(errs, fmt.Errorf("the culprit at %v, out of the first screen %v (legend %v)", c, view, l.Legend))
		}
	}
	return errors.Join(errs...)
}

// thread names a thread as sysfsim show does.
func thread(n int) string {
	if n == history.SetupThread {
		return "setup"
	}
	return fmt.Sprintf("T%d", n)
}

func isThread(name string) bool {
	var n int
	_, err := fmt.Sscanf(name, "T%d", &n)
	return name == "setup" || err == nil
}

// reportLayout is where a report's parts are drawn in the window.
const reportLayout = `(() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return {Left: r.left, Top: r.top, Right: r.right, Bottom: r.bottom} }
  const view = document.documentElement
  const svg = document.querySelector('svg')
  return {
    Screen: {Left: 0, Top: 0, Right: view.clientWidth, Bottom: view.clientHeight},
    Violation: box(document.querySelector('.viol')),
    Bad: [...document.querySelectorAll('td.bad')].map(box),
    Plot: box(svg),
    Labels: [...svg.querySelectorAll('text')].map((e) => ({Text: e.textContent, Box: box(e)})),
    Colors: [...new Set([...svg.querySelectorAll('polyline')].map((e) => e.getAttribute('stroke')))],
  }
})()`

type reportBoxes struct {
	Screen, Violation, Plot box
	Bad                     []box
	Labels                  []struct {
		Text string
		Box  box
	}
	Colors []string
}

// reportScreen checks a report: the first violation and the table's
// counts of violations in the first screen, and a plot of two series in
// two colours whose every label is drawn whole inside it.
func reportScreen(ctx context.Context) error {
	l, err := chromedp.Run(ctx, chromedp.Evaluate[reportBoxes](reportLayout))
	if err != nil {
		return err
	}
	var errs []error
	if !l.Violation.in(l.Screen) {
		errs = append(errs, fmt.Errorf("the first violation at %v, out of the first screen %v", l.Violation, l.Screen))
	}
	if len(l.Bad) == 0 || !l.Bad[0].in(l.Screen) {
		errs = append(errs, fmt.Errorf("the table's violations %v, out of the first screen %v", l.Bad, l.Screen))
	}
	if len(l.Colors) != 2 {
		errs = append(errs, fmt.Errorf("the plot's lines have colours %q, want two", l.Colors))
	}
	for _, x := range l.Labels {
		if !x.Box.in(l.Plot) {
			errs = append(errs, fmt.Errorf("the plot's label %q at %v is clipped by the plot at %v", x.Text, x.Box, l.Plot))
		}
	}
	return errors.Join(errs...)
}
