package image

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"strato/internal/errdefs"
)

// layoutVersion changes when Busybox lays the image out differently; it is
// part of the version directory's name with the binary's hash, so either
// change builds a new directory.
const layoutVersion = "v1"

// RebootScript is the built-in image's /sbin/reboot. The guest's init takes
// SIGTERM as "stop the instance", which is what busybox's own reboot sends
// to pid 1; a reboot asks for SIGINT instead. halt (SIGUSR1) and poweroff
// (SIGUSR2) stay busybox applets.
const RebootScript = "#!/bin/sh\nexec kill -INT 1\n"

// fhsDirs are the directories of the built-in image, in creation order.
var fhsDirs = []struct {
	path string
	mode fs.FileMode
}{
	{"bin", 0o755}, {"sbin", 0o755}, {"usr", 0o755}, {"usr/bin", 0o755}, {"usr/sbin", 0o755},
	{"etc", 0o755}, {"proc", 0o555}, {"sys", 0o555}, {"dev", 0o755},
	{"tmp", fs.ModeSticky | 0o777}, {"run", 0o755}, {"var", 0o755}, {"var/tmp", fs.ModeSticky | 0o777},
	{"root", 0o700}, {"home", 0o755}, {"mnt", 0o755}, {"media", 0o755},
}

// Busybox returns the root filesystem of the built-in busybox image,
// building it at the first call for the current busybox binary: FHS
// directories, /bin/busybox with every applet of `busybox --list-full`
// linked at its path, /sbin/reboot as RebootScript, and a minimal /etc
// (passwd and group with root and nobody, hosts, nsswitch.conf, profile,
// os-release with ID=strato-busybox). Concurrent callers, in this process
// or others, get the same directory, built once. A different binary (a
// busybox upgrade) gets a new directory; old ones stay as they are for the
// guests that use them.
//
// The binary must be statically linked: Debian's busybox-static package
// provides one at /bin/busybox (its busybox package is dynamic, and a
// dynamic binary cannot run inside the image). Otherwise the error, of
// kind Unsupported, says so.
func (s *Store) Busybox(ctx context.Context) (string, error) {
	s.bbMu.Lock()
	defer s.bbMu.Unlock()

	fi, err := os.Stat(s.busybox)
	if err != nil {
		return "", errNoBusybox(s.busybox, err)
	}
	id := binaryID(fi)
	if dir, ok := s.bbCache[id]; ok && exists(dir) {
		return dir, nil
	}
	bin, err := os.ReadFile(s.busybox)
	if err != nil {
		return "", errNoBusybox(s.busybox, err)
	}
	if err := checkStatic(s.busybox, bin); err != nil {
		return "", err
	}
	sum := sha256.Sum256(bin)
	version := layoutVersion + "-" + hex.EncodeToString(sum[:8])
	dst := s.path(busyboxDir, version)
	rootfs := filepath.Join(dst, rootfsName)
	if exists(rootfs) {
		s.bbCache[id] = rootfs
		return rootfs, nil
	}

	unlock, err := s.lock(busyboxLock, unix.LOCK_EX)
	if err != nil {
		return "", err
	}
	defer unlock()
	if exists(rootfs) { // another process built it while we waited
		s.bbCache[id] = rootfs
		return rootfs, nil
	}
	work, done, err := s.workDir("busybox")
	if err != nil {
		return "", err
	}
	defer done()
	if err := buildBusybox(ctx, filepath.Join(work, rootfsName), s.busybox, bin); err != nil {
		return "", err
	}
	if err := syncFS(work); err != nil {
		return "", err
	}
	if err := publish(work, dst); err != nil {
		return "", err
	}
	s.bbCache[id] = rootfs
	return rootfs, nil
}

// binaryID identifies a binary's file without reading it: device, inode,
// size and modification time.
func binaryID(fi fs.FileInfo) string {
	st, _ := fi.Sys().(*syscall.Stat_t)
	if st == nil {
		return ""
	}
	return fmt.Sprintf("%d:%d:%d:%d", st.Dev, st.Ino, fi.Size(), fi.ModTime().UnixNano())
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func errNoBusybox(path string, err error) error {
	return &errdefs.Error{Kind: errdefs.Unsupported, Resource: errdefs.ResImage, ID: "busybox",
		Public: fmt.Sprintf("the busybox image needs a statically linked busybox at %s, which is missing: "+
			"install Debian's busybox-static package (apt-get install busybox-static)", path),
		Err: err}
}

// elfMachines maps Go's architectures to ELF's, for the ones Strato runs on.
var elfMachines = map[string]elf.Machine{
	"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386,
	"riscv64": elf.EM_RISCV, "ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390,
}

// checkStatic refuses a binary that is not an ELF executable for this
// machine, or that is dynamically linked (has a PT_INTERP program header).
func checkStatic(path string, bin []byte) error {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return &errdefs.Error{Kind: errdefs.Unsupported, Resource: errdefs.ResImage, ID: "busybox",
			Public: fmt.Sprintf("%s is not an ELF executable; the busybox image needs Debian's busybox-static package", path), Err: err}
	}
	defer f.Close()
	if m, ok := elfMachines[runtime.GOARCH]; ok && f.Machine != m {
		return errdefs.Newf(errdefs.Unsupported, errdefs.ResImage, "busybox",
			"%s is built for %v, not this machine (%s); install Debian's busybox-static package", path, f.Machine, runtime.GOARCH)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return errdefs.Newf(errdefs.Unsupported, errdefs.ResImage, "busybox",
				"%s is dynamically linked, and the busybox image needs a static busybox: "+
					"install Debian's busybox-static package (apt-get install busybox-static; it replaces the dynamic busybox package)", path)
		}
	}
	return nil
}

