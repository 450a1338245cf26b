package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

// needBusybox skips when the host has no /bin/busybox. CI cannot skip
// silently: scripts/setup installs busybox-static, which
// TestSetupInstallsBusyboxStatic checks, and CI runs scripts/setup first.
func needBusybox(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(DefaultBusybox); err != nil {
		t.Skipf("%s is missing (%v): scripts/setup installs Debian's busybox-static", DefaultBusybox, err)
	}
}

// TestBusybox checks the layout of the built-in image.
func TestBusybox(t *testing.T) {
	needBusybox(t)
	s := openTest(t)
	root, err := s.Busybox(t.Context())
	if err != nil {
		t.Fatalf("Busybox: %v", err)
	}
	tree := describe(t, root)
	owner := "uid=" + strconv.Itoa(os.Geteuid())
	want := map[string]string{
		".": "dir 0755", "bin": "dir 0755", "sbin": "dir 0755", "usr": "dir 0755", "usr/bin": "dir 0755",
		"usr/sbin": "dir 0755", "etc": "dir 0755", "proc": "dir 0555", "sys": "dir 0555", "dev": "dir 0755",
		"tmp": "dir 1777", "run": "dir 0755", "var": "dir 0755", "var/tmp": "dir 1777", "root": "dir 0700",
		"home": "dir 0755", "mnt": "dir 0755", "media": "dir 0755",
		"bin/sh":        "link -> /bin/busybox",
		"sbin/halt":     "link -> /bin/busybox",
		"sbin/poweroff": "link -> /bin/busybox",
		"sbin/reboot":   "file 0755 " + owner + " #!/bin/sh\nexec kill -INT 1\n",
	}
	for p, w := range want {
		if got := tree[p]; got != w {
			t.Errorf("%s: %q, want %q", p, got, w)
		}
	}
	if got := tree["bin/busybox"]; !strings.HasPrefix(got, "file 0755 ") {
		t.Errorf("bin/busybox: %q, want a file 0755", got[:min(len(got), 40)])
	}

	// Every applet is linked at its path.
	out, err := exec.Command(DefaultBusybox, "--list-full").Output()
	must(t, err)
	applets := strings.Fields(string(out))
	if len(applets) < 100 {
		t.Fatalf("busybox --list-full listed %d applets", len(applets))
	}
	for _, a := range applets {
		switch a {
		case "bin/busybox", "sbin/reboot":
			continue
		}
		if got := tree[a]; got != "link -> /bin/busybox" {
			t.Errorf("applet %s: %q, want a link to /bin/busybox", a, got)
		}
	}

	banner, _ := exec.Command(DefaultBusybox).CombinedOutput()
	version := regexp.MustCompile(`BusyBox v(\S+)`).FindStringSubmatch(string(banner))
	if version == nil {
		t.Fatalf("no version in busybox's banner %q", banner)
	}
	files := []struct{ path, want string }{
		{"etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"},
		{"etc/passwd", "\nnobody:x:65534:65534:"},
		{"etc/group", "root:x:0:\n"},
		{"etc/hosts", "127.0.0.1\tlocalhost\n"},
		{"etc/nsswitch.conf", "hosts: files dns\n"},
		{"etc/profile", "export PATH="},
		{"etc/os-release", "\nID=strato-busybox\n"},
		{"etc/os-release", fmt.Sprintf("VERSION_ID=%q", version[1])},
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(root, f.path))
		if err != nil || !strings.Contains(string(b), f.want) {
			t.Errorf("%s = %q (%v), want it to contain %q", f.path, b, err, f.want)
		}
	}
}

// TestBusyboxRuns: the image works as a root filesystem.
func TestBusyboxRuns(t *testing.T) {
	needBusybox(t)
	if os.Geteuid() != 0 {
		t.Skip("chroot needs root")
	}
	s := openTest(t)
	root, err := s.Busybox(t.Context())
	must(t, err)
	bin, err := os.ReadDir(filepath.Join(root, "bin"))
	must(t, err)

	cmd := exec.Command("/bin/sh", "-c", "echo ok; ls /bin | wc -l; id -un; . /etc/os-release; echo $ID")
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chroot %s /bin/sh: %v\n%s", root, err, out)
	}
	want := fmt.Sprintf("ok\n%d\nroot\nstrato-busybox\n", len(bin))
	if d := cmp.Diff(strings.ReplaceAll(string(out), " ", ""), want); d != "" {
		t.Errorf("output (-got +want):\n%s", d)
	}
}

// TestBusyboxOnce: concurrent callers share one build.
func TestBusyboxOnce(t *testing.T) {
	needBusybox(t)
	s := openTest(t)
	const n = 6
	got := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = s.Busybox(t.Context()) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || got[i] != got[0] {
			t.Errorf("caller %d: %q, %v; want %q", i, got[i], errs[i], got[0])
		}
	}
	if v := names(t, s.path(busyboxDir)); len(v) != 1 {
		t.Errorf("busybox versions: %v, want one", v)
	}
	if left := names(t, s.path(tmpDir)); len(left) != 0 {
		t.Errorf("tmp holds %v", left)
	}
}

