package model

import (
	"fmt"
	"io/fs"
	"testing/fstest"
)

// View returns what mount m shows of state s, as a file system rooted at
// /sys: class/net/<name> symlinks into devices/virtual/net, each device's
// directory with its ifindex attribute, and kernel/uids as the mount's user
// tag shows it. It implements
// fs.ReadLinkFS, so a link reads as the path kernfs_get_target_path
// computes.
func View(c Config, s State, m int) fs.FS {
	tag := s.mountTag(&c, m)
	v := fstest.MapFS{
		"class/net":           {Mode: fs.ModeDir | 0o755},
		"devices/virtual/net": {Mode: fs.ModeDir | 0o755},
		"kernel/uids":         {Mode: fs.ModeDir | 0o755},
	}
	user := s.mountUser(&c, m)
	for _, e := range s.uids {
		if e.Tag == user {
			v["kernel/uids/"+e.Name] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
		}
	}
	for _, d := range s.devs {
		if d.tag != tag || d.dying {
			continue
		}
		v["devices/virtual/net/"+d.name] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
		v["devices/virtual/net/"+d.name+"/ifindex"] = &fstest.MapFile{Data: fmt.Appendf(nil, "%d\n", d.index), Mode: 0o444}
	}
	for _, l := range s.links {
		if l.tag != tag {
			continue
		}
		if d, ok := s.dev(l.dev); ok {
			v["class/net/"+l.name] = &fstest.MapFile{Data: []byte(devicesPath + d.name), Mode: fs.ModeSymlink | 0o777}
		}
	}
	return v
}

// Files reads a view, this package's or the simulator's, into path ->
// content, a link as "-> " and its target: two views show the same
// thing when their Files are equal.
func Files(v fs.FS) (map[string]string, error) {
	m := map[string]string{}
	err := fs.WalkDir(v, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := fs.ReadLink(v, path)
			m[path] = "-> " + target
			return err
		case !d.IsDir():
			b, err := fs.ReadFile(v, path)
			m[path] = string(b)
			return err
		}
		return nil
	})
	return m, err
}
