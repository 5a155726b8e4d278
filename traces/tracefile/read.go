package tracefile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
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

// Reader reads traces. The zero Reader checks what the format requires;
// a tool adds its own checks on the header's options, such as a replay
// that must not silently run without a bug the trace was recorded with.
type Reader struct {
	// CheckOptions, when set, judges the header's options as soon as the
	// header is read, before the format's own checks on them: options the
	// tool cannot honour are an *Error at line 1.
	CheckOptions func(Options) error
	// CheckProperty, when set, judges the property each violation line
	// names: one the tool does not know is an *Error at that line.
	CheckProperty func(string) error
}

// ReadFile reads the trace at path with the zero Reader.
func ReadFile(path string) (*Trace, error) { return Reader{}.ReadFile(path) }

// Read parses a trace with the zero Reader.
func Read(r io.Reader, name string) (*Trace, error) { return Reader{}.Read(r, name) }

// ReadFile reads the trace at path.
func (rd Reader) ReadFile(path string) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return rd.Read(f, path)
}

// Read parses a trace; name is used in error messages. Every problem, from
// malformed JSON to a return without a call, is an *Error naming the line.
// A trace in the recorded form may lack its end line (a recording cut
// short): it is read as it stands, Trace.Cut set, its last line dropped
// when it was cut in the middle.
func (rd Reader) Read(r io.Reader, name string) (*Trace, error) {
	p := parser{name: name, t: &Trace{}, open: map[int]int{}, checkOptions: rd.CheckOptions, checkProperty: rd.CheckProperty}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	unterminated := false
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		adv, tok, err := bufio.ScanLines(data, atEOF)
		unterminated = atEOF && tok != nil && adv == len(data) && !bytes.HasSuffix(data, []byte("\n"))
		return adv, tok, err
	})
	for sc.Scan() {
		p.line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := p.parse(sc.Bytes()); err != nil {
			if unterminated && p.version == RecordedVersion && !p.ended {
				// A recorder stopped in the middle of its last line.
				p.line--
				break
			}
			return nil, &Error{name, p.line, err}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &Error{name, p.line + 1, err}
	}
	if p.line == 0 {
		return nil, &Error{name, 0, errors.New("empty file, not a trace")}
	}
	if err := p.finish(); err != nil {
		return nil, &Error{name, p.line, err}
	}
	p.t.file, p.t.programLine = name, p.programLine
	return p.t, nil
}

// finish checks what only the whole file shows, once every line is read:
// that it ends, and that its records are its program's.
func (p *parser) finish() error {
	if !p.ended {
		if p.version != RecordedVersion || p.seen < 2 {
			return errors.New("truncated: the trace ends without its end line")
		}
		p.t.Cut = true
	}
	for _, i := range p.open {
		p.t.History.Records[i].Pending = true
	}
	for _, i := range p.ids {
		p.t.History.Records[i].Pending = true
	}
	if p.derived {
		p.t.Program = derivedProgram(p.t.History)
		p.t.derived = true
		return nil
	}
	if i, err := recordsOfProgram(p.t.Program, p.t.History); err != nil {
		p.line = p.callLines[i]
		return err
	}
	return nil
}

type parser struct {
	name          string
	t             *Trace
	checkOptions  func(Options) error // Reader.CheckOptions
	checkProperty func(string) error  // Reader.CheckProperty
	line          int
	seen          int   // lines parsed
	last          int64 // time of the last event
	open          map[int]int
	ended         bool
	version       int   // the header's format
	programLine   int   // the line of the program, or of the config
	callLines     []int // the line of each record's call
	recorded            // the recorded form's state
}

func strict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		if unknown := unknownKeys(b, v); len(unknown) > 0 {
			return fmt.Errorf("unknown field %q in a %q line (its fields: %s)", unknown[0], kindOf(b), strings.Join(jsonKeys(reflect.TypeOf(v).Elem()), ", "))
		}
		if nested := unknownNested(b); nested != nil {
			return nested
		}
		return err
	}
	if d.More() {
		return errors.New("more than one JSON value on the line")
	}
	return nil
}

// unknownKeys returns the keys of the JSON object b that the line type v
// points to does not have, sorted: a recorder's misspelled field, named
// with the fields it could have meant. Only called on a failed decode.
func unknownKeys(b []byte, v any) []string {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	known := jsonKeys(reflect.TypeOf(v).Elem())
	var unknown []string
	for k := range m {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	return unknown
}

// jsonKeys returns the JSON keys of struct type t, embedded structs'
// included, in field order.
func jsonKeys(t reflect.Type) []string {
	var keys []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case f.Anonymous && name == "":
			keys = append(keys, jsonKeys(f.Type)...)
		case name != "-" && name != "":
			keys = append(keys, name)
		}
	}
	return keys
}

