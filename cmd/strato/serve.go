package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"strato/internal/api/adminapi"
	"strato/internal/api/ec2api"
	"strato/internal/api/ecsapi"
	"strato/internal/api/modelartsapi"
	"strato/internal/api/notebookproxy"
	"strato/internal/api/sagemakerapi"
	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/iam"
	"strato/internal/core/instance"
	"strato/internal/core/pki"
	"strato/internal/driver"
	"strato/internal/driver/sandbox/image"
	"strato/internal/server"
	"strato/internal/store/sqlite"
	"strato/internal/wire/sigv4"
)

// serveConfig is everything `strato serve` can be told.
type serveConfig struct {
	maMinDuration       time.Duration // ModelArts's shortest auto-stop
	addr                string
	dataDir             string
	stopTimeout         time.Duration
	auth                string
	accountID           string
	region              string
	bootDelay           time.Duration
	terminatedRetention time.Duration
	privateCIDR         string
	publicCIDR          string
	maxInstances        int
	capacityVCPUs       int   // host capacity for every API's instances (capacity.go)
	capacityMemoryMiB   int64 // idem
	maxBody             int64
	logLevel            string
	logFormat           string
	prices              string // a price file laid over the built-in prices (metering)
	driver              string // auto, sandbox or process (driver.go)
	bridge              string // the sandbox driver's host bridge
	imdsTokens          string // optional or required
	nat                 bool   // outbound NAT for the sandbox's network
}

func serveFlags(fs *flag.FlagSet) *serveConfig {
	c := &serveConfig{}
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8773", "address to listen on (HOST:PORT)")
	fs.StringVar(&c.dataDir, "data-dir", ".strato", "directory for the database, volumes and instance state")
	fs.DurationVar(&c.stopTimeout, "stop-timeout", 2*time.Minute, "grace period of a graceful stop before the guest is killed")
	fs.StringVar(&c.auth, "auth", "verify", "request authentication: verify (SigV4 checked) or any (test rigs: every key accepted)")
	fs.StringVar(&c.accountID, "account-id", "", "12-digit id of the default account, on first start (default: random)")
	fs.StringVar(&c.region, "region", "us-east-1", "region this endpoint serves")
	fs.DurationVar(&c.bootDelay, "boot-delay", 0, "hold every boot in pending this long (test rigs)")
	fs.DurationVar(&c.terminatedRetention, "terminated-retention", time.Hour, "how long terminated instances stay visible")
	fs.StringVar(&c.privateCIDR, "private-cidr", "172.31.0.0/16", "pool of private instance addresses")
	fs.StringVar(&c.publicCIDR, "public-cidr", "198.18.0.0/15", "pool of public instance addresses (new at every start)")
	fs.IntVar(&c.maxInstances, "max-instances", 1000, "limit of non-terminated instances per account")
	capacityFlags(fs, c)
	fs.Int64Var(&c.maxBody, "max-body-bytes", 1<<20, "largest request body accepted")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", "text", "text or json")
	fs.StringVar(&c.driver, "driver", driverAuto, "what runs instances: sandbox (namespaces and cgroups; needs root), process (plain processes), or auto (sandbox where it can run)")
	fs.StringVar(&c.bridge, "bridge", "strato0", "host bridge of the instances' private network (sandbox driver); its address is the private CIDR's first")
	fs.StringVar(&c.imdsTokens, "imds-tokens", "optional", "instance metadata service: optional (IMDSv1 and v2) or required (IMDSv2 tokens only)")
	fs.BoolVar(&c.nat, "nat", true, "give instances outbound NAT through the host where it allows it (sandbox driver)")
	fs.DurationVar(&c.maMinDuration, "modelarts-min-duration", time.Hour,
		"shortest auto-stop duration ModelArts requests may ask for (ModelArts's own lower bound is an hour; lower it for test rigs)")
	fs.StringVar(&c.prices, "prices", "", "JSON price file laid over the built-in prices (README: Metering and bills)")
	return c
}

