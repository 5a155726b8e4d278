package main

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sysfsim/sysfsim/campaign"
)

// A campaign's figures late in a long run: the widest live line.
var wideStats = campaign.Stats{
	Executions: 123456789, Elapsed: 3723 * time.Second, Violations: 12, Distinct: 98765432,
	Left: 1234 * time.Second, RunElapsed: time.Second, RunSteps: 2_500_000,
}

func TestProgressLineFits(t *testing.T) {
	full := progressLine(wideStats, 0)
	if n := utf8.RuneCountInString(full); n < 80 {
		t.Fatalf("the unfitted line is %d columns: no test of fitting at 80 (%q)", n, full)
	}
	for _, c := range []struct {
		width      int
		want, gone []string
	}{
		{0, []string{"1h2m3s", "executions", "steps/s", "distinct", "violations", "left"}, nil},
		{120, []string{"1h2m3s", "executions", "steps/s", "distinct", "violations", "left"}, nil},
		{80, []string{"1h2m3s", "executions", "steps/s", "violations", "left"}, []string{"distinct"}},
		{60, []string{"1h2m3s", "executions", "violations", "left"}, []string{"distinct", "steps/s"}},
		{50, []string{"executions", "violations", "left"}, []string{"distinct", "steps/s", "1h2m3s"}},
		{40, []string{"executions", "violations"}, []string{"distinct", "steps/s", "1h2m3s", "left"}},
		{20, []string{"123456789 execution"}, []string{"violations"}},
		{1, nil, []string{"executions"}},
	} {
		line := progressLine(wideStats, c.width)
		if c.width > 0 && utf8.RuneCountInString(line) > c.width-1 {
			t.Errorf("width %d: %d columns: %q", c.width, utf8.RuneCountInString(line), line)
		}
		for _, w := range c.want {
			if !strings.Contains(line, w) {
				t.Errorf("width %d: %q lacks %q", c.width, line, w)
			}
		}
		for _, g := range c.gone {
			if strings.Contains(line, g) {
				t.Errorf("width %d: %q keeps %q", c.width, line, g)
			}
		}
	}
}

func TestFitLine(t *testing.T) {
	fields := []string{"aaaa", "bb", "", "cccc"}
	for _, c := range []struct {
		width int
		want  string
	}{
		{0, "aaaa  bb  cccc"},
		{15, "aaaa  bb  cccc"},
		{14, "bb  cccc"}, // 14 columns would touch the edge: aaaa goes
		{8, "bb"},        // then cccc
		{2, "b"},         // then what is left is cut
		{100, "aaaa  bb  cccc"},
	} {
		if got := fitLine(fields, []int{0, 3}, c.width); got != c.want {
			t.Errorf("width %d: %q, want %q", c.width, got, c.want)
		}
	}
	if fields[0] != "aaaa" {
		t.Errorf("fitLine changed its argument: %q", fields)
	}
}
