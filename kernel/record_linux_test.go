package kernel

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// call is an operation under way and when it was called.
type call struct {
	op model.Op
	t  int64
}

// logSink keeps a recording's events in memory, stamped by its own clock,
// and checks, as they come, the recording's promises: a return only for a
// call under way, an operation only on a namespace born and not exited,
// only the teardown's removals on one that exited, a teardown only after
// an exit, and nothing seen through a mount after its namespace's teardown.
type logSink struct {
	mu      sync.Mutex
	start   time.Time
	setup   RecordSetup
	next    int
	calls   map[int]call
	born    map[int]bool
	exited  map[int]bool
	down    map[int]int64
	returns int
	events  int
	syncs   int
	errs    []error
	// late counts the listings called after their mount's namespace was
	// seen torn down, and wrong those of them that showed something.
	late, wrong int
}

func newLogSink(s RecordSetup) *logSink {
	ls := &logSink{start: time.Now(), setup: s, calls: map[int]call{}, born: map[int]bool{}, exited: map[int]bool{}, down: map[int]int64{}}
	for _, m := range s.Config.Mounts {
		ls.born[m] = true
	}
	return ls
}

func (s *logSink) errorf(format string, args ...any) {
	if len(s.errs) < 10 {
		s.errs = append(s.errs, fmt.Errorf(format, args...))
	}
}

func (s *logSink) now() int64 { return int64(time.Since(s.start)) }

func (s *logSink) Call(thread int, op model.Op) (int, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, t := s.next, s.now()
	s.next++
	s.calls[id] = call{op, t}
	for _, ns := range []int{op.NS, op.To} {
		if ns != 0 && (!s.born[ns] || s.exited[ns] && !op.Cleanup) {
			s.errorf("%v addresses ns%d, not alive", op, ns)
		}
	}
	if op.Cleanup && thread != AsyncThread {
		s.errorf("%v on thread %d", op, thread)
	}
	if op.Kind == model.Exit {
		s.exited[op.NS] = true
	}
	return id, t, nil
}

func (s *logSink) Return(id int, r model.Result) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.now()
	c, ok := s.calls[id]
	if !ok {
		s.errorf("return %d of no call under way", id)
	}
	delete(s.calls, id)
	s.returns++
	if c.op.Kind == model.Readdir {
		if down, ok := s.down[c.op.Mount]; ok && c.t > down {
			s.late++
			if len(r.Entries) > 0 {
				s.wrong++
			}
		}
	}
	return t, nil
}

func (s *logSink) Event(thread int, op model.Op, r model.Result) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.now()
	s.events++
	switch op.Kind {
	case model.Clone:
		if s.born[op.NS] || !slices.Contains(s.setup.Config.Later, op.NS) {
			s.errorf("ns%d born twice, or not declared for later", op.NS)
		}
		s.born[op.NS] = true
	case model.Mount:
		if !s.born[r.Tag] || op.Mount != r.Tag {
			s.errorf("mount %d of ns%d", op.Mount, r.Tag)
		}
	case model.Gone:
		if !s.exited[op.NS] {
			s.errorf("ns%d torn down without an exit", op.NS)
		}
		for _, c := range s.calls {
			if c.op.NS == op.NS && c.op.Cleanup {
				s.errorf("ns%d gone, its %v still under way", op.NS, c.op)
			}
		}
		s.down[op.NS] = t
	default:
		s.errorf("event %v", op)
	}
	return t, nil
}

func (s *logSink) Fault(f history.Fault) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errorf("fault %v", f)
	return nil
}

func (s *logSink) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncs++
	return nil
}

