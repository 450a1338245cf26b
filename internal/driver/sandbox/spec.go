package sandbox

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"strato/internal/driver"
	"strato/internal/driver/sandbox/imds"
	"strato/internal/driver/sandbox/netconf"
	"strato/internal/driver/sandbox/shim"
	"strato/internal/errdefs"
)

// Image kinds this driver boots.
const (
	KindShell   = "shell"   // the host image
	KindBusybox = "busybox" // the built-in busybox image
	KindRootFS  = "rootfs"  // an imported image directory
)

// basePath is the guest's PATH after the runtime bin directory.
const basePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// GuestAPIURL is where a guest whose spec sets APIEndpoint reaches it: the
// shim listens there, next to the metadata service, inside the guest's
// network namespace and forwards every connection to the endpoint.
const GuestAPIURL = "http://" + shim.APIForwardAddr

// GuestAPITLSAddr is where a guest whose spec also sets APITLS reaches the
// endpoint over TLS.
const GuestAPITLSAddr = shim.APITLSForwardAddr

type handleData struct {
	Version int    `json:"version"`
	Dir     string `json:"dir"`
	Cgroup  string `json:"cgroup"`
}

// validateSpec checks everything Create needs before touching the disk.
func (d *Driver) validateSpec(spec driver.Spec) error {
	if err := driver.CheckSpec(spec); err != nil {
		return err
	}
	if len(d.cgroupName(spec.ID)) > 64 {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResInstance, spec.ID, "invalid instance id: too long for a cgroup name")
	}
	switch spec.Image.Kind {
	case KindShell:
	case KindBusybox:
		if d.cfg.Images == nil {
			return errdefs.New(errdefs.Unsupported, errdefs.ResImage, spec.Image.ID, "the busybox image is not available")
		}
	case KindRootFS:
		if !filepath.IsAbs(spec.Image.RootFS) || strings.ContainsAny(spec.Image.RootFS, ",:") {
			return errdefs.New(errdefs.InvalidArgument, errdefs.ResImage, spec.Image.ID, "the image has no usable root filesystem")
		}
	default:
		return errdefs.Newf(errdefs.Unsupported, errdefs.ResImage, spec.Image.ID,
			"the sandbox driver cannot boot images of kind %q", spec.Image.Kind)
	}
	if spec.PrivateIP != "" && d.cfg.Network != nil {
		a, err := netip.ParseAddr(spec.PrivateIP)
		if err != nil || !d.cfg.Network.Gateway.Masked().Contains(a) || a == d.cfg.Network.Gateway.Addr() {
			return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, spec.ID,
				"private address %q is not usable on %s", spec.PrivateIP, d.cfg.Network.Gateway.Masked())
		}
	}
	if err := checkPlacements(spec); err != nil {
		return err
	}
	if spec.APIEndpoint != "" {
		if _, err := apiTarget(spec.APIEndpoint); err != nil {
			return &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: errdefs.ResParameter, ID: spec.ID,
				Public: "invalid API endpoint: " + err.Error(), Err: err}
		}
		if d.cfg.Network == nil || spec.PrivateIP == "" {
			return errdefs.New(errdefs.Unsupported, errdefs.ResParameter, spec.ID,
				"the guest has no network to reach the API endpoint through")
		}
	}
	if spec.APITLS != nil {
		if spec.APIEndpoint == "" {
			return errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, spec.ID,
				"a TLS API endpoint needs an API endpoint")
		}
		if _, err := tls.X509KeyPair(spec.APITLS.CertPEM, spec.APITLS.KeyPEM); err != nil {
			return &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: errdefs.ResParameter, ID: spec.ID,
				Public: "invalid TLS certificate for the API endpoint", Err: err}
		}
	}
	return nil
}

