package metering

import (
	"strings"
	"time"

	"strato/internal/core/instance"
)

// Segment is one uninterrupted stretch of something chargeable.
type Segment struct {
	Kind       Kind   `json:"kind"`
	ResourceID string `json:"resource_id"` // the instance, or the volume for storage
	InstanceID string `json:"instance_id"`
	AccountID  string `json:"account"`
	API        string `json:"api"`
	// InstanceType and Platform ("linux" or "windows") for compute and
	// reservations, as the event that opened the segment said.
	InstanceType string `json:"instance_type,omitempty"`
	Platform     string `json:"platform,omitempty"`
	// SizeGiB for storage.
	SizeGiB int       `json:"size_gib,omitempty"`
	Start   time.Time `json:"start"`
	// End is zero while the segment is open (it is still accruing).
	End time.Time `json:"end,omitzero"`
}

// Open reports whether the segment is still accruing.
func (s Segment) Open() bool { return s.End.IsZero() }

// Timeline is what the lifecycle log says about one instance and its
// volumes.
type Timeline struct {
	InstanceID string
	AccountID  string
	// API, InstanceType and Platform as the latest event said.
	API          string
	InstanceType string
	Platform     string
	// Created is when the instance was launched; Ended when it began to
	// terminate (entered shutting-down, or terminated, or was deleted).
	// Ended is zero while it lives.
	Created  time.Time
	Ended    time.Time
	Segments []Segment
}

// Derive replays the events of one instance, in log order, into its
// timeline. It is a pure function of the log: replaying the same events
// always gives the same segments, so a daemon restart can neither lose nor
// double-count usage.
//
// Compute is open while the instance is running; when a stop hibernates
// (the stop event's detail has hibernate=true) the stopping phase counts
// too, as on EC2. A reboot changes nothing. An ECS stop with
// stoppedMode=KeepCharging opens a reservation until the instance leaves
// stopping/stopped. Storage of a volume that is not instance store runs
// from the first event that lists it until the event that terminates the
// instance, unless that event lists it as kept (DeleteOnTermination false):
// a kept volume outlives its instance and accrues until it is deleted.
func Derive(events []instance.Event) Timeline {
	var d deriver
	for _, ev := range events {
		d.apply(ev)
	}
	d.tl.Segments = d.segs
	return d.tl
}

// deriver is Derive's replay state.
type deriver struct {
	tl   Timeline
	segs []Segment
	last time.Time

	state     instance.State
	hibernate bool // the current stop hibernates
	serving   bool // the current run serves (EventServing): notebooks are metered from then
	keep      bool // the current stop keeps charging a reservation
	compute   int  // index of the open compute segment, or -1 (when started)
	reserve   int  // index of the open reservation segment, or -1
	volumes   map[string]*volState
	volOrder  []string
	started   bool
}

type volState struct {
	fact instance.VolumeFact
	open int  // index of the open storage segment, or -1
	gone bool // deleted
}

func (d *deriver) init(ev instance.Event) {
	d.started = true
	d.compute, d.reserve = -1, -1
	d.volumes = map[string]*volState{}
	d.tl.InstanceID, d.tl.AccountID = ev.InstanceID, ev.AccountID
	d.tl.API = APIEC2
	d.tl.Platform = PlatformLinux
}

// apply replays one event.
func (d *deriver) apply(ev instance.Event) {
	if !d.started {
		d.init(ev)
	}
	t := ev.Time
	if t.IsZero() || t.Before(d.last) {
		t = d.last // the log is in order; a clock step back must not make negative time
	}
	d.last = t
	if v, ok := ev.Detail[DetailAPI]; ok && v != "" {
		d.tl.API = v
	}
	if v, ok := ev.Detail[DetailInstanceType]; ok && v != "" {
		d.tl.InstanceType = v
	}
	if v, ok := ev.Detail[DetailPlatform]; ok {
		d.tl.Platform = normPlatform(v)
	} else if ev.Type == instance.EventCreated || ev.Type == instance.EventState {
		d.tl.Platform = PlatformLinux // eventDetail omits the Linux platform
	}
	d.noteVolumes(ev, t)

	switch ev.Type {
	case instance.EventCreated:
		d.tl.Created = t
		d.state = ev.To
	case instance.EventState:
		d.transition(ev, t)
	case instance.EventServing:
		// Notebooks are metered while they serve (InService), not while
		// their lifecycle scripts and server start.
		d.serving = true
		if d.meteredFromServing() && d.state == instance.Running && d.compute < 0 {
			d.compute = d.open(KindCompute, d.tl.InstanceID, t)
		}
	case instance.EventDeleted:
		d.closeCompute(t)
		d.closeReserve(t)
		if d.state != instance.Terminated {
			d.deleteVolumes(nil, t)
		}
		d.end(t)
	}
}

