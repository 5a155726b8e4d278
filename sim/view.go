package sim

import (
	"fmt"
	"github.com/sysfsim/sysfsim/model"
	"io/fs"
	"strings"
	"testing/fstest"
)

// View returns what mount m shows of the simulated tree at the end of the
// execution, as a file system rooted at /sys (see model.View, its twin).
// Only active nodes of the mount's tag are visible. devices/virtual/net
// is there even when the glue directory is gone, as in model.View, which
// has no state for it (docs/SEMANTICS.md, rule 8 of mounts).
func (x Execution) View(m int) fs.FS {
	k := x.kernel
	tag, mnt := k.useMount(m, model.ClassNet)
	mnt.done()
	v := fstest.MapFS{
		"class/net":           {Mode: fs.ModeDir | 0o755},
		"devices/virtual/net": {Mode: fs.ModeDir | 0o755},
		"kernel/uids":         {Mode: fs.ModeDir | 0o755},
	}
	user, mnt := k.useMount(m, model.UIDs)
	mnt.done()
	for _, u := range k.uids.children {
		if u.tag == user && u.isActive() {
			v["kernel/uids/"+u.name] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
		}
	}
	var devices []*node
	if dir := k.devDir(); dir != nil {
		devices = dir.children
	}
	for _, d := range devices {
		if d.tag != tag || !d.isActive() {
			continue
		}
		v["devices/virtual/net/"+d.name] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
		for _, a := range d.children {
			if a.isActive() {
				v["devices/virtual/net/"+d.name+"/"+a.name] = &fstest.MapFile{Data: fmt.Appendf(nil, "%d\n", a.value), Mode: 0o444}
			}
		}
	}
	for _, l := range k.class.children {
		if l.tag != tag || !l.isActive() || !l.target.linked {
			continue
		}
		var path []string
		for n := l.target; n != k.tree.root; n = n.parent {
			path = append([]string{n.name}, path...)
		}
		v["class/net/"+l.name] = &fstest.MapFile{Data: []byte("../../" + strings.Join(path, "/")), Mode: fs.ModeSymlink | 0o777}
	}
	return v
}
