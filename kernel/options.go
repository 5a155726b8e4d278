package kernel

import "time"

// Options tune the backend.
type Options struct {
	// ExitNoWait, under model.ExitTag only, makes exit return as soon as
	// the backend has dropped its references to the namespace, before the
	// kernel has deleted anything; by default such an exit returns once the
	// namespace's sysfs instance is empty. Under model.ExitKernel exit
	// always returns at once and its teardown is recorded apart.
	ExitNoWait bool
	// ExitTimeout bounds the wait for a namespace's teardown; past it, exit
	// returns and the history gets a fault. Default 10s.
	ExitTimeout time.Duration
	// ExitPoll is the pause between two looks at a dying namespace's sysfs
	// instance. Default 100µs.
	ExitPoll time.Duration
	// Delay, when positive, makes each thread wait a random time below it
	// before each of its operations, and a readdir between two of its
	// getdents calls, to widen the windows between them (a litmus test's
	// --delay). DelaySeed seeds the waits before operations.
	Delay     time.Duration
	DelaySeed uint64
	// ReaddirBuffer is the size in bytes of a readdir's getdents buffer
	// (default 8192: a listing in one call). A litmus run sets it small, so
	// that a listing takes one call per entry, as the simulator's does.
	ReaddirBuffer int
}

// defaultReaddirBuffer holds a net class listing of hundreds of entries.
const defaultReaddirBuffer = 8192

func (o Options) withDefaults() Options {
	if o.ExitTimeout == 0 {
		o.ExitTimeout = 10 * time.Second
	}
	if o.ReaddirBuffer <= 0 {
		o.ReaddirBuffer = defaultReaddirBuffer
	}
	if o.ExitPoll == 0 {
		o.ExitPoll = 100 * time.Microsecond
	}
	return o
}
