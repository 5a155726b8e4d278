package sched

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// readersAndWriter runs two readers and a writer over m and reports, per
// execution, how many readers were inside together at most and whether
// the writer was ever inside with another thread. shared makes the
// readers take m shared; otherwise they take it exclusively.
func readersAndWriter(s *Scheduler, m *Mutex, shared bool, most *int, mixed *bool) {
	inside, writer := 0, false
	lock, unlock := (*Thread).Lock, (*Thread).Unlock
	if shared {
		lock, unlock = (*Thread).RLock, (*Thread).RUnlock
	}
	for range 2 {
		s.Go("reader", func(t *Thread) {
			lock(t, m)
			inside++
			*most = max(*most, inside)
			*mixed = *mixed || writer
			t.Access(m, false)
			inside--
			unlock(t, m)
		})
	}
	s.Go("writer", func(t *Thread) {
		t.Lock(m)
		writer = true
		*mixed = *mixed || inside > 0
		t.Access(m, true)
		writer = false
		t.Unlock(m)
	})
}

// Readers of a shared lock are inside together in some schedule, a writer
// never with anyone; taken exclusively, readers are never together, which
// shows the measure can tell.
func TestRWLockReadersTogetherWriterAlone(t *testing.T) {
	for _, shared := range []bool{true, false} {
		most, mixed := 0, false
		st := Explore(func(s *Scheduler) { readersAndWriter(s, &Mutex{Name: "rw"}, shared, &most, &mixed) },
			ExploreOptions{Bound: Unbounded, NoReduction: true}, func(r Result) bool {
				if r.Outcome != Finished {
					t.Fatalf("shared=%v: %v", shared, r.Outcome)
				}
				return true
			})
		if !st.Exhausted || st.Err != nil {
			t.Fatalf("shared=%v: %v %v", shared, st, st.Err)
		}
		if mixed {
			t.Errorf("shared=%v: the writer was inside with another thread", shared)
		}
		if want := map[bool]int{true: 2, false: 1}[shared]; most != want {
			t.Errorf("shared=%v: at most %d readers inside together, want %d", shared, most, want)
		}
	}
}

// A writer waiting for a reader that never leaves is a deadlock, and the
// wait-for graph names the reader.
func TestRWLockWaitForNamesReaders(t *testing.T) {
	s := New(lowest{}, 100)
	m := &Mutex{Name: "kernfs_rwsem"}
	s.Go("reader", func(t *Thread) {
		t.RLock(m)
		t.Wait("forever", func() bool { return false })
	})
	s.Go("writer", func(t *Thread) {
		t.Yield()
		t.Lock(m)
	})
	s.Go("reader2", func(t *Thread) {
		t.Yield()
		t.Yield()
		t.RLock(m) // a second reader gets in beside the first
		t.RUnlock(m)
	})
	r := s.Run()
	if r.Outcome != Deadlocked {
		t.Fatalf("outcome %v, want deadlock", r.Outcome)
	}
	g := WaitForString(r.WaitFor)
	if !strings.Contains(g, "T1 waits for kernfs_rwsem held shared by T0") || !strings.Contains(g, "T0 waits for forever (holds kernfs_rwsem)") {
		t.Fatalf("wait-for graph:\n%s", g)
	}
}

// The exhaustive search treats two readers' steps as independent: two
// readers reading under a shared lock are one class of schedules, while
// two writers are several. And it explores readers inside together: two
// readers that update a counter without declaring the update atomic lose
// one in some schedule.
func TestExploreReadersAreIndependent(t *testing.T) {
	count := func(shared bool) int {
		st := Explore(func(s *Scheduler) {
			m := &Mutex{Name: "rw"}
			for range 2 {
				th := s.Go("t", func(t *Thread) {
					if shared {
						t.RLock(m)
						t.Access(m, false)
						t.RUnlock(m)
					} else {
						t.Lock(m)
						t.Access(m, true)
						t.Unlock(m)
					}
				})
				th.FirstAccess(nil, false) // up to the lock, nothing shared
			}
		}, ExploreOptions{Bound: Unbounded}, func(Result) bool { return true })
		return st.Executions
	}
	if r, w := count(true), count(false); r != 1 || w < 2 {
		t.Errorf("readers: %d executions, want 1; writers: %d, want 2 or more", r, w)
	}
	lost := false
	var x int
	Explore(func(s *Scheduler) {
		x = 0
		m := &Mutex{Name: "rw"}
		for range 2 {
			s.Go("reader", func(t *Thread) {
				t.RLock(m)
				t.Access(&x, false)
				v := x
				t.Access(&x, true) // a non-atomic update under the shared lock
				x = v + 1
				t.RUnlock(m)
			})
		}
	}, ExploreOptions{Bound: Unbounded}, func(Result) bool { lost = lost || x != 2; return !lost })
	if !lost {
		t.Error("no schedule loses an update made by two readers under a shared lock")
	}
}

func TestRUnlockNotHeldPanics(t *testing.T) {
	s := New(NewRandom(1), 10)
	m := &Mutex{Name: "rw"}
	var msg any
	s.Go("t", func(t *Thread) {
		defer func() { msg = recover() }()
		t.RUnlock(m)
	})
	s.Run()
	if msg == nil || !strings.Contains(msg.(string), "does not hold shared") {
		t.Fatalf("recovered %v", msg)
	}
}

// lowest runs the enabled thread of the lowest id.
type lowest struct{}

