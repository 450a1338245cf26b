package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"strato/internal/driver"
	"strato/internal/errdefs"
)

// notebookSpec is a guest laid out as a SageMaker notebook instance: a
// scratch root volume (so everything is fresh at each start) and one
// persistent volume at /home/ec2-user/SageMaker.
func notebookSpec(id, kind, ud string) driver.Spec {
	spec := guestSpec(id, kind, ud)
	spec.Volumes = []driver.Volume{
		{ID: id + "-root", Root: true, SizeGiB: 1, Scratch: true, DeleteOnTermination: true, MountPath: "/dev/xvda"},
		{ID: id + "-ml", SizeGiB: 5, DeleteOnTermination: true, MountPath: "/home/ec2-user/SageMaker"},
	}
	return spec
}

// A volume mounted at a guest path keeps what the guest wrote there across
// stop and start; with a scratch root, everything written elsewhere (the
// home around it, /root, /opt, /etc, /tmp) is gone at the next start.
func TestVolumeAtGuestPathOutlivesStopNothingElseDoes(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{KindShell, KindBusybox} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			paths := []string{"/home/ec2-user/SageMaker/kept", "/home/ec2-user/SageMaker/sub/dir/kept",
				"/home/ec2-user/other", "/root/r", "/opt/o", "/tmp/t"}
			if kind == KindBusybox {
				paths = append(paths, "/etc/e") // the image's own tree, on the scratch root's overlay
			}
			ud := `for f in ` + strings.Join(paths, " ") + `; do [ -e "$f" ] && echo "found:$f"; done
for f in ` + strings.Join(paths, " ") + `; do mkdir -p "$(dirname "$f")" && echo "$f" > "$f" || echo "cannot-write:$f"; done
sync
echo ready
trap 'exit 0' TERM
while :; do sleep 0.1; done
`
			d := newTestDriver(t, newDataDir(t), nil)
			id := "i-nb-" + kind
			startGuest(t, d, notebookSpec(id, kind, ud))
			out := waitConsole(t, d, id, "ready")
			if strings.Contains(out, "found:") || strings.Contains(out, "cannot-write:") {
				t.Fatalf("first boot: want a fresh, writable guest:\n%s", out)
			}
			// What the guest wrote under the mount path is in the volume.
			if b, err := os.ReadFile(filepath.Join(d.volumeDir(id+"-ml"), "kept")); err != nil || string(b) != "/home/ec2-user/SageMaker/kept\n" {
				t.Errorf("the volume's directory on the host holds %q, %v", b, err)
			}

			stopGuest(t, d, id, graceful)
			start(t, d, id)
			out = waitConsole(t, d, id, "ready")
			for _, p := range paths {
				kept := strings.HasPrefix(p, "/home/ec2-user/SageMaker/")
				if got := strings.Contains(out, "found:"+p+"\n"); got != kept {
					t.Errorf("after stop and start, %s found = %v, want %v:\n%s", p, got, kept, out)
				}
			}
		})
	}
}

// A volume inside another is mounted after it, whatever the spec's order:
// each gets what the guest writes at its path.
func TestNestedVolumes(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	spec := guestSpec("i-nested", KindBusybox, "echo inner > /srv/data/inner/f && echo outer > /srv/data/f && sync && echo done\n")
	spec.Volumes[1].MountPath = "/srv/data/inner" // listed first
	spec.Volumes[2].MountPath = "/srv/data"
	startGuest(t, d, spec)
	waitConsole(t, d, spec.ID, "done")
	for vol, want := range map[string]string{spec.Volumes[1].ID: "inner\n", spec.Volumes[2].ID: "outer\n"} {
		if b, err := os.ReadFile(filepath.Join(d.volumeDir(vol), "f")); err != nil || string(b) != want {
			t.Errorf("volume %s holds %q, %v; want %q", vol, b, err, want)
		}
	}
}

