package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// An operation's printed form is the input format too, as pebble's
// metamorphic ops are: ParseOp reads back what Op.String prints, so
// scenarios and tests can be written in it. Each kind's form is one line of
// kindSpecs, for instance
//
//	move({name}, ns{ns} -> [{new_name}, ]ns{to}[, {cleanup}])
//
// Braces name a field by its trace key: a number prints as digits, a name
// quoted as Go quotes it ({name:bare}: unquoted when it is a plain word,
// as in a path), a directory as its path, a flag as its key. Brackets hold
// an optional part, printed when every field in it is set. A space in a
// form reads as any run of blanks, none included.

// form is a compiled printed form.
type form struct {
	name  string // the kind's name, up to the parenthesis
	parts []part
}

// part is a literal, a field or an optional group.
type part struct {
	lit   string
	field *opField
	bare  bool
	group []part
}

// compileForm reads a form of kindSpecs.
func compileForm(s string) (form, error) {
	i := strings.IndexByte(s, '(')
	if i <= 0 {
		return form{}, fmt.Errorf("form %q does not start with the kind's name and a parenthesis", s)
	}
	parts, rest, err := compileParts(s, false)
	if err != nil {
		return form{}, fmt.Errorf("form %q: %v", s, err)
	}
	if rest != "" {
		return form{}, fmt.Errorf("form %q: unbalanced ]", s)
	}
	return form{name: s[:i], parts: parts}, nil
}

func compileParts(s string, inGroup bool) ([]part, string, error) {
	var parts []part
	for s != "" {
		switch s[0] {
		case ']':
			if !inGroup {
				return nil, "", errors.New("] without [")
			}
			return parts, s[1:], nil
		case '[':
			group, rest, err := compileParts(s[1:], true)
			if err != nil {
				return nil, "", err
			}
			parts, s = append(parts, part{group: group}), rest
		case '{':
			end := strings.IndexByte(s, '}')
			if end < 0 {
				return nil, "", errors.New("{ without }")
			}
			p, err := fieldPart(s[1:end], inGroup)
			if err != nil {
				return nil, "", err
			}
			parts, s = append(parts, p), s[end+1:]
		default:
			end := strings.IndexAny(s, "[]{")
			if end < 0 {
				end = len(s)
			}
			parts, s = append(parts, part{lit: s[:end]}), s[end:]
		}
	}
	if inGroup {
		return nil, "", errors.New("[ without ]")
	}
	return parts, "", nil
}

func fieldPart(spec string, inGroup bool) (part, error) {
	key, mod, _ := strings.Cut(spec, ":")
	f, ok := fieldNamed(key)
	if !ok {
		return part{}, fmt.Errorf("no field %q", key)
	}
	if mod != "" && (mod != "bare" || key != "name") {
		return part{}, fmt.Errorf("field %q: unknown modifier %q", key, mod)
	}
	if _, flag := f.ref(&Op{}).(*bool); flag && !inGroup {
		return part{}, fmt.Errorf("flag %q outside brackets", key)
	}
	return part{field: &f, bare: mod == "bare"}, nil
}

// fields returns the fields the form names.
func (f form) fields() Fields { return partsFields(f.parts) }

func partsFields(parts []part) Fields {
	var fs Fields
	for _, p := range parts {
		if p.field != nil {
			fs |= p.field.bit
		}
		fs |= partsFields(p.group)
	}
	return fs
}

func (o Op) String() string {
	s, ok := o.Kind.Spec()
	if !ok {
		return o.Kind.String()
	}
	var b strings.Builder
	printParts(&b, s.form.parts, &o)
	return b.String()
}

func printParts(b *strings.Builder, parts []part, o *Op) {
	for _, p := range parts {
		switch {
		case p.field != nil:
			printField(b, p, o)
		case p.group != nil:
			if o.fieldsSet()&partsFields(p.group) == partsFields(p.group) {
				printParts(b, p.group, o)
			}
		default:
			b.WriteString(p.lit)
		}
	}
}

func printField(b *strings.Builder, p part, o *Op) {
	switch v := p.field.ref(o).(type) {
	case *int:
		b.WriteString(strconv.Itoa(*v))
	case *string:
		if p.bare && plainName(*v) {
			b.WriteString(*v)
		} else {
			b.WriteString(strconv.Quote(*v))
		}
	case *bool:
		b.WriteString(p.field.key)
	case *Dir:
		b.WriteString(v.Path())
	}
}

// plainName reports whether a name can stand unquoted in a path: no
// blank, quote, slash or parenthesis, nothing a reader could take for the
// end of the name.
func plainName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.@+-", c) >= 0) {
			return false
		}
	}
	return true
}

// FormError is a printed operation that does not parse: what was expected
// at which column (1-based, in bytes).
type FormError struct {
	Col int
	Msg string
}

func (e *FormError) Error() string { return fmt.Sprintf("column %d: %s", e.Col, e.Msg) }