// unknownNested names a misspelled field inside a line's operation,
// result or config, with the fields it could have meant: for an
// operation, those its kind takes. Only called on a failed decode.
func unknownNested(b []byte) error {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	nested := []struct {
		key  string
		what string
		t    reflect.Type
	}{
		{"op", "operation", reflect.TypeFor[model.Op]()},
		{"result", "result", reflect.TypeFor[model.Result]()},
		{"config", "config", reflect.TypeFor[model.Config]()},
	}
	for _, n := range nested {
		var inner map[string]json.RawMessage
		if json.Unmarshal(m[n.key], &inner) != nil {
			continue
		}
		known := jsonKeys(n.t)
		for _, k := range slices.Sorted(maps.Keys(inner)) {
			if slices.Contains(known, k) {
				continue
			}
			if n.key != "op" {
				return fmt.Errorf("unknown field %q in the %s of a %q line (its fields: %s)", k, n.what, kindOf(b), strings.Join(known, ", "))
			}
			var name string
			json.Unmarshal(inner["op"], &name)
			kind, ok := model.KindNamed(name)
			if !ok {
				return fmt.Errorf("unknown field %q in an operation of a %q line (operation fields: %s)", k, kindOf(b), strings.Join(known, ", "))
			}
			takes := strings.ReplaceAll(kind.Takes().String(), `"`, "")
			return fmt.Errorf("unknown field %q in the %s operation of a %q line (%s takes: %s)", k, name, kindOf(b), name, takes)
		}
	}
	return nil
}

func kindOf(b []byte) string {
	var k struct {
		Kind string `json:"kind"`
	}
	json.Unmarshal(b, &k)
	return k.Kind
}

// requireKeys rejects a line that leaves out a key it must have, where
// its zero value would silently stand in.
func requireKeys(b []byte, keys ...string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return fmt.Errorf("the %q line has no %q (it must have %s)", kindOf(b), k, strings.Join(keys, ", "))
		}
	}
	return nil
}

// lineParsers reads each kind of line into the trace, once place has
// said that the line may stand where it does.
var lineParsers = map[string]func(*parser, []byte) error{
	KindHeader:    (*parser).parseHeader,
	KindProgram:   (*parser).parseProgram,
	KindNote:      (*parser).parseNote,
	KindConfig:    (*parser).parseConfig,
	KindCall:      (*parser).parseCall,
	KindReturn:    (*parser).parseReturn,
	KindEvent:     (*parser).parseEvent,
	KindFault:     (*parser).parseFault,
	KindSchedule:  (*parser).parseSchedule,
	KindViolation: (*parser).parseViolation,
	KindEnd:       (*parser).parseEnd,
}

// parse reads one line: its kind, whether it may stand here, then the
// line itself.
func (p *parser) parse(b []byte) error {
	var k struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(b, &k); err != nil {
		return fmt.Errorf("not a JSON object: %v", err)
	}
	if err := p.place(k.Kind); err != nil {
		return err
	}
	parseLine, ok := lineParsers[k.Kind]
	if !ok {
		return fmt.Errorf("unknown event kind %q (known: %s)", k.Kind, strings.Join(Kinds, ", "))
	}
	return parseLine(p, b)
}

// place holds the ordering rules of FORMAT.md: the header first, the
// program second, nothing after the end line, and at most one header,
// program and schedule. It counts the line as seen.
func (p *parser) place(kind string) error {
	if p.ended {
		return fmt.Errorf("%q line after the end line", kind)
	}
	p.seen++
	switch {
	case p.seen == 1 && kind != KindHeader:
		return fmt.Errorf("the first line must be the header, not %q", kind)
	case (kind == KindConfig || kind == KindEvent) && p.version != RecordedVersion:
		return fmt.Errorf("a %q line in a version %d trace: only the recorded form (version %d) has them", kind, p.version, RecordedVersion)
	case p.seen == 2 && p.version == RecordedVersion && kind != KindProgram && kind != KindConfig:
		return fmt.Errorf("the second line must be the config or the program, not %q", kind)
	case p.seen == 2 && p.version != RecordedVersion && kind != KindProgram:
		return fmt.Errorf("the second line must be the program, not %q", kind)
	case kind == KindHeader && p.seen > 1:
		return errors.New("a second header")
	case (kind == KindProgram || kind == KindConfig) && p.seen > 2:
		return fmt.Errorf("a second %s", kind)
	case kind == KindSchedule && p.derived:
		return errors.New("a schedule without a program: a schedule picks the program's threads")
	case kind == KindSchedule && p.t.Schedule != nil:
		return errors.New("a second schedule")
	}
	return nil
}

func (p *parser) parseHeader(b []byte) error {
	var h headerLine
	if err := strict(b, &h); err != nil {
		return err
	}
	if h.Format != FormatVersion && h.Format != RecordedVersion {
		return fmt.Errorf("format version %d; this sysfsim (%s) reads versions %d and %d (the recorded form)", h.Format, Version, FormatVersion, RecordedVersion)
	}
	p.version = h.Format
	if err := requireKeys(b, "sysfsim", "source", "seed", "options"); err != nil {
		return err
	}
	if p.checkOptions != nil {
		if err := p.checkOptions(h.Options); err != nil {
			return err
		}
	}
	if err := validOptions(h.Options); err != nil {
		return err
	}
	p.t.Header = h.Header
	return nil
}

