package metering

import (
	"cmp"
	"math/big"
	"slices"
	"strconv"
	"time"

	"strato/internal/errdefs"
)

// MaxWindow is the longest window a usage or bill request may ask for.
const MaxWindow = 366 * 24 * time.Hour

// Window is the half-open interval [From, To) a report covers.
type Window struct {
	From time.Time
	To   time.Time
}

// Validate refuses an empty or inverted window and one longer than
// MaxWindow (InvalidArgument).
func (w Window) Validate() error {
	if w.From.IsZero() || w.To.IsZero() {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, "", "from and to are required")
	}
	if !w.From.Before(w.To) {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "",
			"from (%s) must be before to (%s)", w.From.UTC().Format(time.RFC3339), w.To.UTC().Format(time.RFC3339))
	}
	if w.To.Sub(w.From) > MaxWindow {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, "", "the window from..to must not be longer than 366 days")
	}
	return nil
}

// Charge is what one segment costs inside a window, in time.
type Charge struct {
	// Billed is the charged time: whole blocks of the segment's rule (see
	// Rule), a whole number of seconds.
	Billed time.Duration
	// Used is the part of the segment inside the window (and before now).
	Used time.Duration
	// Starts is 1 when the segment began inside the window.
	Starts int
}

// ChargeOf applies rule r to segment s for window w at time now: an open
// segment (or one ending after now) counts until now.
func ChargeOf(s Segment, r Rule, w Window, now time.Time) Charge {
	var c Charge
	if s.Start.After(now) {
		return c
	}
	end := s.End
	if end.IsZero() || end.After(now) {
		end = now
	}
	if end.Before(s.Start) {
		end = s.Start
	}
	// Used: the segment clipped to the window.
	if lo, hi := later(s.Start, w.From), earlier(end, w.To); hi.After(lo) {
		c.Used = hi.Sub(lo)
	}
	// The first block (the minimum) is charged with the start.
	first := r.first()
	if !s.Start.Before(w.From) && s.Start.Before(w.To) {
		c.Billed += first
		c.Starts = 1
	}
	// Later blocks begin at base, base+inc, ... and are charged once begun.
	inc := r.Increment
	base := s.Start.Add(first)
	lo, hi := later(base, w.From), earlier(end, w.To)
	if hi.After(lo) {
		n := ceilDiv(hi.Sub(base), inc) - ceilDiv(lo.Sub(base), inc)
		c.Billed += time.Duration(n) * inc
	}
	return c
}

// ceilDiv is ⌈a/b⌉ for a ≥ 0, b > 0.
func ceilDiv(a, b time.Duration) int64 { return int64((a + b - 1) / b) }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Seconds is a duration that encodes in JSON as a number of seconds with
// millisecond precision ("12.345").
type Seconds time.Duration

