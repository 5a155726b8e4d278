// Package kernel runs sysfsim's programs on the real Linux kernel: each
// program namespace is an unnamed network namespace, each device an ifb
// device, and each mount a sysfs instance made inside its namespace, so that
// the histories it records are judged by the same checkers as the
// simulator's (package properties) and saved in the same trace format.
//
// How each operation maps onto the kernel, and where the kernel's answer
// can differ from the sequential model, is written in DIFFERENCES.md beside
// this file; README.md says why the package needs its dependencies.
//
// The backend works on Linux only; elsewhere every entry point returns
// ErrNotSupported. It never touches a namespace, device or mount that it
// did not create: everything it makes is held by file descriptors of the
// process, so it all goes away when the process ends, however it ends.
// Callers that want the whole run sealed off from the host (the sysfsim
// command and this package's tests do) re-execute themselves in fresh
// user, mount and network namespaces with Reexec.
package kernel

import "errors"

// ErrNotSupported is returned where the backend cannot run at all: on an
// operating system other than Linux.
var ErrNotSupported = errors.New("kernel backend: not supported on this operating system (Linux only)")
