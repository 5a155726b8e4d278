package litmus

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/sysfsim/sysfsim/model"
)

// Error is a test that does not parse: where, and what was expected.
type Error struct {
	File      string
	Line, Col int // 1-based; Col in bytes
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg) }

// parser reads a test line by line.
type parser struct {
	file  string
	lines []string
	i     int // the next line
	t     *Test
	names map[string]bool
}

func (p *parser) errAt(line, col int, format string, args ...any) *Error {
	return &Error{p.file, line + 1, col + 1, fmt.Sprintf(format, args...)}
}

// next returns the next line that is not blank or a comment, and its
// number; ok is false at the end.
func (p *parser) next() (s string, n int, ok bool) {
	for p.i < len(p.lines) {
		s, n = p.lines[p.i], p.i
		p.i++
		if t := strings.TrimSpace(s); t != "" && !strings.HasPrefix(t, "//") {
			return s, n, true
		}
	}
	return "", len(p.lines), false
}

// Parse reads a litmus test; file names it in errors.
func Parse(file, src string) (*Test, error) {
	p := &parser{file: file, lines: strings.Split(src, "\n"), t: &Test{}, names: map[string]bool{}}
	if err := p.header(); err != nil {
		return nil, err
	}
	if err := p.threads(); err != nil {
		return nil, err
	}
	return p.t, nil
}

// header reads "sysfs NAME", the question and the initial state.
func (p *parser) header() error {
	s, n, ok := p.next()
	name, found := strings.CutPrefix(strings.TrimSpace(s), "sysfs ")
	if !ok || !found || strings.TrimSpace(name) == "" {
		return p.errAt(n, 0, `expected "sysfs NAME" on the first line`)
	}
	p.t.Name = strings.TrimSpace(name)
	s, n, _ = p.next()
	if t := strings.TrimSpace(s); strings.HasPrefix(t, `"`) {
		q, err := strconv.Unquote(t)
		if err != nil {
			return p.errAt(n, indent(s), "expected the question as one double-quoted string")
		}
		p.t.Question = q
		s, n, _ = p.next()
	}
	return p.init(s, n)
}

func indent(s string) int { return len(s) - len(strings.TrimLeft(s, " \t")) }

// init reads the initial state: "{ item; item ... }", over one or more lines.
func (p *parser) init(s string, n int) error {
	col := indent(s)
	if !strings.HasPrefix(s[col:], "{") {
		return p.errAt(n, col, `expected the initial state "{ namespaces N; mount m1 = ns1; ... }"`)
	}
	p.t.Program.Config.Namespaces = 1
	col++
	for {
		end := strings.IndexByte(s[col:], '}')
		body := s[col:]
		if end >= 0 {
			body = s[col : col+end]
		}
		if err := p.items(body, n, col); err != nil {
			return err
		}
		if end >= 0 {
			if rest := strings.TrimSpace(s[col+end+1:]); rest != "" {
				return p.errAt(n, col+end+1, "unexpected %q after the initial state", rest)
			}
			if err := p.t.Program.Config.Check(); err != nil {
				return p.errAt(n, col+end, "the initial state: %v", err)
			}
			return nil
		}
		var ok bool
		if s, n, ok = p.next(); !ok {
			return p.errAt(n, 0, "expected } to end the initial state")
		}
		col = 0
	}
}

// items reads the ;-separated items of one line of the initial state.
func (p *parser) items(body string, n, col int) error {
	for _, f := range split(body, ';') {
		if strings.TrimSpace(f.s) == "" {
			continue
		}
		if err := p.item(f.s, n, col+f.off); err != nil {
			return err
		}
	}
	return nil
}

// field is a piece of a line and its offset in it.
type field struct {
	s   string
	off int
}

func split(s string, sep byte) []field {
	var fs []field
	off := 0
	for {
		i := strings.IndexByte(s[off:], sep)
		if i < 0 {
			return append(fs, field{s[off:], off})
		}
		fs = append(fs, field{s[off : off+i], off})
		off += i + 1
	}
}

