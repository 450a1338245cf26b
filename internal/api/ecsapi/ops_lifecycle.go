package ecsapi

import (
	"context"
	"encoding/base64"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
	"strato/internal/wire/acsrpc"
)

// Batch modes of StartInstances / StopInstances.
const (
	batchAllTogether  = "AllTogether"  // all or nothing (the default)
	batchSuccessFirst = "SuccessFirst" // each instance on its own
)

func batchMode(p acsrpc.Params) (string, error) {
	switch m := p.Get("BatchOptimization"); m {
	case "", batchAllTogether:
		return batchAllTogether, nil
	case batchSuccessFirst:
		return m, nil
	}
	return "", badParam("BatchOptimization")
}

// startInstance starts a Stopped instance: StartInstance.
func (h *Handler) startInstance(ctx context.Context, c *call) (any, error) {
	id, err := instanceID(c.params, "InstanceId")
	if err != nil {
		return nil, err
	}
	if _, err := optBool(c.params, "InitLocalDisk"); err != nil {
		return nil, err
	}
	if err := h.authorize(c, h.instanceARN(c, id)); err != nil {
		return nil, err
	}
	_, err = h.core.Start(ctx, c.account(), []string{id}, c.dryRun)
	return nil, err
}

// startInstances starts Stopped instances: StartInstances.
func (h *Handler) startInstances(ctx context.Context, c *call) (any, error) {
	ids, err := instanceIDList(c.params, "InstanceId")
	if err != nil {
		return nil, err
	}
	mode, err := batchMode(c.params)
	if err != nil {
		return nil, err
	}
	if err := h.authorize(c, h.instanceARNs(c, ids)...); err != nil {
		return nil, err
	}
	return h.batch(mode, c, ids, func(ids []string, dryRun bool) ([]instance.StateChange, error) {
		return h.core.Start(ctx, c.account(), ids, dryRun)
	})
}

// batch runs a batch operation: whole (AllTogether: the core checks every
// instance before changing any) or instance by instance (SuccessFirst:
// each outcome, success or error code, in the answer).
func (h *Handler) batch(mode string, c *call, ids []string, do func([]string, bool) ([]instance.StateChange, error)) (any, error) {
	out := batchResponse{InstanceResponses: instanceResponses{InstanceResponse: make([]instanceResponse, 0, len(ids))}}
	if mode == batchAllTogether {
		changes, err := do(ids, c.dryRun)
		if err != nil {
			return nil, err
		}
		for _, ch := range changes {
			out.InstanceResponses.InstanceResponse = append(out.InstanceResponses.InstanceResponse, stateResponse(ch, true))
		}
		return out, nil
	}
	if c.dryRun { // ECS: with SuccessFirst a dry run only ever says it passed
		return nil, errDryRun
	}
	for _, id := range ids {
		changes, err := do([]string{id}, false)
		if err != nil {
			_, code, msg := lookupError(errdefs.As(err))
			out.InstanceResponses.InstanceResponse = append(out.InstanceResponses.InstanceResponse,
				instanceResponse{Code: code, Message: msg, InstanceId: id})
			continue
		}
		for _, ch := range changes {
			out.InstanceResponses.InstanceResponse = append(out.InstanceResponses.InstanceResponse, stateResponse(ch, true))
		}
	}
	return out, nil
}

// decodeStop reads the stop options: ForceStop (a power cut), ConfirmStop
// (the I1 family), StoppedMode (KeepCharging or StopCharging) and
// Hibernate.
func decodeStop(c *call) (instance.StopRequest, error) {
	req := instance.StopRequest{DryRun: c.dryRun}
	var err error
	if req.Force, err = optBool(c.params, "ForceStop"); err != nil {
		return req, err
	}
	if req.ConfirmStop, err = optBool(c.params, "ConfirmStop"); err != nil {
		return req, err
	}
	if req.Hibernate, err = optBool(c.params, "Hibernate"); err != nil {
		return req, err
	}
	switch m := c.params.Get("StoppedMode"); m {
	case "", instance.StoppedModeKeepCharging, instance.StoppedModeStopCharging:
		req.StoppedMode = m
	default:
		return req, badParam("StoppedMode")
	}
	return req, nil
}

