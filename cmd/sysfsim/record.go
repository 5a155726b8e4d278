package main

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/kernel"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/traces"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

// 'sysfsim kernel --record D': one long concurrent history of the real
// kernel, written as it happens, then checked. The files of its --out:
const (
	// recordingFile is the recording, in the trace format's recorded
	// form, line by line as things happen: after a crash or a kill it
	// holds every event up to the last write.
	recordingFile = "recording.jsonl"
	// counterexampleFile is the recording with the violations the check
	// found, written only then, whole or not at all (a temporary file
	// renamed).
	counterexampleFile = "counterexample.jsonl"
	// tempPrefix starts the name of every temporary file the command
	// writes in --out; a run killed while writing one leaves it, and the
	// next run in that directory removes it.
	tempPrefix = ".sysfsim-tmp-"
)

// recordRun is what --record was given.
type recordRun struct {
	duration time.Duration
	rate     float64
	seed     uint64
	out      string
	asJSON   bool
	timeout  time.Duration
}

// recordSummary is what a recording did and what its check found: what
// --json prints and summary.json holds.
type recordSummary struct {
	Recording string `json:"recording"`
	Seed      uint64 `json:"seed"`
	kernel.RecordStats
	// CheckS is the time properties.Check took on the recording read
	// back from its file.
	CheckS     float64                `json:"check_s"`
	Violations []properties.Violation `json:"violations"`
	Undecided  []properties.Property  `json:"undecided"`
	// Counterexample is the file holding the recording and its
	// violations, or "" when none was found.
	Counterexample string `json:"counterexample"`
}

// runRecord records in the isolated copy, then checks what it wrote.
// SIGINT or SIGTERM ends the recording early; the recording is then
// completed, checked and summarized, and the command exits 130 (143).
// Later signals are held until then, as a kernel campaign holds them: a
// terminal's ^C reaches this copy twice, once from the terminal and once
// passed on by the process that started it (Reexec), and the second must
// not cut the recording's end short. SIGKILL still ends it at once,
// leaving what it had written.
func runRecord(o recordRun, stdout, stderr io.Writer) int {
	ctx, interrupted, stop := interruptible(true, os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := recordDir(o.out)
	if err != nil {
		return failUsage(stderr, "--out: %v", err)
	}
	path := filepath.Join(dir, recordingFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return failUsage(stderr, "--out: %v (a recording is never overwritten: name another directory)", err)
	}
	fmt.Fprintf(stderr, "sysfsim kernel: recording %v into %s\n", o.duration, path)
	var sink *recordingSink
	stats, err := kernel.Record(ctx, kernel.RecordConfig{Duration: o.duration, Seed: o.seed, Rate: o.rate},
		func(s kernel.RecordSetup) (kernel.Sink, error) {
			var err error
			sink, err = newRecordingSink(f, o.seed, s)
			return sink, err
		})
	if sink == nil {
		// The recording never began (no namespace could be made): its
		// empty file would only stand in the way of the next run.
		f.Close()
		os.Remove(path)
	} else if cerr := sink.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(stderr, "sysfsim kernel: %v (what was recorded is in %s)\n", err, path)
		return exitUsage
	}
	s, code := checkRecording(path, o, stats, stderr)
	if code >= 0 {
		return code
	}
	if err := writeFile(filepath.Join(dir, "summary.json"), func(w io.Writer) error { return printJSON(w, s) }); err != nil {
		return failUsage(stderr, "--out: %v", err)
	}
	if o.asJSON {
		printJSON(stdout, s)
	} else {
		printRecordSummary(stdout, s, o.timeout)
	}
	if s.Interrupted {
		return interrupted()
	}
	return verdictExit(len(s.Violations) > 0, len(s.Undecided) > 0)
}