// buildBusybox lays the image out in root, which must not exist, from the
// binary bin read from src. The applet list and version come from running
// src: running the fresh copy could fail with ETXTBSY while another
// goroutine's fork still holds it open for writing.
func buildBusybox(ctx context.Context, root, src string, bin []byte) error {
	if err := mkdirMode(root, 0o755); err != nil {
		return err
	}
	for _, d := range fhsDirs {
		if err := mkdirMode(filepath.Join(root, d.path), d.mode); err != nil {
			return err
		}
	}
	busybox := filepath.Join(root, "bin", "busybox")
	if err := writeFileMode(busybox, bin, 0o755); err != nil {
		return err
	}
	applets, err := listApplets(ctx, src)
	if err != nil {
		return err
	}
	for _, a := range applets {
		if a == "bin/busybox" || a == "sbin/reboot" {
			continue
		}
		p := filepath.Join(root, filepath.FromSlash(a))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return internal("build busybox image", err)
		}
		if err := os.Symlink("/bin/busybox", p); err != nil && !errors.Is(err, fs.ErrExist) {
			return internal("build busybox image", err)
		}
	}
	version, err := busyboxVersion(ctx, src)
	if err != nil {
		return err
	}
	files := []struct {
		path string
		mode fs.FileMode
		data string
	}{
		{"sbin/reboot", 0o755, RebootScript},
		{"etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"},
		{"etc/group", 0o644, "root:x:0:\nnogroup:x:65534:\n"},
		{"etc/hosts", 0o644, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"},
		{"etc/nsswitch.conf", 0o644, "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n"},
		{"etc/profile", 0o644, "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n" +
			"export PS1='\\u@\\h:\\w\\$ '\n"},
		{"etc/os-release", 0o644, fmt.Sprintf("NAME=\"Strato busybox\"\nID=strato-busybox\nVERSION_ID=%q\n"+
			"PRETTY_NAME=\"Strato busybox (BusyBox v%s)\"\nBUSYBOX_VERSION=%q\n", version, version, version)},
	}
	for _, f := range files {
		if err := writeFileMode(filepath.Join(root, f.path), []byte(f.data), f.mode); err != nil {
			return err
		}
	}
	return nil
}

// listApplets runs `busybox --list-full`: one path per applet, relative to
// the root ("usr/bin/awk"). Paths that are absolute or climb out are refused.
func listApplets(ctx context.Context, busybox string) ([]string, error) {
	out, err := exec.CommandContext(ctx, busybox, "--list-full").Output()
	if err != nil {
		return nil, internal("list busybox applets", err)
	}
	var applets []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		a := strings.TrimSpace(sc.Text())
		if a == "" {
			continue
		}
		if path.IsAbs(a) || path.Clean(a) != a || a == ".." || strings.HasPrefix(a, "../") {
			return nil, internal("list busybox applets", fmt.Errorf("unexpected applet path %q", a))
		}
		applets = append(applets, a)
	}
	if len(applets) == 0 {
		return nil, internal("list busybox applets", errors.New("busybox --list-full listed nothing"))
	}
	return applets, nil
}

var busyboxVersionRE = regexp.MustCompile(`BusyBox v([0-9][^ \n]*)`)

// busyboxVersion reads the version from busybox's banner ("BusyBox v1.35.0
// (Debian …) multi-call binary."). busybox without arguments prints it and
// may exit non-zero, which is not an error here.
func busyboxVersion(ctx context.Context, busybox string) (string, error) {
	out, _ := exec.CommandContext(ctx, busybox).CombinedOutput()
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m := busyboxVersionRE.FindSubmatch(out)
	if m == nil {
		return "", internal("read busybox version", fmt.Errorf("no version in %q", firstLine(out)))
	}
	return string(m[1]), nil
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return errdefs.Clip(string(line), 200)
}

// mkdirMode makes a directory with exactly mode, whatever the umask.
func mkdirMode(p string, mode fs.FileMode) error {
	if err := os.Mkdir(p, 0o700); err != nil {
		return internal("build busybox image", err)
	}
	if err := os.Chmod(p, mode); err != nil {
		return internal("build busybox image", err)
	}
	return nil
}

// writeFileMode writes a new file with exactly mode, whatever the umask.
func writeFileMode(p string, data []byte, mode fs.FileMode) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return internal("build busybox image", err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return internal("build busybox image", err)
	}
	if err := os.Chmod(p, mode); err != nil {
		return internal("build busybox image", err)
	}
	return nil
}
