package model

import (
	"io/fs"
	"testing"
	"testing/fstest"
)

func TestViewIsAFileSystem(t *testing.T) {
	s := Init()
	for _, op := range []Op{
		{Kind: AddDev, NS: 1, Name: "eth0", Index: 2}, {Kind: AddLink, NS: 1, Name: "eth0"},
		{Kind: AddDev, NS: 2, Name: "eth0", Index: 3}, {Kind: AddLink, NS: 2, Name: "eth0"},
		{Kind: AddDev, NS: 1, Name: "veth0", Index: 4}, {Kind: AddLink, NS: 1, Name: "veth0"},
		{Kind: RenameDev, NS: 1, Name: "veth0", NewName: "lan0"},
	} {
		if r, next := Apply(cfg, s, op); r.Err != OK {
			t.Fatalf("%v: %v", op, r)
		} else {
			s = next
		}
	}
	v := View(cfg, s, 1)
	if err := fstest.TestFS(v, "class/net/eth0", "class/net/veth0", "devices/virtual/net/eth0/ifindex", "devices/virtual/net/lan0/ifindex"); err != nil {
		t.Fatal(err)
	}
	target, err := fs.ReadLink(v, "class/net/veth0")
	if err != nil || target != "../../devices/virtual/net/lan0" {
		t.Fatalf("readlink: %q %v", target, err)
	}
	data, err := fs.ReadFile(v, "class/net/eth0/ifindex")
	if err != nil || string(data) != "2\n" {
		t.Fatalf("ifindex through the link: %q %v", data, err)
	}
	// ns2's mount sees its own eth0 and nothing of ns1.
	v2 := View(cfg, s, 2)
	if data, _ := fs.ReadFile(v2, "class/net/eth0/ifindex"); string(data) != "3\n" {
		t.Fatalf("ns2's eth0: %q", data)
	}
	if _, err := fs.Stat(v2, "devices/virtual/net/lan0"); err == nil {
		t.Fatal("ns2's mount sees ns1's lan0")
	}
}
