//go:build linux

package kernel

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sysfsim/sysfsim/model"
)

// Record runs a recording (RecordConfig) and hands it to sink as it
// happens. It returns when the workload has run for c.Duration or ctx has
// ended, every operation under way has returned, and every namespace that
// exited has been seen torn down (or its ExitTimeout passed); then it drops
// everything it made. The error is non-nil when the recording could not
// start, when the kernel failed in a way that is no answer (the recording
// then ends where it was, an operation maybe without its return), or when
// sink failed.
func Record(ctx context.Context, c RecordConfig, sink Sink) (RecordStats, error) {
	c, err := c.withDefaults()
	if err != nil {
		return RecordStats{}, err
	}
	r := &recorder{c: c, sink: sink, start: time.Now(),
		stats: RecordStats{ByKind: map[string]int{}, Errors: map[string]int{}}}
	r.nextIndex.Store(firstIndex)
	defer r.close()
	for range c.Initial {
		if err := r.birth(); err != nil {
			return r.stats, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()
	r.cancel = cancel
	r.run(ctx)
	r.drains.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.ElapsedS = time.Since(r.start).Seconds()
	r.stats.Interrupted = ctx.Err() == context.Canceled
	r.stats.Exited = r.stats.ByKind[model.Exit.String()]
	if r.err == nil {
		r.err = r.sink.Sync()
	}
	return r.stats, r.err
}

// recorder is a recording under way.
type recorder struct {
	c      RecordConfig
	sink   Sink
	start  time.Time
	cancel func()

	// mu orders the events: it is held while an event is timed and handed
	// to the sink, so that times and the sink's order agree.
	mu     sync.Mutex
	nextID int64
	stats  RecordStats
	err    error // the first failure; it ends the recording

	// relink is held across a rename's two requests and by moves, as
	// Backend.relink.
	relink sync.Mutex
	// nsMu guards all and live; each namespace's own mu orders the
	// operations on it against its exit, as in Backend.
	nsMu      sync.RWMutex
	all       []*namespace // all[i] is namespace i+1, whose mount is mount i+1
	live      []*namespace
	nextIndex atomic.Int32
	drains    sync.WaitGroup
}

// emit times an event and hands it to the sink, unless the recording has
// already failed.
func (r *recorder) emit(f func(t int64) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	if err := f(int64(time.Since(r.start))); err != nil {
		r.failLocked(err)
	}
	return r.err
}

// fail records the first failure and ends the recording.
func (r *recorder) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failLocked(err)
}

func (r *recorder) failLocked(err error) {
	if r.err == nil {
		r.err = err
		if r.cancel != nil {
			r.cancel()
		}
	}
}

// do records op around ask, which puts it to the kernel; notFound is
// what ENODEV means for it (see result).
func (r *recorder) do(op model.Op, notFound model.Errno, ask func() (model.Result, error)) error {
	var id int64
	if err := r.emit(func(t int64) error {
		r.nextID++
		id = r.nextID
		return r.sink.Call(t, id, op)
	}); err != nil {
		return err
	}
	res, err := ask()
	if err != nil {
		res, err = result(err, notFound)
	}
	if err != nil {
		// No answer: the call stays pending in the recording.
		r.fail(fmt.Errorf("kernel recording: %v: %w", op, err))
		return err
	}
	return r.emit(func(t int64) error {
		r.stats.Operations++
		r.stats.ByKind[op.Kind.String()]++
		if res.Err != model.OK {
			r.stats.Errors[string(res.Err)]++
		}
		return r.sink.Return(t, id, res)
	})
}

// run starts the writers, readers, the births and exits, and the syncs,
// and waits until ctx ends and all of them are done.
func (r *recorder) run(ctx context.Context) {
	var wg sync.WaitGroup
	every := time.Duration(float64(r.c.Writers+r.c.Readers) / r.c.Rate * float64(time.Second))
	if r.c.Rate < 0 {
		every = 0
	}
	for i := range r.c.Writers + r.c.Readers {
		rng := rand.New(rand.NewPCG(r.c.Seed, uint64(i)))
		step := r.writeStep
		if i >= r.c.Writers {
			step = r.readStep
		}
		wg.Go(func() {
			// Like Run's threads: each worker on an OS thread of its own.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			paced(ctx, every, func() error { return step(rng) })
		})
	}
	rng := rand.New(rand.NewPCG(r.c.Seed, 1<<32))
	wg.Go(func() { paced(ctx, r.c.Lifecycle, func() error { return r.lifecycle(rng) }) })
	wg.Go(func() {
		paced(ctx, r.c.SyncEvery, func() error { return r.emit(func(int64) error { return r.sink.Sync() }) })
	})
	wg.Wait()
}

// paced runs step every period until ctx ends or step fails; a step
// late by more than a period does not make the next ones hurry.
func paced(ctx context.Context, every time.Duration, step func() error) {
	next := time.Now()
	for ctx.Err() == nil {
		if err := step(); err != nil {
			return
		}
		if every <= 0 {
			continue
		}
		next = next.Add(every)
		wait := time.Until(next)
		if wait < -every {
			next, wait = time.Now(), 0
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

// close drops every namespace and mount the recording made. The kernel
// then tears the namespaces down by itself.
func (r *recorder) close() {
	r.nsMu.Lock()
	defer r.nsMu.Unlock()
	for _, ns := range r.all {
		ns.close()
	}
	r.all, r.live = nil, nil
}
