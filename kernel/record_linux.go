//go:build linux

package kernel

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sysfsim/sysfsim/model"
)

// Record runs a recording (RecordConfig): it makes the initial
// namespaces, hands what it learned to open for the sink, and then hands
// the sink every event as it happens. It returns when the workload has run
// for c.Duration or ctx has ended, every operation under way has returned,
// and every namespace that exited has been seen torn down (or its
// ExitTimeout passed); then it drops everything it made. The error is
// non-nil when the recording could not start, when the kernel failed in a
// way that is no answer (the recording then ends where it was, that call
// without its return), or when the sink failed.
func Record(ctx context.Context, c RecordConfig, open func(RecordSetup) (Sink, error)) (RecordStats, error) {
	c, err := c.withDefaults()
	if err != nil {
		return RecordStats{}, err
	}
	r := &recorder{c: c, start: time.Now(),
		stats: RecordStats{ByKind: map[string]int{}, Errors: map[string]int{}}}
	r.nextIndex.Store(firstIndex)
	defer r.close()
	setup, err := r.begin()
	if err != nil {
		return r.stats, err
	}
	if r.sink, err = open(setup); err != nil {
		return r.stats, err
	}
	work, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()
	r.cancel = cancel
	r.run(work)
	r.drains.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.ElapsedS = time.Since(r.start).Seconds()
	r.stats.Interrupted = ctx.Err() != nil
	r.stats.Exited = r.stats.ByKind[model.Exit.String()]
	if r.err == nil {
		r.err = r.sink.Sync()
	}
	return r.stats, r.err
}

// begin makes the initial namespaces and returns the recording's setup.
// Every namespace must be born with the same entries, since the format
// declares them once.
func (r *recorder) begin() (RecordSetup, error) {
	c := model.Config{Namespaces: r.c.Max, Exit: model.ExitKernel}
	var initial []string
	for i := 1; i <= r.c.Max; i++ {
		if i > r.c.Initial {
			c.Later = append(c.Later, i)
			continue
		}
		ns, err := r.make()
		if err != nil {
			return RecordSetup{}, err
		}
		if i == 1 {
			initial = ns.initial()
		} else if !slices.Equal(initial, ns.initial()) {
			return RecordSetup{}, fmt.Errorf("kernel recording: ns1 was born with %v, ns%d with %v", initial, i, ns.initial())
		}
		c.Mounts = append(c.Mounts, i)
		r.live = append(r.live, ns)
	}
	return RecordSetup{Config: c, Initial: initial}, nil
}

// recorder is a recording under way.
type recorder struct {
	c      RecordConfig
	sink   Sink
	start  time.Time
	cancel func()

	mu    sync.Mutex // guards stats and err
	stats RecordStats
	err   error // the first failure; it ends the recording

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

// check keeps err, the first failure, which ends the recording, and
// returns the first failure.
func (r *recorder) check(err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil && err != nil {
		r.err = err
		if r.cancel != nil {
			r.cancel()
		}
	}
	return r.err
}

// count adds an operation that returned res to the statistics.
func (r *recorder) count(op model.Op, res model.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.Operations++
	r.stats.ByKind[op.Kind.String()]++
	if res.Err != model.OK {
		r.stats.Errors[string(res.Err)]++
	}
}

// do records op on thread around ask, which puts it to the kernel;
// notFound is what ENODEV means for it (see result).
func (r *recorder) do(thread int, op model.Op, notFound model.Errno, ask func() (model.Result, error)) error {
	if err := r.check(nil); err != nil {
		return err
	}
	id, _, err := r.sink.Call(thread, op)
	if err != nil {
		return r.check(err)
	}
	res, err := ask()
	if err != nil {
		res, err = result(err, notFound)
	}
	if err != nil {
		// No answer: the call stays pending in the recording.
		return r.check(fmt.Errorf("kernel recording: %v: %w", op, err))
	}
	r.count(op, res)
	_, err = r.sink.Return(id, res)
	return r.check(err)
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
			// Like Run's threads: each worker on an OS thread of its own,
			// and its own thread in the recording.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			paced(ctx, every, func() error { return step(i, rng) })
		})
	}
	rng := rand.New(rand.NewPCG(r.c.Seed, 1<<32))
	life := r.c.Writers + r.c.Readers
	wg.Go(func() { paced(ctx, r.c.Lifecycle, func() error { return r.lifecycle(life, rng) }) })
	wg.Go(func() {
		paced(ctx, r.c.SyncEvery, func() error { return r.check(r.sink.Sync()) })
	})
	wg.Wait()
}

// paced runs step until ctx ends or step fails, pausing after each step
// for a random time of mean every (half to one and a half times it). The
// pause follows the step, whatever it took: a kernel operation that took
// long (a removal waits for RCU grace periods, 17ms median here) is
// followed by a pause all the same, so that the workers are idle together
// often. The check cuts the history where nothing is under way, and only
// such moments let it.
func paced(ctx context.Context, every time.Duration, step func() error) {
	for ctx.Err() == nil {
		if err := step(); err != nil {
			return
		}
		if every <= 0 {
			continue
		}
		t := time.NewTimer(every/2 + rand.N(every))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
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