// TestBusyboxTwoProcesses: two processes opening the same store build the
// image once between them (a second publish would fail: the directory
// would exist) and report the same directory.
func TestBusyboxTwoProcesses(t *testing.T) {
	needBusybox(t)
	dir := t.TempDir()
	var wg sync.WaitGroup
	outs := make([]string, 2)
	errs := make([]error, 2)
	for i := range outs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "STRATO_IMAGE_HELPER_DIR="+dir)
			out, err := cmd.CombinedOutput()
			outs[i], errs[i] = string(out), err
		})
	}
	wg.Wait()
	var roots []string
	for i, out := range outs {
		if errs[i] != nil {
			t.Fatalf("helper %d: %v\n%s", i, errs[i], out)
		}
		m := regexp.MustCompile(`rootfs=(\S+)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("helper %d printed no rootfs:\n%s", i, out)
		}
		roots = append(roots, m[1])
	}
	if roots[0] != roots[1] {
		t.Errorf("the processes got %q and %q", roots[0], roots[1])
	}
	s, err := Open(dir)
	must(t, err)
	if v := names(t, s.path(busyboxDir)); len(v) != 1 {
		t.Errorf("busybox versions: %v, want one", v)
	}
}

// TestMain runs the test binary as TestBusyboxTwoProcesses's child when
// STRATO_IMAGE_HELPER_DIR is set: it builds the busybox image there and
// prints the directory.
func TestMain(m *testing.M) {
	dir := os.Getenv("STRATO_IMAGE_HELPER_DIR")
	if dir == "" {
		os.Exit(m.Run())
	}
	root, err := helperBusybox(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	fmt.Printf("rootfs=%s\n", root)
	os.Exit(0)
}

func helperBusybox(dir string) (string, error) {
	s, err := Open(dir)
	if err != nil {
		return "", err
	}
	return s.Busybox(context.Background())
}

// TestBusyboxNewBinary: a changed binary builds a new directory and leaves
// the old one, which guests may still use, as it was.
func TestBusyboxNewBinary(t *testing.T) {
	needBusybox(t)
	bin := filepath.Join(t.TempDir(), "busybox")
	orig, err := os.ReadFile(DefaultBusybox)
	must(t, err)
	must(t, os.WriteFile(bin, orig, 0o755))
	s := openTest(t, WithBusybox(bin))
	first, err := s.Busybox(t.Context())
	must(t, err)
	before := describe(t, first)

	// Bytes after an ELF's last segment change its hash, not its behaviour.
	f, err := os.OpenFile(bin, os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.Write([]byte("upgrade"))
	must(t, errors.Join(err, f.Close()))

	second, err := s.Busybox(t.Context())
	must(t, err)
	if second == first {
		t.Fatalf("a changed busybox reused %s", first)
	}
	if d := cmp.Diff(describe(t, first), before); d != "" {
		t.Errorf("the old image changed (-got +want):\n%s", d)
	}
	got, err := os.ReadFile(filepath.Join(second, "bin", "busybox"))
	must(t, err)
	if sha256.Sum256(got) == sha256.Sum256(orig) {
		t.Error("the new image has the old binary")
	}
	if again, err := s.Busybox(t.Context()); err != nil || again != second {
		t.Errorf("third call: %q, %v; want %q", again, err, second)
	}
}

// fakeELF writes a minimal ELF header for machine, with a PT_INTERP
// program header when dynamic.
func fakeELF(t *testing.T, machine elf.Machine, dynamic bool) string {
	t.Helper()
	var buf bytes.Buffer
	h := elf.Header64{Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT),
		Phoff: 64, Ehsize: 64, Phentsize: 56, Shentsize: 64}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS], h.Ident[elf.EI_DATA], h.Ident[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	progs := []elf.Prog64{{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X), Align: 4096}}
	if dynamic {
		interp := "/lib64/ld-linux-x86-64.so.2\x00"
		progs = append(progs, elf.Prog64{Type: uint32(elf.PT_INTERP), Flags: uint32(elf.PF_R), Off: 64 + 56*2,
			Filesz: uint64(len(interp)), Memsz: uint64(len(interp)), Align: 1})
		defer buf.WriteString(interp)
	}
	h.Phnum = uint16(len(progs))
	must(t, binary.Write(&buf, binary.LittleEndian, h))
	must(t, binary.Write(&buf, binary.LittleEndian, progs))
	p := filepath.Join(t.TempDir(), "busybox")
	defer func() { must(t, os.WriteFile(p, buf.Bytes(), 0o755)) }()
	return p
}

// TestBusyboxUnusable: a missing, dynamic or foreign busybox is refused
// with an error that names the package to install.
func TestBusyboxUnusable(t *testing.T) {
	host, ok := elfMachines[runtime.GOARCH]
	if !ok {
		t.Skipf("no ELF machine known for %s", runtime.GOARCH)
	}
	other := elf.EM_AARCH64
	if host == other {
		other = elf.EM_X86_64
	}
	script := filepath.Join(t.TempDir(), "busybox")
	must(t, os.WriteFile(script, []byte("#!/bin/sh\necho BusyBox v9\n"), 0o755))
	tests := []struct {
		name string
		bin  string
		want string
	}{
		{"missing", filepath.Join(t.TempDir(), "busybox"), "install Debian's busybox-static package"},
		{"dynamically linked", fakeELF(t, host, true), "is dynamically linked"},
		{"another machine", fakeELF(t, other, false), "not this machine"},
		{"not ELF", script, "busybox-static"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t, WithBusybox(tc.bin))
			_, err := s.Busybox(t.Context())
			wantKind(t, err, errdefs.Unsupported, tc.want)
			if e := errdefs.As(err); !strings.Contains(e.Public, "busybox-static") {
				t.Errorf("error %q does not name busybox-static", e.Public)
			}
			if v := names(t, s.path(busyboxDir)); len(v) != 0 {
				t.Errorf("published %v", v)
			}
		})
	}
}