// MarshalJSON writes the seconds with three decimals, without a float.
func (s Seconds) MarshalJSON() ([]byte, error) {
	ms := time.Duration(s).Milliseconds()
	return []byte(strconv.FormatInt(ms/1000, 10) + "." + leftPad(strconv.FormatInt(ms%1000, 10), 3)), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Seconds) UnmarshalJSON(b []byte) error {
	d, err := time.ParseDuration(string(b) + "s")
	if err != nil {
		return err
	}
	*s = Seconds(d)
	return nil
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// Line is one line of a bill: one resource, one kind of charge, one rate.
type Line struct {
	ResourceID string `json:"resource_id"`
	InstanceID string `json:"instance_id"`
	Kind       Kind   `json:"kind"`
	API        string `json:"api"`
	// InstanceType and Platform of compute and reservation lines.
	InstanceType string `json:"instance_type,omitempty"`
	Platform     string `json:"platform,omitempty"`
	// SizeGiB of storage lines.
	SizeGiB int `json:"size_gib,omitempty"`
	// Starts counts the compute starts inside the window.
	Starts int `json:"starts"`
	// UsedSeconds is the time actually used inside the window; Seconds the
	// billed seconds (minimums and rounding included).
	UsedSeconds Seconds `json:"used_seconds"`
	Seconds     int64   `json:"seconds"`
	// GBSeconds is SizeGiB × Seconds for storage.
	GBSeconds int64 `json:"gb_seconds,omitempty"`
	// Rate is the price per RateUnit ("hour", or "GB-month" of 730 hours).
	Rate     Decimal `json:"rate"`
	RateUnit string  `json:"rate_unit"`
	// Rule names how compute time is charged.
	Rule   string `json:"rule,omitempty"`
	Amount Amount `json:"amount"`
}

// Totals sums a bill's lines per kind.
type Totals struct {
	Compute     Amount `json:"compute"`
	Reservation Amount `json:"reservation"`
	Storage     Amount `json:"storage"`
	Total       Amount `json:"total"`
}

// Savings compares the compute actually charged with what the instances
// would have cost had they run, per second without minimums, for as long
// as they existed inside the window.
type Savings struct {
	// IfAlwaysRunning prices every instance's life inside the window
	// (launch to termination, clipped to the window and now) as compute.
	IfAlwaysRunning Amount `json:"if_always_running"`
	// Actual is compute plus reservations charged.
	Actual Amount `json:"actual"`
	// StoppingSaved is IfAlwaysRunning − Actual; it is negative when
	// per-start minimums cost more than stopping saved.
	StoppingSaved Amount `json:"stopping_saved"`
}

// Report is a bill (or a usage report) of one account for one window.
type Report struct {
	AccountID   string    `json:"account"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	GeneratedAt time.Time `json:"generated_at"`
	Currency    string    `json:"currency"`
	Lines       []Line    `json:"lines"`
	Totals      Totals    `json:"totals"`
	Savings     Savings   `json:"savings"`
	// Segments are the raw stretches behind the lines (usage reports only).
	Segments []Segment `json:"segments,omitempty"`
}

// Pricer prices segments: a price catalog and the vCPU count of each type.
type Pricer struct {
	Prices *Prices
	// VCPUs returns the vCPUs of an instance type (nil, or 0: 1).
	VCPUs func(instanceType string) int
}

func (p Pricer) vcpus(t string) int {
	if p.VCPUs == nil {
		return 1
	}
	return max(p.VCPUs(t), 1)
}

// rate returns the price of a segment's kind per unit, and the unit.
func (p Pricer) rate(s Segment) (*big.Rat, string) {
	switch s.Kind {
	case KindStorage:
		return p.Prices.StorageGBMonth(), "GB-month"
	case KindReservation:
		return p.Prices.ReservationHourly(s.InstanceType, s.Platform, p.vcpus(s.InstanceType)), "hour"
	}
	h, _ := p.Prices.Hourly(s.InstanceType, s.Platform, p.vcpus(s.InstanceType))
	return h, "hour"
}

// ruleFor returns the charging rule of a segment.
func ruleFor(s Segment) Rule {
	if s.Kind == KindCompute {
		return ComputeRule(s.API, s.Platform)
	}
	return perSecond
}

// lineKey groups segments into lines.
type lineKey struct {
	resource, instance string
	kind               Kind
	api, typ, platform string
	size               int
}

// BuildReport prices the timelines of one account for window w at time
// now. It is a pure function of its arguments.
func BuildReport(account string, tls []Timeline, w Window, now time.Time, p Pricer) Report {
	rep := Report{AccountID: account, From: w.From, To: w.To, GeneratedAt: now, Currency: "USD", Lines: []Line{}}
	lines := map[lineKey]*Line{}
	var order []lineKey
	rates := rateCache{p: p, m: map[rateKey]rateEntry{}}
	hypothetical := new(big.Rat)
	for _, tl := range tls {
		for _, s := range tl.Segments {
			r := ruleFor(s)
			c := ChargeOf(s, r, w, now)
			if c.Billed == 0 && c.Used == 0 {
				continue
			}
			k := lineKey{s.ResourceID, s.InstanceID, s.Kind, s.API, s.InstanceType, s.Platform, s.SizeGiB}
			l := lines[k]
			if l == nil {
				l = &Line{ResourceID: s.ResourceID, InstanceID: s.InstanceID, Kind: s.Kind, API: s.API,
					InstanceType: s.InstanceType, Platform: s.Platform, SizeGiB: s.SizeGiB}
				if s.Kind == KindCompute {
					l.Rule = r.Source
				}
				lines[k] = l
				order = append(order, k)
			}
			l.Starts += c.Starts
			l.UsedSeconds += Seconds(c.Used)
			l.Seconds += int64(c.Billed / time.Second)
		}
		hypothetical.Add(hypothetical, lifeCost(tl, w, now, &rates))
	}
	sortKeys(order)
	rep.Lines = make([]Line, 0, len(order))
	for _, k := range order {
		l := lines[k]
		if l.Kind != KindCompute {
			l.Starts = 0
		}
		r := rates.get(l.Kind, l.InstanceType, l.Platform)
		rate := r.rate
		l.Rate, l.RateUnit = r.dec, r.unit
		qty := big.NewRat(l.Seconds, 3600) // hours
		if l.Kind == KindStorage {
			l.GBSeconds = l.Seconds * int64(l.SizeGiB)
			qty = big.NewRat(l.GBSeconds, 3600*HoursPerMonth) // GB-months
		}
		l.Amount = amountOf(qty.Mul(qty, rate))
		switch l.Kind {
		case KindCompute:
			rep.Totals.Compute += l.Amount
		case KindReservation:
			rep.Totals.Reservation += l.Amount
		case KindStorage:
			rep.Totals.Storage += l.Amount
		}
		rep.Lines = append(rep.Lines, *l)
	}
	rep.Totals.Total = rep.Totals.Compute + rep.Totals.Reservation + rep.Totals.Storage
	rep.Savings.IfAlwaysRunning = amountOf(hypothetical)
	rep.Savings.Actual = rep.Totals.Compute + rep.Totals.Reservation
	rep.Savings.StoppingSaved = rep.Savings.IfAlwaysRunning - rep.Savings.Actual
	return rep
}

// lifeCost prices an instance's whole life inside the window as compute,
// per begun second, at the rate of its latest type.
func lifeCost(tl Timeline, w Window, now time.Time, rates *rateCache) *big.Rat {
	if tl.Created.IsZero() {
		return new(big.Rat)
	}
	life := Segment{Kind: KindCompute, InstanceType: tl.InstanceType, Platform: tl.Platform, Start: tl.Created, End: tl.Ended}
	c := ChargeOf(life, perSecond, w, now)
	if c.Billed == 0 {
		return new(big.Rat)
	}
	rate := rates.get(KindCompute, tl.InstanceType, tl.Platform).rate
	return new(big.Rat).Mul(big.NewRat(int64(c.Billed/time.Second), 3600), rate)
}

// rateCache remembers the rates one report looks up.
type rateCache struct {
	p Pricer
	m map[rateKey]rateEntry
}

type rateKey struct {
	kind          Kind
	typ, platform string
}

type rateEntry struct {
	rate *big.Rat // shared: never modified
	dec  Decimal
	unit string
}

func (c *rateCache) get(k Kind, typ, platform string) rateEntry {
	key := rateKey{k, typ, platform}
	if k == KindStorage {
		key.typ, key.platform = "", ""
	}
	e, ok := c.m[key]
	if !ok {
		rate, unit := c.p.rate(Segment{Kind: k, InstanceType: typ, Platform: platform})
		e = rateEntry{rate: rate, dec: ratDecimal(rate), unit: unit}
		c.m[key] = e
	}
	return e
}

// sortKeys orders lines by instance, then kind (compute, reservation,
// storage), then resource; the lines of one resource and kind (a type
// changed while stopped) keep the order they began in.
func sortKeys(ks []lineKey) {
	rank := func(k Kind) int { return slices.Index(Kinds, k) }
	slices.SortStableFunc(ks, func(a, b lineKey) int {
		return cmp.Or(cmp.Compare(a.instance, b.instance), cmp.Compare(rank(a.kind), rank(b.kind)),
			cmp.Compare(a.resource, b.resource))
	})
}
