package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"sync"

	"strato/internal/driver/sandbox/shim"
)

// A shim is the strato binary started again, and starting that binary
// (the Go runtime and every package's initialisation, in a large binary)
// takes longer than everything else a start does. So the driver keeps one
// shim started ahead of need, waiting to be told its instance: a Start
// hands the waiting shim its instance and starts the next one in the
// background. A waiting shim exits when the driver closes, or dies, and
// its end of the pipe closes.

// pendingShim is a started shim that has not been given an instance yet.
type pendingShim struct {
	cmd    *exec.Cmd
	assign *os.File // write the instance's directory name here
	ready  *os.File // the shim reports here
}

// shimPool holds at most one pending shim.
type shimPool struct {
	instances string // the instances directory shims serve

	mu      sync.Mutex
	next    *pendingShim
	filling bool
	closed  bool
}

// take returns the pending shim, or a newly started one when there is none,
// and starts a replacement in the background.
func (p *shimPool) take() (*pendingShim, error) {
	p.mu.Lock()
	ps := p.next
	p.next = nil
	p.mu.Unlock()
	if ps == nil {
		var err error
		if ps, err = p.start(); err != nil {
			return nil, err
		}
	}
	p.refill()
	return ps, nil
}

// assign hands the instance directory name to a shim from the pool; if the
// pending shim is gone (killed meanwhile), to a newly started one.
func (p *shimPool) assign(name string) (*pendingShim, error) {
	for attempt := 0; ; attempt++ {
		ps, err := p.take()
		if err != nil {
			return nil, err
		}
		_, err = fmt.Fprintf(ps.assign, "%s\n", name)
		ps.assign.Close()
		if err == nil {
			return ps, nil
		}
		ps.ready.Close()
		_ = ps.cmd.Process.Kill()
		if attempt == 1 {
			return nil, fmt.Errorf("hand the instance to its shim: %w", err)
		}
	}
}

// refill starts the next pending shim in the background unless one is
// there or on its way.
func (p *shimPool) refill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.next != nil || p.filling {
		return
	}
	p.filling = true
	go func() {
		ps, err := p.start()
		p.mu.Lock()
		defer p.mu.Unlock()
		p.filling = false
		if err != nil {
			return // the next take starts one itself and reports the error
		}
		if p.closed || p.next != nil {
			ps.discard()
			return
		}
		p.next = ps
	}()
}

// start starts a shim that waits for its instance.
func (p *shimPool) start() (*pendingShim, error) {
	assignR, assignW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		assignR.Close()
		assignW.Close()
		return nil, err
	}
	cmd, err := shim.Command(p.instances, assignR, readyW)
	if err == nil {
		err = cmd.Start()
	}
	assignR.Close()
	readyW.Close()
	if err != nil {
		assignW.Close()
		readyR.Close()
		return nil, fmt.Errorf("start shim: %w", err)
	}
	go func() { _ = cmd.Wait() }() // reap it whenever it ends
	return &pendingShim{cmd: cmd, assign: assignW, ready: readyR}, nil
}

// discard lets a pending shim exit: it reads EOF instead of an instance.
func (ps *pendingShim) discard() {
	ps.assign.Close()
	ps.ready.Close()
}

// close discards the pending shim and stops refilling.
func (p *shimPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.next != nil {
		p.next.discard()
		p.next = nil
	}
}