// TestRecord records a few seconds of the kernel and holds the recording
// to Sink's promises.
func TestRecord(t *testing.T) {
	need(t)
	var s *logSink
	st, err := Record(context.Background(), RecordConfig{Duration: 2 * time.Second, Lifecycle: 100 * time.Millisecond, SyncEvery: 200 * time.Millisecond},
		func(setup RecordSetup) (Sink, error) {
			s = newLogSink(setup)
			return s, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range s.errs {
		t.Error(e)
	}
	if len(s.calls) > 0 {
		t.Errorf("%d calls never returned", len(s.calls))
	}
	if st.Operations != s.returns+s.events || st.Operations < 200 {
		t.Errorf("stats say %d operations, the sink saw %d returns and %d events (want at least 200)", st.Operations, s.returns, s.events)
	}
	if !slices.Equal(s.setup.Initial, []string{"lo"}) {
		t.Logf("namespaces are born with %v", s.setup.Initial)
	}
	if st.Namespaces <= 3 || st.Exited == 0 || st.TornDown != st.Exited {
		t.Errorf("%d namespaces, %d exited, %d torn down: want births beyond the 3 initial, and every exit torn down", st.Namespaces, st.Exited, st.TornDown)
	}
	if s.syncs < 5 {
		t.Errorf("%d syncs in 2s at one per 200ms", s.syncs)
	}
	if s.wrong > 0 {
		t.Errorf("%d of %d listings called after their namespace's teardown showed entries", s.wrong, s.late)
	}
	t.Logf("%+v; %d listings of torn-down namespaces", st, s.late)
}

// TestHelperRecording is not a test: TestRecordingLeavesNothing runs it
// in a child process, which records until it is killed.
func TestHelperRecording(t *testing.T) {
	if os.Getenv(helperEnv) != "record" {
		t.Skip("helper process for TestRecordingLeavesNothing")
	}
	Record(context.Background(), RecordConfig{Duration: 30 * time.Second, Lifecycle: 20 * time.Millisecond, Rate: -1},
		func(s RecordSetup) (Sink, error) { return newLogSink(s), nil })
}

// netFDs returns the descriptors of process pid that hold a network
// namespace other than this process's own (which the recorder opens
// briefly, to come back to it after making a namespace), as paths under
// /proc.
func netFDs(pid int) []string {
	own, _ := os.Readlink("/proc/self/ns/net")
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, _ := os.ReadDir(dir)
	var paths []string
	for _, fd := range fds {
		if l, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && strings.HasPrefix(l, "net:[") && l != own {
			paths = append(paths, filepath.Join(dir, fd.Name()))
		}
	}
	return paths
}

// TestRecordingLeavesNothing kills a recording in full flow, by SIGINT,
// SIGTERM and SIGKILL, and checks that every namespace it held at that
// moment is torn down with all its devices, watched through sysfs
// instances of its own. A recording's namespaces are held only by the
// process's descriptors, and its sysfs instances are detached mounts
// that appear in no mount table: nothing outlives the process.
func TestRecordingLeavesNothing(t *testing.T) {
	need(t)
	if os.Getenv(helperEnv) != "" {
		t.Skip("inside the helper")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRecording$")
			cmd.Env = append(os.Environ(), helperEnv+"=record")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			var views []*view
			for deadline := time.Now().Add(10 * time.Second); len(views) == 0; {
				if time.Now().After(deadline) {
					t.Fatal("the recording never held 3 namespaces")
				}
				time.Sleep(200 * time.Millisecond) // births and exits under way
				paths := netFDs(cmd.Process.Pid)
				if len(paths) < 3 {
					continue
				}
				for _, p := range paths {
					if v, err := watch(p); err == nil { // err: closed meanwhile
						defer v.close()
						views = append(views, v)
					}
				}
			}
			// The watch sees a live namespace (lo at least): emptiness
			// after the kill is the kernel's teardown, not a blind view.
			if left, err := (&namespace{view: views[0]}).remaining(); err != nil || len(left) == 0 {
				t.Fatalf("a namespace of the live recording shows %v %v", left, err)
			}
			cmd.Process.Signal(sig)
			cmd.Wait()
			deadline := time.Now().Add(10 * time.Second)
			for i, v := range views {
				for {
					left, err := (&namespace{view: v}).remaining()
					if err != nil {
						t.Fatal(err)
					}
					if len(left) == 0 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("namespace %d of the killed recording still shows %v", i+1, left)
					}
					time.Sleep(time.Millisecond)
				}
			}
			t.Logf("%d namespaces torn down after %v", len(views), sig)
		})
	}
}
