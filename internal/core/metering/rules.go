package metering

import "time"

// Kind is what a usage line charges for.
type Kind string

// The kinds.
const (
	KindCompute     Kind = "compute"     // an instance while it runs (or hibernates)
	KindStorage     Kind = "storage"     // a volume while it exists, stopped or not
	KindReservation Kind = "reservation" // a stopped instance that keeps its resources (KeepCharging)
)

// Kinds lists the kinds in the order bills show them.
var Kinds = []Kind{KindCompute, KindReservation, KindStorage}

// APIs that create instances, as the lifecycle log's "api" detail names
// them; an event without one is EC2's.
const (
	APIEC2       = "ec2"
	APIECS       = "ecs"
	APISageMaker = "sagemaker"
	APIModelArts = "modelarts"
)

// Event detail keys metering reads (the instance engine and the frontends
// write them).
const (
	DetailAPI          = "api"          // which frontend made the instance; "" is ec2
	DetailInstanceType = "instanceType" // the type the instance runs as
	DetailPlatform     = "platform"     // "" (Linux/UNIX) or "windows"
	DetailHibernate    = "hibernate"    // "true" on the stop that hibernates
	DetailStoppedMode  = "stoppedMode"  // Alibaba ECS stop: KeepCharging or StopCharging
)

// Alibaba ECS stopped modes (seed 003).
const (
	KeepCharging = "KeepCharging"
	StopCharging = "StopCharging"
)

// Rule says how the time of one segment is charged: the first Minimum of
// every start is charged in full as soon as the start happens, and after
// that every begun Increment is charged in full.
//
// Charging works in blocks: the first block of a segment is
// max(Minimum, Increment) long and starts with the segment; the following
// blocks are Increment long. A block is charged once it has begun, and it
// belongs to the window in which it begins — so the per-start minimum
// belongs to the window of the start that incurred it, a bill for a closed
// window never changes, and the bills of adjacent windows add up to the bill
// of their union.
type Rule struct {
	Minimum   time.Duration
	Increment time.Duration
	// Source says where the rule comes from.
	Source string
}

// first is the length of a segment's first block.
func (r Rule) first() time.Duration { return max(r.Minimum, r.Increment) }

// ruleKey selects a compute rule; Platform "*" matches every platform.
type ruleKey struct{ API, Platform string }

// computeRules is the table of compute charging rules. Notebooks are
// charged while InService / RUNNING, which the core calls running.
var computeRules = map[ruleKey]Rule{
	{APIEC2, PlatformLinux}: {Minimum: time.Minute, Increment: time.Second,
		Source: "seeds 001/002: a one-minute minimum for every start, then per second"},
	{APIEC2, PlatformWindows}: {Minimum: time.Hour, Increment: time.Hour,
		Source: "seed 001: a full instance hour for every start of a Windows instance"},
	{APIECS, "*"}: {Increment: time.Second,
		Source: "Alibaba ECS pay-as-you-go: per second; seed 003: StopCharging stops it, KeepCharging keeps a reservation"},
	{APISageMaker, "*"}: {Increment: time.Second,
		Source: "seed 000: per second while InService; StopNotebookInstance stops the charge"},
	{APIModelArts, "*"}: {Increment: time.Second,
		Source: "seed 004: per second while RUNNING; stop ends the charge"},
}

// perSecond charges every begun second, without a minimum: storage
// (GB-seconds) and reservations.
var perSecond = Rule{Increment: time.Second, Source: "per second"}

// ComputeRule returns the rule for compute of an instance made through api
// ("" is ec2) on platform ("" is linux): the exact row, else the api's
// every-platform row, else EC2's row for the platform, else EC2 Linux.
func ComputeRule(api, platform string) Rule {
	api, platform = normAPI(api), normPlatform(platform)
	for _, k := range []ruleKey{{api, platform}, {api, "*"}, {APIEC2, platform}} {
		if r, ok := computeRules[k]; ok {
			return r
		}
	}
	return computeRules[ruleKey{APIEC2, PlatformLinux}]
}

func normAPI(api string) string {
	if api == "" {
		return APIEC2
	}
	return api
}
