//go:build linux

// Command recorder is an example of a recorder for sysfsim: it records a
// short concurrent history of the Linux kernel's namespace-tagged sysfs in
// the trace format's recorded form (traces/tracefile/FORMAT.md), which
// 'sysfsim check' then judges. It is meant to be copied and changed: to
// record another system, keep the tracefile.Recorder calls and change what
// is asked of the system between them.
//
//	sudo go run ./examples/recorder -d 2s -o recording.jsonl
//	sysfsim check recording.jsonl
//
// What it does, in one file and with nothing of sysfsim but its format
// package: two network namespaces, each with a sysfs instance made inside
// it (its mount); one writer creating ifb devices and then renaming,
// moving and removing them by ifindex, as iproute2 does once it has
// resolved a name; one reader listing and looking up /sys/class/net
// through the mounts; a third namespace born a third of the way in, and
// the second deleted two thirds of the way, its teardown watched until its
// sysfs instance is empty. Everything it makes is held by descriptors of
// the process, unnamed: nothing outlives it, however it ends. It needs
// CAP_SYS_ADMIN and CAP_NET_ADMIN (root, or root in a user namespace).
//
// Three rules make a recording right, whatever the system:
//   - call Recorder.Call before asking the system and Recorder.Return after
//     the answer came, so that the stamped interval holds the operation;
//   - record an event (a birth, a mount, a teardown over) only after it
//     has happened, and before anything can depend on it;
//   - record what the system answered, never what you expected.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

func main() {
	d := flag.Duration("d", 2*time.Second, "how long to record")
	out := flag.String("o", "recording.jsonl", "the recording, written as it happens")
	flag.Parse()
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "recorder:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	n, err := record(ctx, f, *d)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "recorder:", err)
		os.Exit(1)
	}
	fmt.Printf("%d operations recorded in %s; check them with: sysfsim check %s\n", n, *out, *out)
}

// The threads of the recording: one per goroutine that calls operations.
// The teardown's removals are the kernel's work, on no thread of ours
// (tracefile.AnyThread).
const (
	writerThread = iota
	readerThread
	lifecycleThread
)

// record records for d, or until ctx ends, into f, and returns the number
// of operations recorded.
func record(ctx context.Context, f *os.File, d time.Duration) (int, error) {
	w, err := newWorld()
	if err != nil {
		return 0, err
	}
	defer w.close()
	// The configuration: three namespaces, the first two alive from the
	// start with their mounts 1 and 2, the third born later; exits as
	// today's kernel does them (cleanup_net). Every namespace is born with
	// the entries the kernel makes in it: lo, here.
	cfg := model.Config{Namespaces: 3, Mounts: []int{1, 2}, Later: []int{3}, Exit: model.ExitKernel}
	rec, err := tracefile.NewRecorder(f, tracefile.Header{Source: "example-recorder"},
		tracefile.Setup{Config: cfg, Initial: w.ns[0].initial}, nil)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	done := make(chan error, 3)
	go func() { done <- w.write(ctx, rec) }()
	go func() { done <- w.read(ctx, rec) }()
	go func() { done <- w.lifecycle(ctx, rec, d) }()
	go flushEvery(ctx, rec, 100*time.Millisecond)
	for range 3 {
		if e := <-done; e != nil && err == nil {
			err = e
			cancel() // one failed: stop the others
		}
	}
	if cerr := rec.Close(); err == nil {
		err = cerr
	}
	return w.ops, err
}

// flushEvery writes the recorded lines out and syncs the file at every
// tick: a crash loses at most the last period, and what is on disk is
// always a readable prefix.
func flushEvery(ctx context.Context, rec *tracefile.Recorder, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if rec.Flush() != nil {
				return
			}
		}
	}
}

// do records op on thread around ask, which puts it to the kernel and
// returns its answer.
func (w *world) do(rec *tracefile.Recorder, thread int, op model.Op, ask func() model.Result) error {
	id, _, err := rec.Call(thread, op)
	if err != nil {
		return err
	}
	r := ask()
	w.mu.Lock()
	w.ops++
	w.mu.Unlock()
	_, err = rec.Return(id, r)
	return err
}
