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
//     daemon's data directory hidden under an empty tmpfs and the root
//     volume at /root.
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
		target := filepath.Join(root, m.Target)
		if err := os.MkdirAll(target, 0o755); err != nil {
			return fmt.Errorf("volume mount point %s: %w", m.Target, err)
		}
		if err := unix.Mount(m.Source, target, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("mount volume at %s: %w", m.Target, err)
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
	for _, h := range cfg.HideDirs {
		p := filepath.Join(root, h)
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			continue
		}
		if err := unix.Mount("tmpfs", p, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=4k,mode=0755"); err != nil {
			return fmt.Errorf("hide %s: %w", h, err)
		}
	}
	// Mount points for volumes on a read-only tree: writable tmpfs dirs.
	for _, d := range []string{"mnt", "media"} {
		if err := unix.Mount("tmpfs", filepath.Join(root, d), "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=64k,mode=0755"); err != nil {
			return fmt.Errorf("mount /%s: %w", d, err)
		}
	}
	home := filepath.Join(root, GuestHome)
	if err := unix.Mount(cfg.RootVolume, home, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("mount the root volume at %s: %w", GuestHome, err)
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
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
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
