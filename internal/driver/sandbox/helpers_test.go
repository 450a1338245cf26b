package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"strato/internal/driver"
	"strato/internal/driver/sandbox/image"
	"strato/internal/driver/sandbox/netconf"
	"strato/internal/driver/sandbox/shim"
)

// testNet is the bridge every test driver of this package shares: a name
// and a /24 of its own, so that parallel test packages cannot collide.
var testNet *Network

func TestMain(m *testing.M) {
	shim.MaybeRun() // the test binary doubles as shim and init
	if err := Probe(); err != nil {
		fmt.Fprintf(os.Stderr, "sandbox tests need a host where the sandbox driver runs: %v\n", err)
		os.Exit(1)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	n, _ := rand.Int(rand.Reader, big.NewInt(60))
	testNet = &Network{
		Bridge:  "sbt" + hex.EncodeToString(b[:]),
		Gateway: netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.1/24", 160+n.Int64(), b[0])),
	}
	code := m.Run()
	_ = netconf.RemoveBridge(testNet.Bridge)
	os.Exit(code)
}

// images is one busybox image store for the whole package.
var images = sync.OnceValues(func() (*image.Store, error) {
	dir, err := os.MkdirTemp("", "strato-sandbox-images-")
	if err != nil {
		return nil, err
	}
	return image.Open(dir)
})

func testImages(t *testing.T) Images {
	t.Helper()
	s, err := images()
	if err != nil {
		t.Fatalf("image store: %v", err)
	}
	return s
}

// newTestDriver returns a driver over dir with the test network.
func newTestDriver(t *testing.T, dir string, mod func(*Config)) *Driver {
	t.Helper()
	w := &testWriter{t: t}
	t.Cleanup(w.stop)
	cfg := Config{
		DataDir: dir,
		Images:  testImages(t),
		Network: testNet,
		Logger:  slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

type testWriter struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
}

// newDataDir returns a data directory whose guests are all destroyed when
// the test ends.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(func() {
		d, err := New(Config{DataDir: dir, Images: testImages(t)})
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer d.Close()
		entries, _ := os.ReadDir(filepath.Join(dir, "instances"))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for _, e := range entries {
			if err := d.Destroy(ctx, e.Name()); err != nil {
				t.Errorf("cleanup: Destroy(%s): %v", e.Name(), err)
			}
		}
	})
	return dir
}

var addrSeq struct {
	sync.Mutex
	next int
}

// nextAddr hands out guest addresses of the test network.
func nextAddr() string {
	addrSeq.Lock()
	defer addrSeq.Unlock()
	addrSeq.next++
	a := testNet.Gateway.Addr()
	for range addrSeq.next + 3 {
		a = a.Next()
	}
	return a.String()
}

// guestSpec is a spec of image kind with the standard volumes, user data ud,
// a private address and metadata.
func guestSpec(id, kind, ud string) driver.Spec {
	ip := nextAddr()
	return driver.Spec{
		ID:        id,
		Hostname:  "ip-" + strings.ReplaceAll(ip, ".", "-") + ".ec2.internal",
		Image:     driver.Image{ID: "ami-test", Kind: kind},
		UserData:  []byte(ud),
		VCPUs:     1,
		MemoryMiB: 256,
		PrivateIP: ip,
		Identity:  &driver.Identity{AccountID: "123456789012", ImageID: "ami-test", InstanceType: "t3.nano", AvailabilityZone: "us-east-1a"},
		Volumes: []driver.Volume{
			{ID: id + "-root", Root: true, SizeGiB: 1, DeleteOnTermination: true, MountPath: "/dev/xvda"},
			{ID: id + "-data", SizeGiB: 1, DeleteOnTermination: false, MountPath: "/dev/sdb"},
			{ID: id + "-scratch", SizeGiB: 1, Scratch: true, DeleteOnTermination: true, MountPath: "/dev/sdc"},
		},
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond for up to 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// console returns the console output of the current boot (after the last
// "[strato] … boot" line).
func console(t *testing.T, d *Driver, id string) string {
	t.Helper()
	out, err := d.ConsoleOutput(ctxT(t), id, 0)
	if err != nil {
		t.Fatalf("ConsoleOutput: %v", err)
	}
	s := string(out)
	if i := strings.LastIndex(s, " boot "+id+"\n"); i >= 0 {
		s = s[i:]
	}
	return s
}

// waitConsole waits until the current boot's console contains want.
func waitConsole(t *testing.T, d *Driver, id, want string) string {
	t.Helper()
	var s string
	deadline := time.Now().Add(20 * time.Second)
	for {
		s = console(t, d, id)
		if strings.Contains(s, want) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("console of %s never showed %q:\n%s", id, want, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// containsAfterLastBoot reports whether the console text after the last
// boot line of id contains want.
func containsAfterLastBoot(out, id, want string) bool {
	if i := strings.LastIndex(out, " boot "+id+"\n"); i >= 0 {
		out = out[i:]
	}
	return strings.Contains(out, want)
}