func (c *serveConfig) validate() error {
	if err := c.validateDriverFlags(); err != nil {
		return err
	}
	switch c.auth {
	case "verify", "any":
	default:
		return fmt.Errorf("--auth must be verify or any, not %q", c.auth)
	}
	if c.accountID != "" && !isAccountID(c.accountID) {
		return fmt.Errorf("--account-id must be 12 digits, not %q", c.accountID)
	}
	if c.stopTimeout <= 0 {
		return errors.New("--stop-timeout must be positive")
	}
	if err := c.validateCapacity(); err != nil {
		return err
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := serveFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	log, err := newLogger(stderr, c.logLevel, c.logFormat)
	if err != nil {
		return err
	}
	privCIDR, err := netip.ParsePrefix(c.privateCIDR)
	if err != nil {
		return fmt.Errorf("--private-cidr: %w", err)
	}
	pubCIDR, err := netip.ParsePrefix(c.publicCIDR)
	if err != nil {
		return fmt.Errorf("--public-cidr: %w", err)
	}

	syscall.Umask(0o077) // secrets and volumes are the daemon's alone
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return err
	}
	unlock, err := lockDataDir(c.dataDir)
	if err != nil {
		return err
	}
	defer unlock()

	// Listen first: the address goes into presigned notebook URLs and
	// into what notebook guests call.
	l, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	defer l.Close()
	c.addr = l.Addr().String()

	clk := clock.Real{}
	st, err := sqlite.Open(ctx, filepath.Join(c.dataDir, "strato.db"), sqlite.WithClock(clk))
	if err != nil {
		return err
	}
	defer st.Close()

	ids := iam.NewService(st, clk, iam.Options{AnyMode: c.auth == "any", DefaultAccountID: c.accountID, DefaultAccountName: "default"})
	acct, _, err := ids.Bootstrap(ctx)
	if err != nil {
		return fmt.Errorf("bootstrap identity: %w", err)
	}

	images, err := image.Open(filepath.Join(c.dataDir, "images"))
	if err != nil {
		return err
	}
	drv, err := newDriver(c, privCIDR, images, clk, log.With("component", "driver"))
	if err != nil {
		return err
	}
	if err := pruneImages(ctx, images, st, log.With("component", "images")); err != nil {
		return err
	}
	cat := catalog.New(c.region, catalog.WithImages(st, imageImporter{images}), catalog.WithClock(clk))
	meter, err := newMeter(c.prices, st, cat, clk, log.With("component", "metering"))
	if err != nil {
		return err
	}
	// Notebook guests reach the API under AWS's endpoint names too, over
	// TLS with a certificate of the kept guest CA, where the driver can.
	var (
		guestCA  *pki.CA
		guestTLS *driver.TLSCert
	)
	if guestAPIEndpoint(c.addr) != "" && drv.Capabilities().GuestAPITLSAddr != "" {
		if guestCA, err = persistentCA(ctx, st, clk.Now()); err != nil {
			return fmt.Errorf("guest CA: %w", err)
		}
		if guestTLS, err = guestAPITLS(guestCA, c.region, clk.Now()); err != nil {
			return fmt.Errorf("guest API certificate: %w", err)
		}
	}
	insts, err := instance.New(instance.Config{
		Store: st, Driver: drv, Clock: clk, Catalog: cat, Logger: log.With("component", "instance"),
		StopTimeout: c.stopTimeout, TerminatedRetention: c.terminatedRetention, BootDelay: c.bootDelay,
		PrivateCIDR: privCIDR, PublicCIDR: pubCIDR, MaxInstances: c.maxInstances,
		CapacityVCPUs: c.capacityVCPUs, CapacityMemoryMiB: c.capacityMemoryMiB,
		GuestAPIEndpoint: guestAPIEndpoint(c.addr), GuestAPITLS: guestTLS,
	})
	if err != nil {
		return err
	}
	if err := insts.Open(ctx); err != nil {
		return err
	}
	defer insts.Close()
	nbs, err := newNotebooks(ctx, st, insts, ids, drv, clk, log.With("component", "notebook"), c.region, "http://"+l.Addr().String(), guestCA)
	if err != nil {
		return err
	}
	if err := nbs.Open(ctx); err != nil {
		return err
	}
	defer nbs.Close()
	log.Info("host capacity for instances of every API", "vcpus", c.capacityVCPUs, "memory_mib", c.capacityMemoryMiB)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(instanceGauge(insts))
	reg.MustRegister(meteringCollector(meter, log.With("component", "metering")))

	ec2 := ec2api.New(ec2api.Config{Instances: insts, IAM: ids, Catalog: cat, Clock: clk,
		Logger: log.With("component", "ec2api"), Region: c.region, MaxBodyBytes: c.maxBody})
	ecs := ecsapi.New(ecsapi.Config{Instances: insts, IAM: ids, Catalog: cat, Clock: clk,
		Logger: log.With("component", "ecsapi"), Region: c.region, MaxBodyBytes: c.maxBody})
	admin := adminapi.New(adminapi.Config{IAM: ids, Instances: insts, Clock: clk,
		Logger: log.With("component", "adminapi"), Region: c.region, MaxBodyBytes: c.maxBody, Meter: meter,
		Catalog: cat, MaxImageBytes: images.MaxArchiveBytes()})
	sm := sagemakerapi.New(sagemakerapi.Config{Notebooks: nbs, IAM: ids, Clock: clk,
		Logger: log.With("component", "sagemakerapi"), Region: c.region, MaxBodyBytes: c.maxBody})
	ma := modelartsapi.New(modelartsapi.Config{Notebooks: nbs, IAM: ids, Catalog: cat, Clock: clk,
		Logger: log.With("component", "modelartsapi"), MaxBodyBytes: c.maxBody, MinAutoStop: c.maMinDuration})
	proxy := notebookproxy.New(nbs, log.With("component", "notebookproxy"))
	srv, err := server.New(server.Config{
		Logger: log.With("component", "http"),
		Frontends: []server.Frontend{
			{Name: "admin", Match: adminapi.Match, Handler: admin},
			{Name: "notebook", Match: notebookproxy.Match, Handler: proxy},
			{Name: "sagemaker", Match: sagemakerapi.Match, Handler: sm},
			{Name: "modelarts", Match: modelartsapi.Match, Handler: ma},
			{Name: "ecs", Match: ecs.Match, Handler: ecs}, // before ec2: Alibaba RPC requests also carry Action
			{Name: "ec2", Match: isEC2, Handler: ec2},
		},
		Fallback: server.Frontend{Name: "ec2", Handler: ec2},
		Registry: reg,
	})
	if err != nil {
		return err
	}

	endpoint := "http://" + l.Addr().String()
	// strato env reads these back, so its exports point where this server is.
	for name, v := range map[string]string{"endpoint": endpoint, "region": c.region} {
		if err := os.WriteFile(filepath.Join(c.dataDir, name), []byte(v+"\n"), 0o600); err != nil {
			return err
		}
	}
	authMode := "verify: every request's signature (SigV4, Alibaba HMAC-SHA1) and time are checked"
	if c.auth == "any" {
		authMode = "any: every access key is accepted, signatures and request times are NOT checked (test rigs only)"
	}
	log.Info("strato serving", "endpoint", endpoint, "data_dir", c.dataDir, "region", c.region,
		"default_account", acct.ID, "auth", authMode, "driver", drv.Name(), "stop_timeout", c.stopTimeout.String())
	return server.Serve(ctx, l, srv, log)
}

