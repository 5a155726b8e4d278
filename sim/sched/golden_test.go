package sched

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/schedules.golden from the current scheduler")

// goldenProgram is a program of the schedule golden file: it adds its
// threads to s and returns a function that describes, once the execution
// is over, the state the threads left (so that a change in what the
// threads saw shows even where the picks stay the same).
type goldenProgram struct {
	name string
	add  func(spawn spawner, s *Scheduler) func() string
}

var goldenPrograms = []goldenProgram{
	{"counters", func(spawn spawner, s *Scheduler) func() string {
		return countersState(spawn, s, 3, 9)
	}},
	{"rwlock", rwlockProgram},
	{"waits", waitsProgram},
	{"deadlock", deadlockProgram},
	{"wide", func(spawn spawner, s *Scheduler) func() string {
		return countersState(spawn, s, maxReady+3, 3)
	}},
}

// countersState is counters that reports its two counters.
func countersState(spawn spawner, s *Scheduler, threads, steps int) func() string {
	mu := &Mutex{Name: "mu"}
	var locked, racy int
	for range threads {
		spawn(s, "c", func(t *Thread) {
			for range steps / 3 {
				t.Lock(mu)
				locked++
				t.Unlock(mu)
				t.Access(&racy, false)
				v := racy
				t.Access(&racy, true)
				racy = v + 1
			}
		})
	}
	return func() string { return fmt.Sprintf("locked=%d racy=%d", locked, racy) }
}

// rwlockProgram has two readers and two writers of one lock, and a
// thread that reads the clock between them.
func rwlockProgram(spawn spawner, s *Scheduler) func() string {
	m := &Mutex{Name: "rw"}
	var seen []string
	for i := range 2 {
		spawn(s, "reader", func(t *Thread) {
			for range 2 {
				t.RLock(m)
				t.Access(m, false)
				seen = append(seen, fmt.Sprintf("r%d@%d", i, s.Now()))
				t.RUnlock(m)
			}
		})
		spawn(s, "writer", func(t *Thread) {
			t.Lock(m)
			t.Access(m, true)
			seen = append(seen, fmt.Sprintf("w%d@%d", i, s.Now()))
			t.Unlock(m)
		})
	}
	spawn(s, "clock", func(t *Thread) {
		for range 3 {
			t.Yield()
			seen = append(seen, fmt.Sprintf("c@%d", s.Now()))
		}
	})
	return func() string { return strings.Join(seen, " ") }
}

// waitsProgram has threads that wait for conditions others make true,
// one of which may never come (a deadlock in some schedules).
func waitsProgram(spawn spawner, s *Scheduler) func() string {
	x, y := 0, 0
	spawn(s, "setx", func(t *Thread) {
		for range 3 {
			t.Access(&x, true)
			x++
		}
	})
	spawn(s, "waitx", func(t *Thread) {
		t.Wait("x reaches 2", func() bool { return x >= 2 })
		t.Access(&y, true)
		if x < 3 {
			y = x
		}
	})
	spawn(s, "waity", func(t *Thread) {
		t.Access(&x, false)
		if x == 0 {
			t.Wait("y set", func() bool { return y > 0 })
		}
		t.Yield()
	})
	return func() string { return fmt.Sprintf("x=%d y=%d", x, y) }
}

// deadlockProgram takes two locks in opposite orders, with a third
// thread that only steps.
func deadlockProgram(spawn spawner, s *Scheduler) func() string {
	a, b := &Mutex{Name: "a"}, &Mutex{Name: "b"}
	steps := 0
	for i, order := range [][2]*Mutex{{a, b}, {b, a}} {
		spawn(s, fmt.Sprintf("locker%d", i), func(t *Thread) {
			t.Lock(order[0])
			defer t.Unlock(order[0])
			t.Yield()
			t.Lock(order[1])
			defer t.Unlock(order[1])
		})
	}
	spawn(s, "stepper", func(t *Thread) {
		for range 4 {
			t.Yield()
			steps++
		}
	})
	return func() string { return fmt.Sprintf("stepper=%d", steps) }
}

