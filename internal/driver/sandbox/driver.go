// Package sandbox is the isolating process driver: every instance is a
// process tree on this host in its own pid, mount, UTS, IPC and network
// namespaces and its own cgroup, held by a per-instance shim (package shim)
// that outlives the daemon.
//
// Images are root filesystems: the host's own, read-only ("shell"), the
// built-in busybox image ("busybox"), or an imported directory ("rootfs").
// The root volume is a persistent overlay layer over the image (for the
// host image, a directory mounted at /root); instance-store volumes (a
// scratch root too) are wiped at every stop. Other volumes appear at their
// MountPath or under /mnt (paths.go), and the spec's files are written at
// every boot. Each guest gets a private address on a host bridge, the
// instance metadata service at 169.254.169.254 and, when its spec asks,
// a forward to an API on the host (GuestAPIURL). Hibernation freezes the
// guest's cgroup: its memory stays resident on this host.
//
// Layout under Config.DataDir, every directory mode 0700:
//
//	instances/<id>/spec.json     the spec Create was given
//	instances/<id>/shim.json     the shim's configuration for the next start
//	instances/<id>/run.json      the shim's current run
//	instances/<id>/exit.json     how the shim's last run ended
//	instances/<id>/last.json     the driver's record of the last run
//	instances/<id>/console.log   the guest's console, appended
//	instances/<id>/root/         where the guest's root is assembled
//	volumes/<volume-id>/         a volume's data (for an image root: upper/, work/)
package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"strato/internal/clock"
	"strato/internal/driver"
	"strato/internal/driver/sandbox/cgroup"
	"strato/internal/errdefs"
)

// Name is the driver's registry name.
const Name = "sandbox"

// Images builds the built-in root filesystems on demand.
type Images interface {
	// Busybox returns the directory of the built-in busybox image.
	Busybox(ctx context.Context) (string, error)
}

// Network is the host side of the guests' private network.
type Network struct {
	// Bridge is the host bridge's name, at most 15 bytes.
	Bridge string
	// Gateway is the bridge's address with the network's length; guests'
	// addresses must be in it (e.g. 172.31.0.1/16).
	Gateway netip.Prefix
}

// Config configures a Driver.
type Config struct {
	// DataDir holds instance directories and volume data. Required.
	DataDir string
	// Images provides the busybox image; nil refuses that kind.
	Images Images
	// Network, when set, gives every guest an address on the bridge; nil
	// leaves guests with only a loopback interface.
	Network *Network
	// MetadataTokensRequired makes the metadata service refuse requests
	// without an IMDSv2 token.
	MetadataTokensRequired bool
	// HideDirs are more host directories a guest of the host image must not
	// see (the daemon's own data directory, with its database), besides
	// DataDir, which is always hidden.
	HideDirs []string
	// CopyRoot copies images into root volumes instead of mounting overlays.
	CopyRoot bool
	// Pids caps the tasks of one instance; default 4096.
	Pids int64
	// Clock times graceful stops. Defaults to the wall clock.
	Clock clock.Clock
	// Logger receives the driver's logs. Defaults to discarding.
	Logger *slog.Logger
}

// Driver runs sandboxed instances.
type Driver struct {
	cfg      Config
	dataDir  string
	clock    clock.Clock
	log      *slog.Logger
	cgroups  cgroup.Layout
	caps     driver.Capabilities
	cgPrefix string

	createMu sync.Mutex
	shims    *shimPool

	mu        sync.Mutex
	instances map[string]*instance

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
}

var (
	_ driver.Driver        = (*Driver)(nil)
	_ driver.ConsoleReader = (*Driver)(nil)
	_ driver.Hibernator    = (*Driver)(nil)
)

// Probe reports why the sandbox driver cannot run on this host, or nil.
func Probe() error {
	if os.Geteuid() != 0 {
		return errors.New("the sandbox driver needs root (namespaces, cgroups, mounts)")
	}
	l, err := cgroup.Detect()
	if err != nil {
		return fmt.Errorf("cgroups: %w", err)
	}
	c := l.Capabilities()
	if !c.MemoryLimit || !c.PidsLimit || !c.CPULimit || !c.KillAll {
		return fmt.Errorf("cgroups lack a controller the sandbox needs (memory %v, pids %v, cpu %v, kill-all %v)",
			c.MemoryLimit, c.PidsLimit, c.CPULimit, c.KillAll)
	}
	for _, ns := range []string{"pid", "mnt", "uts", "ipc", "net"} {
		if _, err := os.Stat("/proc/self/ns/" + ns); err != nil {
			return fmt.Errorf("the kernel lacks %s namespaces", ns)
		}
	}
	return nil
}