var (
	reNamespaces = regexp.MustCompile(`^namespaces\s+(\d+)$`)
	reMount      = regexp.MustCompile(`^mount\s+m(\d+)\s*=\s*ns(\d+)(?:\s+user(\d+))?$`)
	reProc       = regexp.MustCompile(`^proc\s+p(\d+)\s*=\s*ns(\d+)(?:\s+user(\d+))?$`)
	reUsers      = regexp.MustCompile(`^users\s+(\d+)$`)
	reOwner      = regexp.MustCompile(`^owner\s+ns(\d+)\s*=\s*user(\d+)$`)
	reDevice     = regexp.MustCompile(`^device\s+(\S+)\s+in\s+ns(\d+)$`)
	reLater      = regexp.MustCompile(`^later\s+ns(\d+)$`)
	reExit       = regexp.MustCompile(`^exit\s+(tag|kernel)$`)
)

// item reads one item of the initial state.
func (p *parser) item(s string, n, col int) error {
	col += indent(s)
	s = strings.TrimSpace(s)
	c := &p.t.Program.Config
	if m := reNamespaces.FindStringSubmatch(s); m != nil {
		c.Namespaces = atoi(m[1])
		return nil
	}
	if m := reMount.FindStringSubmatch(s); m != nil {
		if atoi(m[1]) != len(c.Mounts)+1 {
			return p.errAt(n, col, "expected mount m%d next: mounts are numbered from 1 in order", len(c.Mounts)+1)
		}
		c.Mounts = append(c.Mounts, atoi(m[2]))
		c.MountUsers = withUser(c.MountUsers, len(c.Mounts), m[3])
		return nil
	}
	if m := reProc.FindStringSubmatch(s); m != nil {
		if atoi(m[1]) != len(c.Procs)+1 {
			return p.errAt(n, col, "expected proc p%d next: processes are numbered from 1 in order", len(c.Procs)+1)
		}
		c.Procs = append(c.Procs, atoi(m[2]))
		c.ProcUsers = withUser(c.ProcUsers, len(c.Procs), m[3])
		return nil
	}
	if m := reUsers.FindStringSubmatch(s); m != nil {
		c.Users = atoi(m[1])
		return nil
	}
	if m := reOwner.FindStringSubmatch(s); m != nil {
		c.Owners = withUser(c.Owners, atoi(m[1]), "user"+m[2])
		return nil
	}
	if m := reDevice.FindStringSubmatch(s); m != nil {
		name, err := strconv.Unquote(m[1])
		if err != nil {
			name = m[1]
		}
		p.t.Program.Setup = append(p.t.Program.Setup, model.Op{Kind: model.Create, NS: atoi(m[2]), Name: name})
		return nil
	}
	if m := reLater.FindStringSubmatch(s); m != nil {
		c.Later = append(c.Later, atoi(m[1]))
		return nil
	}
	if m := reExit.FindStringSubmatch(s); m != nil {
		c.Exit = model.ExitTag
		if m[1] == "kernel" {
			c.Exit = model.ExitKernel
		}
		return nil
	}
	op, err := p.op(s, n, col)
	if err != nil {
		return fmt.Errorf("%w (an initial state item is namespaces N, users N, owner nsN = userU, mount mK = nsN [userU], proc pK = nsN [userU], device NAME in nsN, later nsN, exit tag|kernel, or an operation)", err)
	}
	p.t.Program.Setup = append(p.t.Program.Setup, op)
	return nil
}

// withUser sets the user namespace of item k (1-based) to u ("" leaves
// it the initial, 1), growing users with 1s as needed. A config's user
// lists may be shorter than its items: an absent entry is the initial.
func withUser(users []int, k int, u string) []int {
	if u == "" {
		return users
	}
	for len(users) < k {
		users = append(users, 1)
	}
	users[k-1] = atoi(strings.TrimPrefix(u, "user"))
	return users
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// op parses an operation at column col of line n.
func (p *parser) op(s string, n, col int) (model.Op, error) {
	op, err := model.ParseOp(s)
	var fe *model.FormError
	if errors.As(err, &fe) {
		return op, p.errAt(n, col+fe.Col-1, "%s", fe.Msg)
	}
	if err == nil {
		err = op.Check()
	}
	if err != nil {
		return op, p.errAt(n, col, "%v", err)
	}
	return op, nil
}
