package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

var (
	// stratoBin is the absolute path of the binary under test.
	stratoBin string
	// repoRoot is the absolute path of the repository (the parent of e2e/).
	repoRoot string
)

// defaultParallel is how many tests run at once unless -parallel is given.
// The tests mostly wait for guests to boot and stop, so more than
// GOMAXPROCS of them fit on a small machine.
const defaultParallel = 8

func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "test.parallel" {
			explicit = true
		}
	})
	if !explicit {
		_ = flag.Set("test.parallel", strconv.Itoa(defaultParallel))
	}
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	// The machine's AWS settings (profiles, CA bundles, endpoint and retry
	// overrides) are not the test's: every client is configured here.
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AWS_") {
			os.Unsetenv(name)
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	repoRoot = root

	if bin := os.Getenv("STRATO_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		if fi, err := os.Stat(abs); err != nil || fi.IsDir() {
			fmt.Fprintf(os.Stderr, "e2e: STRATO_BIN=%s is not a file (%v)\n", bin, err)
			return 1
		}
		stratoBin = abs
		return m.Run()
	}

	dir, err := os.MkdirTemp("", "strato-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	stratoBin = filepath.Join(dir, "strato")
	build := exec.Command("go", "build", "-o", stratoBin, "./cmd/strato")
	build.Dir = repoRoot
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	fmt.Fprintln(os.Stderr, "e2e: STRATO_BIN unset; building ./cmd/strato")
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: go build ./cmd/strato:", err)
		return 1
	}
	return m.Run()
}

// Options tune one server.
type Options struct {
	// StopTimeout is --stop-timeout; "2s" when empty.
	StopTimeout string
	// Args are extra flags for `strato serve`, e.g. "--boot-delay", "3s".
	Args []string
	// DataDir is --data-dir; a new temporary directory when empty.
	DataDir string
}

// Key is an access key pair.
type Key struct {
	AccessKeyID     string
	SecretAccessKey string
}

// EnvVar is one `export NAME=value` line of `strato env`.
type EnvVar struct{ Name, Value string }

// Server is one running `strato serve` with its own data directory.
type Server struct {
	DataDir  string
	Addr     string // host:port it listens on
	Endpoint string // AWS_ENDPOINT_URL from `strato env`
	Region   string // AWS_REGION from `strato env`
	Key      Key    // the default account's key from `strato env`
	Env      []EnvVar
	// Bridge and PrivateCIDR are the server's --bridge and --private-cidr.
	Bridge      string
	PrivateCIDR string

	t     testing.TB
	extra []string // flags after --data-dir
	log   *syncBuffer
	proc  *proc // the current `strato serve` process
}

// proc is one run of `strato serve`.
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // set before exited is closed
}

// StartServer starts `strato serve` for t and stops it when t ends. It
// returns once /healthz answers 200 and `strato env` printed a key.
func StartServer(t testing.TB, opts Options) *Server {
	t.Helper()
	stop := opts.StopTimeout
	if stop == "" {
		stop = "2s"
	}
	dataDir := opts.DataDir
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	s := &Server{
		DataDir: dataDir,
		t:       t,
		log:     &syncBuffer{},
	}
	// Every server has a bridge and a private network of its own, so that
	// servers running side by side never hand out the same address; no
	// outbound NAT, which would leave a table per server in the host's
	// nftables (netconf's own tests cover NAT).
	s.Bridge, s.PrivateCIDR = nextNetwork()
	s.extra = append([]string{"--stop-timeout", stop, "--bridge", s.Bridge, "--private-cidr", s.PrivateCIDR, "--nat=false"}, opts.Args...)
	t.Cleanup(s.shutdown)
	// A port found free can be taken by someone else before the server binds
	// it; then try another one.
	for attempt := 1; ; attempt++ {
		s.Addr = freeAddr(t)
		if s.start(t, attempt < 3) {
			break
		}
	}
	s.readEnv()
	return s
}

