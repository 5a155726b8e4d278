package properties

import (
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// Mount ids index an array up to 63 and a map beyond, where only a
// hand-written history goes: both give the tags the mount captured.
func TestMountTagsAnyID(t *testing.T) {
	h := history.History{
		Config: model.Config{Namespaces: 2, Mounts: []int{2}, MountUsers: []int{3}},
		Records: []history.Record{
			{Op: model.Op{Kind: model.Mount, Mount: 5}, Result: model.Result{Tag: 1, User: 2}, Call: 1, Return: 2},
			{Op: model.Op{Kind: model.Mount, Mount: 1000}, Result: model.Result{Tag: 2, User: 4}, Call: 3, Return: 4},
			{Op: model.Op{Kind: model.Mount, Mount: 7}, Result: model.Result{Err: model.ENOENT}, Call: 5, Return: 6},
		},
	}
	m := mountTagsOf(h)
	for _, c := range []struct{ mount, net, user int }{{1, 2, 3}, {5, 1, 2}, {1000, 2, 4}, {7, 0, 0}, {-1, 0, 0}, {99, 0, 0}} {
		if got := m.tag(c.mount, model.ClassNet); got != c.net {
			t.Errorf("mount %d: net tag %d, want %d", c.mount, got, c.net)
		}
		if got := m.tag(c.mount, model.UIDs); got != c.user {
			t.Errorf("mount %d: user tag %d, want %d", c.mount, got, c.user)
		}
	}
}