// transition applies a state change.
func (d *deriver) transition(ev instance.Event, t time.Time) {
	from, to := ev.From, ev.To
	d.state = to
	switch {
	case from == instance.Running && to == instance.Stopping:
		d.hibernate = ev.Detail[DetailHibernate] == "true"
		d.keep = ev.Detail[DetailStoppedMode] == KeepCharging
	case to == instance.Stopping || to == instance.Stopped:
		if m, ok := ev.Detail[DetailStoppedMode]; ok {
			d.keep = m == KeepCharging
		}
	default:
		d.hibernate, d.keep = false, false
	}
	if to != instance.Stopping {
		d.hibernate = false
	}

	if to != instance.Running {
		d.serving = false
	}
	computeOn := to == instance.Running && (d.serving || !d.meteredFromServing()) || to == instance.Stopping && d.hibernate
	reserveOn := !computeOn && d.keep && (to == instance.Stopping || to == instance.Stopped)
	if computeOn && d.compute < 0 {
		d.compute = d.open(KindCompute, d.tl.InstanceID, t)
	} else if !computeOn {
		d.closeCompute(d.guestEnd(ev, t))
	}
	if reserveOn && d.reserve < 0 {
		d.reserve = d.open(KindReservation, d.tl.InstanceID, t)
	} else if !reserveOn {
		d.closeReserve(t)
	}
	if to == instance.ShuttingDown || to == instance.Terminated {
		d.end(t)
	}
	if to == instance.Terminated {
		var deleted []string
		if s, ok := ev.Detail[instance.DetailDeletedVolumes]; ok {
			deleted = strings.Split(s, ",")
		} else if _, ok := ev.Detail[instance.DetailKeptVolumes]; ok {
			deleted = []string{} // every volume is kept
		}
		d.deleteVolumes(deleted, t)
	}
}

// noteVolumes opens storage for volumes an event lists for the first time.
func (d *deriver) noteVolumes(ev instance.Event, t time.Time) {
	s, ok := ev.Detail[instance.DetailVolumes]
	if !ok {
		return
	}
	facts, err := instance.ParseVolumes(s)
	if err != nil {
		return // a malformed detail is skipped, not guessed at
	}
	for _, f := range facts {
		v := d.volumes[f.ID]
		if v == nil {
			v = &volState{fact: f, open: -1}
			d.volumes[f.ID] = v
			d.volOrder = append(d.volOrder, f.ID)
			if !f.Scratch {
				v.open = d.open(KindStorage, f.ID, t)
				d.segs[v.open].SizeGiB = f.SizeGiB
			}
			continue
		}
		v.fact.DeleteOnTermination = f.DeleteOnTermination
		if f.SizeGiB != v.fact.SizeGiB && v.open >= 0 && !v.gone {
			// The volume grew (a notebook's ML volume on update): the
			// storage from t on is billed at the new size.
			d.segs[v.open].End = t
			v.open = d.open(KindStorage, f.ID, t)
			d.segs[v.open].SizeGiB = f.SizeGiB
		}
		v.fact.SizeGiB = f.SizeGiB
	}
}

// deleteVolumes ends the storage of the named volumes (nil: those with
// DeleteOnTermination) at t.
func (d *deriver) deleteVolumes(ids []string, t time.Time) {
	for _, id := range d.volOrder {
		v := d.volumes[id]
		if v.gone {
			continue
		}
		del := v.fact.DeleteOnTermination
		if ids != nil {
			del = false
			for _, x := range ids {
				del = del || x == id
			}
		}
		if !del {
			continue
		}
		v.gone = true
		if v.open >= 0 {
			d.segs[v.open].End = t
			v.open = -1
		}
	}
}

func (d *deriver) open(k Kind, resource string, t time.Time) int {
	s := Segment{Kind: k, ResourceID: resource, InstanceID: d.tl.InstanceID, AccountID: d.tl.AccountID,
		API: d.tl.API, Start: t}
	if k != KindStorage {
		s.InstanceType, s.Platform = d.tl.InstanceType, d.tl.Platform
	}
	d.segs = append(d.segs, s)
	return len(d.segs) - 1
}

// meteredFromServing reports whether the instance's compute starts when its
// workload serves (EventServing) rather than when it runs: notebooks.
func (d *deriver) meteredFromServing() bool {
	return d.tl.API == APISageMaker || d.tl.API == APIModelArts
}

// guestEnd is when compute really ended on an event that records a guest's
// own shutdown: the time the driver saw it go (DetailGuestExitedAt), when
// that lies inside the open compute segment; t otherwise.
func (d *deriver) guestEnd(ev instance.Event, t time.Time) time.Time {
	s, ok := ev.Detail[instance.DetailGuestExitedAt]
	if !ok || d.compute < 0 {
		return t
	}
	x, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || x.After(t) || x.Before(d.segs[d.compute].Start) {
		return t
	}
	return x
}

func (d *deriver) closeCompute(t time.Time) {
	if d.compute >= 0 {
		d.segs[d.compute].End = t
		d.compute = -1
	}
}

func (d *deriver) closeReserve(t time.Time) {
	if d.reserve >= 0 {
		d.segs[d.reserve].End = t
		d.reserve = -1
	}
}

func (d *deriver) end(t time.Time) {
	if d.tl.Ended.IsZero() {
		d.tl.Ended = t
	}
}
