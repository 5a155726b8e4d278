//go:build linux

package kernel

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// isolatedEnv marks a process started by Reexec.
const isolatedEnv = "SYSFSIM_KERNEL_ISOLATED"

// Isolated reports whether this process is the copy Reexec started, inside
// its own namespaces.
func Isolated() bool { return os.Getenv(isolatedEnv) == "1" }

// Reexec runs this executable again with args, the same environment and
// standard streams, in fresh mount and network namespaces (and, unless the
// process is root, a fresh user namespace in which it is root), waits for
// it and returns its exit code. Nothing the copy does can reach the host's
// interfaces or mount table, and whatever it made disappears when it ends:
// its namespaces, devices and mounts are held by it alone. The copy is
// killed if this process dies first; SIGINT and SIGTERM are passed on to it.
//
// The error is non-nil when the copy could not be started, for instance
// because user namespaces are disabled; it names the reason.
func Reexec(args []string) (int, error) {
	if Isolated() {
		return 0, errors.New("kernel: already isolated")
	}
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), isolatedEnv+"=1")
	attr := &syscall.SysProcAttr{
		Cloneflags: unix.CLONE_NEWNS | unix.CLONE_NEWNET,
		Pdeathsig:  syscall.SIGKILL,
	}
	if os.Geteuid() != 0 {
		attr.Cloneflags |= unix.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
		attr.GidMappingsEnableSetgroups = false
	}
	cmd.SysProcAttr = attr

	// Pdeathsig follows the thread that started the child: keep it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		how := "mount and network namespaces"
		if attr.Cloneflags&unix.CLONE_NEWUSER != 0 {
			how = "user, mount and network namespaces (are unprivileged user namespaces enabled?)"
		}
		return 0, fmt.Errorf("kernel: cannot start an isolated copy in new %s: %w", how, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	for {
		select {
		case s := <-sigs:
			cmd.Process.Signal(s)
		case err := <-waited:
			if cmd.ProcessState != nil {
				if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					return 128 + int(ws.Signal()), nil
				}
				return cmd.ProcessState.ExitCode(), nil
			}
			return 0, err
		}
	}
}