// isEC2 claims requests signed for the ec2 service, or Query requests that
// carry an Action.
func isEC2(r *http.Request) bool {
	if r.Header.Get("X-Amz-Target") != "" {
		return false
	}
	if _, _, svc, ok := sigv4.Credential(r); ok {
		return svc == "ec2"
	}
	return r.URL.Path == "/" && (r.Method == http.MethodPost || r.URL.Query().Get("Action") != "")
}

// instanceGauge exports the number of instances per state.
func instanceGauge(s *instance.Service) prometheus.Collector {
	desc := prometheus.NewDesc("strato_instances", "Instances by state.", []string{"state"}, nil)
	return &gaugeFunc{desc: desc, collect: func(ch chan<- prometheus.Metric) {
		counts := s.Counts()
		for _, st := range instance.States {
			ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(counts[st]), string(st))
		}
	}}
}

type gaugeFunc struct {
	desc    *prometheus.Desc
	collect func(chan<- prometheus.Metric)
}

func (g *gaugeFunc) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }
func (g *gaugeFunc) Collect(ch chan<- prometheus.Metric) { g.collect(ch) }

// lockDataDir makes sure one daemon owns a data directory.
func lockDataDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, "serve.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("data directory %s is in use by another strato serve", dir)
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// readServed returns what the last serve of dataDir recorded under name
// ("endpoint" or "region"), or "".
func readServed(dataDir, name string) string {
	b, err := os.ReadFile(filepath.Join(dataDir, name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
