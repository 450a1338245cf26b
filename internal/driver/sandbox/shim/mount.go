package shim

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// setupRoot builds the guest's root filesystem in the init's own mount
// namespace and moves into it:
//
//   - KindRootFS: an overlay of the image (read-only lower layer) and the
//     root volume's upper layer, so the guest's writes persist in the root
//     volume and the image is shared; or a copy of the image in the root
//     volume where overlayfs is unavailable.
//   - KindHost: the host's filesystem, recursively read-only, with the
//     daemon's data directory hidden under an empty tmpfs, fresh tmpfs
//     /mnt, /media, /home and /opt, copy-on-write /etc and /var (fresh at
//     every boot), and the root volume at /root.
//
// Both get a fresh /proc (the guest's pid namespace), a read-only /sys,
// a minimal /dev, private tmpfs /tmp and /run, and the other volumes.
func setupRoot(cfg *Config) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	root := cfg.MountPoint
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	switch cfg.Kind {
	case KindRootFS:
		if err := mountImage(cfg, root); err != nil {
			return err
		}
	case KindHost:
		if err := mountHost(cfg, root); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown root filesystem kind %q", cfg.Kind)
	}
	if err := mountSystem(root, cfg.Kind == KindHost); err != nil {
		return err
	}
	for _, m := range cfg.Mounts {
		if err := mountVolume(root, m); err != nil {
			return err
		}
	}
	if err := unix.Chdir(root); err != nil {
		return err
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the old root: %w", err)
	}
	return unix.Chdir("/")
}

// mountVolume binds the volume m at its target below root. The mount point
// is made without following symbolic links, so that a guest that turned a
// directory of its root volume into a link cannot have a volume mounted,
// or directories made, outside its root.
func mountVolume(root string, m Mount) error {
	fd, err := mkdirInRoot(root, m.Target)
	if err != nil {
		return fmt.Errorf("volume mount point %s: %w", m.Target, err)
	}
	defer unix.Close(fd)
	if err := unix.Mount(m.Source, fmt.Sprintf("/proc/self/fd/%d", fd), "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("mount volume at %s: %w", m.Target, err)
	}
	return nil
}

// mkdirInRoot makes the directory target (an absolute, clean guest path)
// below root one component at a time, refusing to follow a symbolic link,
// and returns an O_PATH descriptor of it.
func mkdirInRoot(root, target string) (int, error) {
	fd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	for _, c := range strings.Split(strings.TrimPrefix(target, "/"), "/") {
		if c == "" || c == "." || c == ".." {
			unix.Close(fd)
			return -1, fmt.Errorf("bad path %q", target)
		}
		if err := unix.Mkdirat(fd, c, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
			unix.Close(fd)
			return -1, err
		}
		next, err := unix.Openat2(fd, c, &unix.OpenHow{
			Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
			Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_BENEATH,
		})
		unix.Close(fd)
		if err != nil {
			if errors.Is(err, unix.ELOOP) {
				err = fmt.Errorf("%s is a symbolic link", c)
			}
			return -1, err
		}
		fd = next
	}
	return fd, nil
}

// mountImage mounts the overlay (or the copy) of KindRootFS at root.
func mountImage(cfg *Config, root string) error {
	if !cfg.CopyRoot {
		upper, work := filepath.Join(cfg.RootVolume, "upper"), filepath.Join(cfg.RootVolume, "work")
		for _, d := range []string{upper, work} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		opts := "lowerdir=" + cfg.LowerDir + ",upperdir=" + upper + ",workdir=" + work
		err := unix.Mount("overlay", root, "overlay", 0, opts)
		if err == nil {
			return nil
		}
		fmt.Fprintf(os.Stderr, "[strato] overlayfs unavailable (%v); using a copy of the image\n", err)
	}
	copyDir := filepath.Join(cfg.RootVolume, "copy")
	done := filepath.Join(cfg.RootVolume, ".copied")
	if _, err := os.Stat(done); err != nil {
		_ = os.RemoveAll(copyDir)
		if err := os.MkdirAll(copyDir, 0o755); err != nil {
			return err
		}
		if out, err := exec.Command("cp", "-a", cfg.LowerDir+"/.", copyDir).CombinedOutput(); err != nil {
			return fmt.Errorf("copy the image: %v: %s", err, strings.TrimSpace(string(out)))
		}
		if err := os.WriteFile(done, nil, 0o600); err != nil {
			return err
		}
	}
	return unix.Mount(copyDir, root, "", unix.MS_BIND|unix.MS_REC, "")
}

