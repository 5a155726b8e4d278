//go:build linux

package kernel

import (
	"errors"
	"fmt"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// The route netlink requests the backend sends. Each addresses its device
// by name where the kernel allows it (RTM_NEWLINK for creation, RTM_DELLINK,
// and RTM_NEWLINK with IFLA_NET_NS_FD for a move: rtnl_dellink and
// rtnl_setlink look the device up by IFLA_IFNAME when ifi_index is 0), so
// that finding the device and acting on it happen in one rtnl critical
// section, as the model's operation does. A rename cannot be addressed by
// name (IFLA_IFNAME carries the new name), so it is two requests; see
// Backend.rename.

// request starts a route netlink request on the namespace's socket. The
// caller holds ns.mu shared and has checked that the namespace is alive.
func (ns *namespace) request(typ, flags int, name string) *nl.NetlinkRequest {
	req := nl.NewNetlinkRequest(typ, flags|unix.NLM_F_ACK)
	req.Sockets = ns.rt
	req.AddData(nl.NewIfInfomsg(unix.AF_UNSPEC))
	req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(name)))
	return req
}

// createIfb makes an ifb device called name with ifindex idx (RTM_NEWLINK,
// NLM_F_CREATE | NLM_F_EXCL: rtnl_newlink, rtnl_create_link,
// register_netdevice, which takes a requested ifindex if it is free in the
// namespace). ifb is a virtual device that any network namespace may hold,
// needs no peer and carries no traffic unless something redirects to it.
func (ns *namespace) createIfb(name string, idx int32) error {
	req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK)
	req.Sockets = ns.rt
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = idx
	req.AddData(msg)
	req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(name)))
	info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
	info.AddRtAttr(nl.IFLA_INFO_KIND, nl.NonZeroTerminated("ifb"))
	req.AddData(info)
	_, err := req.Execute(unix.NETLINK_ROUTE, 0)
	return err
}

// deleteLink deletes the device called name (RTM_DELLINK by name:
// rtnl_dellink, unregister_netdevice_many). Its sysfs entries are removed
// before the request returns; only the freeing of the device waits.
func (ns *namespace) deleteLink(name string) error {
	_, err := ns.request(unix.RTM_DELLINK, 0, name).Execute(unix.NETLINK_ROUTE, 0)
	return err
}

// moveLink moves the device called name into the namespace held by fd,
// keeping its name (RTM_NEWLINK by name with IFLA_NET_NS_FD: do_setlink,
// __dev_change_net_namespace with the same name as pattern, which fails
// with EEXIST if the name is taken there).
func (ns *namespace) moveLink(name string, fd int) error {
	req := ns.request(unix.RTM_NEWLINK, 0, name)
	req.AddData(nl.NewRtAttr(unix.IFLA_NET_NS_FD, nl.Uint32Attr(uint32(fd))))
	_, err := req.Execute(unix.NETLINK_ROUTE, 0)
	return err
}

// rtextFilterSkipStats is RTEXT_FILTER_SKIP_STATS from linux/rtnetlink.h:
// an RTM_GETLINK answer without the device's counters.
const rtextFilterSkipStats = 1 << 3

// index returns the ifindex of the device called name (RTM_GETLINK by
// name, statistics left out).
func (ns *namespace) index(name string) (int32, error) {
	req := ns.request(unix.RTM_GETLINK, 0, name)
	req.AddData(nl.NewRtAttr(unix.IFLA_EXT_MASK, nl.Uint32Attr(rtextFilterSkipStats)))
	msgs, err := req.Execute(unix.NETLINK_ROUTE, unix.RTM_NEWLINK)
	if err != nil {
		return 0, err
	}
	if len(msgs) != 1 || len(msgs[0]) < unix.SizeofIfInfomsg {
		return 0, fmt.Errorf("RTM_GETLINK %q: %d answers", name, len(msgs))
	}
	return nl.DeserializeIfInfomsg(msgs[0]).Index, nil
}

// renameIndex gives the device with ifindex idx the name to (RTM_NEWLINK
// by index with IFLA_IFNAME: do_setlink, netif_change_name, device_rename).
func (ns *namespace) renameIndex(idx int32, to string) error {
	req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_ACK)
	req.Sockets = ns.rt
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = idx
	req.AddData(msg)
	req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(to)))
	_, err := req.Execute(unix.NETLINK_ROUTE, 0)
	return err
}

// errnoOf splits an error from the kernel into its errno. ok is false for
// anything else: a failure of the backend itself, not an answer.
func errnoOf(err error) (unix.Errno, bool) {
	var e unix.Errno
	if errors.As(err, &e) {
		return e, true
	}
	return 0, false
}
