package instance

import (
	"context"

	"strato/internal/driver"
	"strato/internal/errdefs"
)

// MaxConsoleBytes is how much console output GetConsoleOutput returns (EC2:
// the most recent 64 KB).
const MaxConsoleBytes = 64 * 1024

// Modify changes attributes of one instance. The instance type and user data
// change only while it is stopped; the protections at any time.
func (s *Service) Modify(ctx context.Context, account, id string, a Attributes, dryRun bool) error {
	return s.modifyIn(ctx, "", account, id, a, dryRun)
}

func (s *Service) modifyIn(ctx context.Context, scope, account, id string, a Attributes, dryRun bool) error {
	insts, unlock, err := s.batch(scope, account, []string{id})
	if err != nil {
		return err
	}
	defer unlock()
	in := insts[0]
	if err := checkUnlocked(in); err != nil {
		return err
	}
	if in.State == Terminated || in.State == ShuttingDown {
		return errdefs.Newf(errdefs.IncorrectState, errdefs.ResInstance, id, "The instance '%s' is not in a state from which it can be modified.", id)
	}
	if a.InstanceType != nil || a.UserData != nil {
		if _, _, ok := nextFor(in, OpModify); !ok {
			return refuse(OpModify, in)
		}
	}
	if a.InstanceType != nil {
		if err := s.checkType(in, *a.InstanceType); err != nil {
			return err
		}
	}
	if limit := policyFor(in.API()).maxUserData; a.UserData != nil && len(*a.UserData) > limit {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "", "User data is limited to %d bytes", limit)
	}
	if b := a.ShutdownBehavior; b != nil && *b != "stop" && *b != "terminate" {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, *b,
			"Value (%s) for parameter InstanceInitiatedShutdownBehavior is invalid. Valid values are stop and terminate.", *b)
	}
	if dryRun {
		return errDryRun()
	}
	if a.InstanceType != nil && holdsCapacity(in) {
		s.capMu.Lock()
		defer s.capMu.Unlock()
		if err := s.checkResize(in, *a.InstanceType); err != nil {
			return err
		}
	}
	next := in.Clone()
	detail := map[string]string{}
	for k, v := range a.Labels {
		if next.Labels == nil {
			next.Labels = map[string]string{}
		}
		if v == "" {
			delete(next.Labels, k)
		} else {
			next.Labels[k] = v
		}
		detail["label."+k] = v
	}
	if a.DisableAPIStop != nil {
		next.DisableAPIStop = *a.DisableAPIStop
		detail["disableApiStop"] = boolString(*a.DisableAPIStop)
	}
	if a.DisableAPITermination != nil {
		next.DisableAPITermination = *a.DisableAPITermination
		detail["disableApiTermination"] = boolString(*a.DisableAPITermination)
	}
	if a.InstanceType != nil {
		next.InstanceType = *a.InstanceType
		detail["instanceType"] = *a.InstanceType
	}
	if a.UserData != nil {
		next.UserData = append([]byte(nil), (*a.UserData)...)
		detail["userData"] = "changed"
	}
	if a.ShutdownBehavior != nil {
		next.ShutdownBehavior = *a.ShutdownBehavior
		detail["shutdownBehavior"] = *a.ShutdownBehavior
	}
	return s.commit(ctx, next, &Event{Type: EventModify, From: in.State, To: in.State, Reason: string(OpModify), Detail: detail})
}

// checkType checks a change of in's instance type to name: a type of its
// origin's catalog that keeps its hibernation.
func (s *Service) checkType(in *Instance, name string) error {
	t, ok := s.typeFor(in.API(), name)
	if !ok {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResInstanceType, name,
			"The instance type '%s' does not exist in our records", name)
	}
	if in.HibernationConfigured && !t.HibernationSupported {
		return errdefs.Newf(errdefs.Unsupported, errdefs.ResHibernation, in.ID,
			"The instance type %s is not supported for hibernation.", t.Name)
	}
	return nil
}

// checkResize refuses a type change of an instance that holds capacity (a
// stopped instance that keeps its reservation changes its size) when the
// host has no room for the growth. capMu held.
func (s *Service) checkResize(in *Instance, name string) error {
	old, nw := s.sizeOf(in.API(), in.InstanceType), s.sizeOf(in.API(), name)
	if grow := (Capacity{VCPUs: max(0, nw.VCPUs-old.VCPUs), MemoryMiB: max(0, nw.MemoryMiB-old.MemoryMiB)}); !s.fits(grow) {
		return errNoCapacity(name, in.AvailabilityZone)
	}
	return nil
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// ConsoleOutput returns the tail of the instance's console, as the driver
// kept it; a driver without a console gives an empty output.
func (s *Service) ConsoleOutput(ctx context.Context, account, id string) (ConsoleOutput, error) {
	return s.consoleOutputIn(ctx, "", account, id)
}

func (s *Service) consoleOutputIn(ctx context.Context, scope, account, id string) (ConsoleOutput, error) {
	in := s.lookup(scope, account, id)
	if in == nil || s.expired(in, s.clk.Now()) {
		return ConsoleOutput{}, notFound([]string{id})
	}
	out := ConsoleOutput{InstanceID: id, Timestamp: s.clk.Now()}
	cr, ok := s.drv.(driver.ConsoleReader)
	if !ok || in.Handle == nil {
		return out, nil
	}
	b, err := cr.ConsoleOutput(ctx, id, MaxConsoleBytes)
	if err != nil {
		if errdefs.KindOf(err) == errdefs.NotFound {
			return out, nil // destroyed with the instance
		}
		return out, err
	}
	out.Output = b
	return out, nil
}
