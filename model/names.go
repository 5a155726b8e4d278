package model

// IFNAMSIZ is the size of a net device name buffer, NUL included.
const IFNAMSIZ = 16

// ValidName applies the net core's rules for a device name, as measured on
// Linux 6.18: IFNAMSIZ bytes and more is ERANGE (the netlink policy on
// IFLA_IFNAME, .len = IFNAMSIZ-1, answers before anything else); empty,
// ".", "..", or a name holding '/', ':' or white space is EINVAL
// (dev_valid_name in net/core/dev.c). The kernel backend found the empty
// name's EINVAL, where an earlier note said ERANGE.
func ValidName(name string) Errno {
	if len(name) >= IFNAMSIZ {
		return ERANGE
	}
	if name == "" || name == "." || name == ".." {
		return EINVAL
	}
	for i := range len(name) {
		if badNameByte[name[i]] {
			return EINVAL
		}
	}
	return OK
}

// nameBreakers are the bytes dev_valid_name refuses: '/', ':' and white
// space (isspace).
const nameBreakers = "/: \t\n\v\f\r"

// badNameByte holds nameBreakers as a table: every simulated and checked
// operation names a device, and strings.ContainsAny built its set anew at
// each call.
var badNameByte = func() (t [256]bool) {
	for i := range len(nameBreakers) {
		t[nameBreakers[i]] = true
	}
	return t
}()
