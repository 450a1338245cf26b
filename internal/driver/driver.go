// Package driver is the contract between the core and the things that run
// instances: a process group on this host today, VMs and containers later.
//
// A driver reports facts (running, exited with a status, unknown); the core
// decides states. Every method is addressed by instance id, takes a context
// first and is safe to call twice.
package driver

import (
	"context"
	"encoding/json"
	"io/fs"
	"time"
)

// Driver runs instances.
type Driver interface {
	// Name is the driver's registry name, e.g. "process".
	Name() string
	// Capabilities reports what this driver can really do on this host.
	Capabilities() Capabilities
	// Create prepares an instance (its runtime directory, its volumes) without
	// starting it. It is idempotent on spec.ID: a second call returns the same
	// handle and keeps existing volume data.
	Create(ctx context.Context, spec Spec) (Handle, error)
	// Start boots a created (or stopped) instance and returns once its init is
	// running. Starting a running instance is a no-op.
	Start(ctx context.Context, id string) error
	// Stop shuts an instance down. Graceful (the default): signal the guest,
	// re-signal every SignalInterval, and kill the whole instance when Timeout
	// runs out. Force: kill now, also while a graceful Stop is under way (the
	// graceful call then returns too). Stop returns once nothing of the guest
	// runs any more; stopping a stopped instance is a no-op. Scratch volumes
	// are wiped by a stop.
	Stop(ctx context.Context, id string, opts StopOptions) error
	// Wait blocks until the current run of the instance ends and returns how
	// it ended. Safe to call from several goroutines; on an instance that is
	// not running it returns the last exit status at once.
	Wait(ctx context.Context, id string) (ExitStatus, error)
	// Status reports the instance's facts now.
	Status(ctx context.Context, id string) (Status, error)
	// Destroy stops the instance if needed and removes everything the driver
	// made for it, including volumes marked DeleteOnTermination. Idempotent.
	Destroy(ctx context.Context, id string) error
	// Recover reattaches to an instance after a daemon restart, from the
	// handle Create returned. The instance may be running or may have exited
	// while the daemon was away; Status tells which afterwards.
	Recover(ctx context.Context, h Handle) error
}

// Capabilities are the optional abilities of a driver on this host.
type Capabilities struct {
	// Hibernate: the driver can keep the guest's RAM across stop and start.
	Hibernate bool `json:"hibernate"`
	// HibernateNote explains where hibernated RAM lives and what it survives.
	HibernateNote string `json:"hibernateNote,omitempty"`
	// ConsoleOutput: the driver keeps the guest's console (ConsoleReader).
	ConsoleOutput bool `json:"consoleOutput"`
	// Exec: the driver can run a command in a running guest.
	Exec bool `json:"exec"`
	// Isolation names what separates guests ("none", "namespaces", "vm").
	Isolation string `json:"isolation"`
	// GuestAPIURL is where a guest whose spec sets APIEndpoint reaches that
	// endpoint, e.g. "http://169.254.169.254:8773" (guests also find it in
	// their APIURLEnv variable); empty when the driver cannot forward one.
	GuestAPIURL string `json:"guestApiUrl,omitempty"`
	// GuestAPITLSAddr is the address ("ip:port") inside a guest where the
	// driver serves the endpoint over TLS when the spec sets APITLS, e.g.
	// "169.254.169.254:443"; empty when it cannot.
	GuestAPITLSAddr string `json:"guestApiTlsAddr,omitempty"`
}

// APIURLEnv is the guest's environment variable that holds the URL of the
// forwarded API endpoint (see Spec.APIEndpoint), when there is one.
const APIURLEnv = "STRATO_API_URL"

// ConsoleReader is implemented by drivers that keep console output.
type ConsoleReader interface {
	// ConsoleOutput returns the most recent console output, at most max bytes
	// (the tail), across runs of the instance.
	ConsoleOutput(ctx context.Context, id string, max int) ([]byte, error)
}

// Hibernator is implemented by drivers that can keep RAM across a stop.
type Hibernator interface {
	// Hibernate suspends the running guest with its memory kept; a later
	// Start resumes it where it was.
	Hibernate(ctx context.Context, id string) error
}