// guestEnv is the complete environment of the user data.
func guestEnv(spec driver.Spec) []string {
	env := map[string]string{
		"HOME":               shim.GuestHome,
		"PATH":               shim.GuestBinDir + ":" + basePath,
		"SHELL":              "/bin/sh",
		"LANG":               "C.UTF-8",
		"STRATO_INSTANCE_ID": spec.ID,
		"STRATO_ROOT":        shim.GuestHome,
	}
	if spec.Hostname != "" {
		env["HOSTNAME"] = spec.Hostname
	}
	if spec.APIEndpoint != "" {
		env[driver.APIURLEnv] = GuestAPIURL
	}
	n := 0
	for _, m := range guestMounts(spec) {
		if !m.vol.Scratch {
			continue
		}
		if n == 0 {
			env["STRATO_SCRATCH_DIR"] = m.target
		}
		n++
		env[fmt.Sprintf("STRATO_SCRATCH_DIR_%d", n)] = m.target
	}
	for k, v := range spec.Env {
		if k == "PATH" {
			v = shim.GuestBinDir + ":" + v
		}
		env[k] = v
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	return out
}

// shimConfig is what the shim of inst needs for its next start.
func (d *Driver) shimConfig(ctx context.Context, inst *instance) (shim.Config, error) {
	spec := inst.spec
	root, _ := spec.RootVolume()
	cfg := shim.Config{
		ID:         spec.ID,
		Hostname:   spec.Hostname,
		MountPoint: filepath.Join(inst.dir, shim.RootMount),
		RootVolume: d.volumeDir(root.ID),
		CopyRoot:   d.cfg.CopyRoot,
		UserData:   spec.UserData,
		Env:        guestEnv(spec),
		Cgroup: shim.CgroupConfig{
			Name:        d.cgroupName(spec.ID),
			VCPUs:       float64(spec.VCPUs),
			MemoryBytes: spec.MemoryMiB << 20,
			Pids:        d.cfg.Pids,
		},
	}
	switch spec.Image.Kind {
	case KindShell:
		cfg.Kind = shim.KindHost
		cfg.HideDirs = append([]string{d.dataDir}, d.cfg.HideDirs...)
	case KindBusybox:
		dir, err := d.cfg.Images.Busybox(ctx)
		if err != nil {
			return cfg, errdefs.Wrap(err, "cannot prepare the busybox image")
		}
		cfg.Kind, cfg.LowerDir = shim.KindRootFS, dir
	case KindRootFS:
		cfg.Kind, cfg.LowerDir = shim.KindRootFS, spec.Image.RootFS
	}
	for _, m := range guestMounts(spec) {
		cfg.Mounts = append(cfg.Mounts, shim.Mount{Source: d.volumeDir(m.vol.ID), Target: m.target})
	}
	// A volume is mounted before the volumes inside it: a path sorts
	// before the paths below it.
	slices.SortStableFunc(cfg.Mounts, func(a, b shim.Mount) int { return strings.Compare(a.Target, b.Target) })
	for _, f := range spec.Files {
		mode := uint32(f.Mode.Perm())
		if mode == 0 {
			mode = 0o444
		}
		cfg.Files = append(cfg.Files, shim.File{Path: f.Path, Mode: mode, Data: f.Data})
	}
	if n := d.cfg.Network; n != nil && spec.PrivateIP != "" {
		addr := netip.MustParseAddr(spec.PrivateIP)
		cfg.Network = &shim.NetworkConfig{
			Bridge:  n.Bridge,
			HostIf:  netconf.HostIfName(n.Bridge, spec.ID),
			Addr:    netip.PrefixFrom(addr, n.Gateway.Bits()).String(),
			Gateway: n.Gateway.Addr().String(),
			MAC:     netconf.MACFor(spec.ID).String(),
		}
		if spec.Identity != nil {
			cfg.Metadata = metadata(spec, addr, n.Gateway.Masked(), d.cfg.MetadataTokensRequired)
		}
		if spec.APIEndpoint != "" {
			target, err := apiTarget(spec.APIEndpoint)
			if err != nil {
				return cfg, errdefs.Wrap(err, "invalid API endpoint")
			}
			cfg.APIEndpoint = target.String()
			if t := spec.APITLS; t != nil {
				cfg.APITLS = &shim.TLSCert{CertPEM: t.CertPEM, KeyPEM: t.KeyPEM}
			}
		}
	}
	return cfg, nil
}

func (d *Driver) handle(id string) (driver.Handle, error) {
	data, err := json.Marshal(handleData{Version: 1, Dir: d.instanceDir(id), Cgroup: d.cgroupName(id)})
	if err != nil {
		return driver.Handle{}, errdefs.Wrap(err, "cannot encode handle")
	}
	return driver.Handle{ID: id, Driver: Name, Data: data}, nil
}

func ensureBridge(n *Network) error {
	return netconf.EnsureBridge(netconf.Bridge{Name: n.Bridge, Gateway: n.Gateway})
}

// metadata is what the instance metadata service of spec serves.
func metadata(spec driver.Spec, addr netip.Addr, subnet netip.Prefix, tokensRequired bool) *shim.MetadataConfig {
	id := spec.Identity
	in := imds.StandardInput{
		InstanceID:       spec.ID,
		ImageID:          id.ImageID,
		InstanceType:     id.InstanceType,
		AvailabilityZone: id.AvailabilityZone,
		Region:           id.Region,
		PrivateIP:        addr,
		Subnet:           subnet,
		MAC:              netconf.MACFor(spec.ID),
		LocalHostname:    spec.Hostname,
		ReservationID:    id.ReservationID,
		LaunchIndex:      id.LaunchIndex,
		SecurityGroups:   id.SecurityGroups,
	}
	if p, err := netip.ParseAddr(id.PublicIP); err == nil {
		in.PublicIP = p
	}
	cfg := &shim.MetadataConfig{
		Meta:           imds.Standard(in),
		AccountID:      id.AccountID,
		LaunchTime:     id.LaunchTime,
		TokensRequired: tokensRequired,
	}
	if r := id.Role; r != nil && r.Name != "" {
		cfg.Role = &imds.Role{Name: r.Name, InstanceProfileARN: r.InstanceProfileARN,
			InstanceProfileID: profileID(r.InstanceProfileARN), AccessKeyID: r.AccessKeyID,
			SecretAccessKey: r.SecretAccessKey, Token: r.SessionToken}
	}
	return cfg
}

// profileID is a stable instance profile id in IAM's form ("AIPA" and 17
// letters and digits) for an instance profile ARN.
func profileID(arn string) string {
	if arn == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(arn))
	return "AIPA" + base32.StdEncoding.EncodeToString(sum[:])[:17]
}