// stopInstance stops a Running instance: StopInstance (seed 003).
func (h *Handler) stopInstance(ctx context.Context, c *call) (any, error) {
	id, err := instanceID(c.params, "InstanceId")
	if err != nil {
		return nil, err
	}
	req, err := decodeStop(c)
	if err != nil {
		return nil, err
	}
	if err := h.authorize(c, h.instanceARN(c, id)); err != nil {
		return nil, err
	}
	_, err = h.core.Stop(ctx, c.account(), []string{id}, req)
	return nil, err
}

// stopInstances stops Running instances: StopInstances. ConfirmStop is not
// a parameter of StopInstances in ECS's reference; Strato accepts it so
// that I1 instances can be stopped in a batch too.
func (h *Handler) stopInstances(ctx context.Context, c *call) (any, error) {
	ids, err := instanceIDList(c.params, "InstanceId")
	if err != nil {
		return nil, err
	}
	req, err := decodeStop(c)
	if err != nil {
		return nil, err
	}
	mode, err := batchMode(c.params)
	if err != nil {
		return nil, err
	}
	if err := h.authorize(c, h.instanceARNs(c, ids)...); err != nil {
		return nil, err
	}
	return h.batch(mode, c, ids, func(ids []string, dryRun bool) ([]instance.StateChange, error) {
		r := req
		r.DryRun = dryRun
		return h.core.Stop(ctx, c.account(), ids, r)
	})
}

// rebootInstance reboots a Running instance: RebootInstance. ForceStop is
// accepted; the reboot is always graceful.
func (h *Handler) rebootInstance(ctx context.Context, c *call) (any, error) {
	id, err := instanceID(c.params, "InstanceId")
	if err != nil {
		return nil, err
	}
	if _, err := optBool(c.params, "ForceStop"); err != nil {
		return nil, err
	}
	if err := h.authorize(c, h.instanceARN(c, id)); err != nil {
		return nil, err
	}
	return nil, h.core.Reboot(ctx, c.account(), []string{id}, c.dryRun)
}

// decodeDelete reads Force (release a Running instance) and
// TerminateSubscription (accepted: every Strato instance is pay-as-you-go).
func decodeDelete(c *call) (instance.TerminateRequest, error) {
	req := instance.TerminateRequest{DryRun: c.dryRun}
	var err error
	if req.Force, err = optBool(c.params, "Force"); err != nil {
		return req, err
	}
	if _, err := optBool(c.params, "TerminateSubscription"); err != nil {
		return req, err
	}
	return req, nil
}

// deleteInstance releases a Stopped instance, or a Running one with
// Force=true: DeleteInstance. A security lock does not prevent it.
func (h *Handler) deleteInstance(ctx context.Context, c *call) (any, error) {
	id, err := instanceID(c.params, "InstanceId")
	if err != nil {
		return nil, err
	}
	req, err := decodeDelete(c)
	if err != nil {
		return nil, err
	}
	if err := h.authorize(c, h.instanceARN(c, id)); err != nil {
		return nil, err
	}
	_, err = h.core.TerminateWith(ctx, c.account(), []string{id}, req)
	return nil, err
}

// deleteInstances releases instances, all or nothing: DeleteInstances.
func (h *Handler) deleteInstances(ctx context.Context, c *call) (any, error) {
	ids, err := instanceIDList(c.params, "InstanceId")
	if err != nil {
		return nil, err
	}
	req, err := decodeDelete(c)
	if err != nil {
		return nil, err
	}
	if len(c.params.Get("ClientToken")) > maxClientToken {
		return nil, badParam("ClientToken")
	}
	if err := h.authorize(c, h.instanceARNs(c, ids)...); err != nil {
		return nil, err
	}
	_, err = h.core.TerminateWith(ctx, c.account(), ids, req)
	return nil, err
}

// getInstanceConsoleOutput returns the console tail, base64-encoded:
// GetInstanceConsoleOutput.
func (h *Handler) getInstanceConsoleOutput(ctx context.Context, c *call) (any, error) {
	id, err := instanceID(c.params, "InstanceId")
	if err != nil {
		return nil, err
	}
	if _, err := optBool(c.params, "RemoveSymbols"); err != nil {
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
	return consoleOutputResponse{InstanceId: id, ConsoleOutput: base64.StdEncoding.EncodeToString(out.Output),
		LastUpdateTime: out.Timestamp.UTC().Format(acsrpc.TimeFormat)}, nil
}
