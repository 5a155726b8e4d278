package properties

import (
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// mountLife is what a history says of one mount's life: the return of
// the first Mount that made it and the call of the first Mount of it,
// whatever that returned; the call of its first Umount, whatever that
// returned (a failed or pending one may still have taken the mount away,
// as far as an overlapping operation can tell), and the return of the
// first that succeeded.
type mountLife struct {
	made, mountCall, umount, umountReturn     int64
	wasMade, mountCalled, umounting, umounted bool
}

// mountLives holds the life of each mount a history's Mount and Umount
// operations name: in a slice by mount number below maxSmallMount (a
// listing looks its mount up, and a long history numbers thousands of
// mounts), in a map for any other a hand-written history names.
type mountLives struct {
	small []mountLife
	other map[int]mountLife
}

// maxSmallMount bounds the mount numbers mountLives keeps in its slice.
const maxSmallMount = 1 << 16

// reset empties ls, keeping its memory.
func (ls *mountLives) reset() {
	clear(ls.small)
	ls.small = ls.small[:0]
	clear(ls.other)
}

// note adds what record r, a Mount or a Umount, says of its mount's life.
func (ls *mountLives) note(r *history.Record) {
	l := ls.get(r.Op.Mount)
	if r.Op.Kind == model.Mount {
		l.mountCall, l.mountCalled = earliest(l.mountCall, l.mountCalled, r.Call)
		if succeeded(r) {
			l.made, l.wasMade = earliest(l.made, l.wasMade, r.Return)
		}
	} else {
		l.umount, l.umounting = earliest(l.umount, l.umounting, r.Call)
		if succeeded(r) {
			l.umountReturn, l.umounted = earliest(l.umountReturn, l.umounted, r.Return)
		}
	}
	ls.set(r.Op.Mount, l)
}

// get returns the life of mount m, the zero life if no operation names it.
func (ls *mountLives) get(m int) mountLife {
	if m >= 0 && m < maxSmallMount {
		if m < len(ls.small) {
			return ls.small[m]
		}
		return mountLife{}
	}
	return ls.other[m]
}

func (ls *mountLives) set(m int, l mountLife) {
	if m >= 0 && m < maxSmallMount {
		if m >= len(ls.small) {
			ls.small = append(ls.small, make([]mountLife, m+1-len(ls.small))...)
		}
		ls.small[m] = l
		return
	}
	if ls.other == nil {
		ls.other = map[int]mountLife{}
	}
	ls.other[m] = l
}

// earliest returns the earlier of t, if set, and u, and true.
func earliest(t int64, set bool, u int64) (int64, bool) {
	if set && t <= u {
		return t, true
	}
	return u, true
}
