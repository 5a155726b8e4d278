package main

import (
	"context"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// interruptible returns a context ended by the first of sigs, and code,
// the exit code of a command that signal cut short: 128 plus its number
// (exitInterrupted for SIGINT, 143 for SIGTERM), as shells report a
// command a signal ended. Unless hold, the first signal gives the
// signals their default action back, so that a second one kills at once.
// stop releases the signals.
func interruptible(hold bool, sigs ...os.Signal) (ctx context.Context, code func() int, stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	ctx, cancel := context.WithCancel(context.Background())
	var got atomic.Int32
	go func() {
		select {
		case s := <-ch:
			if n, ok := s.(syscall.Signal); ok {
				got.Store(int32(n))
			}
			if !hold {
				signal.Stop(ch)
			}
			// got is stored before the context ends: whoever sees it
			// end sees the signal.
			cancel()
		case <-ctx.Done():
		}
	}()
	code = func() int {
		if n := got.Load(); n > 0 {
			return 128 + int(n)
		}
		return exitInterrupted
	}
	stop = func() {
		signal.Stop(ch)
		cancel()
	}
	return ctx, code, stop
}
