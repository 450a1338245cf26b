package adminapi

import (
	"context"
	"net/url"
	"slices"
	"time"

	"strato/internal/core/metering"
	"strato/internal/errdefs"
)

// usageRoutes: usage, bills and the price catalog of the caller's account,
// derived by internal/core/metering from the lifecycle log.
//
//	GET /strato/v1/usage?from=RFC3339&to=RFC3339[&instance=ID]  lines and the segments behind them
//	GET /strato/v1/bill?from=RFC3339&to=RFC3339                 lines, totals, what stopping saved
//	GET /strato/v1/prices                                       the price catalog in use
//
// from defaults to the start of the current month (UTC), to to now; the
// window is [from, to) and may not be longer than 366 days.
func (h *Handler) usageRoutes() []route {
	return []route{
		{pattern: "GET " + Prefix + "usage", action: "strato:GetUsage", handle: h.getUsage},
		{pattern: "GET " + Prefix + "bill", action: "strato:GetBill", handle: h.getBill},
		{pattern: "GET " + Prefix + "prices", action: "strato:GetPrices", handle: h.getPrices},
	}
}

func (h *Handler) getUsage(ctx context.Context, c *call) (any, error) {
	m, err := h.meter()
	if err != nil {
		return nil, err
	}
	q := c.r.URL.Query()
	w, err := h.window(q, "from", "to", "instance")
	if err != nil {
		return nil, err
	}
	return m.Usage(ctx, c.principal.AccountID, w, q.Get("instance"))
}

func (h *Handler) getBill(ctx context.Context, c *call) (any, error) {
	m, err := h.meter()
	if err != nil {
		return nil, err
	}
	w, err := h.window(c.r.URL.Query(), "from", "to")
	if err != nil {
		return nil, err
	}
	return m.Bill(ctx, c.principal.AccountID, w)
}

func (h *Handler) getPrices(ctx context.Context, c *call) (any, error) {
	m, err := h.meter()
	if err != nil {
		return nil, err
	}
	if err := onlyParams(c.r.URL.Query()); err != nil {
		return nil, err
	}
	return m.Prices().File(), nil
}

func (h *Handler) meter() (*metering.Meter, error) {
	if h.cfg.Meter == nil {
		return nil, errdefs.New(errdefs.Unsupported, errdefs.ResNone, "", "metering is not configured on this server")
	}
	return h.cfg.Meter, nil
}

// window reads from and to (RFC 3339) from q, allowing only the named
// parameters; it fills the defaults and validates the window.
func (h *Handler) window(q url.Values, allowed ...string) (metering.Window, error) {
	if err := onlyParams(q, allowed...); err != nil {
		return metering.Window{}, err
	}
	now := h.cfg.Clock.Now().UTC()
	w := metering.Window{From: time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC), To: now}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &w.From}, {"to", &w.To}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return metering.Window{}, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, p.name,
				"%s %q is not an RFC 3339 time such as 2026-11-01T00:00:00Z", p.name, v)
		}
		*p.dst = t
	}
	if err := w.Validate(); err != nil {
		return metering.Window{}, err
	}
	return w, nil
}

// onlyParams refuses query parameters not named, and repeated ones.
func onlyParams(q url.Values, allowed ...string) error {
	for name, vs := range q {
		if !slices.Contains(allowed, name) {
			return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, name, "unknown parameter %q", name)
		}
		if len(vs) > 1 {
			return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, name, "parameter %q given more than once", name)
		}
	}
	return nil
}