// goldenStrategies are the strategies the golden file pins, each for a
// seed; surw gets counts from a first execution as a campaign gives them,
// and prefixed and replay replay part or all of a random walk.
var goldenStrategies = []struct {
	name string
	make func(seed uint64, probe func(Strategy) Result) Strategy
}{
	{"random", func(seed uint64, _ func(Strategy) Result) Strategy { return NewRandom(seed) }},
	{"pct:1", func(seed uint64, _ func(Strategy) Result) Strategy { return NewPCT(seed, 1, 3, 30) }},
	{"pct:3", func(seed uint64, _ func(Strategy) Result) Strategy { return NewPCT(seed, 3, 3, 30) }},
	{"pos", func(seed uint64, _ func(Strategy) Result) Strategy { return NewPOS(seed) }},
	{"surw", func(seed uint64, _ func(Strategy) Result) Strategy { return NewSURW(seed, nil) }},
	{"surw-counts", func(seed uint64, probe func(Strategy) Result) Strategy {
		first := NewSURW(seed+1000, nil)
		probe(first)
		return NewSURW(seed, first.Counts())
	}},
	{"portfolio", func(seed uint64, _ func(Strategy) Result) Strategy { return NewPortfolio(seed, 3, 30) }},
	{"prefixed", func(seed uint64, probe func(Strategy) Result) Strategy {
		r := probe(NewRandom(seed + 2000))
		return NewPrefixed(r.Schedule[:len(r.Schedule)/2], NewPOS(seed))
	}},
	{"replay", func(seed uint64, probe func(Strategy) Result) Strategy {
		r := probe(NewRandom(seed + 3000))
		return NewReplay(append([]int(nil), r.Schedule...))
	}},
}

// goldenSchedules runs every golden program under every golden strategy
// for a few seeds, on one scheduler reused through Reset (as sim's arenas
// do) or a new one each time, and returns one line per execution.
func goldenSchedules(spawn spawner, reuse bool) string {
	var b strings.Builder
	var s *Scheduler
	run := func(p goldenProgram, st Strategy, maxSteps int) (Result, string) {
		if reuse && s != nil {
			s.Reset(st, maxSteps)
		} else {
			s = New(st, maxSteps)
		}
		state := p.add(spawn, s)
		r := s.Run()
		return r, state()
	}
	for _, p := range goldenPrograms {
		for _, gs := range goldenStrategies {
			for seed := range uint64(4) {
				probe := func(st Strategy) Result {
					r, _ := run(p, st, 0)
					r.Schedule = append([]int(nil), r.Schedule...)
					return r
				}
				st := gs.make(seed, probe)
				maxSteps := 0
				if seed == 3 {
					maxSteps = 12 // one seed of each meets the step bound
				}
				r, state := run(p, st, maxSteps)
				fmt.Fprintf(&b, "%s %s seed=%d: %v steps=%d %s picks=%v\n", p.name, gs.name, seed, r.Outcome, r.Steps, state, r.Schedule)
				if len(r.WaitFor) > 0 {
					fmt.Fprintf(&b, "\t%s", strings.ReplaceAll(WaitForString(r.WaitFor), "\n", "\n\t"))
					b.WriteByte('\n')
				}
			}
		}
	}
	return b.String()
}

const goldenFile = "testdata/schedules.golden"

// TestSchedulesGolden pins the picks of every strategy on small programs
// of every kind of step (locks, shared locks, conditions, the clock, a
// deadlock, the step bound, more threads than the bitsets hold), for the
// coroutine and the goroutine threads and a mix of the two, new or reused
// schedulers: a change that makes the scheduler cheaper must not change a
// single pick. Run with -update to rewrite the file after an intended
// change.
func TestSchedulesGolden(t *testing.T) {
	got := goldenSchedules(spawners[0].spawn, true)
	if *update {
		if err := os.WriteFile(goldenFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range append(spawners[:len(spawners):len(spawners)], mixedSpawner) {
		for _, reuse := range []bool{true, false} {
			if got := goldenSchedules(sp.spawn, reuse); got != string(want) {
				t.Errorf("%s threads, reuse=%v: schedules differ from %s:\n%s", sp.name, reuse, goldenFile, firstDiff(got, string(want)))
			}
		}
	}
}

// mixedSpawner makes a scheduler's first thread a coroutine and the
// others goroutines, so that control passes between the two kinds.
var mixedSpawner = struct {
	name  string
	spawn spawner
}{"mixed", func(s *Scheduler, name string, fn func(*Thread)) *Thread {
	t := s.Go(name, fn)
	s.UseGoroutines()
	return t
}}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\ngot  %s\nwant %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("got %d lines, want %d", len(g), len(w))
}