// recordDir makes --out (a new temporary directory when it is "") and
// removes the temporary files an earlier run killed while writing one
// left there.
func recordDir(out string) (string, error) {
	if out == "" {
		return os.MkdirTemp("", "sysfsim-record-")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	stale, err := filepath.Glob(filepath.Join(out, tempPrefix+"*"))
	for _, p := range stale {
		if err == nil {
			err = os.Remove(p)
		}
	}
	return out, err
}

// checkRecording reads the recording back from its file, as 'sysfsim
// check' would, checks it and, on a violation, writes the counterexample.
// code is -1 unless the file could not be read or written.
func checkRecording(path string, o recordRun, st kernel.RecordStats, stderr io.Writer) (s recordSummary, code int) {
	t, err := traces.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "sysfsim kernel: the recording does not read back: %v\n", err)
		return s, exitUsage
	}
	begin := time.Now()
	rep := properties.Check(t.History, properties.Options{LinearizabilityTimeout: o.timeout})
	s = recordSummary{Recording: path, Seed: o.seed, RecordStats: st, CheckS: time.Since(begin).Seconds(),
		Violations: rep.Violations, Undecided: rep.Unknown}
	if s.Violations == nil {
		s.Violations = []properties.Violation{}
	}
	if s.Undecided == nil {
		s.Undecided = []properties.Property{}
	}
	if len(rep.Violations) > 0 {
		s.Counterexample = filepath.Join(filepath.Dir(path), counterexampleFile)
		t.Violations = traces.Violations(rep.Violations)
		if err := writeFile(s.Counterexample, func(w io.Writer) error { return tracefile.Write(w, t) }); err != nil {
			fmt.Fprintf(stderr, "sysfsim kernel: %v\n", err)
			return s, exitUsage
		}
	}
	return s, -1
}

// recordingSink writes a recording to its file as it happens: each line
// goes to the file (the kernel's page cache) as soon as it is recorded, so
// that a killed process loses nothing, and Sync, which the recording calls
// every second, makes it durable against a crash of the machine.
type recordingSink struct {
	*tracefile.Recorder
	f *os.File
}

// unsynced hides the file's Sync from the Recorder, whose Flush would
// otherwise sync at every line.
type unsynced struct{ io.Writer }

func newRecordingSink(f *os.File, seed uint64, s kernel.RecordSetup) (*recordingSink, error) {
	h := tracefile.Header{Source: "kernel", Seed: seed}
	r, err := tracefile.NewRecorder(unsynced{f}, h, tracefile.Setup{Config: s.Config, Initial: s.Initial}, nil)
	if err != nil {
		return nil, err
	}
	return &recordingSink{r, f}, r.Flush()
}

func (s *recordingSink) Call(thread int, op model.Op) (int, int64, error) {
	id, at, err := s.Recorder.Call(thread, op)
	return id, at, cmp.Or(err, s.Flush())
}

func (s *recordingSink) Return(id int, r model.Result) (int64, error) {
	at, err := s.Recorder.Return(id, r)
	return at, cmp.Or(err, s.Flush())
}

func (s *recordingSink) Event(thread int, op model.Op, r model.Result) (int64, error) {
	at, err := s.Recorder.Event(thread, op, r)
	return at, cmp.Or(err, s.Flush())
}

func (s *recordingSink) Fault(f history.Fault) error {
	return cmp.Or(s.Recorder.Fault(f), s.Flush())
}

func (s *recordingSink) Sync() error { return cmp.Or(s.Flush(), s.f.Sync()) }

// Close ends the recording with its end line and closes the file.
func (s *recordingSink) Close() error {
	return cmp.Or(s.Recorder.Close(), s.f.Sync(), s.f.Close())
}

// writeFile writes what write makes to path with writeAtomic.
func writeFile(path string, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	if err := writeAtomic(path, b.Bytes()); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func printRecordSummary(w io.Writer, s recordSummary, timeout time.Duration) {
	fmt.Fprintf(w, "sysfsim kernel: recorded %d operations in %.2fs, %d namespaces (%d exited, %d torn down, the longest teardown %.0fms), seed %d\n",
		s.Operations, s.ElapsedS, s.Namespaces, s.Exited, s.TornDown, s.TeardownMaxMS, s.Seed)
	if s.Interrupted {
		fmt.Fprintln(w, "interrupted: the recording ends there, whole up to that moment")
	}
	fmt.Fprintf(w, "recording: %s\nchecked in %.2fs\n", s.Recording, s.CheckS)
	if s.Faults > 0 {
		fmt.Fprintf(w, "%d faults (a namespace not torn down in time)\n", s.Faults)
	}
	for _, p := range s.Undecided {
		fmt.Fprintf(w, "UNDECIDED %s: not decided within %v (--timeout) or the memory bound; not counted as holding\n", p, timeout)
	}
	if len(s.Violations) == 0 {
		fmt.Fprintln(w, noViolation(len(s.Undecided)))
		return
	}
	names := make([]string, len(s.Violations))
	for i, v := range s.Violations {
		names[i] = string(v.Property)
	}
	fmt.Fprintf(w, "%d violations (%s)\ncounterexample: %s   (%s check %s)\n", len(s.Violations), strings.Join(names, ", "), s.Counterexample, self, s.Counterexample)
}
