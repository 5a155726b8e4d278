//go:build linux

package kernel

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// Backend is one program's kernel state: its namespaces, the sysfs
// instances its mounts look through, its processes and the attribute files
// it opened. Do is safe for concurrent use.
type Backend struct {
	cfg  model.Config
	opts Options
	ns   []*namespace // ns[i] is program namespace i; ns[0] is nil
	// relink is held across a rename's two requests and by moves; see
	// rename.
	relink sync.Mutex
	start  time.Time

	mu        sync.Mutex
	mounts    map[int]*mount   // live mounts by program number
	made      map[int]bool     // every mount number ever used
	procs     []int            // procs[p-1]: the namespace process p is in
	files     map[int]openFile // by program descriptor
	nextIndex int32
	faults    []history.Fault
}

// mount is one sysfs instance a program mount looks through. mu orders the
// observers that use it (shared) against its umount (exclusive).
type mount struct {
	mu   sync.RWMutex
	tag  int
	v    *view
	gone bool
}

// openFile is an attribute file the program opened: the kernel's
// descriptor, and the mount it was opened through.
type openFile struct {
	fd, mount int
}

// firstIndex is the first ifindex the backend gives a device, above those
// of lo and the fallback tunnels a namespace starts with.
const firstIndex = 1000

// New makes the namespaces of cfg that exist from the start and a sysfs
// instance for each of its mounts, made inside the namespace it captured.
// Every mount must capture one of those namespaces: a kernel sysfs instance
// always belongs to some live namespace.
func New(cfg model.Config, o Options) (*Backend, error) {
	if cfg.Namespaces < 1 || cfg.Namespaces > 63 {
		return nil, fmt.Errorf("kernel backend: %d namespaces (1..63 supported)", cfg.Namespaces)
	}
	later := func(ns int) bool { return slices.Contains(cfg.Later, ns) }
	for i, t := range cfg.Mounts {
		if t < 1 || t > cfg.Namespaces || later(t) {
			return nil, fmt.Errorf("kernel backend: mount %d captures ns%d, which does not exist at the start", i+1, t)
		}
	}
	b := &Backend{cfg: cfg, opts: o.withDefaults(), ns: make([]*namespace, cfg.Namespaces+1),
		start: time.Now(), mounts: map[int]*mount{}, made: map[int]bool{},
		procs: slices.Clone(cfg.Procs), files: map[int]openFile{}, nextIndex: firstIndex}
	for i := 1; i <= cfg.Namespaces; i++ {
		b.ns[i] = &namespace{id: i, fd: -1}
		if later(i) {
			continue
		}
		if err := b.ns[i].make(); err != nil {
			b.Close()
			return nil, fmt.Errorf("kernel backend: namespace %d: %w", i, err)
		}
	}
	for i, t := range cfg.Mounts {
		v, err := b.ns[t].newMount()
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("kernel backend: mount %d: %w", i+1, err)
		}
		b.mounts[i+1] = &mount{tag: t, v: v}
		b.made[i+1] = true
	}
	return b, nil
}

// newMount makes a sysfs instance inside the namespace, which is alive.
func (ns *namespace) newMount() (*view, error) {
	var v *view
	err := ns.inside(func() (err error) {
		v, err = newView()
		return err
	})
	return v, err
}

// Close closes the program's files and drops every namespace and sysfs
// instance. The kernel then deletes the devices asynchronously.
func (b *Backend) Close() {
	b.mu.Lock()
	for fd, f := range b.files {
		unix.Close(f.fd)
		delete(b.files, fd)
	}
	mounts := b.mounts
	b.mounts = map[int]*mount{}
	b.mu.Unlock()
	for _, m := range mounts {
		m.mu.Lock()
		if !m.gone {
			m.v.close()
			m.gone = true
		}
		m.mu.Unlock()
	}
	for _, ns := range b.ns {
		if ns != nil {
			ns.close()
		}
	}
}

// Faults returns what the backend noticed beyond operation results: an
// exit that did not complete within Options.ExitTimeout.
func (b *Backend) Faults() []history.Fault {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]history.Fault(nil), b.faults...)
}

func (b *Backend) now() int64 { return int64(time.Since(b.start)) }

func (b *Backend) fault(f history.Fault) {
	b.mu.Lock()
	b.faults = append(b.faults, f)
	b.mu.Unlock()
}

func (b *Backend) valid(ns int) bool { return ns >= 1 && ns <= b.cfg.Namespaces }

// alive takes the namespace's shared lock and reports whether it is born
// and has not exited; the caller unlocks when alive is true.
func (b *Backend) alive(id int) (*namespace, bool) {
	ns := b.ns[id]
	ns.mu.RLock()
	if !ns.born || ns.exited {
		ns.mu.RUnlock()
		return nil, false
	}
	return ns, true
}