func (lowest) Pick(_ int, enabled []int) int { return enabled[0] }

// readersTicking runs two readers of m that each take a clock tick before
// the lock and one in the step that takes it (or, for the first, in the
// step that releases it, later), and, with writer, a writer of m too. The
// ticks order the readers' steps though the lock does not: a reader may
// take m, and tick, while the other holds it.
func readersTicking(writer bool) func(*Scheduler) {
	return func(s *Scheduler) {
		m := &Mutex{Name: "rw"}
		s.Go("reader0", func(t *Thread) {
			t.Access(nil, false)
			s.Now()
			t.RLock(m)
			t.Access(m, false)
			s.Now()
			t.RUnlock(m)
		})
		s.Go("reader1", func(t *Thread) {
			t.Access(nil, false)
			s.Now()
			t.RLock(m)
			s.Now() // in the step that takes m
			t.RUnlock(m)
		})
		if writer {
			s.Go("writer", func(t *Thread) {
				t.Lock(m)
				t.Access(m, true)
				t.Unlock(m)
			})
		}
	}
}

// DPOR explores every trace of readers that hold a shared lock together,
// as the search of every schedule finds them: a race between a step of a
// reader holding m and another reader's acquisition of m is reversed
// where it is, the acquisition being possible there, not from where the
// first reader took m (as for a writer).
func TestDPORSharedHolders(t *testing.T) {
	all := func(Result) bool { return true }
	for _, writer := range []bool{false, true} {
		full := Explore(readersTicking(writer), ExploreOptions{Bound: Unbounded, NoReduction: true, CheckTraces: true}, all)
		st := Explore(readersTicking(writer), ExploreOptions{Bound: Unbounded, CheckTraces: true}, all)
		if !full.Exhausted || !st.Exhausted || st.Duplicates != 0 || st.Traces != full.Traces || st.Executions != st.Traces {
			t.Errorf("writer %v: DPOR %+v, every schedule %+v", writer, st, full)
		}
		t.Logf("writer %v: %d traces, DPOR %d runs, every schedule %d", writer, full.Traces, st.Executions+st.Pruned, full.Executions)
	}
}

// rwOp is one operation of a random program over a reader-writer lock:
// some accesses of variables, under the lock taken shared or exclusively
// or not at all, maybe under a second mutex inside it, with clock ticks
// in the step that takes the locks or after each access.
type rwOp struct {
	accs     []rwAcc
	mode     int // 0: no lock; 1: RLock; 2: Lock
	inner    bool
	tickTake bool
	tick     bool
}

type rwAcc struct {
	v     int
	write bool
}

func randomRWProgram(rng *rand.Rand, threads int) [][]rwOp {
	p := make([][]rwOp, threads)
	for i := range p {
		for range 1 + rng.IntN(3) {
			o := rwOp{mode: rng.IntN(3), inner: rng.IntN(4) == 0, tickTake: rng.IntN(3) == 0, tick: rng.IntN(4) == 0}
			for range rng.IntN(3) {
				o.accs = append(o.accs, rwAcc{v: rng.IntN(2), write: rng.IntN(2) == 0})
			}
			p[i] = append(p[i], o)
		}
	}
	return p
}

func rwSetup(p [][]rwOp) func(*Scheduler) {
	return func(s *Scheduler) {
		vars := make([]int, 2)
		m, inner := &Mutex{Name: "rw"}, &Mutex{Name: "inner"}
		for i, ops := range p {
			s.Go(fmt.Sprint("t", i), func(t *Thread) {
				for _, o := range ops {
					switch o.mode {
					case 1:
						t.RLock(m)
					case 2:
						t.Lock(m)
					}
					if o.inner {
						t.Lock(inner)
					}
					if o.tickTake {
						s.Now()
					}
					for _, a := range o.accs {
						t.Access(&vars[a.v], a.write)
						if a.write {
							vars[a.v]++
						}
						if o.tick {
							s.Now()
						}
					}
					if o.inner {
						t.Unlock(inner)
					}
					switch o.mode {
					case 1:
						t.RUnlock(m)
					case 2:
						t.Unlock(m)
					}
				}
			})
		}
	}
}

// TestDPORSharedLocksRandom is TestDPORExploresEachTraceOnce on random
// programs over a reader-writer lock: DPOR explores each trace once, and
// as many as the search of every schedule finds. Before the fix of
// TestDPORSharedHolders it lost traces on 4 of these programs (18,114
// traces of 18,538).
func TestDPORSharedLocksRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	all := func(Result) bool { return true }
	compared, traces, runs := 0, 0, 0
	for i := range 150 {
		p := randomRWProgram(rng, 2+i%2)
		full := Explore(rwSetup(p), ExploreOptions{Bound: Unbounded, NoReduction: true, CheckTraces: true, MaxExecutions: 5000}, all)
		if !full.Exhausted {
			continue
		}
		st := Explore(rwSetup(p), ExploreOptions{Bound: Unbounded, CheckTraces: true}, all)
		if !st.Exhausted || st.Duplicates != 0 || st.Traces != full.Traces || st.Executions != st.Traces {
			t.Errorf("program %d %v: DPOR %+v, every schedule %+v", i, p, st, full)
		}
		compared++
		traces += st.Traces
		runs += st.Executions + st.Pruned
	}
	if compared < 90 {
		t.Fatalf("only %d programs compared", compared)
	}
	t.Logf("%d programs, %d traces, DPOR %d runs", compared, traces, runs)
}
