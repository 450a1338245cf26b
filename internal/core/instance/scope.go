package instance

import (
	"context"

	"strato/internal/errdefs"
)

// Scope is the Service as the frontend or service of one origin sees it:
// every call reaches that origin's instances only, and launches and lists
// in that origin. It is how the instances of a managed origin (SageMaker's,
// which the notebook service runs) are reached at all: the Service's own
// methods are unscoped, and unscoped calls — the EC2 and ECS frontends' —
// never see them (reachable in origin.go).
//
// The methods have the Service's signatures and semantics, so a consumer
// can declare the interface it needs and be handed a Scope.
type Scope struct {
	s      *Service
	origin string
}

// Scope returns the Service's calls scoped to origin (OriginSageMaker, …).
// The calls of a scope whose origin the core does not know fail with
// InvalidArgument.
func (s *Service) Scope(origin string) *Scope { return &Scope{s: s, origin: origin} }

// Origin returns the scope's origin.
func (c *Scope) Origin() string { return c.origin }

// check refuses an unknown origin, and a request that names another origin
// than the scope's (what is empty there is the scope's).
func (c *Scope) check(requested string) error {
	if err := checkOrigin(c.origin); err != nil {
		return err
	}
	if requested != "" && requested != c.origin {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, requested,
			"a call scoped to origin %q cannot name origin %q", c.origin, requested)
	}
	return nil
}

// Run is Service.Run in the scope's origin (req.Origin empty or the same).
func (c *Scope) Run(ctx context.Context, account string, req RunRequest) (*Reservation, error) {
	if err := c.check(req.Origin); err != nil {
		return nil, err
	}
	req.Origin = c.origin
	return c.s.Run(ctx, account, req)
}

// Describe is Service.Describe of the scope's origin (q.Origin empty or the
// same).
func (c *Scope) Describe(ctx context.Context, account string, q Query) ([]*Instance, string, error) {
	if err := c.check(q.Origin); err != nil {
		return nil, "", err
	}
	q.Origin = c.origin
	return c.s.Describe(ctx, account, q)
}

// Get returns one instance of the account in the scope's origin, or
// NotFound; terminated instances show until their retention ends, with
// their last PrivateIP.
func (c *Scope) Get(ctx context.Context, account, id string) (*Instance, error) {
	if err := c.check(""); err != nil {
		return nil, err
	}
	return c.s.getIn(c.origin, account, id)
}

// Start is Service.Start within the scope.
func (c *Scope) Start(ctx context.Context, account string, ids []string, dryRun bool) ([]StateChange, error) {
	if err := c.check(""); err != nil {
		return nil, err
	}
	return c.s.startIn(ctx, c.origin, account, ids, dryRun)
}

// Stop is Service.Stop within the scope.
func (c *Scope) Stop(ctx context.Context, account string, ids []string, req StopRequest) ([]StateChange, error) {
	if err := c.check(""); err != nil {
		return nil, err
	}
	return c.s.stopIn(ctx, c.origin, account, ids, req)
}

// Reboot is Service.Reboot within the scope.
func (c *Scope) Reboot(ctx context.Context, account string, ids []string, dryRun bool) error {
	if err := c.check(""); err != nil {
		return err
	}
	return c.s.rebootIn(ctx, c.origin, account, ids, dryRun)
}

// Terminate is Service.Terminate within the scope.
func (c *Scope) Terminate(ctx context.Context, account string, ids []string, dryRun bool) ([]StateChange, error) {
	return c.TerminateWith(ctx, account, ids, TerminateRequest{DryRun: dryRun})
}

// TerminateWith is Service.TerminateWith within the scope.
func (c *Scope) TerminateWith(ctx context.Context, account string, ids []string, req TerminateRequest) ([]StateChange, error) {
	if err := c.check(""); err != nil {
		return nil, err
	}
	return c.s.terminateIn(ctx, c.origin, account, ids, req)
}

// Modify is Service.Modify within the scope.
func (c *Scope) Modify(ctx context.Context, account, id string, a Attributes, dryRun bool) error {
	if err := c.check(""); err != nil {
		return err
	}
	return c.s.modifyIn(ctx, c.origin, account, id, a, dryRun)
}

// Reconfigure is Service.Reconfigure within the scope.
func (c *Scope) Reconfigure(ctx context.Context, account, id string, req ReconfigureRequest) error {
	if err := c.check(""); err != nil {
		return err
	}
	return c.s.reconfigureIn(ctx, c.origin, account, id, req)
}

// ConsoleOutput is Service.ConsoleOutput within the scope: the tail
// (MaxConsoleBytes) of the guest's console across its runs, as the driver
// kept it — empty before the first boot, for a driver without a console,
// and once the workload is destroyed (terminated).
func (c *Scope) ConsoleOutput(ctx context.Context, account, id string) (ConsoleOutput, error) {
	if err := c.check(""); err != nil {
		return ConsoleOutput{}, err
	}
	return c.s.consoleOutputIn(ctx, c.origin, account, id)
}

// DescribeVolumes is Service.DescribeVolumes of the scope's origin
// (q.Origin empty or the same).
func (c *Scope) DescribeVolumes(ctx context.Context, account string, q VolumeQuery) ([]*VolumeInfo, string, error) {
	if err := c.check(q.Origin); err != nil {
		return nil, "", err
	}
	q.Origin = c.origin
	return c.s.DescribeVolumes(ctx, account, q)
}

// MarkServing records that the running instance id now serves (a
// notebook's server answers): an EventServing event, once per run. Compute
// of origins metered from serving starts there. An instance that is not
// running is IncorrectState.
func (c *Scope) MarkServing(ctx context.Context, account, id string) error {
	return c.s.markServing(ctx, c.origin, account, id)
}
