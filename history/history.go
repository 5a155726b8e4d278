// Package history holds what an execution is made of and what it leaves
// behind: the program that ran (Program) and the operations it recorded, with
// their call and return times (History). The simulator writes histories, the
// checkers in package properties judge them, and package traces stores them.
package history

import (
	"slices"

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

// Operations converts the records into porcupine operations, with the
// index of the record each came from.
//
// A device flow recorded whole (a real kernel, where only the flow is seen)
// becomes its kernfs steps (model.Steps), each spanning the whole flow: the
// order between them is not enforced, which is weaker than the kernel but
// never wrong. Readdir listings are left out: a listing is not atomic, so
// CheckReaddir judges them instead. A pending operation gets a nil output
// (any result) and a return after everything else, since it may or may not
// have taken effect.
func (h History) Operations() ([]porcupine.Operation, []int) {
	var last int64
	for _, r := range h.Records {
		last = max(last, r.Return, r.Call)
	}
	clients := h.clients()
	ops := make([]porcupine.Operation, 0, len(h.Records))
	from := make([]int, 0, len(h.Records))
	for i, r := range h.Records {
		if r.Op.Kind == model.Readdir {
			continue
		}
		client := r.Thread
		if client == SetupThread {
			client = clients
		}
		if !r.Op.Kind.IsFlow() {
			// A single step: no expansion to allocate.
			o := porcupine.Operation{ClientId: client, Input: r.Op, Output: r.Result, Call: r.Call, Return: r.Return}
			if r.Pending {
				o.Output, o.Return = nil, last+1
			}
			ops = append(ops, o)
			from = append(from, i)
			continue
		}
		steps := model.Steps(r.Op, r.Result)
		for k, st := range steps {
			o := porcupine.Operation{ClientId: client, Input: st, Output: r.Result, Call: r.Call, Return: r.Return}
			if len(steps) > 1 || st.Kind != r.Op.Kind {
				// A step of a flow: its own result is success, but for the
				// one that failed (always the last expanded).
				o.Output = model.Result{}
				if k == len(steps)-1 {
					o.Output = model.Result{Err: r.Result.Err}
				}
			}
			if r.Pending {
				o.Output = nil
				o.Return = last + 1
			}
			ops = append(ops, o)
			from = append(from, i)
		}
	}
	return ops, from
}

// clients returns the number of concurrent threads in the history.
func (h History) clients() int {
	n := 0
	for _, r := range h.Records {
		n = max(n, r.Thread+1)
	}
	return n
}
