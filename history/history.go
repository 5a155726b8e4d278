// Package history holds what an execution is made of and what it leaves
// behind: the program that ran (Program) and the operations it recorded, with
// their call and return times (History). The simulator writes histories, the
// checkers in package properties judge them, and package traces stores them.
package history

import (
	"fmt"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"

	"github.com/sysfsim/sysfsim/model"
)

// Program is a concurrent test: Setup runs alone first, then each of
// Threads runs its operations in order, concurrently with the others.
type Program struct {
	Config  model.Config `json:"config"`
	Setup   []model.Op   `json:"setup,omitempty"`
	Threads [][]model.Op `json:"threads"`
}

// Ops counts the operations in the program, setup included.
func (p Program) Ops() int {
	n := len(p.Setup)
	for _, th := range p.Threads {
		n += len(th)
	}
	return n
}

// SetupThread is the thread number setup operations are recorded with.
const SetupThread = -1

// Record is one operation as it happened. Call and Return are ticks of a
// logical clock (the simulator) or monotonic nanoseconds (a real kernel);
// only their order matters. An operation that never returned (its thread was
// stuck when the execution ended) has Pending set and no Result.
type Record struct {
	Thread  int          `json:"thread"`
	Op      model.Op     `json:"op"`
	Result  model.Result `json:"result"`
	Call    int64        `json:"call"`
	Return  int64        `json:"return"`
	Pending bool         `json:"pending,omitempty"`
}

// FaultKind names a fault the implementation detected about itself, beyond
// what operations returned.
type FaultKind string

// Faults.
const (
	UseAfterFree FaultKind = "use-after-free" // freed memory was touched
	Leak         FaultKind = "leak"           // memory still held when all was closed
	Deadlock     FaultKind = "deadlock"       // no thread could run
	StepBound    FaultKind = "step-bound"     // the execution did not end in time
	Crash        FaultKind = "crash"          // the kernel would have hit BUG()
)

// FaultKinds lists every fault kind.
var FaultKinds = []FaultKind{UseAfterFree, Leak, Deadlock, StepBound, Crash}

// ParseFaultKind reads a fault kind's name; an unknown one is an error
// listing the known ones.
func ParseFaultKind(name string) (FaultKind, error) {
	if k := FaultKind(name); slices.Contains(FaultKinds, k) {
		return k, nil
	}
	known := make([]string, len(FaultKinds))
	for i, k := range FaultKinds {
		known[i] = string(k)
	}
	return "", fmt.Errorf("unknown fault %q (known: %s)", name, strings.Join(known, ", "))
}

// MarshalText writes the kind's name.
func (k FaultKind) MarshalText() ([]byte, error) { return []byte(k), nil }

// UnmarshalText reads a kind's name (ParseFaultKind).
func (k *FaultKind) UnmarshalText(b []byte) error {
	x, err := ParseFaultKind(string(b))
	if err != nil {
		return err
	}
	*k = x
	return nil
}

// Fault is something the implementation noticed while running.
type Fault struct {
	Kind   FaultKind `json:"fault"`
	Thread int       `json:"thread"`
	Time   int64     `json:"time"`
	Detail string    `json:"detail"`
}

// History is what an execution recorded.
type History struct {
	Config  model.Config `json:"config"`
	Records []Record     `json:"records"`
	Faults  []Fault      `json:"faults,omitempty"`
}

// Clone returns a copy of h that shares no memory with it, but for the
// strings and result entries, which nothing modifies.
func (h History) Clone() History {
	h.Records = slices.Clone(h.Records)
	h.Faults = slices.Clone(h.Faults)
	return h
}

// Step is one operation as the linearizability checkers see it: a single
// kernfs step, observer or exit, with the client (thread) that ran it and
// the index of the record it came from.
type Step struct {
	model.Event
	Client       int
	Call, Return int64
	Record       int
}

// Steps appends the history's operations to dst, as the checkers see them.
//
// A device flow recorded whole (a real kernel, where only the flow is seen)
// becomes its kernfs steps (model.Steps), each spanning the whole flow: the
// order between them is not enforced, which is weaker than the kernel but
// never wrong. Readdir listings are left out: a listing is not atomic, so
// CheckReaddir judges them instead. A pending operation returns after
// everything else, since it may or may not have taken effect.
func (h History) Steps(dst []Step) []Step {
	var last int64
	for _, r := range h.Records {
		last = max(last, r.Return, r.Call)
	}
	clients := h.clients()
	// Most records are one step: growing once saves copying a long
	// history's steps as append doubles.
	dst = slices.Grow(dst, len(h.Records))
	for i, r := range h.Records {
		if r.Op.Kind == model.Readdir {
			continue
		}
		st := Step{Event: model.Event{Op: r.Op, Result: r.Result, Pending: r.Pending}, Client: r.Thread, Call: r.Call, Return: r.Return, Record: i}
		if r.Thread == SetupThread {
			st.Client = clients
		}
		if r.Pending {
			st.Result, st.Return = model.Result{}, last+1
		}
		if !r.Op.Kind.IsFlow() {
			dst = append(dst, st)
			continue
		}
		steps := model.Steps(r.Op, r.Result)
		for k, op := range steps {
			st.Op = op
			if !r.Pending && (len(steps) > 1 || op.Kind != r.Op.Kind) {
				// A step of a flow: its own result is success, but for
				// the one that failed (always the last expanded).
				st.Result = model.Result{}
				if k == len(steps)-1 {
					st.Result = model.Result{Err: r.Result.Err}
				}
			}
			dst = append(dst, st)
		}
	}
	return dst
}

// Operations converts the history's steps (see Steps) into porcupine
// operations, with the index of the record each came from. A pending
// operation gets a nil output: any result.
func (h History) Operations() ([]porcupine.Operation, []int) {
	steps := h.Steps(nil)
	ops := make([]porcupine.Operation, len(steps))
	from := make([]int, len(steps))
	for i, st := range steps {
		ops[i] = st.Operation()
		from[i] = st.Record
	}
	return ops, from
}

// Operation converts the step into a porcupine operation. A pending one
// gets a nil output: any result.
func (st Step) Operation() porcupine.Operation {
	o := porcupine.Operation{ClientId: st.Client, Input: st.Op, Output: st.Result, Call: st.Call, Return: st.Return}
	if st.Pending {
		o.Output = nil
	}
	return o
}

// clients returns the number of concurrent threads in the history.
func (h History) clients() int {
	n := 0
	for _, r := range h.Records {
		n = max(n, r.Thread+1)
	}
	return n
}