// start runs `strato serve` and waits until it is healthy. When the server
// could not bind its address and retry is set, it returns false.
func (s *Server) start(t testing.TB, retry bool) bool {
	t.Helper()
	args := append([]string{"serve", "--addr", s.Addr, "--data-dir", s.DataDir}, s.extra...)
	p := &proc{exited: make(chan struct{})}
	p.cmd = exec.Command(stratoBin, args...)
	p.cmd.Dir = t.TempDir() // nothing relative lands in the package directory
	out := &syncBuffer{}
	p.cmd.Stdout, p.cmd.Stderr = io.MultiWriter(s.log, out), io.MultiWriter(s.log, out)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	fmt.Fprintf(s.log, "e2e: $ strato %s\n", strings.Join(args, " "))
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start strato serve: %v", err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	s.proc = p
	if !s.waitHealthy(t, 20*time.Second) {
		if retry && strings.Contains(out.String(), "address already in use") {
			fmt.Fprintf(s.log, "e2e: %s was taken; trying another port\n", s.Addr)
			return false
		}
		t.Fatalf("strato serve exited before it was healthy: %v\n%s", p.err, s.log.String())
	}
	return true
}

// Restart stops the server — with SIGTERM, or with SIGKILL when crash is set,
// as a crash would — and starts it again on the same address and data
// directory. Guests are not touched by the harness.
func (s *Server) Restart(t *testing.T, crash bool) {
	t.Helper()
	if crash {
		fmt.Fprintln(s.log, "e2e: crashing strato serve (SIGKILL)")
		_ = s.proc.cmd.Process.Kill()
		<-s.proc.exited
	} else {
		fmt.Fprintln(s.log, "e2e: stopping strato serve (SIGTERM) for a restart")
		s.stop()
	}
	// The old process may leave the port in use for a moment.
	for attempt := 1; !s.start(t, attempt < 10); attempt++ {
		time.Sleep(200 * time.Millisecond)
	}
}

// stop ends the current process: SIGTERM, then SIGKILL after 5 s.
func (s *Server) stop() {
	p := s.proc
	if p == nil {
		return
	}
	select {
	case <-p.exited:
		fmt.Fprintf(s.log, "e2e: strato serve had already exited: %v\n", p.err)
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		fmt.Fprintln(s.log, "e2e: strato serve still running 5s after SIGTERM; sending SIGKILL")
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	if p.err != nil {
		fmt.Fprintf(s.log, "e2e: strato serve exited: %v\n", p.err)
	}
}

var (
	portsMu sync.Mutex
	ports   = map[string]bool{} // every address handed out by freeAddr
)

// freeAddr returns a loopback address with a free port, never the same one
// twice in this process, so two servers of this run never race for a port.
func freeAddr(t testing.TB) string {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		addr := l.Addr().String()
		l.Close()
		if !ports[addr] {
			ports[addr] = true
			return addr
		}
	}
	t.Fatal("no fresh free port in 100 tries")
	return ""
}

// waitHealthy polls /healthz until it answers 200 (true) or the process
// exits (false); it fails t after timeout.
func (s *Server) waitHealthy(t testing.TB, timeout time.Duration) bool {
	t.Helper()
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-s.proc.exited:
			return false
		default:
		}
		resp, err := hc.Get("http://" + s.Addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				// Make sure it was this server that answered.
				select {
				case <-s.proc.exited:
					return false
				case <-time.After(20 * time.Millisecond):
				}
				return true
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("GET http://%s/healthz did not answer 200 within %v (last: %s)", s.Addr, timeout, last)
	return false
}

func (s *Server) readEnv() {
	s.t.Helper()
	out := s.Strato(s.t, "env", "--data-dir", s.DataDir)
	env, err := parseExports(out)
	if err != nil {
		s.t.Fatalf("strato env: %v\n%s", err, out)
	}
	s.Env = env
	get := func(name string) string {
		for _, v := range env {
			if v.Name == name {
				return v.Value
			}
		}
		return ""
	}
	s.Key = Key{AccessKeyID: get("AWS_ACCESS_KEY_ID"), SecretAccessKey: get("AWS_SECRET_ACCESS_KEY")}
	if s.Key.AccessKeyID == "" || s.Key.SecretAccessKey == "" {
		s.t.Fatalf("strato env printed no AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY:\n%s", out)
	}
	s.Region = get("AWS_REGION")
	if s.Region == "" {
		s.Region = get("AWS_DEFAULT_REGION")
	}
	if s.Region == "" {
		s.t.Errorf("strato env printed no AWS_REGION:\n%s", out)
		s.Region = "us-east-1"
	}
	s.Endpoint = strings.TrimRight(get("AWS_ENDPOINT_URL"), "/")
	if want := "http://" + s.Addr; s.Endpoint != want {
		s.t.Errorf("strato env: AWS_ENDPOINT_URL=%q, want %q (the address serve listens on)", s.Endpoint, want)
		s.Endpoint = want
	}
}

