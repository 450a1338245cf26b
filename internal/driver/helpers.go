package driver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"strato/internal/clock"
	"strato/internal/errdefs"
)

// Helpers for driver implementations: the rules every driver applies to a
// spec, and the graceful stop loop.

// maxIDLen bounds instance and volume ids, which become directory names.
const maxIDLen = 128

// ValidID accepts ids that are safe as one path component.
func ValidID(id string) error {
	if id == "" || len(id) > maxIDLen || id == "." || id == ".." {
		return fmt.Errorf("bad id %q", id)
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return fmt.Errorf("bad character %q in id %q", r, id)
		}
	}
	return nil
}

// ValidEnvName accepts shell-style variable names.
func ValidEnvName(k string) bool {
	if k == "" {
		return false
	}
	for i, r := range k {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9'
		if !ok {
			return false
		}
	}
	return true
}

// CheckSpec applies the rules every driver has for a spec: a safe instance
// id, safe and distinct volume ids, a root volume, and a clean environment.
// Image kinds are each driver's own business.
func CheckSpec(spec Spec) error {
	if err := ValidID(spec.ID); err != nil {
		return &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: errdefs.ResInstance, ID: spec.ID,
			Public: "invalid instance id", Err: err}
	}
	seen := make(map[string]bool, len(spec.Volumes))
	root := false
	for _, v := range spec.Volumes {
		if err := ValidID(v.ID); err != nil {
			return &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: errdefs.ResVolume, ID: v.ID,
				Public: "invalid volume id", Err: err}
		}
		if seen[v.ID] {
			return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResVolume, v.ID, "volume %s attached twice", v.ID)
		}
		seen[v.ID] = true
		root = root || v.Root
	}
	if !root {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResVolume, spec.ID, "the instance has no root volume")
	}
	for k, v := range spec.Env {
		if !ValidEnvName(k) || strings.ContainsRune(v, 0) {
			return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, spec.ID, "invalid environment variable %q", k)
		}
	}
	return nil
}

// RootVolume returns the first volume with Root set.
func (s Spec) RootVolume() (Volume, bool) {
	for _, v := range s.Volumes {
		if v.Root {
			return v, true
		}
	}
	return Volume{}, false
}

// Equal compares specs by their JSON form, so nil and empty maps match.
func (s Spec) Equal(o Spec) bool {
	a, errA := json.Marshal(s)
	b, errB := json.Marshal(o)
	return errA == nil && errB == nil && string(a) == string(b)
}

// ConsoleLine is the line a driver writes on the console when a run ends.
func (e ExitStatus) ConsoleLine() string {
	var what string
	switch {
	case e.Unknown:
		what = "ended, exit status unknown"
	case e.OOMKilled:
		what = "killed: out of memory"
	case e.Signal != 0:
		what = fmt.Sprintf("killed by signal %d", e.Signal)
	default:
		what = fmt.Sprintf("exited with code %d", e.Code)
	}
	return fmt.Sprintf("[strato] %s halt: %s\n", e.ExitedAt.UTC().Format(time.RFC3339), what)
}

// ErrClosed is returned by Graceful when the driver closed while it waited.
var ErrClosed = errors.New("driver closed")

// Stopping is a run that a graceful stop has signalled once.
type Stopping struct {
	// Done is closed when the run has ended; Force when a forced stop took
	// it over; Closed when the driver closed.
	Done, Force, Closed <-chan struct{}
	// Resignal sends the stop signal again; Kill ends the run now.
	Resignal, Kill func()
}

// Graceful waits for a signalled run to end: it calls Resignal every
// opts.SignalInterval (DefaultSignalInterval when unset) and Kill when
// opts.Timeout runs out, both on clk. It returns nil once the run has ended,
// was killed or was taken over by a forced stop; ctx's error or ErrClosed
// when it stopped waiting for those reasons.
func Graceful(ctx context.Context, clk clock.Clock, opts StopOptions, s Stopping) error {
	interval := opts.SignalInterval
	if interval <= 0 {
		interval = DefaultSignalInterval
	}
	grace := clk.NewTimer(opts.Timeout)
	defer grace.Stop()
	tick := clk.NewTimer(interval)
	defer func() { tick.Stop() }()
	for {
		select {
		case <-s.Done:
			return nil
		case <-s.Force:
			return nil
		case <-grace.C():
			s.Kill()
			return nil
		case <-tick.C():
			s.Resignal()
			tick = clk.NewTimer(interval)
		case <-ctx.Done():
			return ctx.Err()
		case <-s.Closed:
			return ErrClosed
		}
	}
}
