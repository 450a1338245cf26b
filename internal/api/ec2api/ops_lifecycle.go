package ec2api

import (
	"context"
	"encoding/base64"

	"strato/internal/core/instance"
)

// lifecycleIDs decodes the required InstanceId.N and authorizes the caller on
// every instance.
func (h *Handler) lifecycleIDs(c *call) ([]string, error) {
	ids, err := instanceIDs(c.params, true)
	if err != nil {
		return nil, err
	}
	if err := h.authorize(c, h.instanceARNs(c, ids)...); err != nil {
		return nil, err
	}
	return ids, nil
}

// startInstances starts stopped instances: StartInstances.
func (h *Handler) startInstances(ctx context.Context, c *call) (any, error) {
	ids, err := h.lifecycleIDs(c)
	if err != nil {
		return nil, err
	}
	changes, err := h.core.Start(ctx, c.account(), ids, c.dryRun)
	if err != nil {
		return nil, err
	}
	return encodeStateChanges(changes), nil
}

// decodeStop reads StopInstances' options. SkipOsShutdown skips the graceful
// OS shutdown, which is what Force does here.
func decodeStop(c *call) (instance.StopRequest, error) {
	req := instance.StopRequest{DryRun: c.dryRun}
	var err error
	if req.Force, err = boolParam(c.params, "Force"); err != nil {
		return req, err
	}
	skip, err := boolParam(c.params, "SkipOsShutdown")
	if err != nil {
		return req, err
	}
	req.Force = req.Force || skip
	if req.Hibernate, err = boolParam(c.params, "Hibernate"); err != nil {
		return req, err
	}
	return req, nil
}

// stopInstances stops (or hibernates) running instances: StopInstances.
func (h *Handler) stopInstances(ctx context.Context, c *call) (any, error) {
	ids, err := instanceIDs(c.params, true)
	if err != nil {
		return nil, err
	}
	req, err := decodeStop(c)
	if err != nil {
		return nil, err
	}
	if err := h.authorize(c, h.instanceARNs(c, ids)...); err != nil {
		return nil, err
	}
	changes, err := h.core.Stop(ctx, c.account(), ids, req)
	if err != nil {
		return nil, err
	}
	return encodeStateChanges(changes), nil
}

// rebootInstances reboots running instances in place: RebootInstances.
func (h *Handler) rebootInstances(ctx context.Context, c *call) (any, error) {
	ids, err := h.lifecycleIDs(c)
	if err != nil {
		return nil, err
	}
	if err := h.core.Reboot(ctx, c.account(), ids, c.dryRun); err != nil {
		return nil, err
	}
	return returnResponse{Return: true}, nil
}

// terminateInstances terminates instances: TerminateInstances. Force and
// SkipOsShutdown are accepted; the core always shuts down before destroying.
func (h *Handler) terminateInstances(ctx context.Context, c *call) (any, error) {
	ids, err := instanceIDs(c.params, true)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"Force", "SkipOsShutdown"} {
		if _, err := boolParam(c.params, name); err != nil {
			return nil, err
		}
	}
	if err := h.authorize(c, h.instanceARNs(c, ids)...); err != nil {
		return nil, err
	}
	changes, err := h.core.Terminate(ctx, c.account(), ids, c.dryRun)
	if err != nil {
		return nil, err
	}
	return encodeStateChanges(changes), nil
}

// getConsoleOutput returns the console tail, base64-encoded: GetConsoleOutput.
func (h *Handler) getConsoleOutput(ctx context.Context, c *call) (any, error) {
	id, err := singleInstanceID(c.params)
	if err != nil {
		return nil, err
	}
	if _, err := boolParam(c.params, "Latest"); err != nil {
		return nil, err
	}
	if err := h.authorize(c, h.instanceARN(c, id)); err != nil {
		return nil, err
	}
	if c.dryRun {
		return nil, errDryRun
	}
	out, err := h.core.ConsoleOutput(ctx, c.account(), id)
	if err != nil {
		return nil, err
	}
	if out.InstanceID == "" {
		out.InstanceID = id
	}
	return getConsoleOutputResponse{
		InstanceID: out.InstanceID,
		Timestamp:  ts(out.Timestamp),
		Output:     base64.StdEncoding.EncodeToString(out.Output),
	}, nil
}