// parseExports reads `export NAME=value` lines; values may be single- or
// double-quoted as a shell would read them.
func parseExports(out string) ([]EnvVar, error) {
	var env []EnvVar
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rest, ok := strings.CutPrefix(line, "export ")
		if !ok {
			return nil, fmt.Errorf("line %q is not `export NAME=value`", line)
		}
		name, value, ok := strings.Cut(strings.TrimSpace(rest), "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("line %q is not `export NAME=value`", line)
		}
		v, err := shellUnquote(value)
		if err != nil {
			return nil, fmt.Errorf("line %q: %v", line, err)
		}
		env = append(env, EnvVar{Name: name, Value: v})
	}
	return env, sc.Err()
}

func shellUnquote(v string) (string, error) {
	switch {
	case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
		return strings.ReplaceAll(v[1:len(v)-1], `'\''`, `'`), nil
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		inner := v[1 : len(v)-1]
		var b strings.Builder
		for i := 0; i < len(inner); i++ {
			if inner[i] == '\\' && i+1 < len(inner) && strings.ContainsRune("$`\"\\", rune(inner[i+1])) {
				i++
			}
			b.WriteByte(inner[i])
		}
		return b.String(), nil
	case strings.ContainsAny(v, "'\" \t$`\\"):
		return "", errors.New("unquoted value with shell metacharacters")
	}
	return v, nil
}

// Strato runs the strato binary with args (the caller adds --data-dir) and
// returns its standard output; it fails t when the command fails.
func (s *Server) Strato(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, stratoBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("strato %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// CreateKey runs `strato key create --data-dir DIR args...` and returns the
// printed key.
func (s *Server) CreateKey(t *testing.T, args ...string) Key {
	t.Helper()
	out := s.Strato(t, append([]string{"key", "create", "--data-dir", s.DataDir}, args...)...)
	env, err := parseExports(out)
	if err != nil {
		t.Fatalf("strato key create: %v\n%s", err, out)
	}
	var k Key
	for _, v := range env {
		switch v.Name {
		case "AWS_ACCESS_KEY_ID":
			k.AccessKeyID = v.Value
		case "AWS_SECRET_ACCESS_KEY":
			k.SecretAccessKey = v.Value
		}
	}
	if k.AccessKeyID == "" || k.SecretAccessKey == "" {
		t.Fatalf("strato key create printed no key:\n%s", out)
	}
	return k
}

// CreateAccount runs `strato account create` and returns the 12-digit id.
func (s *Server) CreateAccount(t *testing.T, name string) string {
	t.Helper()
	out := strings.TrimSpace(s.Strato(t, "account", "create", "--data-dir", s.DataDir, "--name", name))
	if len(out) != 12 || strings.Trim(out, "0123456789") != "" {
		t.Fatalf("strato account create printed %q, want a 12-digit account id", out)
	}
	return out
}

// Client returns an EC2 client signed with the default account's key. A
// request is retried only after a connection error, never after an error
// response, so no server error is hidden by a retry.
func (s *Server) Client(t testing.TB, opts ...func(*ec2.Options)) *ec2.Client {
	t.Helper()
	return s.ClientFor(t, s.Key, opts...)
}

// ClientFor returns an EC2 client signed with k.
func (s *Server) ClientFor(t testing.TB, k Key, opts ...func(*ec2.Options)) *ec2.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(s.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, "")),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		t.Fatalf("load AWS config: %v", err)
	}
	all := append([]func(*ec2.Options){func(o *ec2.Options) {
		o.BaseEndpoint = aws.String(s.Endpoint)
		o.Retryer = connectionRetryer()
	}}, opts...)
	return ec2.NewFromConfig(cfg, all...)
}

// connectionRetryer retries connection-level failures only. The SDK's
// standard retryer also retries those (aws-sdk-go-v2 #2737: against a server
// that answers as fast as a local one, the transport's write loop can close
// a connection while the response body is being read, which surfaces as
// "use of closed network connection"); unlike the standard one it never
// retries an error response, so the tests see every error the server sends.
func connectionRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.RateLimiter = ratelimit.None
		o.Retryables = []retry.IsErrorRetryable{
			retry.NoRetryCanceledError{},
			retry.RetryableConnectionError{},
		}
	})
}

