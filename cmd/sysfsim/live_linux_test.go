package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal of cols columns and returns its two
// ends: what is written to the terminal end (slave) is read from master.
func openPTY(t *testing.T, cols int) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no pseudo-terminal:", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal("unlockpt:", err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal("ptsname:", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	return m, s
}

// On a terminal of 60, 80 and 120 columns the live line of a campaign
// never reaches the last column, so it never wraps and every update
// overwrites the last.
func TestLiveLineUnderPTY(t *testing.T) {
	for _, cols := range []int{60, 80, 120} {
		t.Run(fmt.Sprint(cols), func(t *testing.T) {
			master, slave := openPTY(t, cols)
			if got := termWidth(int(slave.Fd())); got != cols {
				t.Fatalf("termWidth = %d, want %d", got, cols)
			}
			const end = "\nEND-OF-TEST\n"
			read := make(chan string)
			go func() {
				var b bytes.Buffer
				buf := make([]byte, 4096)
				for !strings.Contains(b.String(), strings.TrimSpace(end)) {
					n, err := master.Read(buf)
					b.Write(buf[:n])
					if err != nil {
						break
					}
				}
				read <- b.String()
			}()
			code := Main([]string{"run", "--time", "700ms", "--workers", "1"}, io.Discard, slave)
			fmt.Fprint(slave, end)
			out := <-read
			if code != exitOK {
				t.Fatalf("exit %d:\n%q", code, out)
			}
			lines := 0
			for _, seg := range strings.FieldsFunc(out, func(r rune) bool { return r == '\r' || r == '\n' }) {
				seg = strings.ReplaceAll(seg, "\033[K", "")
				if seg == "" || strings.Contains(seg, "END-OF-TEST") {
					continue
				}
				lines++
				if n := utf8.RuneCountInString(seg); n > cols-1 {
					t.Errorf("a %d-column line on a %d-column terminal: %q", n, cols, seg)
				}
				if !strings.Contains(seg, "executions") {
					t.Errorf("not a progress line: %q", seg)
				}
			}
			if lines < 2 {
				t.Errorf("%d progress lines in 700ms:\n%q", lines, out)
			}
			if cols == 120 && !strings.Contains(out, "distinct schedules") {
				t.Errorf("120 columns hold the whole line, got:\n%q", out)
			}
		})
	}
}
