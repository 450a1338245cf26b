// Package shim is the per-instance half of the sandbox driver: the
// supervisor that holds one instance (as containerd-shim does) and the init
// that runs as pid 1 inside the instance's namespaces.
//
// The daemon starts the strato binary itself in the shim role for every
// start of an instance. The shim creates the instance's cgroup, clones the
// init (the same binary again, in the init role) into new pid, mount, UTS,
// IPC and network namespaces, moves it into the cgroup, wires its network
// and serves the instance metadata service (and, when asked, a forward to
// an API on the host) inside its network namespace, then hands the init
// its configuration. The shim outlives the daemon: it owns the cgroup, the
// console log and the exit status, and answers the daemon over a control
// socket (see Client). When the guest's init ends the shim records how
// (exit.json), tears down what it made and exits.
//
// Roles are chosen by the environment variable RoleEnv; a program that can
// be re-executed as a shim calls MaybeRun first thing in main (cmd/strato
// does, and so do the tests of packages that start shims).
package shim

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"strato/internal/driver/sandbox/imds"
)

// RoleEnv selects the role of a re-executed strato binary: RoleShim or
// RoleInit. It is never passed on to the guest.
const RoleEnv = "STRATO_SANDBOX_ROLE"

// Roles.
const (
	RoleShim = "shim"
	RoleInit = "init"
)

// Kinds of root filesystem.
const (
	// KindHost runs the guest on the host's filesystem, read-only, with the
	// root volume mounted at /root and the data directory hidden.
	KindHost = "host"
	// KindRootFS runs the guest on an image directory (LowerDir) with the
	// root volume as a persistent overlay layer on top.
	KindRootFS = "rootfs"
)

// Guest paths the init sets up.
const (
	GuestRuntimeDir = "/run/strato"     // tmpfs: user data, the poweroff helpers
	GuestBinDir     = "/run/strato/bin" // first on the guest's PATH
	GuestHome       = "/root"           // the working directory of the user data
	poweroffCode    = "/run/strato/poweroff-code"
	guestUserData   = "/run/strato/user-data"
)

// APIForwardAddr is where the shim listens inside a guest's network
// namespace, next to the metadata service (same address, the daemon's
// default port), for connections it forwards to Config.APIEndpoint.
const APIForwardAddr = "169.254.169.254:8773"

// APITLSForwardAddr is where the shim serves the same forward over TLS
// (Config.APITLS), on HTTPS's port of that address.
const APITLSForwardAddr = "169.254.169.254:443"

// Files in the instance directory.
const (
	ConfigFile  = "shim.json"   // Config, written by the driver before each start
	RunFile     = "run.json"    // RunRecord, written by the shim once the guest runs
	ExitFile    = "exit.json"   // ExitRecord, written by the shim when the run ends
	ConsoleFile = "console.log" // the guest's console, appended
	LogFile     = "shim.log"    // the shim's own log
	RootMount   = "root"        // the empty directory the guest's root is built on
)

// Config is everything a shim needs to run one instance. The driver writes it
// as JSON to ConfigFile in the instance directory.
type Config struct {
	ID       string `json:"id"`
	Hostname string `json:"hostname,omitempty"`

	// MountPoint is the empty host directory the guest's root is assembled
	// on (in the guest's own mount namespace only).
	MountPoint string `json:"mountPoint"`
	// Kind is KindHost or KindRootFS.
	Kind string `json:"kind"`
	// LowerDir is the image's root filesystem (KindRootFS).
	LowerDir string `json:"lowerDir,omitempty"`
	// RootVolume is the host directory of the root volume: bind-mounted at
	// /root (KindHost), or holding the overlay's upper and work directories
	// (KindRootFS).
	RootVolume string `json:"rootVolume"`
	// CopyRoot makes KindRootFS copy the image into the root volume once
	// instead of mounting an overlay (set by the driver where overlayfs is
	// unavailable).
	CopyRoot bool `json:"copyRoot,omitempty"`
	// HideDirs are host directories covered with an empty read-only tmpfs in
	// a KindHost guest (the daemon's data directory: other instances' volumes).
	HideDirs []string `json:"hideDirs,omitempty"`
	// Mounts are the other volumes, bind-mounted read-write, in order (a
	// volume before the volumes inside it). Their mount points are made
	// without following symbolic links.
	Mounts []Mount `json:"mounts,omitempty"`
	// Files are written by the init once the root is built, and made
	// read-only (each bound onto itself, read-only).
	Files []File `json:"files,omitempty"`

	// UserData is run by the init as a script (with /bin/sh unless it starts
	// with "#!").
	UserData []byte `json:"userData,omitempty"`
	// Env is the complete environment of the user data.
	Env []string `json:"env"`

	Cgroup  CgroupConfig   `json:"cgroup"`
	Network *NetworkConfig `json:"network,omitempty"`
	// Metadata is served at 169.254.169.254 inside the guest when the
	// guest has a network.
	Metadata *MetadataConfig `json:"metadata,omitempty"`
	// APIEndpoint, when set, is a host address ("ip:port") to which the
	// shim forwards the guest's connections to APIForwardAddr (the guest
	// must have a network).
	APIEndpoint string `json:"apiEndpoint,omitempty"`
	// APITLS, with APIEndpoint, also forwards the guest's connections to
	// APITLSForwardAddr, terminating TLS with this certificate.
	APITLS *TLSCert `json:"apiTls,omitempty"`
}