// ParseOp reads an operation in its printed form, the form Op.String
// writes: ParseOp(op.String()) is op for every op that passes Check.
func ParseOp(s string) (Op, error) {
	lead := len(s) - len(strings.TrimLeft(s, " \t"))
	s = strings.TrimSpace(s)
	name := s
	if i := strings.IndexByte(s, '('); i >= 0 {
		name = s[:i]
	}
	k, ok := KindNamed(name)
	if !ok {
		return Op{}, &FormError{lead + 1, fmt.Sprintf("unknown operation %q (known: %s)", name, strings.Join(kindNames(), ", "))}
	}
	p := parser{s: s}
	op := Op{Kind: k}
	if err := p.parts(kindSpecs[k].form.parts, &op); err != nil {
		err.Col += lead
		return Op{}, err
	}
	if p.pos < len(s) {
		return Op{}, &FormError{lead + p.pos + 1, fmt.Sprintf("unexpected %q after the operation", s[p.pos:])}
	}
	return op, nil
}

func kindNames() []string {
	var names []string
	for _, k := range Kinds() {
		names = append(names, k.String())
	}
	return names
}

// parser reads one printed operation. alts are the openings of optional
// parts skipped since the last thing read, for a helpful error.
type parser struct {
	s    string
	pos  int
	alts []string
}

func (p *parser) fail(format string, args ...any) *FormError {
	return &FormError{p.pos + 1, fmt.Sprintf(format, args...)}
}

func (p *parser) parts(parts []part, o *Op) *FormError {
	for _, x := range parts {
		var err *FormError
		switch {
		case x.field != nil:
			err = p.field(x, o)
		case x.group != nil:
			p.group(x.group, o)
			continue
		default:
			err = p.literal(x.lit)
		}
		if err != nil {
			return err
		}
		p.alts = p.alts[:0]
	}
	return nil
}

// group reads an optional part if it is there, and leaves o and the
// position as they were if it is not.
func (p *parser) group(parts []part, o *Op) {
	try := *o
	sub := parser{s: p.s, pos: p.pos}
	if sub.parts(parts, &try) == nil {
		*o, p.pos, p.alts = try, sub.pos, p.alts[:0]
		return
	}
	if open := opening(parts); open != "" {
		p.alts = append(p.alts, strconv.Quote(open))
	}
}

// opening returns how an optional part begins, for an error message: its
// first literal, with the flag that follows it.
func opening(parts []part) string {
	if parts[0].lit == "" {
		return ""
	}
	open := strings.TrimSpace(parts[0].lit)
	if len(parts) > 1 && parts[1].field != nil {
		if _, flag := parts[1].field.ref(&Op{}).(*bool); flag {
			open += " " + parts[1].field.key
		}
	}
	return open
}

// literal reads lit, taking a space in it for any run of blanks.
func (p *parser) literal(lit string) *FormError {
	start := p.pos
	for i := 0; i < len(lit); i++ {
		if lit[i] == ' ' {
			p.blanks()
			continue
		}
		if p.pos >= len(p.s) || p.s[p.pos] != lit[i] {
			want := append(p.alts, strconv.Quote(strings.TrimSpace(lit)))
			p.pos = start
			p.blanks()
			return p.fail("expected %s", strings.Join(want, " or "))
		}
		p.pos++
	}
	return nil
}

func (p *parser) blanks() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

func (p *parser) field(x part, o *Op) *FormError {
	switch v := x.field.ref(o).(type) {
	case *int:
		return p.number(v)
	case *string:
		return p.name(v, x.bare)
	case *bool:
		if !strings.HasPrefix(p.s[p.pos:], x.field.key) {
			return p.fail("expected %q", x.field.key)
		}
		p.pos += len(x.field.key)
		*v = true
	case *Dir:
		return p.dir(v)
	}
	return nil
}

func (p *parser) number(v *int) *FormError {
	end := p.pos
	if end < len(p.s) && p.s[end] == '-' {
		end++
	}
	for end < len(p.s) && '0' <= p.s[end] && p.s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(p.s[p.pos:end])
	if err != nil {
		return p.fail("expected a number")
	}
	*v, p.pos = n, end
	return nil
}

func (p *parser) name(v *string, bare bool) *FormError {
	rest := p.s[p.pos:]
	if q, err := strconv.QuotedPrefix(rest); err == nil {
		*v, _ = strconv.Unquote(q)
		p.pos += len(q)
		return nil
	}
	if !bare {
		return p.fail("expected a quoted name")
	}
	end := 0
	for end < len(rest) && plainName(rest[end:end+1]) {
		end++
	}
	if end == 0 {
		return p.fail("expected a name")
	}
	*v, p.pos = rest[:end], p.pos+end
	return nil
}

func (p *parser) dir(v *Dir) *FormError {
	best := -1
	for i, d := range dirs {
		if strings.HasPrefix(p.s[p.pos:], d.Path()) && (best < 0 || len(d.Path()) > len(dirs[best].Path())) {
			best = i
		}
	}
	if best < 0 {
		var paths []string
		for _, d := range dirs {
			paths = append(paths, d.Path())
		}
		return p.fail("expected a directory: %s", strings.Join(paths, ", "))
	}
	*v, p.pos = dirs[best], p.pos+len(dirs[best].Path())
	return nil
}