// shutdown stops the server (SIGTERM, SIGKILL after 5 s), then ends any guest
// process still working in the data directory, and dumps the server's log
// when the test failed (or STRATO_E2E_LOG is set).
func (s *Server) shutdown() {
	s.stop()
	if n := reapGuests(s.DataDir); n > 0 {
		fmt.Fprintf(s.log, "e2e: killed %d guest process(es) still working under %s after the server stopped\n", n, s.DataDir)
	}
	if n := reapSandboxes(s.DataDir); n > 0 {
		fmt.Fprintf(s.log, "e2e: killed %d sandboxed guest process(es) of %s after the server stopped\n", n, s.DataDir)
	}
	_ = exec.Command("ip", "link", "del", s.Bridge).Run()
	if s.t.Failed() || os.Getenv("STRATO_E2E_LOG") != "" {
		const max = 200 << 10
		log := s.log.String()
		if len(log) > max {
			log = "…(cut)…\n" + log[len(log)-max:]
		}
		s.t.Logf("strato serve log (%s):\n%s", s.Addr, log)
	}
}

// reapGuests kills every process whose working directory or command line is
// inside dir: guests are meant to outlive the daemon, but not the test.
func reapGuests(dir string) int {
	killed := 0
	self := os.Getpid()
	for round := 0; round < 5; round++ {
		found := 0
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == self {
				continue
			}
			if !processUnder(pid, dir) {
				continue
			}
			found++
			if pgid, err := syscall.Getpgid(pid); err == nil && pgid > 1 && pgid != syscall.Getpgrp() {
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
			}
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				killed++
			}
		}
		if found == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return killed
}

func processUnder(pid int, dir string) bool {
	proc := "/proc/" + strconv.Itoa(pid)
	if cwd, err := os.Readlink(proc + "/cwd"); err == nil && (cwd == dir || strings.HasPrefix(cwd, dir+"/")) {
		return true
	}
	if cmdline, err := os.ReadFile(proc + "/cmdline"); err == nil && (bytes.Contains(cmdline, []byte(dir+"/")) || bytes.Contains(cmdline, []byte(dir+"\x00"))) {
		// Zombies have an empty cmdline; a live process naming dir is ours.
		return true
	}
	return false
}

// syncBuffer is a bytes.Buffer safe for the server's two output streams.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

var networkSeq struct {
	sync.Mutex
	n int
}

// nextNetwork returns a bridge name and a /22 private network for the next
// server of this test process.
func nextNetwork() (bridge, cidr string) {
	networkSeq.Lock()
	defer networkSeq.Unlock()
	networkSeq.n++
	n := networkSeq.n
	pid := os.Getpid()
	return fmt.Sprintf("se%x-%d", pid%0xfffff, n), fmt.Sprintf("10.%d.%d.0/22", 64+(pid+n/64)%64, 4*(n%64))
}

// reapSandboxes kills every process left in the cgroups of the sandbox
// driver of the server whose data directory is dir (named after a hash of
// the driver's directory) and removes the groups.
func reapSandboxes(dir string) int {
	abs, err := filepath.Abs(filepath.Join(dir, "sandbox"))
	if err != nil {
		return 0
	}
	sum := sha256.Sum256([]byte(abs))
	prefix := hex.EncodeToString(sum[:4]) + "-"
	killed := 0
	for _, state := range globCgroups(prefix, "freezer.state") {
		_ = os.WriteFile(state, []byte("THAWED"), 0o644)
	}
	for round := 0; round < 5; round++ {
		found := 0
		for _, procs := range globCgroups(prefix, "cgroup.procs") {
			b, _ := os.ReadFile(procs)
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil && syscall.Kill(pid, syscall.SIGKILL) == nil {
					found++
					killed++
				}
			}
		}
		if found == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, procs := range globCgroups(prefix, "cgroup.procs") {
		_ = os.Remove(filepath.Dir(procs))
	}
	return killed
}

func globCgroups(prefix, file string) []string {
	m, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", "strato", prefix+"*", file))
	return m
}
