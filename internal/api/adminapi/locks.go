package adminapi

import (
	"context"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
)

// Security locks: the operator (a full-rights key of the default account,
// see iam.Service.RequireOperator) locks an instance of any account, as a
// cloud's security team would; a locked instance cannot be started,
// stopped, rebooted or modified (ECS answers InstanceLockedForSecurity, and
// shows OperationLocks with LockReason "security"), while it can still be
// described and released.
//
//	PUT    /strato/v1/instances/{id}/locks/security   lock
//	DELETE /strato/v1/instances/{id}/locks/security   unlock
//
// Both are idempotent and answer {"instanceId", "operationLocks"}.

// lockResponse is the answer of the lock routes.
type lockResponse struct {
	InstanceID     string     `json:"instanceId"`
	OperationLocks []lockJSON `json:"operationLocks"`
}

type lockJSON struct {
	LockReason string `json:"lockReason"`
}

// lockRoutes are the operator's lock routes.
func (h *Handler) lockRoutes() []route {
	path := Prefix + "instances/{id}/locks/" + instance.LockSecurity
	return []route{
		{pattern: "PUT " + path, action: "strato:LockInstance", handle: h.setLock(true)},
		{pattern: "DELETE " + path, action: "strato:UnlockInstance", handle: h.setLock(false)},
	}
}

func (h *Handler) setLock(lock bool) func(ctx context.Context, c *call) (any, error) {
	return func(ctx context.Context, c *call) (any, error) {
		if h.cfg.Instances == nil {
			return nil, errdefs.New(errdefs.Unsupported, errdefs.ResNone, "", "this server has no instance service")
		}
		if err := h.cfg.IAM.RequireOperator(ctx, c.principal); err != nil {
			return nil, err
		}
		id := c.r.PathValue("id")
		var in *instance.Instance
		var err error
		if lock {
			in, err = h.cfg.Instances.SetLock(ctx, id, instance.LockSecurity)
		} else {
			in, err = h.cfg.Instances.ClearLock(ctx, id, instance.LockSecurity)
		}
		if err != nil {
			return nil, err
		}
		h.log.InfoContext(ctx, "security lock", "request_id", c.requestID, "instance", id, "locked", lock,
			"operator_key", c.principal.AccessKeyID)
		out := lockResponse{InstanceID: in.ID, OperationLocks: []lockJSON{}}
		for _, l := range in.OperationLocks {
			out.OperationLocks = append(out.OperationLocks, lockJSON{LockReason: l.Reason})
		}
		return out, nil
	}
}
