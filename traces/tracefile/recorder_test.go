package tracefile

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/sysfsim/sysfsim/model"
)

// replayExample drives a Recorder through the lines of a recorded trace,
// each stamped with the line's own time, and returns what it wrote.
func replayExample(t *testing.T, example string) []byte {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(example), "\n")
	var now int64
	clock := func() int64 { return now }
	var buf bytes.Buffer
	var h headerLine
	var c configLine
	mustJSON(t, lines[0], &h)
	mustJSON(t, lines[1], &c)
	r, err := NewRecorder(&buf, h.Header, c.Setup, clock)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines[2:] {
		switch kindOf([]byte(l)) {
		case KindCall:
			var x recCallLine
			mustJSON(t, l, &x)
			now = x.Time
			th := AnyThread
			if x.Thread != nil {
				th = *x.Thread
			}
			id, _, err := r.Call(th, x.Op)
			if err != nil || id != x.ID {
				t.Fatalf("Call %s: id %d, %v", l, id, err)
			}
		case KindReturn:
			var x recReturnLine
			mustJSON(t, l, &x)
			now = x.Time
			if _, err := r.Return(x.ID, x.Result); err != nil {
				t.Fatalf("Return %s: %v", l, err)
			}
		case KindEvent:
			var x eventLine
			mustJSON(t, l, &x)
			now = x.Time
			var res model.Result
			if x.Result != nil {
				res = *x.Result
			}
			if _, err := r.Event(AnyThread, x.Op, res); err != nil {
				t.Fatalf("Event %s: %v", l, err)
			}
		case KindEnd:
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("the example has a %s line the test does not drive", kindOf([]byte(l)))
		}
	}
	return buf.Bytes()
}

func mustJSON(t *testing.T, line string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(line), v); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
}

// TestRecorderWritesTheFormatExample: a Recorder given the example's
// operations at the example's times writes FORMAT.md's recorded history
// byte for byte, so the document shows what the writer writes.
func TestRecorderWritesTheFormatExample(t *testing.T) {
	d := readFormat(t).rec
	for _, ex := range d.traces {
		if got := replayExample(t, ex); string(got) != ex {
			t.Errorf("the Recorder writes\n%s\nFORMAT.md shows\n%s", got, ex)
		}
	}
}

// TestRecorderRefuses: what a Recorder will not write, each with its
// reason, and a bad return does not poison the lines before it.
func TestRecorderRefuses(t *testing.T) {
	var buf bytes.Buffer
	r, err := NewRecorder(&buf, Header{Source: "kernel"}, Setup{Config: model.Config{Namespaces: 1, Mounts: []int{1}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := r.Call(0, model.Op{Kind: model.Lookup, Mount: 1, Name: "lo"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"bad op", second(r.Call(0, model.Op{Kind: model.Lookup})), "needs"},
		{"bad thread", second(r.Call(-3, model.Op{Kind: model.Lookup, Mount: 1})), "thread -3"},
		{"unknown id", first(r.Return(id+1, model.Result{})), "not an open call"},
		{"event not lifecycle", first(r.Event(AnyThread, model.Op{Kind: model.Lookup, Mount: 1}, model.Result{})), "lifecycle"},
		{"mount event without its namespace", first(r.Event(AnyThread, model.Op{Kind: model.Mount, Mount: 2}, model.Result{})), "needs the namespace it captured"},
		{"unknown errno", first(r.Return(id, model.Result{Err: "ENOTFOUND"})), "unknown errno"},
		{"a result the kind never gives", first(r.Return(id, model.Result{Target: "x"})), "returns no"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, c.err, c.want)
		}
	}
	if _, err := r.Return(id, model.Result{Tag: 1}); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Call(0, model.Op{Kind: model.Lookup, Mount: 1}); err == nil {
		t.Error("a closed recorder took a call")
	}
	if got := strings.Count(buf.String(), "\n"); got != 5 {
		t.Errorf("wrote %d lines, want 5 (header, config, call, return, end):\n%s", got, buf.String())
	}
}

func first[T any](_ T, err error) error          { return err }
func second[T, U any](_ T, _ U, err error) error { return err }

// TestRecorderConcurrent: goroutines recording at once write lines in
// time order that read back as their operations, and what was flushed
// reads at any moment, before the end line.
func TestRecorderConcurrent(t *testing.T) {
	var buf syncBuffer
	cfg := model.Config{Namespaces: 2, Mounts: []int{1, 2}, Exit: model.ExitKernel}
	r, err := NewRecorder(&buf, Header{Source: "kernel"}, Setup{Config: cfg, Initial: []string{"lo"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 4, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				th := w
				if i%3 == 0 {
					th = AnyThread
				}
				id, _, err := r.Call(th, model.Op{Kind: model.Lookup, Mount: 1 + w%2, Name: "lo"})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := r.Return(id, model.Result{}); err != nil {
					t.Error(err)
					return
				}
				if i%50 == 0 {
					if err := r.Flush(); err != nil {
						t.Error(err)
					}
					prefix, err := Read(bytes.NewReader(buf.Bytes()), "prefix.jsonl")
					if err != nil || !prefix.Cut {
						t.Errorf("a flushed prefix does not read as cut short: %v", err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	tr, err := Read(bytes.NewReader(buf.Bytes()), "all.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tr.History.Records); n != workers*each+2 || tr.Cut {
		t.Fatalf("%d records (cut %v), want %d and the two initial entries", n, tr.Cut, workers*each)
	}
	for _, rec := range tr.History.Records[2:] {
		if rec.Result.Tag != rec.Op.Mount || rec.Return < rec.Call {
			t.Fatalf("record %v: the tag is not its mount's, or it returns before its call", rec)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and readers at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}