// New returns a driver keeping its state under cfg.DataDir.
func New(cfg Config) (*Driver, error) {
	if cfg.DataDir == "" {
		return nil, errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, "", "sandbox driver: data directory is required")
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, errdefs.Wrap(err, "sandbox driver: bad data directory")
	}
	for _, dir := range []string{dataDir, filepath.Join(dataDir, "instances"), filepath.Join(dataDir, "volumes")} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, errdefs.Wrap(err, "sandbox driver: cannot create data directory")
		}
	}
	if err := Probe(); err != nil {
		return nil, &errdefs.Error{Kind: errdefs.Unsupported, Public: "sandbox driver unavailable: " + err.Error(), Err: err}
	}
	layout, err := cgroup.Detect()
	if err != nil {
		return nil, errdefs.Wrap(err, "sandbox driver: cgroups")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Pids <= 0 {
		cfg.Pids = 4096
	}
	if n := cfg.Network; n != nil {
		if !n.Gateway.Addr().Is4() || n.Bridge == "" || len(n.Bridge) > 15 {
			return nil, errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, "", "sandbox driver: bad network configuration")
		}
		if err := ensureBridge(n); err != nil {
			return nil, errdefs.Wrap(err, "sandbox driver: cannot set up the bridge")
		}
	}
	sum := sha256.Sum256([]byte(dataDir))
	ctx, cancel := context.WithCancel(context.Background())
	d := &Driver{
		cfg:       cfg,
		dataDir:   dataDir,
		clock:     cfg.Clock,
		log:       cfg.Logger.With("driver", Name),
		cgroups:   layout,
		cgPrefix:  hex.EncodeToString(sum[:4]),
		instances: make(map[string]*instance),
		ctx:       ctx,
		cancel:    cancel,
		shims:     &shimPool{instances: filepath.Join(dataDir, "instances")},
	}
	cc := layout.Capabilities()
	d.caps = driver.Capabilities{
		Hibernate:     cc.Freeze,
		ConsoleOutput: true,
		Isolation:     "namespaces",
	}
	if cfg.Network != nil {
		d.caps.GuestAPIURL = GuestAPIURL
		d.caps.GuestAPITLSAddr = GuestAPITLSAddr
	}
	if cc.Freeze {
		d.caps.HibernateNote = "cgroup freezer: a hibernated guest's memory stays resident on this host, uses no CPU, and survives a restart of the daemon but not a reboot of the host"
	}
	return d, nil
}

// Name returns "sandbox".
func (d *Driver) Name() string { return Name }

// Capabilities reports namespace isolation, a console, and hibernation where
// the cgroup freezer works (CRIU does not on this kernel: no checkpoint).
func (d *Driver) Capabilities() driver.Capabilities { return d.caps }

// Close detaches the driver from every guest without stopping any, as a
// dying daemon would. Afterwards every method fails; idempotent.
func (d *Driver) Close() error {
	d.cancel()
	d.shims.close()
	return nil
}

func (d *Driver) isClosed() bool { return d.ctx.Err() != nil }

func errClosed(id string) error {
	return errdefs.New(errdefs.Internal, errdefs.ResInstance, id, "sandbox driver is closed")
}

func errNotFound(id string) error {
	return errdefs.Newf(errdefs.NotFound, errdefs.ResInstance, id, "instance %s not found", id)
}

func ctxErr(ctx context.Context, id, op string) error {
	return &errdefs.Error{Kind: errdefs.Internal, Resource: errdefs.ResInstance, ID: id,
		Public: op + " interrupted", Err: ctx.Err()}
}

// now is the clock's time in UTC without a monotonic reading.
func (d *Driver) now() time.Time { return d.clock.Now().UTC().Round(0) }

func (d *Driver) instanceDir(id string) string { return filepath.Join(d.dataDir, "instances", id) }

func (d *Driver) volumeDir(volumeID string) string {
	return filepath.Join(d.dataDir, "volumes", volumeID)
}

// cgroupName is the instance's group: unique per data directory, so that
// daemons (and tests) sharing a host never share a group.
func (d *Driver) cgroupName(id string) string { return d.cgPrefix + "-" + id }

// get returns the instance id, loading it from disk when needed.
func (d *Driver) get(id string) (*instance, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.isClosed() {
		return nil, errClosed(id)
	}
	if inst, ok := d.instances[id]; ok {
		return inst, nil
	}
	if driver.ValidID(id) != nil {
		return nil, errNotFound(id)
	}
	inst, err := d.load(id)
	if err != nil {
		return nil, err
	}
	d.instances[id] = inst
	return inst, nil
}

func (d *Driver) forget(inst *instance) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.instances[inst.id] == inst {
		delete(d.instances, inst.id)
	}
}
