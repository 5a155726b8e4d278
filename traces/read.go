package traces

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sysfsim/sysfsim/history"
)

// Error is a problem with a trace file, at a line (0: the file as a whole).
type Error struct {
	File string
	Line int
	Err  error
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// maxLine bounds one line; a schedule of a long execution is the longest.
const maxLine = 64 << 20

// ReadFile reads the trace at path.
func ReadFile(path string) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
}

// Read parses a trace; name is used in error messages. Every problem, from
// malformed JSON to a return without a call, is an *Error naming the line.
func Read(r io.Reader, name string) (*Trace, error) {
	p := parser{name: name, t: &Trace{}, open: map[int]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	for sc.Scan() {
		p.line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := p.parse(sc.Bytes()); err != nil {
			return nil, &Error{name, p.line, err}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &Error{name, p.line + 1, err}
	}
	if p.line == 0 {
		return nil, &Error{name, 0, errors.New("empty file, not a trace")}
	}
	if !p.ended {
		return nil, &Error{name, p.line, errors.New("truncated: the trace ends without its end line")}
	}
	for _, i := range p.open {
		p.t.History.Records[i].Pending = true
	}
	p.t.file = name
	return p.t, nil
}

type parser struct {
	name   string
	t      *Trace
	line   int
	seen   int   // lines parsed
	last   int64 // time of the last event
	open   map[int]int
	ended  bool
	header bool
}

func strict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("more than one JSON value on the line")
	}
	return nil
}

func (p *parser) parse(b []byte) error {
	var k struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(b, &k); err != nil {
		return fmt.Errorf("not a JSON object: %v", err)
	}
	if p.ended {
		return fmt.Errorf("%q line after the end line", k.Kind)
	}
	p.seen++
	switch {
	case p.seen == 1 && k.Kind != KindHeader:
		return fmt.Errorf("the first line must be the header, not %q", k.Kind)
	case p.seen == 2 && k.Kind != KindProgram:
		return fmt.Errorf("the second line must be the program, not %q", k.Kind)
	}
	switch k.Kind {
	case KindHeader:
		if p.header {
			return errors.New("a second header")
		}
		p.header = true
		var h headerLine
		if err := strict(b, &h); err != nil {
			return err
		}
		if h.Format != FormatVersion {
			return fmt.Errorf("format version %d; this sysfsim (%s) reads version %d", h.Format, Version, FormatVersion)
		}
		if err := validOptions(h.Options); err != nil {
			return err
		}
		p.t.Header = h.Header
	case KindProgram:
		if p.seen != 2 {
			return errors.New("a second program")
		}
		var pl programLine
		if err := strict(b, &pl); err != nil {
			return err
		}
		if err := validProgram(pl.Program); err != nil {
			return err
		}
		p.t.Program = pl.Program
		p.t.History.Config = pl.Program.Config
	case KindNote:
		var n noteLine
		if err := strict(b, &n); err != nil {
			return err
		}
		p.t.Notes = append(p.t.Notes, n.Text)
	case KindCall:
		var c callLine
		if err := strict(b, &c); err != nil {
			return err
		}
		if err := p.tick(c.Time); err != nil {
			return err
		}
		if c.Thread < history.SetupThread || c.Thread >= len(p.t.Program.Threads) {
			return fmt.Errorf("call on thread %d; the program has threads 0..%d (and -1 for setup)", c.Thread, len(p.t.Program.Threads)-1)
		}
		if err := validOp(c.Op); err != nil {
			return err
		}
		if _, busy := p.open[c.Thread]; busy {
			return fmt.Errorf("call on thread %d, whose previous call has not returned", c.Thread)
		}
		p.open[c.Thread] = len(p.t.History.Records)
		p.t.History.Records = append(p.t.History.Records, history.Record{Thread: c.Thread, Op: c.Op, Call: c.Time})
	case KindReturn:
		var r returnLine
		if err := strict(b, &r); err != nil {
			return err
		}
		if err := p.tick(r.Time); err != nil {
			return err
		}
		i, ok := p.open[r.Thread]
		if !ok {
			return fmt.Errorf("return on thread %d without a call", r.Thread)
		}
		delete(p.open, r.Thread)
		rec := &p.t.History.Records[i]
		rec.Result, rec.Return = r.Result, r.Time
	case KindFault:
		var f faultLine
		if err := strict(b, &f); err != nil {
			return err
		}
		if err := p.tick(f.Time); err != nil {
			return err
		}
		if f.Fault.Kind == "" {
			return errors.New("a fault without a kind")
		}
		p.t.History.Faults = append(p.t.History.Faults, f.Fault)
	case KindSchedule:
		if p.t.Schedule != nil {
			return errors.New("a second schedule")
		}
		var s scheduleLine
		if err := strict(b, &s); err != nil {
			return err
		}
		for i, th := range s.Picks {
			if th < 0 || th >= len(p.t.Program.Threads) {
				return fmt.Errorf("schedule step %d picks thread %d; the program has threads 0..%d", i, th, len(p.t.Program.Threads)-1)
			}
		}
		p.t.Schedule = s.Picks
		if p.t.Schedule == nil {
			p.t.Schedule = []int{}
		}
		p.t.scheduleLine = p.line
	case KindViolation:
		var v violationLine
		if err := strict(b, &v); err != nil {
			return err
		}
		for _, i := range v.Records {
			if i < 0 || i >= len(p.t.History.Records) {
				return fmt.Errorf("the violation names operation %d; the trace has %d so far", i, len(p.t.History.Records))
			}
		}
		p.t.Violations = append(p.t.Violations, v.Violation)
	case KindEnd:
		var e endLine
		if err := strict(b, &e); err != nil {
			return err
		}
		if e.Operations != len(p.t.History.Records) {
			return fmt.Errorf("the end line counts %d operations, the trace has %d", e.Operations, len(p.t.History.Records))
		}
		p.ended = true
	default:
		return fmt.Errorf("unknown event kind %q (known: %s)", k.Kind, strings.Join(Kinds, ", "))
	}
	return nil
}

// tick checks that event times never go back.
func (p *parser) tick(t int64) error {
	if t < p.last {
		return fmt.Errorf("time %d is before the previous event's %d", t, p.last)
	}
	p.last = t
	return nil
}
