package sandbox

import (
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strings"

	"strato/internal/driver"
	"strato/internal/driver/sandbox/shim"
	"strato/internal/errdefs"
)

// Where volumes and files go in a guest, and the rules for those places.

// Limits of Spec.Files and guest paths.
const (
	maxGuestPath  = 1024    // bytes in a guest path
	maxFiles      = 64      // files per spec
	maxFilesBytes = 1 << 20 // their data together
)

// reservedPaths are guest directories the kernel provides or the init
// builds (its runtime directory, with the power commands): nothing may be
// put at, below or above them.
var reservedPaths = []string{"/proc", "/sys", "/dev", shim.GuestRuntimeDir}

// systemDirs hold a guest's system: a volume or file may go below them (in
// an image guest, whose root is writable) but never replace them.
var systemDirs = []string{"/bin", "/boot", "/etc", "/lib", "/lib32", "/lib64", "/libx32",
	shim.GuestHome, "/run", "/sbin", "/usr", "/var"}

// hostWritableDirs are the writable directories of a host-image guest,
// whose tree is the host's, read-only: memory filesystems made at every
// boot. Volumes may also go below the root volume's GuestHome there; files
// only below hostFileDirs (/mnt and /media are small, for mount points).
var (
	hostWritableDirs = []string{"/home", "/media", "/mnt", "/opt", "/run", "/tmp"}
	hostFileDirs     = []string{"/home", "/opt", "/run", "/tmp"}
)

// under reports whether p is dir or lies below it.
func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+"/") || dir == "/"
}

// underAny reports whether p is or lies below one of dirs.
func underAny(p string, dirs []string) bool {
	return slices.ContainsFunc(dirs, func(d string) bool { return under(p, d) })
}

// strictlyUnderAny reports whether p lies below (not at) one of dirs.
func strictlyUnderAny(p string, dirs []string) bool {
	return slices.ContainsFunc(dirs, func(d string) bool { return p != d && under(p, d) })
}

// guestPath is the guest path a volume's MountPath names itself: an
// absolute path outside /dev. Other mount paths are device names.
func guestPath(v driver.Volume) (string, bool) {
	p := v.MountPath
	if !strings.HasPrefix(p, "/") || p == "/dev" || strings.HasPrefix(p, "/dev/") {
		return "", false
	}
	return p, true
}

// guestMount is a volume and where the guest sees it.
type guestMount struct {
	vol    driver.Volume
	target string
}

// guestMounts gives the guest paths of the volumes other than the root: the
// MountPath itself when it is a guest path; otherwise instance store at
// /media/ephemeralN (as on EC2's Amazon Linux) and other volumes at
// /mnt/<device name>, in the spec's order.
func guestMounts(spec driver.Spec) (mounts []guestMount) {
	scratch := 0
	for _, v := range spec.Volumes {
		if v.Root {
			continue
		}
		target, ok := guestPath(v)
		switch {
		case ok:
		case v.Scratch:
			target = fmt.Sprintf("/media/ephemeral%d", scratch)
			scratch++
		default:
			name := path.Base(v.MountPath)
			if name == "." || name == "/" || name == "" || driver.ValidID(name) != nil {
				name = v.ID
			}
			target = "/mnt/" + name
		}
		mounts = append(mounts, guestMount{v, target})
	}
	return mounts
}

// checkGuestPath applies the rules every guest path follows.
func checkGuestPath(p string) error {
	switch {
	case !path.IsAbs(p):
		return fmt.Errorf("%q is not an absolute path", p)
	case len(p) > maxGuestPath:
		return fmt.Errorf("the path is longer than %d bytes", maxGuestPath)
	case path.Clean(p) != p:
		return fmt.Errorf("%q is not a clean path (no '.', '..', '//' or trailing '/')", p)
	case p == "/":
		return fmt.Errorf("%q would replace the guest's root", p)
	case strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("%q contains a control character", p)
	}
	for _, r := range reservedPaths {
		if under(p, r) || under(r, p) {
			return fmt.Errorf("%q would cover or hide %s, which the guest's system needs", p, r)
		}
	}
	if slices.Contains(systemDirs, p) {
		return fmt.Errorf("%q would replace a system directory", p)
	}
	return nil
}

// checkPlacements validates where spec's volumes and files go in the guest.
func checkPlacements(spec driver.Spec) error {
	host := spec.Image.Kind == KindShell
	mounts := guestMounts(spec)
	seen := make(map[string]string, len(mounts)) // guest path → volume id
	for _, m := range mounts {
		bad := func(format string, args ...any) error {
			return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResVolume, m.vol.ID,
				"invalid mount path %q of volume %s: %s", m.vol.MountPath, m.vol.ID, fmt.Sprintf(format, args...))
		}
		if err := checkGuestPath(m.target); err != nil {
			return bad("%v", err)
		}
		if host && !underAny(m.target, hostWritableDirs) && !strictlyUnderAny(m.target, []string{shim.GuestHome}) {
			return bad("the host image is read-only there; use a path under /home, /opt, /mnt, /media, /tmp, /run or %s", shim.GuestHome)
		}
		if other, dup := seen[m.target]; dup {
			return bad("volume %s is mounted there too", other)
		}
		seen[m.target] = m.vol.ID
	}
	if len(spec.Files) > maxFiles {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, spec.ID, "at most %d guest files, not %d", maxFiles, len(spec.Files))
	}
	total := 0
	for i, f := range spec.Files {
		bad := func(format string, args ...any) error {
			return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, spec.ID,
				"invalid guest file %q: %s", f.Path, fmt.Sprintf(format, args...))
		}
		if err := checkGuestPath(f.Path); err != nil {
			return bad("%v", err)
		}
		if f.Mode&^0o777 != 0 {
			return bad("mode %v has more than permission bits", f.Mode)
		}
		if host && !strictlyUnderAny(f.Path, hostFileDirs) {
			return bad("the host image has no room there; use a path under /home, /opt, /tmp or /run")
		}
		for _, m := range mounts {
			if under(f.Path, m.target) || under(m.target, f.Path) {
				return bad("it would be in volume %s (or cover it)", m.vol.ID)
			}
		}
		for _, g := range spec.Files[:i] {
			if under(f.Path, g.Path) || under(g.Path, f.Path) {
				return bad("it clashes with guest file %q", g.Path)
			}
		}
		total += len(f.Data)
	}
	if total > maxFilesBytes {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, spec.ID,
			"guest files hold %d bytes together, more than %d", total, maxFilesBytes)
	}
	return nil
}

// apiTarget is the host address the guest's API connections are forwarded
// to: endpoint, with an unspecified address replaced by the loopback.
func apiTarget(endpoint string) (netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(endpoint)
	if err != nil {
		return ap, fmt.Errorf("%q is not an ip:port address", endpoint)
	}
	if ap.Port() == 0 || ap.Addr().Zone() != "" {
		return ap, fmt.Errorf("%q is not a usable address", endpoint)
	}
	a := ap.Addr().Unmap()
	switch {
	case a.IsUnspecified() && a.Is4():
		a = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	case a.IsUnspecified():
		a = netip.IPv6Loopback()
	}
	return netip.AddrPortFrom(a, ap.Port()), nil
}
