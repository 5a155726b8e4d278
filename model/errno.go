package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// linuxErrnos are the errno names of Linux (golang.org/x/sys/unix's
// errorList for linux/amd64). A real kernel may answer with any of them;
// the model answers with a few (the constants beside Errno).
var linuxErrnos = []string{
	"EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC",
	"EBADF", "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK",
	"EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR", "EISDIR", "EINVAL",
	"ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE",
	"EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG",
	"ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP", "ENOMSG", "EIDRM", "ECHRNG",
	"EL2NSYNC", "EL3HLT", "EL3RST", "ELNRNG", "EUNATCH", "ENOCSI", "EL2HLT",
	"EBADE", "EBADR", "EXFULL", "ENOANO", "EBADRQC", "EBADSLT", "EBFONT",
	"ENOSTR", "ENODATA", "ETIME", "ENOSR", "ENONET", "ENOPKG", "EREMOTE",
	"ENOLINK", "EADV", "ESRMNT", "ECOMM", "EPROTO", "EMULTIHOP", "EDOTDOT",
	"EBADMSG", "EOVERFLOW", "ENOTUNIQ", "EBADFD", "EREMCHG", "ELIBACC",
	"ELIBBAD", "ELIBSCN", "ELIBMAX", "ELIBEXEC", "EILSEQ", "ERESTART",
	"ESTRPIPE", "EUSERS", "ENOTSOCK", "EDESTADDRREQ", "EMSGSIZE",
	"EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT",
	"ENOTSUP", "EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE", "EADDRNOTAVAIL",
	"ENETDOWN", "ENETUNREACH", "ENETRESET", "ECONNABORTED", "ECONNRESET",
	"ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS",
	"ETIMEDOUT", "ECONNREFUSED", "EHOSTDOWN", "EHOSTUNREACH", "EALREADY",
	"EINPROGRESS", "ESTALE", "EFSCORRUPTED", "ENOTNAM", "ENAVAIL", "EISNAM",
	"EREMOTEIO", "EDQUOT", "ENOMEDIUM", "EMEDIUMTYPE", "ECANCELED", "ENOKEY",
	"EKEYEXPIRED", "EKEYREVOKED", "EKEYREJECTED", "EOWNERDEAD",
	"ENOTRECOVERABLE", "ERFKILL", "EHWPOISON", "EFTYPE",
}

// modelErrnos are the errors the specification returns.
var modelErrnos = []Errno{EEXIST, ENOENT, EINVAL, ERANGE, ENODEV, EBADF, EBUSY}

// Check reports an errno no kernel returns: neither a Linux errno name nor
// the kernel backend's "errnoN" for a number without one. A recorder's
// typo would otherwise be judged as a wrong result.
func (e Errno) Check() error {
	if e == OK || slices.Contains(linuxErrnos, string(e)) {
		return nil
	}
	if n, ok := strings.CutPrefix(string(e), "errno"); ok {
		if _, err := strconv.Atoi(n); err == nil {
			return nil
		}
	}
	known := make([]string, len(modelErrnos))
	for i, m := range modelErrnos {
		known[i] = string(m)
	}
	return fmt.Errorf("unknown errno %q (the model's: %s; or any Linux errno name)", e, strings.Join(known, ", "))
}
