package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/sysfsim/sysfsim/campaign"
)

// runLive runs the campaign, with a live progress line when stderr is a
// terminal. The line is rewritten in place, so it must never wrap: it is
// fitted to the terminal's width at each update (a window may be resized
// during a campaign).
func runLive(ctx context.Context, cfg campaign.Config, stderr io.Writer) (campaign.Summary, error) {
	fd, live := terminal(stderr)
	if live {
		cfg.Progress = func(s campaign.Stats) { fmt.Fprint(stderr, "\r\033[K"+progressLine(s, termWidth(fd))) }
	}
	sum, err := campaign.Run(ctx, cfg)
	if live {
		fmt.Fprint(stderr, "\r\033[K")
	}
	return sum, err
}

// terminal returns the file descriptor of w if w is a terminal.
func terminal(w io.Writer) (fd int, ok bool) {
	f, isFile := w.(*os.File)
	if !isFile || !term.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	return int(f.Fd()), true
}

// termWidth is the width of the terminal fd, 80 when it does not say.
func termWidth(fd int) int {
	w, _, err := term.GetSize(fd)
	if err != nil || w <= 0 {
		return 80
	}
	return w
}

// progressLine is the live line of a campaign, fitted to width columns.
// Its fields, in the order shown: elapsed time, executions, steps per
// second, distinct schedules, violations, time left (with --time),
// undecided executions (with --timeout, when there are any). When
// the line is too wide the least useful go first: distinct schedules and
// the rate (the summary prints both), then the elapsed time, then the
// time left. Executions, violations and undecided executions, what a
// campaign is watched for, stay.
func progressLine(s campaign.Stats, width int) string {
	rate := 0.0
	if s.RunElapsed > 0 {
		rate = float64(s.RunSteps) / s.RunElapsed.Seconds()
	}
	fields := []string{
		s.Elapsed.Truncate(100 * time.Millisecond).String(),
		fmt.Sprintf("%d executions", s.Executions),
		si(rate) + " steps/s",
		fmt.Sprintf("~%d distinct schedules", s.Distinct),
		fmt.Sprintf("%d violations", s.Violations),
		"",
		"",
	}
	if s.Left >= 0 {
		fields[5] = s.Left.Truncate(time.Second).String() + " left"
	}
	if s.Unknown > 0 {
		fields[6] = fmt.Sprintf("%d undecided", s.Unknown)
	}
	return fitLine(fields, []int{3, 2, 0, 5}, width)
}

// fitLine joins the non-empty fields with two spaces, dropping the
// fields at the indices drop, in that order, until the line is narrower
// than width: a line as wide as the terminal leaves the cursor past its
// edge, and some terminals wrap there. What still does not fit is cut.
// A width below 1 sets no limit.
func fitLine(fields []string, drop []int, width int) string {
	fields = slices.Clone(fields)
	line := joinFields(fields)
	for _, i := range drop {
		if width < 1 || utf8.RuneCountInString(line) < width {
			return line
		}
		fields[i] = ""
		line = joinFields(fields)
	}
	if width >= 1 && utf8.RuneCountInString(line) >= width {
		line = string([]rune(line)[:width-1])
	}
	return line
}

func joinFields(fields []string) string {
	return strings.Join(slices.DeleteFunc(slices.Clone(fields), func(f string) bool { return f == "" }), "  ")
}
