package shim

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"strato/internal/driver"
	"strato/internal/driver/hostfs"
	"strato/internal/driver/sandbox/cgroup"
)

// MaybeRun runs the role RoleEnv names and exits; it returns at once when
// the variable is unset. Call it first thing in main.
func MaybeRun() {
	switch os.Getenv(RoleEnv) {
	case RoleShim:
		os.Exit(shimMain(os.Args))
	case RoleInit:
		os.Exit(initMain())
	}
}

// Command returns the command that starts a shim for an instance under the
// directory instances: the running executable in the shim role, in a
// session of its own so that it outlives the daemon. The shim waits for the
// name of its instance's directory (one line) on assign, so it can be
// started ahead of need (see the driver's pool), then reports on ready one
// line: "ok PID" once the guest runs, or "error: …". EOF on assign before a
// name makes it exit quietly.
func Command(instances string, assign, ready *os.File) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := &exec.Cmd{
		Path:        self,
		Args:        []string{"strato-shim", instances},
		Env:         []string{RoleEnv + "=" + RoleShim, "GOMAXPROCS=1", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
		ExtraFiles:  []*os.File{ready, assign},
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	return cmd, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// server is one shim.
type server struct {
	dir string
	cfg Config
	log *slog.Logger
	cg  *cgroup.Group

	mu      sync.Mutex
	state   string
	run     RunRecord
	initCmd *exec.Cmd
	reasonR *os.File // the read end of the init's reason pipe
	ctlW    *os.File // the write end of the init's control pipe
	killed  bool
	exit    *ExitRecord
	done    chan struct{} // closed once exit is set
	meta    *http.Server  // the metadata service of the current boot
	forward []*forwarder  // the API forwards of the current boot
	netMs   float64       // how long the last boot's network set-up took
}

// shimMain is the shim role: args are ["strato-shim", DIR].
func shimMain(args []string) int {
	ready := os.NewFile(3, "ready")
	fail := func(err error) int {
		if ready != nil {
			fmt.Fprintf(ready, "error: %v\n", err)
		}
		fmt.Fprintf(os.Stderr, "strato-shim: %v\n", err)
		return 1
	}
	if len(args) != 2 || !filepath.IsAbs(args[1]) {
		return fail(errors.New("usage: strato-shim INSTANCES-DIR (instance name on fd 4)"))
	}
	line, err := bufio.NewReader(os.NewFile(4, "assign")).ReadString('\n')
	if err != nil {
		return 0 // never assigned: the daemon closed its pool
	}
	unix.CloseOnExec(3)
	unix.CloseOnExec(4)
	name := strings.TrimSuffix(line, "\n")
	if name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/') {
		return fail(fmt.Errorf("bad instance name %q", name))
	}
	assigned := time.Now()
	dir := filepath.Join(args[1], name)
	logf, err := os.OpenFile(filepath.Join(dir, LogFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fail(err)
	}
	_ = unix.Dup2(int(logf.Fd()), 2) // a panic lands in the instance's shim.log
	s := &server{dir: dir, log: slog.New(slog.NewTextHandler(logf, nil)), done: make(chan struct{})}
	if err := hostfs.ReadJSON(filepath.Join(dir, ConfigFile), &s.cfg); err != nil {
		return fail(fmt.Errorf("read config: %w", err))
	}
	if err := s.cfg.Validate(); err != nil {
		return fail(fmt.Errorf("bad config: %w", err))
	}
	s.log = s.log.With("instance", s.cfg.ID)
	var phases []any // how long each step of the start took, for the log
	mark := assigned
	phase := func(name string) {
		phases = append(phases, name+"_ms", ms(time.Since(mark)))
		mark = time.Now()
	}
	ln, err := s.listen()
	if err != nil {
		return fail(fmt.Errorf("control socket: %w", err))
	}
	if err := s.setupCgroup(); err != nil {
		return fail(err)
	}
	phase("cgroup")
	s.run = RunRecord{RunID: newRunID(), ShimPid: os.Getpid(), StartedAt: time.Now().UTC().Round(0)}
	if err := s.boot(); err != nil {
		s.removeCgroup()
		return fail(err)
	}
	if err := hostfs.WriteJSONAtomic(filepath.Join(dir, RunFile), s.run); err != nil {
		s.killAll()
		s.removeCgroup()
		return fail(fmt.Errorf("record run: %w", err))
	}
	phase("boot")
	phases = append(phases, "of_which_network_ms", s.netMs)
	go s.serve(ln)
	fmt.Fprintf(ready, "ok %d\n", s.run.InitPid)
	ready.Close()
	s.log.Info("guest running", append([]any{"init", s.run.InitPid}, phases...)...)

	rec := s.supervise()
	s.finish(rec, ln)
	return 0
}

// listen opens the control socket. The shim of the instance's previous run
// may still be answering its last waiters for a moment; a shim that holds
// the socket for longer is running the instance, and this one gives up.
func (s *server) listen() (net.Listener, error) {
	deadline := time.Now().Add(3 * time.Second)
	for {
		ln, err := net.Listen("unix", SocketName(s.dir))
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return ln, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *server) setupCgroup() error {
	layout, err := cgroup.DetectWith(cgroup.Options{Parent: s.cfg.Cgroup.Parent})
	if err != nil {
		return fmt.Errorf("cgroups: %w", err)
	}
	c := s.cfg.Cgroup
	g, err := layout.New(c.Name, cgroup.Limits{VCPUs: c.VCPUs, MemoryBytes: c.MemoryBytes, Pids: c.Pids})
	if err != nil {
		return fmt.Errorf("cgroup: %w", err)
	}
	s.cg = g
	return nil
}

func (s *server) removeCgroup() {
	if s.cg == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.cg.Remove(ctx); err != nil {
		s.log.Warn("cannot remove cgroup", "err", err)
	}
}

// boot starts one init: cloned into new namespaces, moved into the cgroup,
// attached to the network, then handed its configuration.
func (s *server) boot() (err error) {
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			cfgW.Close()
		}
	}()
	reasonR, reasonW, err := os.Pipe()
	if err != nil {
		cfgR.Close()
		return err
	}
	defer reasonW.Close()
	defer func() {
		if err != nil {
			reasonR.Close()
		}
	}()
	console, err := os.OpenFile(filepath.Join(s.dir, ConsoleFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		cfgR.Close()
		return err
	}
	defer console.Close()
	fmt.Fprintf(console, "[strato] %s boot %s\n", time.Now().UTC().Format(time.RFC3339), s.cfg.ID)
	self, err := os.Executable()
	if err != nil {
		cfgR.Close()
		return err
	}
	cmd := &exec.Cmd{
		Path:       self,
		Args:       []string{"strato-init", s.cfg.ID},
		Env:        []string{RoleEnv + "=" + RoleInit, "GOMAXPROCS=1"},
		Stdout:     console,
		Stderr:     console,
		ExtraFiles: []*os.File{cfgR, reasonW},
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS | syscall.CLONE_NEWUTS |
				syscall.CLONE_NEWIPC | syscall.CLONE_NEWNET,
		},
	}
	err = cmd.Start()
	cfgR.Close()
	if err != nil {
		return fmt.Errorf("start init: %w", err)
	}
	pid := cmd.Process.Pid
	defer func() {
		if err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			s.stopServices()
		}
	}()
	if err := s.cg.Add(pid); err != nil {
		return err
	}
	netStart := time.Now()
	if err := s.attachNetwork(pid); err != nil {
		return fmt.Errorf("network: %w", err)
	}
	s.netMs = ms(time.Since(netStart))
	if err := writeFrame(cfgW, &s.cfg); err != nil {
		return fmt.Errorf("configure init: %w", err)
	}
	s.mu.Lock()
	s.initCmd = cmd
	s.ctlW = cfgW
	s.reasonR = reasonR
	s.run.InitPid = pid
	s.state = StateRunning
	s.mu.Unlock()
	return nil
}

