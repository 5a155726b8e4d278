package tracefile

import (
	"errors"
	"fmt"
	"slices"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// recorded is what the parser keeps for the recorded form (FORMAT.md, "The
// recorded form"): the open calls by id, the lanes in use, what each mount
// captured, and whether the program is to be derived.
type recorded struct {
	ids     map[int]int  // open call id -> record
	usedIDs map[int]bool // every id called
	busy    map[int]int  // thread -> operations open on it
	fileOps int          // calls and events in the file
	derived bool         // a config line: no program given
	initial []string     // the config line's initial entries
	// mountTag and mountUser are what each mount captured: those made
	// before the start from the config, the others from their mount's
	// result.
	mountTag, mountUser map[int]int
	mountCalled         map[int]bool // mounts a mount operation was called for
}

func (p *parser) parseConfig(b []byte) error {
	var c configLine
	if err := strict(b, &c); err != nil {
		return err
	}
	if err := requireKeys(b, "config"); err != nil {
		return err
	}
	if err := c.Config.Check(); err != nil {
		return err
	}
	for _, name := range c.Initial {
		if e := model.ValidName(name); e != model.OK {
			return fmt.Errorf("initial entry %q is not a device name (%s)", name, e)
		}
	}
	p.derived, p.initial = true, c.Initial
	p.programLine = p.line
	p.t.History.Config = c.Config
	for ns := 1; ns <= c.Config.Namespaces; ns++ {
		if !slices.Contains(c.Config.Later, ns) {
			p.makeInitial(history.SetupThread, ns, 0)
		}
	}
	return nil
}

// makeInitial records the creates of the initial entries of namespace ns,
// born at time at on thread.
func (p *parser) makeInitial(thread, ns int, at int64) {
	for _, name := range p.initial {
		p.t.History.Records = append(p.t.History.Records, history.Record{Thread: thread, Op: model.Op{Kind: model.Create, NS: ns, Name: name}, Call: at, Return: at})
		p.callLines = append(p.callLines, p.line)
	}
}

// init makes the recorded form's maps on first use.
func (r *recorded) init(c model.Config) {
	if r.ids != nil {
		return
	}
	r.ids, r.usedIDs, r.busy = map[int]int{}, map[int]bool{}, map[int]int{}
	r.mountTag, r.mountUser, r.mountCalled = map[int]int{}, map[int]int{}, map[int]bool{}
	for m, ns := range c.Mounts {
		r.mountTag[m+1] = ns
		r.mountUser[m+1] = max(1, at(c.MountUsers, m))
	}
}

func at(xs []int, i int) int {
	if i < len(xs) {
		return xs[i]
	}
	return 0
}

// thread checks a call's or event's thread, or picks its lane: the lowest
// thread with nothing open on it.
func (p *parser) thread(given *int) (int, error) {
	if given == nil {
		lane := 0
		for p.busy[lane] > 0 {
			lane++
		}
		return lane, nil
	}
	th := *given
	if th < history.SetupThread {
		return 0, fmt.Errorf("thread %d; threads are 0.., and -1 for setup", th)
	}
	if p.derived {
		return th, nil
	}
	if th >= len(p.t.Program.Threads) {
		return 0, fmt.Errorf("call on thread %d; the program has threads 0..%d (and -1 for setup)", th, len(p.t.Program.Threads)-1)
	}
	return th, p.fromProgram(th)
}

func (p *parser) parseRecordedCall(b []byte) error {
	var c recCallLine
	if err := strict(b, &c); err != nil {
		return err
	}
	if err := requireKeys(b, "id", "time", "op"); err != nil {
		return err
	}
	p.init(p.t.History.Config)
	if err := p.tick(c.Time); err != nil {
		return err
	}
	if p.usedIDs[c.ID] {
		return fmt.Errorf("a second call with id %d: an id names one call", c.ID)
	}
	th, err := p.thread(c.Thread)
	if err != nil {
		return err
	}
	if err := c.Op.Check(); err != nil {
		return err
	}
	if err := p.knownMount(c.Op); err != nil {
		return err
	}
	p.usedIDs[c.ID], p.ids[c.ID] = true, len(p.t.History.Records)
	if c.Op.Kind == model.Mount {
		p.mountCalled[c.Op.Mount] = true
	}
	p.busy[th]++
	p.fileOps++
	p.t.History.Records = append(p.t.History.Records, history.Record{Thread: th, Op: c.Op, Call: c.Time})
	p.callLines = append(p.callLines, p.line)
	return nil
}

// knownMount rejects, in a history without a program, an operation
// through a mount that neither the configuration nor an earlier mount
// operation makes.
func (p *parser) knownMount(op model.Op) error {
	if op.Kind.Takes()&model.FMount == 0 || op.Kind == model.Mount || !p.derived {
		// A given program's mounts were checked with the program.
		return nil
	}
	if _, ok := p.mountTag[op.Mount]; ok || p.mountCalled[op.Mount] {
		return nil
	}
	return fmt.Errorf("%v goes through mount %d, which neither the config (mounts 1..%d) nor an earlier mount makes", op, op.Mount, len(p.t.History.Config.Mounts))
}

func (p *parser) parseRecordedReturn(b []byte) error {
	var r recReturnLine
	if err := strict(b, &r); err != nil {
		return err
	}
	if err := requireKeys(b, "id", "time", "result"); err != nil {
		return err
	}
	p.init(p.t.History.Config)
	if err := p.tick(r.Time); err != nil {
		return err
	}
	i, ok := p.ids[r.ID]
	if !ok {
		if p.usedIDs[r.ID] {
			return fmt.Errorf("a second return of id %d", r.ID)
		}
		return fmt.Errorf("return of id %d without a call", r.ID)
	}
	delete(p.ids, r.ID)
	rec := &p.t.History.Records[i]
	p.busy[rec.Thread]--
	res, err := p.filled(&rec.Op, r.Result)
	if err != nil {
		return err
	}
	rec.Result, rec.Return = res, r.Time
	p.learnMount(*rec)
	return nil
}

// filled checks a recorded result and fills in what a recorder cannot
// see: the tag of a found entry, taken from the mount it went through,
// and the ifindex a create returned, moved into the operation.
func (p *parser) filled(op *model.Op, r model.Result) (model.Result, error) {
	if (op.Kind == model.Create || op.Kind == model.AddDev) && r.Index != 0 {
		if op.Index != 0 && op.Index != r.Index {
			return r, fmt.Errorf("%v returned ifindex %d", op, r.Index)
		}
		op.Index, r.Index = r.Index, 0
	}
	if err := checkResult(*op, r); err != nil {
		return r, err
	}
	if r.Err != model.OK || op.Kind == model.Mount {
		return p.filledMount(*op, r), nil
	}
	foundUntagged := (op.Kind == model.Lookup || op.Kind == model.Open) && r.Tag == 0
	listedUntagged := slices.ContainsFunc(r.Entries, func(e model.Entry) bool { return e.Tag == 0 })
	if !foundUntagged && !listedUntagged {
		return r, nil
	}
	tag, ok := p.mountTag[op.Mount]
	if op.Dir == model.UIDs {
		tag, ok = p.mountUser[op.Mount]
	}
	if tag == 0 || !ok {
		return r, fmt.Errorf("%v: the result leaves out the tag, and the tag mount %d captured is not known (its mount has not returned, or failed)", op, op.Mount)
	}
	if foundUntagged {
		r.Tag = tag
	}
	if listedUntagged {
		r.Entries = slices.Clone(r.Entries)
		for i := range r.Entries {
			if r.Entries[i].Tag == 0 {
				r.Entries[i].Tag = tag
			}
		}
	}
	return r, nil
}

// filledMount gives a successful mount's result the user namespace its
// process has, when the recorder left it out.
func (p *parser) filledMount(op model.Op, r model.Result) model.Result {
	if op.Kind == model.Mount && r.Err == model.OK && r.User == 0 {
		r.User = max(1, at(p.t.History.Config.ProcUsers, op.Proc-1))
	}
	return r
}

// learnMount keeps what a successful mount captured.
func (p *parser) learnMount(r history.Record) {
	if r.Op.Kind == model.Mount && r.Result.Err == model.OK && !r.Pending {
		p.mountTag[r.Op.Mount], p.mountUser[r.Op.Mount] = r.Result.Tag, r.Result.User
	}
}

func (p *parser) parseEvent(b []byte) error {
	var e eventLine
	if err := strict(b, &e); err != nil {
		return err
	}
	if err := requireKeys(b, "time", "op"); err != nil {
		return err
	}
	p.init(p.t.History.Config)
	if err := p.tick(e.Time); err != nil {
		return err
	}
	if s, ok := e.Op.Kind.Spec(); ok && s.Class != model.LifecycleClass {
		return fmt.Errorf("an event is a lifecycle operation (clone, mount, gone, ...), not %s: record it with a call and a return", s.Name)
	}
	th, err := p.thread(e.Thread)
	if err != nil {
		return err
	}
	var res model.Result
	if e.Result != nil {
		res = *e.Result
	}
	if err := p.eventProcess(&e.Op, res); err != nil {
		return err
	}
	if err := e.Op.Check(); err != nil {
		return err
	}
	if res, err = p.filled(&e.Op, res); err != nil {
		return err
	}
	p.fileOps++
	if e.Op.Kind == model.Mount {
		p.mountCalled[e.Op.Mount] = true
	}
	rec := history.Record{Thread: th, Op: e.Op, Result: res, Call: e.Time, Return: e.Time}
	p.t.History.Records = append(p.t.History.Records, rec)
	p.callLines = append(p.callLines, p.line)
	p.learnMount(rec)
	if e.Op.Kind == model.Clone && res.Err == model.OK {
		p.makeInitial(th, e.Op.NS, e.Time)
	}
	return nil
}

// eventProcess gives a mount event without a process one of its own,
// starting in the namespace the mount captured (its result's tag).
func (p *parser) eventProcess(op *model.Op, res model.Result) error {
	if op.Kind != model.Mount || op.Proc != 0 {
		return nil
	}
	if !p.derived {
		return errors.New("a mount event without a process, but the trace has a program: name the process")
	}
	if res.Err != model.OK {
		return fmt.Errorf("a failed mount event without a process: name the process")
	}
	c := &p.t.History.Config
	if res.Tag < 1 || res.Tag > c.Namespaces {
		return fmt.Errorf("a mount event captures namespace %d; the config has 1..%d", res.Tag, c.Namespaces)
	}
	c.Procs = append(slices.Clip(c.Procs), res.Tag)
	op.Proc = len(c.Procs)
	if res.User > 1 || len(c.ProcUsers) > 0 {
		for len(c.ProcUsers) < op.Proc-1 {
			c.ProcUsers = append(c.ProcUsers, 1)
		}
		c.ProcUsers = append(slices.Clip(c.ProcUsers), max(1, res.User))
	}
	return nil
}

// derivedProgram is the program of a recorded history given without one:
// setup the operations of thread -1, thread t those of thread t, each in
// call order.
func derivedProgram(h history.History) history.Program {
	p := history.Program{Config: h.Config, Threads: [][]model.Op{}}
	for _, r := range h.Records {
		if r.Thread == history.SetupThread {
			p.Setup = append(p.Setup, r.Op)
			continue
		}
		for len(p.Threads) <= r.Thread {
			p.Threads = append(p.Threads, nil)
		}
		p.Threads[r.Thread] = append(p.Threads[r.Thread], r.Op)
	}
	for i := range p.Threads {
		if p.Threads[i] == nil {
			p.Threads[i] = []model.Op{}
		}
	}
	return p
}
