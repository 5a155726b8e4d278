package kernel

import (
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// KnownGap names the model gap a violating history shows the pattern of,
// or returns "": "exit" (SeesExitingNamespace) or "unregistering-read"
// (ReadsUnregistering). A history with such a pattern is consistent with
// that gap; it is still reported, never dropped.
func KnownGap(h history.History) string {
	switch {
	case ReadsUnregistering(h):
		return "unregistering-read"
	case SeesExitingNamespace(h):
		return "exit"
	}
	return ""
}

// ReadsUnregistering reports whether h holds the pattern of the model gap
// DIFFERENCES.md describes under "A read during unregistration: EINVAL": a
// read of an ifindex attribute that failed with EINVAL while a removal (or
// a namespace's teardown) was under way. netdev_show (net/core/net-sysfs.c)
// answers -EINVAL once the device's reg_state is past NETREG_REGISTERED,
// which unregister_netdevice_many sets before it removes the sysfs files.
func ReadsUnregistering(h history.History) bool {
	for _, r := range h.Records {
		if r.Op.Kind != model.Read || r.Pending || r.Result.Err != model.EINVAL {
			continue
		}
		for _, x := range h.Records {
			if x.Op.Kind == model.Remove && x.Call <= r.Return && (x.Pending || x.Return >= r.Call) {
				return true
			}
		}
	}
	return false
}

// SeesExitingNamespace reports whether h holds the pattern of the model
// gap DIFFERENCES.md describes under "Exit is a flow, not a step": an
// observer that succeeded through a mount of namespace N, called after a
// successful exit(N) was. The kernel makes N unreachable when its last
// reference goes, but unregisters its devices later, one by one, so such an
// observer can still see them. A violating history with this pattern is
// consistent with that gap; it is still reported, never dropped.
func SeesExitingNamespace(h history.History) bool {
	fdTag := map[int]int{}
	for _, r := range h.Records {
		if r.Op.Kind == model.Open {
			fdTag[r.Op.FD] = h.Config.MountTag(r.Op.Mount)
		}
	}
	for _, x := range h.Records {
		if x.Op.Kind != model.Exit || x.Pending || x.Result.Err != model.OK {
			continue
		}
		for _, o := range h.Records {
			if !o.Op.Kind.IsObserver() || o.Pending || o.Result.Err != model.OK || o.Call < x.Call {
				continue
			}
			tag := h.Config.MountTag(o.Op.Mount)
			if o.Op.Kind == model.Read {
				tag = fdTag[o.Op.FD]
			}
			if o.Op.Kind == model.Close {
				continue
			}
			if tag == x.Op.NS && (o.Op.Kind != model.Readdir || len(o.Result.Entries) > 0) {
				return true
			}
		}
	}
	return false
}