// result turns a kernel answer into a model result. The net core says
// ENODEV where the model says ENOENT: no device by that name
// (__dev_get_by_name found nothing); a read of a removed attribute says
// ENODEV in both. Errors the model does not know keep their kernel names,
// so the checkers see them. err is non-nil only when the backend itself
// failed.
func result(err error, notFound model.Errno) (model.Result, error) {
	if err == nil {
		return model.Result{}, nil
	}
	e, ok := errnoOf(err)
	if !ok {
		return model.Result{}, err
	}
	switch e {
	case unix.ENODEV:
		return model.Result{Err: notFound}, nil
	case unix.ENOENT:
		return model.Result{Err: model.ENOENT}, nil
	case unix.EEXIST:
		return model.Result{Err: model.EEXIST}, nil
	case unix.EINVAL:
		return model.Result{Err: model.EINVAL}, nil
	case unix.ERANGE:
		return model.Result{Err: model.ERANGE}, nil
	case unix.EBADF:
		return model.Result{Err: model.EBADF}, nil
	case unix.EBUSY:
		return model.Result{Err: model.EBUSY}, nil
	}
	if n := unix.ErrnoName(e); n != "" {
		return model.Result{Err: model.Errno(n)}, nil
	}
	return model.Result{Err: model.Errno(fmt.Sprintf("errno%d", int(e)))}, nil
}

// netResult is result for a route netlink answer.
func netResult(err error) (model.Result, error) { return result(err, model.ENOENT) }

func fail(e model.Errno) (model.Result, error) { return model.Result{Err: e}, nil }

// Do runs one operation. done is op as the kernel carried it out: for a
// successful create, with the ifindex the device was given, so that the
// checkers can tell which device a later read saw. The error is non-nil
// only when the backend could not ask the kernel at all. Do leaves out the
// records of a namespace's teardown (see exit); Run keeps them.
//
// Some answers are the backend's, not the kernel's, because the question
// cannot be put to a kernel: a namespace number outside the program, an
// operation addressing a namespace not alive (the backend no longer holds
// any reference to it, and an unnamed namespace without references cannot
// be reached), and the bookkeeping of descriptor, process and mount
// numbers. These answers follow the model; DIFFERENCES.md lists them.
func (b *Backend) Do(op model.Op) (done model.Op, r model.Result, err error) {
	done, r, _, _, err = b.do(op)
	return done, r, err
}

// do is Do, with the records an exit adds under model.ExitKernel and the
// time the exit returned (0: when do returns).
func (b *Backend) do(op model.Op) (done model.Op, r model.Result, extra []history.Record, returned int64, err error) {
	if !supported(op.Kind) {
		return op, r, nil, 0, fmt.Errorf("kernel backend: %v is not something a program can ask the kernel to do", op.Kind)
	}
	a, err := backendOps[op.Kind](b, op)
	if a.done.Kind == 0 {
		a.done = op
	}
	return a.done, a.r, a.extra, a.returned, err
}

// answer is what the kernel did with an operation: done is the operation
// as carried out (a create's with its ifindex; zero: as asked), extra and
// returned what an exit adds (see exit).
type answer struct {
	done     model.Op
	r        model.Result
	extra    []history.Record
	returned int64
}

// backendOps are the operations a program can ask the kernel to do, each
// the function that asks it. The rest of the model's kinds are steps the
// kernel takes inside these, or operations no backend drives yet.
var backendOps = [...]func(*Backend, model.Op) (answer, error){
	model.Create:   (*Backend).createOp,
	model.Remove:   asks((*Backend).remove),
	model.Rename:   asks((*Backend).rename),
	model.Move:     asks((*Backend).move),
	model.Exit:     (*Backend).exitOp,
	model.Lookup:   asks((*Backend).lookup),
	model.Readdir:  asks((*Backend).readdir),
	model.Readlink: asks((*Backend).readlink),
	model.Open:     asks((*Backend).open),
	model.Read:     asks((*Backend).read),
	model.Close:    asks((*Backend).closeFile),
	model.Clone:    asks((*Backend).clone),
	model.Setns:    asks((*Backend).setns),
	model.Mount:    asks((*Backend).mount),
	model.Umount:   asks((*Backend).umount),
}

// supported reports whether the backend drives operations of kind k.
func supported(k model.Kind) bool { return int(k) < len(backendOps) && backendOps[k] != nil }

// asks makes an operation that only has a result an entry of backendOps.
func asks(f func(*Backend, model.Op) (model.Result, error)) func(*Backend, model.Op) (answer, error) {
	return func(b *Backend, op model.Op) (answer, error) {
		r, err := f(b, op)
		return answer{r: r}, err
	}
}

func (b *Backend) createOp(op model.Op) (answer, error) {
	r, err := b.create(&op)
	return answer{done: op, r: r}, err
}

func (b *Backend) exitOp(op model.Op) (answer, error) {
	r, extra, returned, err := b.exit(op)
	return answer{r: r, extra: extra, returned: returned}, err
}
