// Package process is the embedded default driver: every instance is a process
// group on this host, started with /bin/sh running an init script the driver
// writes, with the instance's root volume (a directory) as working directory.
//
// The guest's console goes to a file, not a pipe, and the guest runs in its
// own session, so it survives the daemon: after a restart, Recover reattaches
// to it by pid and process start time. Guests are not isolated from each
// other or from the host (Capabilities.Isolation is "none").
//
// Layout under Config.DataDir, every directory mode 0700:
//
//	instances/<id>/spec.json     the spec Create was given
//	instances/<id>/init          the init script (rewritten at every start)
//	instances/<id>/user-data     the user data, when there is some
//	instances/<id>/bin/          poweroff, shutdown, halt for the guest
//	instances/<id>/console.log   the guest's stdout and stderr, appended
//	instances/<id>/run.json      the current run: pid, start time, boot id
//	instances/<id>/exit.json     how the last run ended
//	volumes/<volume-id>/         a volume's data
package process

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"strato/internal/clock"
	"strato/internal/driver"
	"strato/internal/errdefs"
)

// Name is the driver's registry name.
const Name = "process"

// Config configures a Driver.
type Config struct {
	// DataDir holds instance runtime directories and volume data. Required.
	DataDir string
	// Clock times graceful stops (grace period, re-signal interval). Defaults
	// to the wall clock.
	Clock clock.Clock
	// Logger receives the driver's structured logs. Defaults to discarding.
	Logger *slog.Logger
}

// Driver runs instances as process groups on this host.
type Driver struct {
	dataDir string
	clock   clock.Clock
	log     *slog.Logger
	bootID  string

	// createMu serialises Create and the removal step of Destroy, so that
	// the two cannot interleave on one id.
	createMu sync.Mutex

	mu        sync.Mutex
	instances map[string]*instance
	closed    chan struct{} // closed by Close
}

var (
	_ driver.Driver        = (*Driver)(nil)
	_ driver.ConsoleReader = (*Driver)(nil)
)

// New returns a driver that keeps its state under cfg.DataDir, creating the
// directory if needed.
func New(cfg Config) (*Driver, error) {
	if cfg.DataDir == "" {
		return nil, errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, "", "process driver: data directory is required")
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, errdefs.Wrap(err, "process driver: bad data directory")
	}
	for _, dir := range []string{dataDir, filepath.Join(dataDir, "instances"), filepath.Join(dataDir, "volumes")} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, errdefs.Wrap(err, "process driver: cannot create data directory")
		}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Driver{
		dataDir:   dataDir,
		clock:     cfg.Clock,
		log:       cfg.Logger.With("driver", Name),
		bootID:    readBootID(),
		instances: make(map[string]*instance),
		closed:    make(chan struct{}),
	}, nil
}

// Name returns "process".
func (d *Driver) Name() string { return Name }

// Capabilities reports a console and no isolation, hibernation or exec.
func (d *Driver) Capabilities() driver.Capabilities {
	return driver.Capabilities{
		Hibernate:     false,
		ConsoleOutput: true,
		Exec:          false,
		Isolation:     "none",
	}
}

// Close detaches the driver from every guest without stopping any, as if the
// daemon exited: guests keep running and a new Driver over the same DataDir
// can Recover them. Afterwards every method of d fails; Close is idempotent.
func (d *Driver) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case <-d.closed:
	default:
		close(d.closed)
	}
	return nil
}

// isClosed reports whether Close was called.
func (d *Driver) isClosed() bool {
	select {
	case <-d.closed:
		return true
	default:
		return false
	}
}

// errClosed is returned by every method once the driver is closed.
func errClosed(id string) error {
	return errdefs.New(errdefs.Internal, errdefs.ResInstance, id, "process driver is closed")
}

// errNotFound reports an id the driver does not know.
func errNotFound(id string) error {
	return errdefs.Newf(errdefs.NotFound, errdefs.ResInstance, id, "instance %s not found", id)
}

// get returns the instance id, loading it from disk when this driver has not
// seen it yet (after a daemon restart). Unknown ids give a NotFound error.
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

// forget drops inst from the driver's table if it is still the one for its id.
func (d *Driver) forget(inst *instance) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.instances[inst.id] == inst {
		delete(d.instances, inst.id)
	}
}

// ctxErr wraps a context error so that errors.Is still finds it.
func ctxErr(ctx context.Context, id, op string) error {
	return &errdefs.Error{Kind: errdefs.Internal, Resource: errdefs.ResInstance, ID: id,
		Public: op + " interrupted", Err: ctx.Err()}
}

// now returns the clock's time in UTC without a monotonic reading, so that times
// compare equal before and after a round trip through the disk.
func (d *Driver) now() time.Time { return d.clock.Now().UTC().Round(0) }