// supervise waits for the init; a guest that asked for a reboot is booted
// again in place. It returns how the run ended.
func (s *server) supervise() ExitRecord {
	for {
		s.mu.Lock()
		cmd, reasonR := s.initCmd, s.reasonR
		s.mu.Unlock()
		_ = cmd.Wait()
		s.mu.Lock()
		s.ctlW.Close()
		s.mu.Unlock()
		s.stopServices()
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		// The init is gone, and with it its pid namespace; make sure of it.
		s.killAll()
		reason := readReason(reasonR)
		s.mu.Lock()
		killed := s.killed
		s.mu.Unlock()
		if reason == ReasonReboot && !killed {
			s.log.Info("guest reboots")
			if err := s.boot(); err == nil {
				continue
			} else {
				s.log.Error("reboot failed", "err", err)
				hostfs.AppendConsole(filepath.Join(s.dir, ConsoleFile), fmt.Sprintf("[strato] reboot failed: %v\n", err))
			}
		}
		exit := driver.ExitStatus{ExitedAt: time.Now().UTC().Round(0)}
		switch {
		case ws.Signaled():
			exit.Code, exit.Signal = -1, int(ws.Signal())
		case cmd.ProcessState != nil:
			exit.Code = ws.ExitStatus()
		default:
			exit.Code, exit.Unknown = -1, true
		}
		if killed && exit.Signal == int(syscall.SIGKILL) {
			exit.Killed = true
		}
		if !killed && exit.Signal == int(syscall.SIGKILL) {
			if oom, err := s.cg.OOMKilled(); err == nil && oom {
				exit.OOMKilled = true
			}
		}
		return ExitRecord{RunID: s.run.RunID, StartedAt: s.run.StartedAt, Exit: exit, Reason: reason}
	}
}