// Spec describes an instance to create.
type Spec struct {
	ID       string `json:"id"`
	Hostname string `json:"hostname"`
	// Image is what the guest runs.
	Image Image `json:"image"`
	// UserData is handed to the guest; the built-in images run it as a script.
	UserData []byte `json:"userData,omitempty"`
	// Env is extra environment for the guest's init.
	Env map[string]string `json:"env,omitempty"`
	// Resources are the limits of the instance type.
	VCPUs     int   `json:"vcpus"`
	MemoryMiB int64 `json:"memoryMiB"`
	// Volumes are attached in order; the first with Root set is the root volume.
	Volumes []Volume `json:"volumes"`
	// PrivateIP is the instance's private IPv4 address, for drivers that
	// give guests a network of their own.
	PrivateIP string `json:"privateIp,omitempty"`
	// Identity is what the guest may learn about itself, for drivers that
	// serve the instance metadata service; nil serves none.
	Identity *Identity `json:"identity,omitempty"`
	// Files are placed in the guest at every boot, read-only, once its root
	// filesystem is built: on the guest's own filesystem (an image's root,
	// a memory filesystem of the host image), never in a volume and never
	// on the host. Their paths follow the rules of Volume.MountPath.
	// Drivers that run guests on the host's filesystem without isolation
	// (process) ignore them.
	Files []File `json:"files,omitempty"`
	// APIEndpoint, when set, is an address on the host ("ip:port", usually
	// the daemon's own API) that the guest may call: the driver forwards
	// TCP connections from a fixed address inside the guest to it, at
	// Capabilities.GuestAPIURL, and sets the guest's APIURLEnv variable. An
	// unspecified ip (0.0.0.0, ::) means this host's loopback. Drivers that
	// cannot forward refuse it (Unsupported); those without isolation
	// (process) ignore it: their guests share the host's network.
	APIEndpoint string `json:"apiEndpoint,omitempty"`
	// APITLS, with APIEndpoint, also serves the endpoint over TLS inside
	// the guest at Capabilities.GuestAPITLSAddr: the driver terminates TLS
	// there with this certificate and forwards the plain stream to the
	// endpoint, so a guest that trusts the certificate's issuer can call
	// the endpoint by the names the certificate carries (mapped to that
	// address by the guest). Drivers that cannot refuse it (Unsupported);
	// those without isolation ignore it.
	APITLS *TLSCert `json:"apiTls,omitempty"`
}

// TLSCert is a certificate chain and its private key, both PEM-encoded.
type TLSCert struct {
	CertPEM []byte `json:"certPem"`
	KeyPEM  []byte `json:"keyPem"`
}

// File is a file a driver places in the guest (see Spec.Files).
type File struct {
	// Path is the file's absolute guest path; missing directories are made
	// (mode 0755).
	Path string `json:"path"`
	// Mode holds the file's permission bits; 0 means 0444. It is owned by root.
	Mode fs.FileMode `json:"mode,omitempty"`
	// Data is the file's content.
	Data []byte `json:"data,omitempty"`
}

// Identity is an instance's facts as its metadata service tells them.
type Identity struct {
	AccountID        string   `json:"accountId,omitempty"`
	ImageID          string   `json:"imageId,omitempty"`
	InstanceType     string   `json:"instanceType,omitempty"`
	AvailabilityZone string   `json:"availabilityZone,omitempty"`
	Region           string   `json:"region,omitempty"`
	PublicIP         string   `json:"publicIp,omitempty"`
	ReservationID    string   `json:"reservationId,omitempty"`
	LaunchIndex      int      `json:"launchIndex,omitempty"`
	SecurityGroups   []string `json:"securityGroups,omitempty"`
	// LaunchTime is the identity document's pendingTime.
	LaunchTime time.Time `json:"launchTime,omitzero"`
	// Role, when set, is the instance profile's role, whose credentials
	// the metadata service hands out (iam/security-credentials/NAME).
	Role *Role `json:"role,omitempty"`
}

