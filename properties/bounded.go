package properties

import (
	"fmt"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"
)

// DefaultMemoryLimit is the heap a linearizability check lets porcupine's
// search grow to when Options.MemoryLimit is 0: 2 GiB.
const DefaultMemoryLimit = 2 << 30

// bounds are what a linearizability check may spend: time (0: no bound)
// and heap, the Options' MemoryLimit (0: DefaultMemoryLimit, negative:
// no bound).
type bounds struct {
	timeout time.Duration
	memory  int64
}

// heapLimit is the heap bound in bytes, 0 for none.
func (b bounds) heapLimit() uint64 {
	switch {
	case b.memory < 0:
		return 0
	case b.memory == 0:
		return DefaultMemoryLimit
	}
	return uint64(b.memory)
}

// heapMetric is the Go heap's objects, live and not yet swept: what
// porcupine's search, whose cache of (linearized set, state) pairs never
// shrinks, makes grow.
const heapMetric = "/memory/classes/heap/objects:bytes"

// heapBytes reads heapMetric.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// heapEvery is how many of porcupine's steps go between two readings of
// the heap while it searches: a step copies a state at most (a few
// kilobytes), so the search overshoots the bound by a few megabytes at
// most, and a reading (about a microsecond) costs little beside a
// thousand steps.
const heapEvery = 1024

// searchPorcupine runs porcupine's check of ops with model m within
// timeout (0: none), stopping it when the heap grows past limit bytes
// (0: no bound). A search stopped so is Unknown, never a pass, and over
// is the heap read then; info is what porcupine had found.
//
// Porcupine takes no context from its caller: its search is watched and
// stopped from the model's Step, which reads the heap every heapEvery
// steps and, once over the bound, fails every step, which unwinds the
// search in a few passes over its stack (porcupine then says Illegal,
// which is not believed). Porcupine runs on histories whose concurrency
// the end search cannot follow (issue 13: a stretch of 40 pending steps
// makes it follow every interleaving), and a process that runs out of
// memory crashes rather than saying it could not decide.
func searchPorcupine(m porcupine.Model, ops []porcupine.Operation, timeout time.Duration, limit uint64) (res porcupine.CheckResult, info porcupine.LinearizationInfo, over uint64) {
	if limit == 0 {
		res, info = porcupine.CheckOperationsVerbose(m, ops, timeout)
		return res, info, 0
	}
	var steps atomic.Int64 // partitions are searched in parallel
	var heap atomic.Uint64 // the heap read over the bound; 0: not over
	step := m.Step
	m.Step = func(s, in, out any) (bool, any) {
		if heap.Load() > 0 {
			return false, s
		}
		if steps.Add(1)%heapEvery == 0 {
			if x := heapBytes(); x > limit {
				heap.Store(x)
				return false, s
			}
		}
		return step(s, in, out)
	}
	res, info = porcupine.CheckOperationsVerbose(m, ops, timeout)
	if x := heap.Load(); x > 0 {
		return porcupine.Unknown, info, x
	}
	return res, info, 0
}

// wideStretch says of a stretch of n steps, at most wide of them pending at
// once, that the end search could not follow it. (A step is an operation
// or a step of a device flow, as History.Steps has them.)
func wideStretch(n, wide int) string {
	return fmt.Sprintf("too wide: %d steps pending at once in %d, beyond what the end search follows (%d left behind, %d that may go next, %d orders at a time)",
		wide, n, maxPending, maxNext, maxFrontier)
}

// overMemory says that porcupine's search of what stopped at heap bytes,
// over the bound limit.
func overMemory(what string, heap, limit uint64) string {
	return fmt.Sprintf("%s; porcupine's search of them passed the memory bound (heap %d MiB, bound %d MiB)", what, heap>>20, limit>>20)
}
