package sim

import "testing"

// nameHash is kernfs_name_hash's FNV-1a over the tag's four low bytes,
// then the name, whether or not the tag's state comes from tagSeeds.
func TestNameHashIsFNVOverTagThenName(t *testing.T) {
	fnv := func(name string, tag int) uint32 {
		h := uint32(2166136261)
		for _, b := range append([]byte{byte(tag), byte(tag >> 8), byte(tag >> 16), byte(tag >> 24)}, name...) {
			h = (h ^ uint32(b)) * 16777619
		}
		if h &= 0x7fffffff; h < 2 {
			h += 2
		}
		return h
	}
	for _, tag := range []int{0, 1, 2, 63, 64, 65, 255, 256, userAddrBase + 1, 1<<31 + 7} {
		for _, name := range []string{"", "eth0", "net", "a fairly long device name"} {
			if got, want := nameHash(name, tag), fnv(name, tag); got != want {
				t.Errorf("nameHash(%q, %d) = %d, want %d", name, tag, got, want)
			}
		}
	}
}