// Files of the spec are in the guest at every boot, read-only even for
// root in the guest, and never on the host.
func TestGuestFiles(t *testing.T) {
	t.Parallel()
	const meta = "/opt/ml/metadata/resource-metadata.json"
	for _, kind := range []string{KindShell, KindBusybox} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			files := []driver.File{
				{Path: meta, Data: []byte(`{"ResourceName":"nb-1"}`)},
				{Path: "/home/ec2-user/.config/private", Mode: 0o600, Data: []byte("only root")},
			}
			if kind == KindBusybox {
				files = append(files, driver.File{Path: "/etc/strato/motd", Mode: 0o644, Data: []byte("hello\n")})
			}
			var ud strings.Builder
			for _, f := range files {
				p := f.Path
				ud.WriteString(`echo "content:` + p + `=$(cat ` + p + `)"
echo "mode:` + p + `=$(stat -c %a ` + p + `)"
echo tampered > ` + p + ` 2>/dev/null && echo "writable:` + p + `"
rm -f ` + p + ` 2>/dev/null; [ -e ` + p + ` ] || echo "removed:` + p + `"
`)
			}
			ud.WriteString("echo done\ntrap 'exit 0' TERM\nwhile :; do sleep 0.1; done\n")
			d := newTestDriver(t, newDataDir(t), nil)
			spec := guestSpec("i-files-"+kind, kind, ud.String())
			spec.Files = files
			startGuest(t, d, spec)
			check := func(out string) {
				t.Helper()
				for _, f := range files {
					mode := f.Mode
					if mode == 0 {
						mode = 0o444
					}
					for _, want := range []string{
						"content:" + f.Path + "=" + strings.TrimSuffix(string(f.Data), "\n") + "\n",
						fmt.Sprintf("mode:%s=%o\n", f.Path, mode.Perm()),
					} {
						if !strings.Contains(out, want) {
							t.Errorf("want %q in the console:\n%s", want, out)
						}
					}
					for _, bad := range []string{"writable:" + f.Path, "removed:" + f.Path} {
						if strings.Contains(out, bad) {
							t.Errorf("guest file %s is not read-only (%s):\n%s", f.Path, bad, out)
						}
					}
				}
			}
			check(waitConsole(t, d, spec.ID, "done"))
			if _, err := os.Stat("/opt/ml"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a guest file reached the host: stat /opt/ml: %v", err)
			}
			// The next boot has them again, as given (an image's root
			// volume keeps the earlier copy, which is replaced).
			stopGuest(t, d, spec.ID, graceful)
			start(t, d, spec.ID)
			check(waitConsole(t, d, spec.ID, "done"))
		})
	}
}

// A guest that turned a directory of its root volume into a link to a host
// path cannot make the next boot mount a volume there, or make directories
// on the host: that boot fails, and the host path stays untouched.
func TestVolumeMountPointCannotFollowGuestLinks(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	d := newTestDriver(t, newDataDir(t), nil)
	spec := guestSpec("i-links", KindBusybox, "rm -rf /home && ln -s "+outside+" /home && sync && echo linked\n")
	startGuest(t, d, spec)
	waitConsole(t, d, spec.ID, "linked")
	stopGuest(t, d, spec.ID, graceful)

	spec.Volumes[1].MountPath = "/home/ec2-user/SageMaker"
	spec.UserData = []byte("echo user-data-ran\n")
	if _, err := d.Create(ctxT(t), spec); err != nil {
		t.Fatalf("Create with the volume at a guest path: %v", err)
	}
	_ = d.Start(ctxT(t), spec.ID) // the shim may report the init running before it fails
	var out string
	eventually(t, "the boot to fail or run the user data", func() bool {
		out = console(t, d, spec.ID)
		return strings.Contains(out, "boot failed") || strings.Contains(out, "user-data-ran")
	})
	if strings.Contains(out, "user-data-ran") || !strings.Contains(out, "boot failed") {
		t.Errorf("the boot went on with a volume mount point behind a link:\n%s", out)
	}
	if entries, err := os.ReadDir(outside); err != nil || len(entries) != 0 {
		t.Errorf("the guest's link made the boot write on the host: %v, %v", entries, err)
	}
}

// The same for the guest's system mount points: a root filesystem whose
// /tmp is a link to a host directory (an imported image can hold one, and
// the root volume's layer shadows the image) gets a failed boot, not a
// directory made or a memory filesystem mounted outside the guest's root.
func TestSystemMountPointsCannotFollowLinks(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	d := newTestDriver(t, newDataDir(t), nil)
	spec := guestSpec("i-tmplink", KindBusybox, "echo user-data-ran\n")
	if _, err := d.Create(ctxT(t), spec); err != nil {
		t.Fatal(err)
	}
	upper := filepath.Join(d.volumeDir(spec.ID+"-root"), "upper")
	if err := os.MkdirAll(upper, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(outside, "made")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(upper, "tmp")); err != nil {
		t.Fatal(err)
	}
	_ = d.Start(ctxT(t), spec.ID) // the shim may report the init running before it fails
	var out string
	eventually(t, "the boot to fail or run the user data", func() bool {
		out = console(t, d, spec.ID)
		return strings.Contains(out, "boot failed") || strings.Contains(out, "user-data-ran")
	})
	if strings.Contains(out, "user-data-ran") || !strings.Contains(out, "boot failed") {
		t.Errorf("the boot went on with /tmp behind a link:\n%s", out)
	}
	if entries, err := os.ReadDir(target); err != nil || len(entries) != 0 {
		t.Errorf("the link made the boot write on the host: %v, %v", entries, err)
	}
}