// TLSCert is a PEM certificate chain and key.
type TLSCert struct {
	CertPEM []byte `json:"certPem"`
	KeyPEM  []byte `json:"keyPem"`
}

// File is a file the init places in the guest.
type File struct {
	Path string `json:"path"` // absolute and clean guest path
	Mode uint32 `json:"mode"` // permission bits
	Data []byte `json:"data,omitempty"`
}

// Mount is a volume bind-mounted into the guest.
type Mount struct {
	Source string `json:"source"` // host directory
	Target string `json:"target"` // absolute guest path
}

// CgroupConfig names the instance's cgroup and its limits.
type CgroupConfig struct {
	// Parent is the group under which the instance group is made.
	Parent      string  `json:"parent"`
	Name        string  `json:"name"`
	VCPUs       float64 `json:"vcpus,omitempty"`
	MemoryBytes int64   `json:"memoryBytes,omitempty"`
	Pids        int64   `json:"pids,omitempty"`
}

// NetworkConfig attaches the guest to the host bridge.
type NetworkConfig struct {
	Bridge  string `json:"bridge"`
	HostIf  string `json:"hostIf"`
	Addr    string `json:"addr"`    // the guest's address with the network length, 172.31.4.7/16
	Gateway string `json:"gateway"` // the bridge's address
	MAC     string `json:"mac"`
}

// MetadataConfig is what the instance metadata service serves.
type MetadataConfig struct {
	// Meta maps paths under latest/meta-data to values.
	Meta map[string]string `json:"meta"`
	// AccountID and LaunchTime complete the instance identity document
	// (its other fields come from Meta).
	AccountID  string    `json:"accountId,omitempty"`
	LaunchTime time.Time `json:"launchTime,omitzero"`
	// TokensRequired refuses requests without an IMDSv2 token.
	TokensRequired bool `json:"tokensRequired,omitempty"`
	// Role is the instance profile's role, if any.
	Role *imds.Role `json:"role,omitempty"`
}

// Validate checks what the init relies on.
func (c *Config) Validate() error {
	var errs []error
	if c.ID == "" {
		errs = append(errs, errors.New("id is empty"))
	}
	switch c.Kind {
	case KindHost:
	case KindRootFS:
		if !filepath.IsAbs(c.LowerDir) {
			errs = append(errs, fmt.Errorf("image directory %q is not absolute", c.LowerDir))
		}
		if strings.ContainsAny(c.LowerDir+c.RootVolume, ",:") {
			errs = append(errs, errors.New("overlay paths must not contain ',' or ':'"))
		}
	default:
		errs = append(errs, fmt.Errorf("unknown root filesystem kind %q", c.Kind))
	}
	if !filepath.IsAbs(c.MountPoint) {
		errs = append(errs, fmt.Errorf("mount point %q is not absolute", c.MountPoint))
	}
	if !filepath.IsAbs(c.RootVolume) {
		errs = append(errs, fmt.Errorf("root volume %q is not absolute", c.RootVolume))
	}
	for _, m := range c.Mounts {
		if !filepath.IsAbs(m.Source) || !filepath.IsAbs(m.Target) || filepath.Clean(m.Target) != m.Target || m.Target == "/" {
			errs = append(errs, fmt.Errorf("bad mount %q -> %q", m.Source, m.Target))
		}
	}
	for _, f := range c.Files {
		if !filepath.IsAbs(f.Path) || filepath.Clean(f.Path) != f.Path || f.Path == "/" || f.Mode&^0o777 != 0 {
			errs = append(errs, fmt.Errorf("bad file %q (mode %o)", f.Path, f.Mode))
		}
	}
	if c.APIEndpoint != "" {
		if _, err := netip.ParseAddrPort(c.APIEndpoint); err != nil {
			errs = append(errs, fmt.Errorf("API endpoint: %w", err))
		}
		if c.Network == nil {
			errs = append(errs, errors.New("an API endpoint needs a network"))
		}
	}
	if c.APITLS != nil {
		if c.APIEndpoint == "" {
			errs = append(errs, errors.New("a TLS API forward needs an API endpoint"))
		}
		if _, err := tls.X509KeyPair(c.APITLS.CertPEM, c.APITLS.KeyPEM); err != nil {
			errs = append(errs, fmt.Errorf("TLS API forward: %w", err))
		}
	}
	for _, h := range c.HideDirs {
		if !filepath.IsAbs(h) {
			errs = append(errs, fmt.Errorf("hidden directory %q is not absolute", h))
		}
	}
	return errors.Join(errs...)
}