// mountHost mounts the host's filesystem read-only at root, hides HideDirs
// and puts the root volume at /root.
func mountHost(cfg *Config, root string) error {
	if err := unix.Mount("/", root, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind the host's root: %w", err)
	}
	// Drop the host's pseudo filesystems before making the tree read-only;
	// mountSystem mounts the guest's own.
	for _, d := range []string{"proc", "sys", "dev", "tmp", "run"} {
		_ = unix.Unmount(filepath.Join(root, d), unix.MNT_DETACH)
	}
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
	if err := unix.MountSetattr(-1, root, unix.AT_RECURSIVE, attr); err != nil {
		return fmt.Errorf("make the host's root read-only: %w", err)
	}
	// /etc and /var are the guest's to change, as on an instance (its
	// hosts file, a crontab, logs): overlays of the host's with a fresh
	// upper layer in memory, so nothing reaches the host and every boot
	// starts from the host's. Where overlayfs is unavailable they stay
	// read-only. Before the hidden directories, which may lie below.
	if err := copyOnWrite(cfg, root, "etc", "var"); err != nil {
		fmt.Fprintf(os.Stderr, "[strato] /etc and /var stay read-only: %v\n", err)
	}
	for _, h := range cfg.HideDirs {
		p := filepath.Join(root, h)
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			continue
		}
		if err := unix.Mount("tmpfs", p, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=4k,mode=0755"); err != nil {
			return fmt.Errorf("hide %s: %w", h, err)
		}
	}
	// Writable places on a read-only tree, fresh at every boot: mount points
	// for volumes (/mnt, /media) and homes and software (/home, /opt) for
	// volumes at guest paths and the spec's files. The latter hide the
	// host's; the guest's memory limit bounds what it writes there.
	for _, d := range []struct{ name, opts string }{
		{"mnt", "size=64k,mode=0755"}, {"media", "size=64k,mode=0755"},
		{"home", "mode=0755"}, {"opt", "mode=0755"},
	} {
		p := filepath.Join(root, d.name)
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			continue // the host has none; nothing can be put there
		}
		if err := unix.Mount("tmpfs", p, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, d.opts); err != nil {
			return fmt.Errorf("mount /%s: %w", d.name, err)
		}
	}
	home := filepath.Join(root, GuestHome)
	if err := unix.Mount(cfg.RootVolume, home, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("mount the root volume at %s: %w", GuestHome, err)
	}
	return nil
}

// copyOnWrite mounts an overlay of each of the host's directories dirs at
// the same place below root, with upper layers on one tmpfs made for this
// boot next to the mount point (in the init's mount namespace only; it
// goes with the boot).
func copyOnWrite(cfg *Config, root string, dirs ...string) error {
	layers := filepath.Join(filepath.Dir(cfg.MountPoint), "cow")
	if err := os.MkdirAll(layers, 0o700); err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", layers, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0700"); err != nil {
		return fmt.Errorf("mount the upper layers' tmpfs: %w", err)
	}
	for _, d := range dirs {
		lower := "/" + d
		if fi, err := os.Lstat(lower); err != nil || !fi.IsDir() {
			continue // none, or a link: leave it as the host has it
		}
		upper, work := filepath.Join(layers, d, "upper"), filepath.Join(layers, d, "work")
		for _, p := range []string{upper, work} {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		}
		opts := "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work
		if err := unix.Mount("overlay", filepath.Join(root, d), "overlay", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
			return fmt.Errorf("overlay on /%s: %w", d, err)
		}
	}
	return nil
}

// mountSystem gives the guest its own /proc, /sys, /dev, /tmp and /run.
func mountSystem(root string, readOnlyRoot bool) error {
	type m struct {
		src, target, fstype string
		flags               uintptr
		data                string
	}
	const nsd = unix.MS_NOSUID | unix.MS_NODEV
	mounts := []m{
		{"proc", "proc", "proc", nsd | unix.MS_NOEXEC, ""},
		{"sysfs", "sys", "sysfs", nsd | unix.MS_NOEXEC | unix.MS_RDONLY, ""},
		{"tmpfs", "dev", "tmpfs", unix.MS_NOSUID, "mode=0755,size=64k"},
		{"tmpfs", "tmp", "tmpfs", nsd, "mode=1777"},
		{"tmpfs", "run", "tmpfs", nsd, "mode=0755"},
	}
	for _, x := range mounts {
		target := filepath.Join(root, x.target)
		if !readOnlyRoot {
			// A guest owns its image root: make and mount the directory
			// without following a symbolic link it may have put there.
			fd, err := mkdirInRoot(root, "/"+x.target)
			if err != nil {
				return fmt.Errorf("mount point /%s: %w", x.target, err)
			}
			target = fmt.Sprintf("/proc/self/fd/%d", fd)
			defer unix.Close(fd)
		}
		if err := unix.Mount(x.src, target, x.fstype, x.flags, x.data); err != nil {
			return fmt.Errorf("mount /%s: %w", x.target, err)
		}
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
		return err
	}
	return populateDev(filepath.Join(root, "dev"))
}

// populateDev fills the guest's /dev with the host's harmless character
// devices, a private devpts, /dev/shm and the usual links.
func populateDev(dev string) error {
	for _, name := range []string{"null", "zero", "full", "random", "urandom", "tty"} {
		target := filepath.Join(dev, name)
		f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY, 0o666)
		if err != nil {
			return err
		}
		f.Close()
		if err := unix.Mount("/dev/"+name, target, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind /dev/%s: %w", name, err)
		}
	}
	for _, d := range []string{"pts", "shm"} {
		if err := os.Mkdir(filepath.Join(dev, d), 0o755); err != nil {
			return err
		}
	}
	if err := unix.Mount("devpts", filepath.Join(dev, "pts"), "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"); err != nil {
		return fmt.Errorf("mount /dev/pts: %w", err)
	}
	if err := unix.Mount("tmpfs", filepath.Join(dev, "shm"), "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777"); err != nil {
		return fmt.Errorf("mount /dev/shm: %w", err)
	}
	links := map[string]string{"ptmx": "pts/ptmx", "fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"}
	for name, to := range links {
		if err := os.Symlink(to, filepath.Join(dev, name)); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
	}
	return nil
}
