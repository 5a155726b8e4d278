package litmus

import (
	"slices"
	"strings"

	"github.com/sysfsim/sysfsim/properties"
)

// token is one token of a condition and where it is.
type token struct {
	s       string
	line, c int
}

// lexer cuts a condition into tokens and parses them.
type lexer struct {
	p    *parser
	toks []token
	i    int
	end  token // where the condition ends, for "expected ... at the end"
}

// add cuts line n from column col into tokens: ( ) ~ = /\ \/, a
// bracketed listing, or a word.
func (lx *lexer) add(s string, n, col int) {
	for col < len(s) {
		c := s[col]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			col++
			continue
		case strings.HasPrefix(s[col:], `/\`) || strings.HasPrefix(s[col:], `\/`):
			lx.toks = append(lx.toks, token{s[col : col+2], n, col})
			col += 2
			continue
		case c == '(' || c == ')' || c == '~' || c == '=':
			lx.toks = append(lx.toks, token{s[col : col+1], n, col})
			col++
			continue
		}
		end := col
		if c == '[' {
			end = strings.IndexByte(s[col:], ']')
			if end < 0 {
				end = len(s)
			} else {
				end += col + 1
			}
		} else {
			for end < len(s) && !strings.ContainsRune(" \t\r()~=", rune(s[end])) && !strings.HasPrefix(s[end:], `/\`) && !strings.HasPrefix(s[end:], `\/`) {
				end++
			}
		}
		lx.toks = append(lx.toks, token{s[col:end], n, col})
		col = end
	}
	lx.end = token{"", n, len(s)}
}

func (lx *lexer) peek() token {
	if lx.i < len(lx.toks) {
		return lx.toks[lx.i]
	}
	return lx.end
}

func (lx *lexer) take() token { t := lx.peek(); lx.i++; return t }

func (lx *lexer) fail(t token, format string, args ...any) *Error {
	return lx.p.errAt(t.line, t.c, format, args...)
}

func (lx *lexer) parse() (Expr, error) {
	e, err := lx.or()
	if err != nil {
		return nil, err
	}
	if t := lx.peek(); t.s != "" {
		return nil, lx.fail(t, `expected /\, \/ or the end of the condition, found %q`, t.s)
	}
	return e, nil
}

func (lx *lexer) or() (Expr, error) {
	x, err := lx.and()
	for err == nil && lx.peek().s == `\/` {
		lx.take()
		var y Expr
		if y, err = lx.and(); err == nil {
			x = Or{x, y}
		}
	}
	return x, err
}

func (lx *lexer) and() (Expr, error) {
	x, err := lx.unary()
	for err == nil && lx.peek().s == `/\` {
		lx.take()
		var y Expr
		if y, err = lx.unary(); err == nil {
			x = And{x, y}
		}
	}
	return x, err
}

func (lx *lexer) unary() (Expr, error) {
	t := lx.take()
	switch t.s {
	case "~":
		x, err := lx.unary()
		return Not{x}, err
	case "(":
		x, err := lx.or()
		if err != nil {
			return nil, err
		}
		if c := lx.take(); c.s != ")" {
			return nil, lx.fail(c, "expected ) to close the ( at column %d", t.c+1)
		}
		return x, nil
	}
	return lx.atom(t)
}

// atom reads "NAME = VALUE", "NAME contains ENTRY", "mN:PATH" or
// "violated(PROPERTY)".
func (lx *lexer) atom(t token) (Expr, error) {
	if t.s == "violated" && lx.peek().s == "(" {
		return lx.violated()
	}
	switch {
	case t.s == "" || strings.ContainsAny(t.s[:1], ")=/\\["):
		return nil, lx.fail(t, "expected a condition: NAME = VALUE, NAME contains ENTRY, mN:PATH, violated(PROPERTY), ~ or (")
	case strings.Contains(t.s, ":"):
		m, path, _ := strings.Cut(t.s, ":")
		if len(m) < 2 || m[0] != 'm' || atoi(m[1:]) == 0 || path == "" {
			return nil, lx.fail(t, "expected a final view path as mN:PATH, such as m1:class/net/eth0")
		}
		return Present{t.s}, nil
	}
	if !lx.p.names[t.s] {
		return nil, lx.fail(t, "%s is not a bound result (bind one as %s = lookup(...))", t.s, t.s)
	}
	op := lx.take()
	if op.s != "=" && op.s != "contains" {
		return nil, lx.fail(op, "expected = or contains after %s", t.s)
	}
	v := lx.take()
	if v.s == "" || strings.ContainsAny(v.s[:1], "()~=") || v.s == `/\` || v.s == `\/` {
		return nil, lx.fail(v, "expected a value after %s: an errno, ok, nsN, a number, a path or [name@nsN ...]", op.s)
	}
	if op.s == "contains" {
		return Contains{t.s, v.s}, nil
	}
	return Is{t.s, canonical(v.s)}, nil
}

// violated reads "(PROPERTY)" after violated.
func (lx *lexer) violated() (Expr, error) {
	open := lx.take()
	p := lx.take()
	if _, err := properties.ParseProperty(p.s); err != nil {
		return nil, lx.fail(p, "%v", err)
	}
	if c := lx.take(); c.s != ")" {
		return nil, lx.fail(c, "expected ) to close the ( at column %d", open.c+1)
	}
	return Violated{p.s}, nil
}

// canonical writes a listing value as Value does: single spaces.
func canonical(v string) string {
	if !strings.HasPrefix(v, "[") {
		return v
	}
	es := strings.Fields(strings.Trim(v, "[]"))
	slices.Sort(es)
	return "[" + strings.Join(es, " ") + "]"
}
