//go:build linux

package kernel

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/sysfsim/sysfsim/model"
)

// Probe reports whether this process can run the backend: make a
// namespace with its sysfs instance, create, see, and delete one ifb device
// in it. The error names what is missing.
func Probe() error {
	ns := &namespace{id: 1, fd: -1}
	if err := ns.make(); err != nil {
		if errors.Is(err, unix.EPERM) {
			return fmt.Errorf("%w (needs CAP_SYS_ADMIN for namespaces and sysfs instances)", err)
		}
		return err
	}
	defer ns.close()
	if err := ns.createIfb("probe0", firstIndex); err != nil {
		if errors.Is(err, unix.EPERM) {
			return fmt.Errorf("create an ifb device: %w (needs CAP_NET_ADMIN)", err)
		}
		return fmt.Errorf("create an ifb device: %w (is the ifb module available?)", err)
	}
	if err := ns.view.lookup(model.ClassNet, "probe0"); err != nil {
		return fmt.Errorf("the new device is not in its namespace's sysfs instance: %w", err)
	}
	if err := ns.deleteLink("probe0"); err != nil {
		return fmt.Errorf("delete an ifb device: %w", err)
	}
	return nil
}