// readReason returns what the init wrote to its reason pipe before it
// exited: nothing if it was killed. Every writer is gone by now.
func readReason(r *os.File) string {
	defer r.Close()
	b, _ := io.ReadAll(io.LimitReader(r, 64))
	return string(b)
}

// finish records the end of the run and wakes the waiters at once, then
// tears down the guest's network interface and cgroup. The control socket
// closes only after that, so the shim of the instance's next start (which
// waits for the socket) never races this one's teardown.
func (s *server) finish(rec ExitRecord, ln net.Listener) {
	if err := hostfs.WriteJSONAtomic(filepath.Join(s.dir, ExitFile), rec); err != nil {
		s.log.Error("cannot record exit", "err", err)
	}
	hostfs.AppendConsole(filepath.Join(s.dir, ConsoleFile), rec.Exit.ConsoleLine())
	s.mu.Lock()
	s.exit = &rec
	s.state = StateExited
	close(s.done)
	s.mu.Unlock()
	s.log.Info("run ended", "code", rec.Exit.Code, "signal", rec.Exit.Signal, "killed", rec.Exit.Killed, "reason", rec.Reason)
	if s.cfg.Network != nil {
		if err := detach(s.cfg.Network.HostIf); err != nil {
			s.log.Warn("cannot remove the guest's network interface", "err", err)
		}
	}
	s.removeCgroup()
	ln.Close()
	// Give waiters a moment to read their answer before the process ends.
	time.Sleep(20 * time.Millisecond)
}

// killAll kills every process left in the cgroup.
func (s *server) killAll() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.cg.KillAll(ctx); err != nil {
		s.log.Error("cannot kill the guest's processes", "err", err)
	}
}

// serve answers the control socket.
func (s *server) serve(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go s.handle(conn)
	}
}

func (s *server) handle(conn net.Conn) {
	defer conn.Close()
	if !samePeer(conn) {
		return
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(conn, 4096)).ReadBytes('\n')
	if err != nil {
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		writeResponse(conn, response{Error: "malformed request"})
		return
	}
	writeResponse(conn, s.do(conn, req))
}

// do performs one request.
func (s *server) do(conn net.Conn, req request) response {
	switch req.Op {
	case opStatus:
	case opSignal:
		if req.Signal <= 0 || req.Signal > 64 {
			return response{Error: "bad signal"}
		}
		s.mu.Lock()
		if s.state == StateRunning {
			if req.Signal == int(syscall.SIGTERM) {
				// Tell the init this SIGTERM is a stop, not busybox's reboot.
				_, _ = s.ctlW.Write([]byte{ctlStop})
			}
			if err := s.initCmd.Process.Signal(syscall.Signal(req.Signal)); err != nil && !errors.Is(err, os.ErrProcessDone) {
				s.mu.Unlock()
				return response{Error: err.Error()}
			}
		}
		s.mu.Unlock()
	case opKill:
		s.mu.Lock()
		if s.state != StateExited {
			s.killed = true
		}
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := s.cg.KillAll(ctx); err != nil {
			return response{Error: err.Error()}
		}
	case opFreeze, opThaw:
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		s.mu.Lock()
		var err error
		switch {
		case s.state == StateExited:
			err = errors.New("the guest is not running")
		case req.Op == opFreeze:
			if err = s.cg.Freeze(ctx); err == nil {
				s.state = StateFrozen
			}
		default:
			if err = s.cg.Thaw(ctx); err == nil {
				s.state = StateRunning
			}
		}
		s.mu.Unlock()
		if err != nil {
			return response{Error: err.Error()}
		}
	case opWait:
		select {
		case <-s.done:
		case <-closed(conn):
			return response{Error: "gone"}
		}
	default:
		return response{Error: "unknown op"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return response{State: s.state, Run: s.run, Exit: s.exit}
}

// closed returns a channel closed when the peer hangs up (a waiter gone).
func closed(conn net.Conn) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		var b [1]byte
		_, _ = conn.Read(b[:]) // a waiter sends nothing more: any return is a hang-up
		close(ch)
	}()
	return ch
}

func writeResponse(conn net.Conn, r response) {
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_ = json.NewEncoder(conn).Encode(r)
}

// samePeer admits only a peer with the shim's own uid.
func samePeer(conn net.Conn) bool {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return false
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return false
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil || cerr != nil {
		return false
	}
	return int(cred.Uid) == os.Getuid()
}

func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
