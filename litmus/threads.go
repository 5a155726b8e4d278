package litmus

import (
	"regexp"
	"strings"

	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
)

var (
	reThread = regexp.MustCompile(`^T(\d+)\s*:\s*`)
	reBind   = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*`)
)

// threads reads the rows of operations, one cell per thread separated by
// |, then the condition and the expectation.
func (p *parser) threads() error {
	for {
		s, n, ok := p.next()
		if !ok {
			return p.errAt(n, 0, "expected a condition: exists, ~exists or forall")
		}
		t := strings.TrimSpace(s)
		for _, q := range []Quantifier{NotExists, Exists, Forall} {
			if strings.HasPrefix(t, string(q)) {
				return p.condition(s, n, q)
			}
		}
		if err := p.row(s, n); err != nil {
			return err
		}
	}
}

// row reads one row of cells: "[Tn:] [name =] operation".
func (p *parser) row(s string, n int) error {
	for col, f := range split(s, '|') {
		at := f.off + indent(f.s)
		cell := strings.TrimSpace(f.s)
		if cell == "" {
			continue
		}
		th := col
		if m := reThread.FindStringSubmatch(cell); m != nil {
			th = atoi(m[1])
			at, cell = at+len(m[0]), cell[len(m[0]):]
		}
		bind := ""
		if m := reBind.FindStringSubmatch(cell); m != nil {
			bind = m[1]
			if p.names[bind] {
				return p.errAt(n, at, "%s is bound twice", bind)
			}
			p.names[bind] = true
			at, cell = at+len(m[0]), cell[len(m[0]):]
		}
		op, err := p.op(cell, n, at)
		if err != nil {
			return err
		}
		p.add(th, op, bind)
	}
	return nil
}

func (p *parser) add(th int, op model.Op, bind string) {
	prog := &p.t.Program
	for len(prog.Threads) <= th {
		prog.Threads = append(prog.Threads, nil)
		p.t.Binds = append(p.t.Binds, nil)
	}
	prog.Threads[th] = append(prog.Threads[th], op)
	p.t.Binds[th] = append(p.t.Binds[th], bind)
}

// condition reads the quantifier's condition, up to "expect" or the end.
func (p *parser) condition(s string, n int, q Quantifier) error {
	for i, th := range p.t.Program.Threads {
		if len(th) == 0 {
			return p.errAt(n, 0, "thread T%d has no operations", i)
		}
	}
	if len(p.t.Program.Threads) == 0 {
		return p.errAt(n, 0, "expected at least one thread of operations before the condition")
	}
	p.t.Quant = q
	lx := &lexer{p: p}
	lx.add(s, n, indent(s)+len(q))
	for {
		s, n, ok := p.next()
		if !ok {
			break
		}
		if t, found := strings.CutPrefix(strings.TrimSpace(s), "expect "); found {
			if err := p.expect(t, n, indent(s)+len("expect ")); err != nil {
				return err
			}
			continue
		}
		if p.t.Expect != "" || len(p.t.BugExpect) > 0 {
			return p.errAt(n, indent(s), "unexpected %q after expect", strings.TrimSpace(s))
		}
		lx.add(s, n, 0)
	}
	e, err := lx.parse()
	if err != nil {
		return err
	}
	p.t.Cond = e
	return nil
}

// expect reads "OBS", "OBS with BUG" or "OBS on kernel": the
// observation on the correct simulator, with a seeded bug, or on this
// machine's kernel.
func (p *parser) expect(s string, n, col int) error {
	obsText, bug, withBug := strings.Cut(strings.TrimSpace(s), " with ")
	obsText, onKernel := strings.CutSuffix(obsText, " on kernel")
	obs := Observation(strings.TrimSpace(obsText))
	if obs != Never && obs != Sometimes && obs != Always || onKernel && withBug {
		return p.errAt(n, col, "expected Never, Sometimes or Always, then optionally \"with BUG\" or \"on kernel\"")
	}
	if onKernel {
		p.t.KernelExpect = obs
		return nil
	}
	if !withBug {
		p.t.Expect = obs
		return nil
	}
	bug = strings.TrimSpace(bug)
	if _, err := sim.ParseBugs(bug); err != nil {
		return p.errAt(n, col+len(obsText)+len(" with "), "%v", err)
	}
	if p.t.BugExpect == nil {
		p.t.BugExpect = map[string]Observation{}
	}
	p.t.BugExpect[bug] = obs
	return nil
}
