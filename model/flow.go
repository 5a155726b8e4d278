package model

// A device flow is cut into kernfs steps here, and only here. The table
// below says, for each flow kind, its steps in order and what follows when
// each one fails. Apply runs it on the specification, the simulator runs
// it under rtnl (sim/flows.go), and Steps reads it to expand a flow that a
// history recorded whole.

// onFail is what a flow does when one of its steps fails.
type onFail uint8

const (
	// stop: the flow returns the step's error. What the steps before it
	// did stays done.
	stop onFail = iota
	// undoPrevious: the step before is taken backwards (inverse), then
	// the flow returns the failed step's error.
	undoPrevious
)

// flowStep is one step of a flow's description.
type flowStep struct {
	kind   Kind
	onFail onFail
}

// flowSteps describes each flow kind.
var flowSteps = [...][]flowStep{
	// register_netdevice -> device_add: the directory with its attributes
	// (kobject_add), then the class symlink (device_add_class_symlinks).
	// A link that fails leaves the directory. device_add's error path
	// would remove it; the specification has never modelled that.
	Create: {{AddDev, stop}, {AddLink, stop}},
	// unregister_netdevice_many: reg_state leaves NETREG_REGISTERED, then
	// device_del removes the class symlink before the directory.
	Remove: {{Unregister, stop}, {DelLink, stop}, {DelDev, stop}},
	// dev_change_name -> device_rename: the class link, then the
	// directory. If the directory cannot follow, the link is renamed back,
	// as the 2024 fix of device_rename does.
	Rename: {{RenameLink, stop}, {RenameDev, undoPrevious}},
	// __dev_change_net_namespace -> device_rename with the new namespace:
	// kernfs_rename_ns re-tags the link, then the directory, and puts the
	// link back as a rename does.
	Move: {{MoveLink, stop}, {MoveDev, undoPrevious}},
}

// handbackSteps is cleanup_net's move of a physical device back to the
// initial namespace (default_device_exit_net). A failure at either step
// stands for that function's BUG(): the cleanup ends there, so nothing is
// put back.
var handbackSteps = []flowStep{{MoveLink, stop}, {MoveDev, stop}}

// maxFlowSteps bounds the steps of a flow: Remove's three.
const maxFlowSteps = 3

// Flow is one device flow cut into its kernfs steps, in the order the
// kernel takes them. It is a value with room for its steps, so that
// running one allocates nothing.
type Flow struct {
	steps [maxFlowSteps]FlowStep
	n     int
}

// FlowStep is one kernfs step of a flow. Undo, when its Kind is set, is
// what the kernel takes after Op fails, to put back what the step before
// did; the flow then returns Op's error.
type FlowStep struct {
	Op   Op
	Undo Op
}

// FlowOf returns the description of op: its steps, each with its
// arguments taken from op. An operation that is not a flow is its own
// single step. Fields op's kind does not take are not passed on: a move
// keeps the device's name (only a handback renames in a move).
func FlowOf(op Op) (f Flow) {
	f.Of(&op)
	return f
}

// Of makes f the description of op, as FlowOf returns it, in place: a
// Flow holds six operations, which the simulator, making one per device
// flow, would otherwise copy several times over.
func (f *Flow) Of(op *Op) {
	if !op.Kind.IsFlow() {
		*f = Flow{steps: [maxFlowSteps]FlowStep{{Op: *op}}, n: 1}
		return
	}
	f.build(op, kindSpecs[op.Kind].takes, flowSteps[op.Kind])
}

// StepsOf returns how many kernfs steps op takes when none fails: its
// flow's steps (FlowOf), or 1 for an operation that is not a flow.
func StepsOf(op Op) int {
	if !op.Kind.IsFlow() {
		return 1
	}
	return len(flowSteps[op.Kind])
}