func (p *parser) parseProgram(b []byte) error {
	var pl programLine
	if err := strict(b, &pl); err != nil {
		return err
	}
	if err := validProgram(pl.Program); err != nil {
		return err
	}
	p.t.Program = pl.Program
	p.t.History.Config = pl.Program.Config
	p.programLine = p.line
	return nil
}

func (p *parser) parseNote(b []byte) error {
	var n noteLine
	if err := strict(b, &n); err != nil {
		return err
	}
	p.t.Notes = append(p.t.Notes, n.Text)
	return nil
}

func (p *parser) parseCall(b []byte) error {
	if p.version == RecordedVersion {
		return p.parseRecordedCall(b)
	}
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
	if err := p.fromProgram(c.Thread); err != nil {
		return err
	}
	if err := c.Op.Check(); err != nil {
		return err
	}
	if _, busy := p.open[c.Thread]; busy {
		return fmt.Errorf("call on thread %d, whose previous call has not returned", c.Thread)
	}
	p.open[c.Thread] = len(p.t.History.Records)
	p.t.History.Records = append(p.t.History.Records, history.Record{Thread: c.Thread, Op: c.Op, Call: c.Time})
	p.callLines = append(p.callLines, p.line)
	return nil
}

// fromProgram rejects a call on a thread the program gives nothing to
// do: every record is the program's, and a call that is no one's cannot
// be judged.
func (p *parser) fromProgram(thread int) error {
	prog := p.t.Program
	switch {
	case thread == history.SetupThread && len(prog.Setup) == 0:
		return errors.New("a setup call (thread -1), but the program has no setup")
	case thread >= 0 && len(prog.Threads[thread]) == 0:
		return fmt.Errorf("a call on thread %d, but the program gives thread %d no operations", thread, thread)
	}
	return nil
}

func (p *parser) parseReturn(b []byte) error {
	if p.version == RecordedVersion {
		return p.parseRecordedReturn(b)
	}
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
	if err := checkResult(rec.Op, r.Result); err != nil {
		return err
	}
	if err := tagged(rec.Op, r.Result); err != nil {
		return err
	}
	rec.Result, rec.Return = r.Result, r.Time
	return nil
}

// checkResult rejects an errno no kernel returns and a result field op's
// kind never sets.
func checkResult(op model.Op, r model.Result) error {
	if err := r.Err.Check(); err != nil {
		return err
	}
	if err := op.Kind.CheckResult(r); err != nil {
		return fmt.Errorf("%v: %w", op, err)
	}
	return nil
}

// tagged rejects, in version 1, a found entry without its tag: tag 0 is no
// namespace, and would be judged as another's. The recorded form fills it.
func tagged(op model.Op, r model.Result) error {
	if r.Err != model.OK {
		return nil
	}
	if (op.Kind == model.Lookup || op.Kind == model.Open) && r.Tag == 0 {
		return fmt.Errorf("%v found its entry but the result has no tag (version 1 needs it; the recorded form, version %d, takes the mount's)", op, RecordedVersion)
	}
	for _, e := range r.Entries {
		if e.Tag == 0 {
			return fmt.Errorf("%v lists %q without a tag (version 1 needs it; the recorded form, version %d, takes the mount's)", op, e.Name, RecordedVersion)
		}
	}
	return nil
}

func (p *parser) parseFault(b []byte) error {
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
	return nil
}

func (p *parser) parseSchedule(b []byte) error {
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
	return nil
}

func (p *parser) parseViolation(b []byte) error {
	var v violationLine
	if err := strict(b, &v); err != nil {
		return err
	}
	if p.checkProperty != nil {
		if err := p.checkProperty(v.Property); err != nil {
			return err
		}
	}
	for _, i := range v.Records {
		if i < 0 || i >= len(p.t.History.Records) {
			return fmt.Errorf("the violation names operation %d; the trace has %d so far", i, len(p.t.History.Records))
		}
	}
	p.t.Violations = append(p.t.Violations, v.Violation)
	return nil
}

func (p *parser) parseEnd(b []byte) error {
	var e endLine
	if err := strict(b, &e); err != nil {
		return err
	}
	n := len(p.t.History.Records)
	if p.version == RecordedVersion {
		n = p.fileOps
	}
	if e.Operations != n {
		return fmt.Errorf("the end line counts %d operations, the trace has %d", e.Operations, n)
	}
	p.ended = true
	return nil
}

// tick checks that event times never go back.
func (p *parser) tick(t int64) error {
	if t < 0 {
		return fmt.Errorf("time %d is negative: times count up from 0", t)
	}
	if t < p.last {
		return fmt.Errorf("time %d is before the previous event's %d", t, p.last)
	}
	p.last = t
	return nil
}
