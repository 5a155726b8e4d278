//go:build linux

package kernel

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/sysfsim/sysfsim/model"
)

// namespace is one program namespace: an unnamed network namespace, kept
// alive only by the descriptors below, a route netlink socket opened inside
// it, and a sysfs instance made inside it.
type namespace struct {
	id int
	// mu orders operations that address the namespace (shared) against its
	// exit (exclusive), so that a descriptor is never used after exit closed
	// it, and the descriptor number never reaches a namespace it no longer
	// names.
	mu     sync.RWMutex
	born   bool // made: at the start, or by a clone for a namespace declared for later
	exited bool
	fd     int                      // nsfs descriptor; -1 after exit
	rt     map[int]*nl.SocketHandle // route netlink inside the namespace; nil after exit
	view   *view                    // kept after exit: it shows what is left
	// base holds the entries the namespace had when it was made (lo, and the
	// fallback tunnel devices some modules add to every namespace). The model
	// has no such entries; readdir leaves them out.
	base map[string]bool
}

// make brings the namespace to life: an unnamed network namespace with its
// socket and sysfs instance. The work is done on a locked OS thread that
// enters the new namespace with unshare, then goes back where it was with
// setns; if it cannot go back, the thread stays locked and dies with its
// goroutine, so no other goroutine ever runs inside the namespace. The
// caller holds mu exclusively, or is the only one to know ns.
func (ns *namespace) make() error {
	return onThread(func() (bool, error) { return ns.enterNew() })
}

// onThread runs f on a locked OS thread of its own. f reports whether the
// thread is back in its original namespaces, so that it can be reused.
func onThread(f func() (back bool, err error)) error {
	ch := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		back, err := f()
		if back {
			runtime.UnlockOSThread()
		}
		ch <- err
	}()
	return <-ch
}

// inside runs f on a locked thread inside the namespace. The caller holds
// mu shared and knows the namespace alive.
func (ns *namespace) inside(f func() error) error {
	return onThread(func() (bool, error) {
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return true, err
		}
		defer unix.Close(orig)
		if err := unix.Setns(ns.fd, unix.CLONE_NEWNET); err != nil {
			return true, fmt.Errorf("enter namespace %d: %w", ns.id, err)
		}
		err = f()
		return unix.Setns(orig, unix.CLONE_NEWNET) == nil, err
	})
}

// enterNew runs on a locked thread. back reports whether the thread is in
// its original network namespace again.
func (ns *namespace) enterNew() (back bool, err error) {
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return true, fmt.Errorf("open own network namespace: %w", err)
	}
	defer unix.Close(orig)
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return true, fmt.Errorf("unshare network namespace: %w", err)
	}
	defer func() {
		back = unix.Setns(orig, unix.CLONE_NEWNET) == nil
		if !back && err == nil {
			err = fmt.Errorf("could not return from namespace %d", ns.id)
		}
		if err != nil {
			ns.release()
		}
	}()
	if ns.fd, err = unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
		return false, fmt.Errorf("open new network namespace: %w", err)
	}
	// With no namespace given, the socket opens where the thread is: here.
	sock, err := nl.GetNetlinkSocketAt(netns.None(), netns.None(), unix.NETLINK_ROUTE)
	if err != nil {
		return false, fmt.Errorf("route netlink socket: %w", err)
	}
	ns.rt = map[int]*nl.SocketHandle{unix.NETLINK_ROUTE: {Socket: sock}}
	if ns.view, err = newView(); err != nil {
		return false, err
	}
	ns.base = map[string]bool{}
	for _, d := range []model.Dir{model.ClassNet, model.Devices} {
		names, err := ns.view.list(d)
		if err != nil {
			return false, fmt.Errorf("list %s of a new namespace: %w", d.Path(), err)
		}
		for _, n := range names {
			ns.base[n] = true
		}
	}
	ns.born = true
	return false, nil
}

// drop closes the namespace's own references: its socket and its
// descriptor. The caller holds mu exclusively. Once no thread, socket or
// descriptor refers to it, the kernel frees it asynchronously (cleanup_net
// runs from a work queue after an RCU grace period) and only then deletes
// its virtual devices.
func (ns *namespace) drop() {
	ns.exited = true
	for _, s := range ns.rt {
		s.Close()
	}
	ns.rt = nil
	if ns.fd >= 0 {
		unix.Close(ns.fd)
		ns.fd = -1
	}
}

// close releases everything, the sysfs instance included.
func (ns *namespace) close() {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ns.release()
}

func (ns *namespace) release() {
	ns.drop()
	if ns.view != nil {
		ns.view.close()
		ns.view = nil
	}
}

// remaining returns what is left in both net class directories of the
// namespace's sysfs instance, its initial entries included: nothing once
// the namespace is wholly torn down.
func (ns *namespace) remaining() ([]string, error) {
	var left []string
	for _, d := range []model.Dir{model.ClassNet, model.Devices} {
		names, err := ns.view.list(d)
		if err != nil {
			return nil, err
		}
		left = append(left, names...)
	}
	return left, nil
}