// Role is an instance profile's role and the credentials it gives the
// guest.
type Role struct {
	Name               string `json:"name"`
	InstanceProfileARN string `json:"instanceProfileArn,omitempty"`
	AccessKeyID        string `json:"accessKeyId"`
	SecretAccessKey    string `json:"secretAccessKey"`
	SessionToken       string `json:"sessionToken,omitempty"`
}

// Image says how to boot a guest.
type Image struct {
	ID string `json:"id"`
	// Kind selects the boot recipe: "shell" (the host image) runs the user
	// data with the host's /bin/sh, on the host's filesystem read-only where
	// the driver isolates guests; "busybox" runs it in the built-in busybox
	// root filesystem; "rootfs" in the image directory RootFS.
	Kind string `json:"kind"`
	// RootFS is the image's root filesystem, for kinds that have one.
	RootFS string `json:"rootfs,omitempty"`
}

// Volume is a disk the driver provides to a guest.
type Volume struct {
	ID      string `json:"id"`
	Root    bool   `json:"root,omitempty"`
	SizeGiB int    `json:"sizeGiB"`
	// Scratch volumes are instance store: wiped at every stop.
	Scratch bool `json:"scratch,omitempty"`
	// DeleteOnTermination: Destroy removes the volume's data.
	DeleteOnTermination bool `json:"deleteOnTermination"`
	// MountPath says where the guest sees a volume other than the root.
	// An absolute path outside /dev is the guest path itself (e.g.
	// "/home/ec2-user/SageMaker"; made at every boot); anything else is a
	// device name ("/dev/sdb", "xvdb"): the volume appears at /mnt/<base
	// name>, instance store at /media/ephemeralN. A path that is not clean,
	// or lies at, under or above a directory the guest's system needs
	// (/proc, /sys, /dev, the driver's runtime directory) or replaces one
	// (/etc, /usr, ...) is refused by Create; drivers may narrow the rules
	// per image (the sandbox's host image is read-only outside /home, /opt,
	// /mnt, /media, /tmp, /run and /root). The root volume's MountPath names
	// its device only. Informational for the process driver.
	MountPath string `json:"mountPath,omitempty"`
}

// Handle is what the core persists to find an instance again after a restart.
type Handle struct {
	ID     string          `json:"id"`
	Driver string          `json:"driver"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// StopOptions tune Stop.
type StopOptions struct {
	// Timeout is the grace period before a graceful stop kills the guest.
	Timeout time.Duration
	// SignalInterval is how often the stop signal is re-sent (default 10s).
	SignalInterval time.Duration
	// Force kills at once, without a signal the guest could handle.
	Force bool
	// Reboot: the guest is stopped to be started again at once, as a reboot
	// in place; scratch volumes keep their data (instance store survives a
	// reboot, not a stop).
	Reboot bool
}

// DefaultSignalInterval is how often a graceful stop re-sends SIGTERM.
const DefaultSignalInterval = 10 * time.Second

// State is a driver-level fact about an instance.
type State string

// Driver states.
const (
	StateUnknown  State = "unknown"  // the driver has lost track of it
	StateCreated  State = "created"  // created, never started, or stopped
	StateRunning  State = "running"  // its init runs
	StateExited   State = "exited"   // its last run ended
	StateNotFound State = "notfound" // no such instance in this driver
)

// Status is a snapshot of an instance's facts.
type Status struct {
	State     State      `json:"state"`
	Pid       int        `json:"pid,omitempty"`
	StartedAt time.Time  `json:"startedAt,omitzero"`
	Exit      ExitStatus `json:"exit,omitzero"`
}

// ExitStatus says how a run ended.
type ExitStatus struct {
	// Code is the init's exit code, -1 when it was killed by a signal or the
	// status could not be learned (Unknown).
	Code int `json:"code"`
	// Signal is the signal that killed init, 0 if none.
	Signal int `json:"signal,omitempty"`
	// Killed: the driver killed it (forced stop or grace ran out).
	Killed bool `json:"killed,omitempty"`
	// OOMKilled: it ran out of memory.
	OOMKilled bool `json:"oomKilled,omitempty"`
	// Unknown: the run ended while nobody watched, so the code is not known.
	Unknown  bool      `json:"unknown,omitempty"`
	ExitedAt time.Time `json:"exitedAt,omitzero"`
}