// Create refuses volumes and files that would escape or cover the guest's
// system, or that the host image cannot hold, and API endpoints it cannot
// forward to; nothing is made for a refused spec.
func TestCreateRefusesBadPlacements(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	noNet := newTestDriver(t, newDataDir(t), func(c *Config) { c.Network = nil })
	vol := func(p string) func(*driver.Spec) {
		return func(s *driver.Spec) { s.Volumes[1].MountPath = p }
	}
	file := func(p string) func(*driver.Spec) {
		return func(s *driver.Spec) { s.Files = []driver.File{{Path: p, Data: []byte("x")}} }
	}
	for _, tc := range []struct {
		name string
		kind string
		mod  func(*driver.Spec)
		drv  *Driver
		want errdefs.Kind
	}{
		{"volume at the root", KindBusybox, vol("/"), d, errdefs.InvalidArgument},
		{"volume at /proc", KindBusybox, vol("/proc"), d, errdefs.InvalidArgument},
		{"volume under /sys", KindBusybox, vol("/sys/fs/cgroup"), d, errdefs.InvalidArgument},
		{"volume over the runtime directory", KindBusybox, vol("/run"), d, errdefs.InvalidArgument},
		{"volume in the runtime directory", KindBusybox, vol("/run/strato/bin"), d, errdefs.InvalidArgument},
		{"volume escaping with ..", KindBusybox, vol("/home/../proc"), d, errdefs.InvalidArgument},
		{"volume at an unclean path", KindBusybox, vol("/home/ec2-user/"), d, errdefs.InvalidArgument},
		{"volume replacing /etc", KindBusybox, vol("/etc"), d, errdefs.InvalidArgument},
		{"volume replacing /usr", KindShell, vol("/usr"), d, errdefs.InvalidArgument},
		{"volume replacing the root volume", KindShell, vol("/root"), d, errdefs.InvalidArgument},
		{"volume on the host image's read-only tree", KindShell, vol("/srv/data"), d, errdefs.InvalidArgument},
		{"two volumes at one path", KindBusybox, func(s *driver.Spec) { s.Volumes[1].MountPath, s.Volumes[2].MountPath = "/data", "/data" }, d, errdefs.InvalidArgument},
		{"relative file", KindBusybox, file("etc/x"), d, errdefs.InvalidArgument},
		{"file in the runtime directory", KindBusybox, file("/run/strato/bin/poweroff"), d, errdefs.InvalidArgument},
		{"file in a volume", KindBusybox, func(s *driver.Spec) {
			s.Volumes[1].MountPath = "/home/ec2-user/SageMaker"
			file("/home/ec2-user/SageMaker/x")(s)
		}, d, errdefs.InvalidArgument},
		{"file in the host image's root volume", KindShell, file("/root/x"), d, errdefs.InvalidArgument},
		{"file on the host image's read-only tree", KindShell, file("/etc/x"), d, errdefs.InvalidArgument},
		{"file among the host image's mount points", KindShell, file("/mnt/x"), d, errdefs.InvalidArgument},
		{"file with set-uid mode", KindBusybox, func(s *driver.Spec) {
			s.Files = []driver.File{{Path: "/opt/x", Mode: os.ModeSetuid | 0o755}}
		}, d, errdefs.InvalidArgument},
		{"file inside another", KindBusybox, func(s *driver.Spec) {
			s.Files = []driver.File{{Path: "/opt/a"}, {Path: "/opt/a/b"}}
		}, d, errdefs.InvalidArgument},
		{"files too large", KindBusybox, func(s *driver.Spec) {
			s.Files = []driver.File{{Path: "/opt/a", Data: make([]byte, 600<<10)}, {Path: "/opt/b", Data: make([]byte, 600<<10)}}
		}, d, errdefs.InvalidArgument},
		{"API endpoint without a port", KindBusybox, func(s *driver.Spec) { s.APIEndpoint = "127.0.0.1" }, d, errdefs.InvalidArgument},
		{"API endpoint by name", KindBusybox, func(s *driver.Spec) { s.APIEndpoint = "localhost:8773" }, d, errdefs.InvalidArgument},
		{"API endpoint without a guest network", KindBusybox, func(s *driver.Spec) { s.APIEndpoint = "127.0.0.1:8773" }, noNet, errdefs.Unsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := guestSpec("i-bad", tc.kind, "")
			tc.mod(&spec)
			_, err := tc.drv.Create(ctxT(t), spec)
			if got := errdefs.KindOf(err); got != tc.want {
				t.Fatalf("Create: %v (kind %v), want kind %v", err, got, tc.want)
			}
			if _, err := os.Stat(tc.drv.instanceDir(spec.ID)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused Create left the instance directory: %v", err)
			}
		})
	}
}
