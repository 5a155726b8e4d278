package properties

import (
	"fmt"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// key names an entry: a name with a tag, in one of the two directories.
type key struct {
	dir  model.Dir
	name string
	tag  int
}

func (k key) String() string { return fmt.Sprintf("%s/%s@ns%d", k.dir.Path(), k.name, k.tag) }

// mountTags holds the tags each mount captured, one per tag type: those
// made before the start, from the configuration, and those the program
// made, from what their Mount operations returned. Mount ids are small
// (the simulator and the model take them below 64): an array holds those,
// and a map any other a hand-written history names.
type mountTags struct {
	net, user [64]int
	used      int            // the arrays are zero from here on
	other     map[int][2]int // net, user
	// configured counts the mounts of the configuration (fromStart), and
	// lives holds when each mount the history's Mount and Umount
	// operations name was made and went (mountlife.go).
	configured int
	lives      mountLives
}

func mountTagsOf(h history.History) mountTags {
	var m mountTags
	m.fill(&h)
	return m
}

// fill sets m to h's mount tags, in place: m is large, and Check works
// it out for every history of a campaign.
func (m *mountTags) fill(h *history.History) {
	clear(m.net[:m.used]) // a history's few mounts: not the whole arrays
	clear(m.user[:m.used])
	m.used = 0
	clear(m.other)
	for i, ns := range h.Config.Mounts {
		user := 1
		if i < len(h.Config.MountUsers) && h.Config.MountUsers[i] > 0 {
			user = h.Config.MountUsers[i]
		}
		m.set(i+1, ns, user)
	}
	m.configured = len(h.Config.Mounts)
	m.lives.reset()
	for i := range h.Records {
		r := &h.Records[i]
		if r.Op.Kind != model.Mount && r.Op.Kind != model.Umount {
			continue
		}
		if r.Op.Kind == model.Mount && succeeded(r) {
			m.set(r.Op.Mount, r.Result.Tag, r.Result.User)
		}
		m.lives.note(r)
	}
}

func (m *mountTags) set(mount, net, user int) {
	if mount >= 0 && mount < len(m.net) {
		m.net[mount], m.user[mount] = net, user
		m.used = max(m.used, mount+1)
		return
	}
	if m.other == nil {
		m.other = map[int][2]int{}
	}
	m.other[mount] = [2]int{net, user}
}

// fromStart reports whether mount is one of the configuration's, there
// from the start.
func (m *mountTags) fromStart(mount int) bool { return mount >= 1 && mount <= m.configured }

// tag returns the tag mount m captured for directory d.
func (m *mountTags) tag(mount int, d model.Dir) int {
	user := d.TagType() == model.UserTag
	if mount >= 0 && mount < len(m.net) {
		if user {
			return m.user[mount]
		}
		return m.net[mount]
	}
	t := m.other[mount]
	if user {
		return t[1]
	}
	return t[0]
}

// succeeded reports whether r returned without error.
func succeeded(r *history.Record) bool { return !r.Pending && r.Result.Err == model.OK }

// appendObserved appends the entries a successful operation shows to
// exist at some point during it: what a lookup, readdir, readlink or open
// saw, and the entries a step acted on.
func appendObserved(dst []key, mounts *mountTags, r *history.Record) []key {
	if !succeeded(r) {
		return dst
	}
	op := &r.Op
	switch op.Kind {
	case model.Lookup:
		return append(dst, key{op.Dir, op.Name, r.Result.Tag})
	case model.Readdir:
		for _, e := range r.Result.Entries {
			dst = append(dst, key{op.Dir, e.Name, e.Tag})
		}
		return dst
	case model.Readlink:
		return append(dst, key{model.ClassNet, op.Name, mounts.tag(op.Mount, model.ClassNet)})
	case model.Open:
		return append(dst, key{model.Devices, op.Name, r.Result.Tag})
	case model.AddLink:
		return append(dst, key{model.Devices, op.Name, op.NS}) // its target
	case model.DelLink, model.MoveLink:
		return append(dst, key{model.ClassNet, op.Name, op.NS})
	case model.RenameLink:
		if op.NewName != op.Name {
			return append(dst, key{model.ClassNet, op.Name, op.NS})
		}
	case model.DelDev, model.MoveDev, model.Unregister:
		return append(dst, key{model.Devices, op.Name, op.NS})
	case model.RenameDev:
		if op.NewName != op.Name {
			return append(dst, key{model.Devices, op.Name, op.NS})
		}
	case model.Remove, model.Rename, model.Move:
		return append(dst, key{model.ClassNet, op.Name, op.NS}, key{model.Devices, op.Name, op.NS})
	case model.DelUID:
		return append(dst, key{model.UIDs, op.Name, op.User})
	}
	return dst
}

// appendProduced appends the entries an operation may have brought into
// existence. A pending operation may have taken effect, so it counts.
func appendProduced(dst []key, r *history.Record) []key {
	if !r.Pending && r.Result.Err != model.OK {
		return dst
	}
	op := &r.Op
	if inPlace(op) {
		return dst
	}
	both := func(name string, tag int) []key {
		return append(dst, key{model.ClassNet, name, tag}, key{model.Devices, name, tag})
	}
	switch op.Kind {
	case model.AddUID:
		return append(dst, key{model.UIDs, op.Name, op.User})
	case model.AddDev:
		return append(dst, key{model.Devices, op.Name, op.NS})
	case model.AddLink:
		return append(dst, key{model.ClassNet, op.Name, op.NS})
	case model.Create:
		return both(op.Name, op.NS)
	case model.RenameLink:
		return append(dst, key{model.ClassNet, op.NewName, op.NS})
	case model.RenameDev:
		return append(dst, key{model.Devices, op.NewName, op.NS})
	case model.Rename:
		return both(op.NewName, op.NS)
	case model.MoveLink, model.MoveDev:
		name := op.Name
		if op.NewName != "" {
			name = op.NewName
		}
		if op.Kind == model.MoveLink {
			return append(dst, key{model.ClassNet, name, op.To})
		}
		return append(dst, key{model.Devices, name, op.To})
	case model.Move:
		return both(op.Name, op.To)
	}
	return dst
}

// appendRemoved appends the subjects whose entries r, if it took effect,
// may have made disappear: an entry removed, renamed or moved away, both
// entries of a device, or every entry of an exiting namespace (under the
// seed's scheme; under the kernel's, cleanup_net removes entries by steps
// of their own).
func appendRemoved(dst []subject, c *model.Config, r *history.Record) []subject {
	if !r.Pending && r.Result.Err != model.OK {
		return dst
	}
	op := &r.Op
	if inPlace(op) {
		return dst
	}
	switch op.Kind {
	case model.ExitUser:
		return append(dst, subject{key{tag: op.User}, userns})
	case model.DelUID:
		return append(dst, entryOf(key{model.UIDs, op.Name, op.User}))
	case model.Exit:
		if c.Exit != model.ExitKernel {
			return append(dst, subject{key{tag: op.NS}, netns})
		}
	case model.DelLink, model.RenameLink, model.MoveLink:
		return append(dst, entryOf(key{model.ClassNet, op.Name, op.NS}))
	case model.DelDev, model.RenameDev, model.MoveDev:
		return append(dst, entryOf(key{model.Devices, op.Name, op.NS}))
	case model.Remove, model.Rename, model.Move:
		return append(dst, deviceOf(op.Name, op.NS))
	}
	return dst
}

// inPlace reports whether op renames or moves an entry onto itself, which
// changes nothing.
func inPlace(op *model.Op) bool {
	switch op.Kind {
	case model.Rename, model.RenameLink, model.RenameDev:
		return op.NewName == op.Name
	case model.Move, model.MoveLink, model.MoveDev:
		return op.To == op.NS
	}
	return false
}

func ret(r *history.Record) int64 {
	if r.Pending {
		return 1<<63 - 1
	}
	return r.Return
}
