//go:build linux

package kernel

import (
	"math/rand/v2"
	"time"

	"golang.org/x/sys/unix"
)

// FirstIndex is the ifindex the backend gives its first device; the
// model numbers devices from 1, so a kernel ifindex i is the model's
// i-FirstIndex+1.
const FirstIndex = firstIndex

// Exists reports whether path (relative to the sysfs root, such as
// "class/net/eth0") exists through program mount m now, without following
// a final symbolic link: a litmus test's final view. A mount that is gone,
// or was never made, shows nothing.
func (b *Backend) Exists(m int, path string) bool {
	mt := b.useMount(m)
	if mt == nil {
		return false
	}
	defer mt.mu.RUnlock()
	var st unix.Stat_t
	return unix.Fstatat(mt.v.root, path, &st, unix.AT_SYMLINK_NOFOLLOW) == nil
}

// pauser returns what thread t calls before each of its operations: a
// busy wait of a random length below Options.Delay, drawn from a stream
// of its own (DelaySeed and t), so that the threads' windows shift
// against one another from run to run, as klitmus7's delays do. Without
// a Delay it does nothing. The wait spins rather than sleeps: a sleep
// of a few microseconds costs the scheduler more than it delays.
func (b *Backend) pauser(t int) func() {
	if b.opts.Delay <= 0 {
		return func() {}
	}
	r := rand.New(rand.NewPCG(b.opts.DelaySeed, uint64(t)))
	return func() { spin(time.Duration(r.Int64N(int64(b.opts.Delay)))) }
}

// randomWait is what a readdir does between two getdents calls: with a
// Delay, a busy wait of a random length below it, from the shared
// source (the readdir does not know its thread), so that a listing over
// several calls is open for longer to a concurrent change; without, nothing.
func (b *Backend) randomWait() {
	if b.opts.Delay > 0 {
		spin(time.Duration(rand.Int64N(int64(b.opts.Delay))))
	}
}

func spin(d time.Duration) {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
	}
}
