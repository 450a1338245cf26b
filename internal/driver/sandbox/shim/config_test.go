package shim

import (
	"bytes"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	good := Config{ID: "i-1", Kind: KindRootFS, MountPoint: "/d/i-1/root", LowerDir: "/img/rootfs", RootVolume: "/d/vol-1"}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		want string // "" = valid
	}{
		{"valid image", func(*Config) {}, ""},
		{"valid host", func(c *Config) { c.Kind, c.LowerDir, c.HideDirs = KindHost, "", []string{"/d"} }, ""},
		{"no id", func(c *Config) { c.ID = "" }, "id is empty"},
		{"unknown kind", func(c *Config) { c.Kind = "vm" }, "unknown root filesystem kind"},
		{"relative image", func(c *Config) { c.LowerDir = "img" }, "not absolute"},
		{"comma in overlay path", func(c *Config) { c.RootVolume = "/d/a,upperdir=/etc" }, "must not contain"},
		{"relative mount point", func(c *Config) { c.MountPoint = "root" }, "mount point"},
		{"mount over root", func(c *Config) { c.Mounts = []Mount{{Source: "/d/v", Target: "/"}} }, "bad mount"},
		{"unclean mount target", func(c *Config) { c.Mounts = []Mount{{Source: "/d/v", Target: "/mnt/../etc"}} }, "bad mount"},
		{"relative hidden dir", func(c *Config) { c.Kind, c.HideDirs = KindHost, []string{"d"} }, "hidden directory"},
		{"valid file", func(c *Config) { c.Files = []File{{Path: "/opt/ml/x", Mode: 0o444}} }, ""},
		{"relative file", func(c *Config) { c.Files = []File{{Path: "opt/x", Mode: 0o444}} }, "bad file"},
		{"set-uid file", func(c *Config) { c.Files = []File{{Path: "/opt/x", Mode: 0o4755}} }, "bad file"},
		{"API endpoint with a network", func(c *Config) { c.APIEndpoint, c.Network = "127.0.0.1:8773", &NetworkConfig{} }, ""},
		{"API endpoint by name", func(c *Config) { c.APIEndpoint, c.Network = "localhost:8773", &NetworkConfig{} }, "API endpoint"},
		{"API endpoint without a network", func(c *Config) { c.APIEndpoint = "127.0.0.1:8773" }, "needs a network"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.mod(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate: %v, want valid", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// The init reads exactly one configuration frame, so later bytes on the
// pipe (stop notes) are not swallowed; a frame that claims too much is
// refused before anything is allocated.
func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	in := Config{ID: "i-1", Env: []string{"A=b"}, UserData: []byte("#!/bin/sh\necho hi\n")}
	if err := writeFrame(&buf, &in); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte(ctlStop)
	var out Config
	if err := readFrame(&buf, &out); err != nil {
		t.Fatal(err)
	}
	if out.ID != in.ID || string(out.UserData) != string(in.UserData) || len(out.Env) != 1 {
		t.Errorf("round trip: %+v", out)
	}
	if rest := buf.Bytes(); len(rest) != 1 || rest[0] != ctlStop {
		t.Errorf("bytes after the frame: %q, want the stop note alone", rest)
	}
	huge := bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff})
	if err := readFrame(huge, &out); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("oversized frame: %v", err)
	}
}

func TestSocketNameIsPerDirectory(t *testing.T) {
	a, b := SocketName("/data/instances/i-1"), SocketName("/other/instances/i-1")
	if a == b || !strings.HasPrefix(a, "@") || len(a) > 100 {
		t.Errorf("socket names %q, %q: want distinct abstract names", a, b)
	}
}
