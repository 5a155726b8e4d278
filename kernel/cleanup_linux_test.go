package kernel

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysfsim/sysfsim/model"
)

const helperEnv = "SYSFSIM_KERNEL_HELPER"

// TestHelperBusy is not a test: TestNothingLeftBehind runs it in a child
// process, which makes two namespaces with devices and a descriptor open,
// says where they are, and keeps operating until it is killed.
func TestHelperBusy(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestNothingLeftBehind")
	}
	b, err := New(model.Config{Namespaces: 2, Mounts: []int{1, 2}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []model.Op{
		{Kind: model.Create, NS: 1, Name: "eth0"},
		{Kind: model.Create, NS: 2, Name: "eth1"},
		{Kind: model.Open, Mount: 1, Name: "eth0", FD: 1},
	} {
		if _, r, err := b.Do(op); err != nil || r.Err != model.OK {
			t.Fatalf("%v: %v %v", op, r, err)
		}
	}
	fmt.Printf("NSFDS %d %d\n", b.ns[1].fd, b.ns[2].fd)
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); {
		b.Do(model.Op{Kind: model.Rename, NS: 2, Name: "eth1", NewName: "eth2"})
		b.Do(model.Op{Kind: model.Rename, NS: 2, Name: "eth2", NewName: "eth1"})
		b.Do(model.Op{Kind: model.Readdir, Mount: 1})
	}
}

// watch makes a sysfs instance in the namespace that path names, then lets
// go of the namespace: the instance holds only a passive reference, so it
// shows the namespace's teardown without delaying it.
func watch(path string) (*view, error) {
	type made struct {
		v   *view
		err error
	}
	ch := make(chan made, 1)
	go func() {
		runtime.LockOSThread() // not unlocked if setns fails: the thread dies
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			ch <- made{nil, err}
			return
		}
		defer unix.Close(orig)
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			ch <- made{nil, err}
			return
		}
		err = unix.Setns(fd, unix.CLONE_NEWNET)
		unix.Close(fd)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- made{nil, err}
			return
		}
		v, err := newView()
		if unix.Setns(orig, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		ch <- made{v, err}
	}()
	m := <-ch
	return m.v, m.err
}

// TestNothingLeftBehind kills a process in the middle of its work, by
// SIGINT and by SIGKILL, and checks that its namespaces die with it and
// take their devices along: watched through sysfs instances of their own,
// both net class directories end up empty, lo included.
func TestNothingLeftBehind(t *testing.T) {
	need(t)
	if os.Getenv(helperEnv) == "1" {
		t.Skip("inside the helper")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperBusy$", "-test.v")
			cmd.Env = append(os.Environ(), helperEnv+"=1")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			var fds []string
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if f, ok := strings.CutPrefix(sc.Text(), "NSFDS "); ok {
					fds = strings.Fields(f)
					break
				}
			}
			if len(fds) != 2 {
				t.Fatalf("helper did not report its namespaces: %v", sc.Err())
			}
			var views []*view
			for _, fd := range fds {
				if _, err := strconv.Atoi(fd); err != nil {
					t.Fatal(err)
				}
				v, err := watch(fmt.Sprintf("/proc/%d/fd/%s", cmd.Process.Pid, fd))
				if err != nil {
					t.Fatal(err)
				}
				defer v.close()
				views = append(views, v)
			}
			if names, _ := views[0].list(model.ClassNet); len(names) < 2 {
				t.Fatalf("the helper's namespace 1 shows %v, want lo and eth0", names)
			}
			time.Sleep(50 * time.Millisecond) // let it work a little
			cmd.Process.Signal(sig)
			go func() {
				for sc.Scan() { // drain, so the helper never blocks on output
				}
			}()
			cmd.Wait()
			deadline := time.Now().Add(10 * time.Second)
			for i, v := range views {
				for {
					var left []string
					for _, d := range []model.Dir{model.ClassNet, model.Devices} {
						names, err := v.list(d)
						if err != nil {
							t.Fatal(err)
						}
						left = append(left, names...)
					}
					if len(left) == 0 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("namespace %d of the killed helper still shows %v", i+1, left)
					}
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
}
