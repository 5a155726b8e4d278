package main

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A report's links resolve wherever the page is written: in the
// campaign's directory, in another one, by a relative -o.
func TestReportLinksResolve(t *testing.T) {
	tmp := t.TempDir()
	camp := filepath.Join(tmp, "campaign")
	if code, out, errs := run(t, "run", "--bug", "tag-blind-lookup", "--out", camp); code != exitViolation {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	t.Chdir(tmp)
	for _, page := range []string{
		filepath.Join(camp, "report.html"),
		filepath.Join(tmp, "elsewhere", "deeper", "page.html"),
		"relative.html",
	} {
		os.MkdirAll(filepath.Dir(page), 0o755)
		args := []string{"report", camp, "-o", page}
		if code, out, errs := run(t, args...); code != exitOK {
			t.Fatalf("%v: exit %d: %s %s", args, code, out, errs)
		}
		f, err := os.Open(page)
		if err != nil {
			t.Fatal(err)
		}
		hrefs, err := pageHrefs(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		if len(hrefs) < 3 {
			t.Fatalf("%s: links %q, want the visualization and two traces", page, hrefs)
		}
		if err := resolveAll(filepath.Dir(page), hrefs); err != nil {
			t.Errorf("%s: %v", page, err)
		}
	}
}

// TestResolveAllCatchesDeadLinks shows the check above fails on the links
// the report used to write.
func TestResolveAllCatchesDeadLinks(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.html"), nil, 0o644)
	if err := resolveAll(dir, []string{"x.html"}); err != nil {
		t.Errorf("a good link: %v", err)
	}
	for _, bad := range []string{"#ZgotmplZ", "y.html", "../x.html", "file://" + dir + "/x.html"} {
		if resolveAll(dir, []string{bad}) == nil {
			t.Errorf("%q passes", bad)
		}
	}
}

// pageHrefs parses an HTML page (encoding/xml in its HTML mode) and
// returns the href of every element.
func pageHrefs(r io.Reader) ([]string, error) {
	d := xml.NewDecoder(r)
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	var hrefs []string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return hrefs, nil
		}
		if err != nil {
			return nil, err
		}
		if e, ok := tok.(xml.StartElement); ok {
			for _, a := range e.Attr {
				if a.Name.Local == "href" {
					hrefs = append(hrefs, a.Value)
				}
			}
		}
	}
}

// resolveAll checks that every href, relative to a page in dir, names an
// existing file.
func resolveAll(dir string, hrefs []string) error {
	var bad []string
	for _, h := range hrefs {
		u, err := url.Parse(h)
		if err != nil || u.Scheme != "" || u.Path == "" || strings.HasPrefix(u.Path, "/") {
			bad = append(bad, h+" (not a relative link)")
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(u.Path))); err != nil {
			bad = append(bad, fmt.Sprintf("%s (%v)", h, err))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("dead links: %s", strings.Join(bad, ", "))
	}
	return nil
}