// Handback returns cleanup_net's move of the physical device name of the
// exited namespace ns back to the initial namespace (namespace 1), as
// newName when that is set: dev_change_net_namespace with a pattern
// changes the name in the same kernfs_rename_ns as the tag. Its steps are
// marked Cleanup, and a failure is final (see handbackSteps).
func Handback(ns int, name, newName string) (f Flow) {
	f.build(&Op{Kind: Move, NS: ns, Name: name, To: 1, NewName: newName, Cleanup: true}, ^Fields(0), handbackSteps)
	return f
}

// build makes f the flow of op from its description: each step takes the
// fields of op in mask that its own kind takes (its printed form names
// them, kindSpecs). Running a flow is on the simulator's hot path, so the
// steps are filled in place.
func (f *Flow) build(op *Op, mask Fields, desc []flowStep) {
	f.n = len(desc)
	for i, d := range desc {
		st := &f.steps[i]
		st.Op = *op
		st.Op.Kind = d.kind
		st.Op.keep(mask & kindSpecs[d.kind].takes)
		if d.onFail == undoPrevious {
			st.Undo = f.steps[i-1].Op
			st.Undo.invert()
		} else if st.Undo.Kind != 0 { // f was another flow (Of)
			st.Undo = Op{}
		}
	}
}

// invert makes op the rename or move that takes it back: from the new
// name and namespace to the old ones. In place: an operation is 128
// bytes, which a function of values would copy in and out again.
func (op *Op) invert() {
	if op.Kind == MoveLink || op.Kind == MoveDev {
		op.NS, op.To = op.To, op.NS
		if op.NewName == "" {
			return
		}
	}
	op.Name, op.NewName = op.NewName, op.Name
}

// Steps returns the flow's steps, in order.
func (f *Flow) Steps() []FlowStep { return f.steps[:f.n] }

// Run takes the flow's steps in order, each through step, which runs one
// atomic step and returns its result. When a step fails, Run takes its
// undo, if it has one, through step too, whatever that returns, and
// returns the failed step's result. Otherwise it returns the last step's.
func (f *Flow) Run(step func(Op) Result) Result {
	return f.RunSteps(func(op *Op) Result { return step(*op) })
}

// RunSteps is Run with each step's operation passed by pointer, the
// flow's own, which step must not change: the simulator and the
// specification run a flow for nearly every device operation, and an
// operation is 128 bytes to copy.
func (f *Flow) RunSteps(step func(*Op) Result) Result {
	var r Result
	for i := range f.n {
		st := &f.steps[i] // by pointer: a step is two operations, 256 bytes
		if r = step(&st.Op); r.Err != OK {
			if st.Undo.Kind != 0 {
				step(&st.Undo)
			}
			return r
		}
	}
	return r
}

// applyFlow is Apply of a device flow: its description run step by step
// on the specification, undo included.
func applyFlow(c Config, s State, op Op) (Result, State) {
	// A flow addressed by ifindex is resolved once, before its first
	// step, so that an undo names the device as the kernel held it.
	op, ok := s.byIndex(op)
	if !ok {
		return Result{Err: ENOENT}, s
	}
	f := FlowOf(op)
	r := f.RunSteps(func(st *Op) Result {
		var r Result
		r, s = Apply(c, s, *st)
		return r
	})
	return r, s
}

// Steps expands an operation recorded whole into the kernfs steps its
// flow's description has (FlowOf). A flow that succeeded (r.Err is OK)
// took every step. A flow that failed is taken to have failed at its
// first step, with r's error, having changed nothing. Any other operation
// is its own single step.
//
// That rule is coarser than the kernel, where a flow can fail part way:
// a rename whose directory cannot follow its link renames the link back,
// and an observer may have seen it renamed in between. Under rtnl, with a
// device's link and directory agreeing between flows, the first step fails
// whenever a later one would (the net core checks names before any kernfs
// step), so the rule holds there. A flow that failed part way all the same
// is judged as if it had changed nothing, which may not be so. The
// simulator records each step on its own and never needs the rule.
func Steps(op Op, r Result) []Op {
	f := FlowOf(op)
	steps := f.Steps()
	if r.Err != OK {
		steps = steps[:1]
	}
	ops := make([]Op, len(steps))
	for i, st := range steps {
		ops[i] = st.Op
	}
	return ops
}
