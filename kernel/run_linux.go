//go:build linux

package kernel

import (
	"context"
	"runtime"
	"sync"

	"github.com/sysfsim/sysfsim/history"
)

// Run executes p on the kernel: its setup alone, then its threads
// concurrently, each a goroutine on its own locked OS thread, released
// together. Call and Return are monotonic nanoseconds since the backend was
// made. Under model.ExitKernel, an exit is followed in its thread's records
// by the removals and the gone of the namespace's teardown (Backend.exit),
// which overlap the thread's later operations. If ctx ends first, the threads stop before their next operation and
// Run returns what was recorded with ctx's error; such a history is
// complete for the operations it holds but is not the whole program.
func Run(ctx context.Context, p history.Program, o Options) (history.History, error) {
	b, err := New(p.Config, o)
	if err != nil {
		return history.History{}, err
	}
	defer b.Close()
	return b.Run(ctx, p)
}

// Run executes p on b, which must have been made for p.Config and not used
// before.
func (b *Backend) Run(ctx context.Context, p history.Program) (history.History, error) {
	h := history.History{Config: p.Config}
	for _, op := range p.Setup {
		if err := ctx.Err(); err != nil {
			return h, err
		}
		r := history.Record{Thread: history.SetupThread, Call: b.now()}
		done, res, extra, returned, err := b.do(op)
		r.Return = b.now()
		if returned != 0 {
			r.Return = returned
		}
		if err != nil {
			return h, err
		}
		r.Op, r.Result = done, res
		h.Records = append(h.Records, r)
		for _, x := range extra {
			x.Thread = history.SetupThread
			h.Records = append(h.Records, x)
		}
	}

	recs := make([][]history.Record, len(p.Threads))
	errs := make([]error, len(p.Threads))
	var ready, done sync.WaitGroup
	gate := make(chan struct{})
	for t, ops := range p.Threads {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			// No operation changes its thread's state, so the thread can
			// go back to the pool afterwards.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			pause := b.pauser(t)
			ready.Done()
			<-gate
			for _, op := range ops {
				if errs[t] = ctx.Err(); errs[t] != nil {
					return
				}
				pause()
				r := history.Record{Thread: t, Call: b.now()}
				done, res, extra, returned, err := b.do(op)
				r.Return = b.now()
				if returned != 0 {
					r.Return = returned
				}
				if err != nil {
					errs[t] = err
					return
				}
				r.Op, r.Result = done, res
				recs[t] = append(recs[t], r)
				for _, x := range extra {
					x.Thread = t
					recs[t] = append(recs[t], x)
				}
			}
		}()
	}
	ready.Wait()
	close(gate)
	done.Wait()
	for t := range recs {
		h.Records = append(h.Records, recs[t]...)
	}
	h.Faults = b.Faults()
	for _, err := range errs {
		if err != nil {
			return h, err
		}
	}
	return h, nil
}
