package model

import "strings"

// IFNAMSIZ is the size of a net device name buffer, NUL included.
const IFNAMSIZ = 16

// ValidName applies the net core's rules for a device name
// (dev_valid_name in net/core/dev.c, as measured on Linux 6.18): empty or
// IFNAMSIZ bytes and more is ERANGE; ".", "..", or a name holding '/', ':' or
// white space is EINVAL.
func ValidName(name string) Errno {
	if name == "" || len(name) >= IFNAMSIZ {
		return ERANGE
	}
	if name == "." || name == ".." || strings.ContainsAny(name, "/: \t\n\v\f\r") {
		return EINVAL
	}
	return OK
}
