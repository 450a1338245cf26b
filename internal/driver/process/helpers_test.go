package process

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"strato/internal/clock"
	"strato/internal/driver"
)

// newTestDriver returns a driver over dir on clk (the wall clock if nil) and
// closes it when the test ends.
func newTestDriver(t *testing.T, dir string, clk clock.Clock) *Driver {
	t.Helper()
	w := &testWriter{t: t}
	t.Cleanup(w.stop)
	logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d, err := New(Config{DataDir: dir, Clock: clk, Logger: logger})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// testWriter sends log lines to t.Log until the test ends; later lines
// (from guests ending after the test) are dropped.
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

// stop drops every later line.
func (w *testWriter) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
}

// newDataDir returns a data directory whose guests are all destroyed when
// the test ends, before the directory is removed.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(func() { destroyAll(t, dir) })
	return dir
}

// destroyAll destroys every instance under dir with a fresh driver, so that
// no guest outlives its test.
func destroyAll(t *testing.T, dir string) {
	d, err := New(Config{DataDir: dir})
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	defer d.Close()
	entries, _ := os.ReadDir(filepath.Join(dir, "instances"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, e := range entries {
		if err := d.Destroy(ctx, e.Name()); err != nil {
			t.Errorf("cleanup: Destroy(%s): %v", e.Name(), err)
		}
	}
}

// shellSpec returns a shell spec running userData with a root volume (kept
// on termination unless said otherwise) and the given extra volumes.
func shellSpec(id, userData string, extra ...driver.Volume) driver.Spec {
	return driver.Spec{
		ID:       id,
		Hostname: id,
		Image:    driver.Image{ID: "img-shell", Kind: ImageKindShell},
		UserData: []byte(userData),
		Volumes:  append([]driver.Volume{{ID: id + "-root", Root: true, SizeGiB: 1}}, extra...),
	}
}

// ctxT returns a context bounded by the test and 15 s.
func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustCreateStart creates and starts spec.
func mustCreateStart(t *testing.T, d *Driver, spec driver.Spec) driver.Handle {
	t.Helper()
	h, err := d.Create(ctxT(t), spec)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := d.Start(ctxT(t), spec.ID); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return h
}

// eventually polls cond until it holds, failing after 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// console returns the console output of id.
func console(t *testing.T, d *Driver, id string) string {
	t.Helper()
	out, err := d.ConsoleOutput(ctxT(t), id, 0)
	if err != nil {
		t.Fatalf("ConsoleOutput: %v", err)
	}
	return string(out)
}

// waitConsole waits until the console of id contains s.
func waitConsole(t *testing.T, d *Driver, id, s string) {
	t.Helper()
	eventually(t, "console to show "+strconv.Quote(s), func() bool {
		return strings.Contains(console(t, d, id), s)
	})
}

// readPid reads a pid the guest wrote to a file.
func readPid(t *testing.T, path string) int {
	t.Helper()
	var pid int
	eventually(t, "pid file "+path, func() bool {
		data, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(data)))
		return err == nil && pid > 0
	})
	return pid
}

// processGone reports whether pid has ended (gone, or a zombie nobody reaped
// yet).
func processGone(pid int) bool {
	st, err := readProcStat(pid)
	return err != nil || st.State == 'Z' || st.State == 'X'
}

// status returns the status of id.
func status(t *testing.T, d *Driver, id string) driver.Status {
	t.Helper()
	st, err := d.Status(ctxT(t), id)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	return st
}
