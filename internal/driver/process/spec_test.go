package process

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"strato/internal/driver"
	"strato/internal/errdefs"
)

func TestCreateRejectsBadSpecs(t *testing.T) {
	t.Parallel()
	ok := shellSpec("i-ok", "")
	cases := []struct {
		name   string
		mutate func(*driver.Spec)
		want   errdefs.Kind
	}{
		{"empty id", func(s *driver.Spec) { s.ID = "" }, errdefs.InvalidArgument},
		{"path in id", func(s *driver.Spec) { s.ID = "../etc" }, errdefs.InvalidArgument},
		{"dot id", func(s *driver.Spec) { s.ID = ".." }, errdefs.InvalidArgument},
		{"image kind", func(s *driver.Spec) { s.Image.Kind = "qemu" }, errdefs.Unsupported},
		{"no volumes", func(s *driver.Spec) { s.Volumes = nil }, errdefs.InvalidArgument},
		{"no root volume", func(s *driver.Spec) { s.Volumes[0].Root = false }, errdefs.InvalidArgument},
		{"bad volume id", func(s *driver.Spec) { s.Volumes[0].ID = "a/b" }, errdefs.InvalidArgument},
		{"volume twice", func(s *driver.Spec) { s.Volumes = append(s.Volumes, s.Volumes[0]) }, errdefs.InvalidArgument},
		{"bad env name", func(s *driver.Spec) { s.Env = map[string]string{"A=B": "c"} }, errdefs.InvalidArgument},
		{"nul in env", func(s *driver.Spec) { s.Env = map[string]string{"A": "b\x00c"} }, errdefs.InvalidArgument},
	}
	dir := newDataDir(t)
	d := newTestDriver(t, dir, nil)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := ok
			spec.Volumes = append([]driver.Volume(nil), ok.Volumes...)
			c.mutate(&spec)
			_, err := d.Create(ctxT(t), spec)
			var e *errdefs.Error
			if !errors.As(err, &e) || e.Kind != c.want {
				t.Errorf("Create = %v, want an *errdefs.Error of kind %v", err, c.want)
			}
		})
	}
	for _, sub := range []string{"instances", "volumes"} {
		if entries, _ := os.ReadDir(filepath.Join(dir, sub)); len(entries) != 0 {
			t.Errorf("failed Creates left %d entries in %s", len(entries), sub)
		}
	}
}

func TestCreateKeepsDataAndTakesNewSpec(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	const id = "i-recreate"
	spec := shellSpec(id, "echo first-user-data\n")
	h, err := d.Create(ctxT(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	var hd handleData
	if err := json.Unmarshal(h.Data, &hd); err != nil || hd.RuntimeDir != d.runtimeDir(id) || h.Driver != Name {
		t.Errorf("handle = %+v (data %+v, %v)", h, hd, err)
	}
	root := d.volumeDir(id + "-root")
	if fi, err := os.Stat(root); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("root volume: %v, %v; want a 0700 directory", fi, err)
	}
	if err := os.WriteFile(filepath.Join(root, "data"), []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Create(ctxT(t), spec); err != nil {
		t.Fatalf("second Create: %v", err)
	}
	if data, err := os.ReadFile(filepath.Join(root, "data")); err != nil || string(data) != "precious" {
		t.Fatalf("second Create touched volume data: %q, %v", data, err)
	}

	if err := d.Start(ctxT(t), id); err != nil {
		t.Fatal(err)
	}
	changed := shellSpec(id, "echo second-user-data\n")
	if _, err := d.Create(ctxT(t), changed); !errors.Is(err, errdefs.ErrIncorrectState) {
		t.Errorf("Create with a new spec while running = %v, want IncorrectState", err)
	}
	if err := d.Stop(ctxT(t), id, driver.StopOptions{Timeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Create(ctxT(t), changed); err != nil {
		t.Fatalf("Create with a new spec while stopped: %v", err)
	}
	if err := d.Start(ctxT(t), id); err != nil {
		t.Fatal(err)
	}
	waitConsole(t, d, id, "second-user-data\n")
	if err := d.Stop(ctxT(t), id, driver.StopOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
}

func TestNewNeedsDataDir(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{}); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("New without a data directory = %v, want InvalidArgument", err)
	}
	dir := filepath.Join(t.TempDir(), "deep", "data")
	if _, err := New(Config{DataDir: dir}); err != nil {
		t.Fatalf("New: %v", err)
	}
	for _, sub := range []string{"", "instances", "volumes"} {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v, %v; want a 0700 directory", filepath.Join(dir, sub), fi, err)
		}
	}
}

func TestClosedDriverRefuses(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	if _, err := d.Create(ctxT(t), shellSpec("i-closed", "")); err != nil {
		t.Fatal(err)
	}
	d.Close()
	d.Close()
	if err := d.Start(ctxT(t), "i-closed"); err == nil {
		t.Error("Start on a closed driver succeeded")
	}
	if st, err := d.Status(ctxT(t), "i-closed"); err == nil || st.State != driver.StateUnknown {
		t.Errorf("Status on a closed driver = %+v, %v", st, err)
	}
}

func TestScriptsAreValidShell(t *testing.T) {
	t.Parallel()
	rt := "/data/it's here/instances/i-1"
	scripts := map[string]string{
		"init, no user data": initScript("i-1", rt, nil),
		"init, sh":           initScript("i-1", rt, []byte("echo hi")),
		"init, shebang":      initScript("i-1", rt, []byte("#!/bin/sh\necho hi")),
		"poweroff":           poweroffScript(rt),
	}
	for name, script := range scripts {
		out, err := exec.Command("/bin/sh", "-n", "-c", script).CombinedOutput()
		if err != nil {
			t.Errorf("%s: sh -n: %v: %s\n%s", name, err, out, script)
		}
	}
}

func TestParseProcStat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      string
		want    procStat
		wantErr bool
	}{
		{"plain", "123 (sh) S 1 77 77 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 4242 8192 100\n", procStat{State: 'S', Pgrp: 77, Start: 4242}, false},
		{"name with spaces and parens", "9 (a) b (c)) Z 1 9 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 4242 20", procStat{State: 'Z', Pgrp: 9, Start: 4242}, false},
		{"truncated", "9 (sh) S 1 2", procStat{}, true},
		{"no name", "garbage", procStat{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseProcStat([]byte(c.in))
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, c.wantErr)
			}
			if !c.wantErr && got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
	self, err := readProcStat(os.Getpid())
	if err != nil || self.State == 0 || self.Start == 0 || self.Pgrp == 0 {
		t.Errorf("own stat = %+v, %v", self, err)
	}
}
