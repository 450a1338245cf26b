package instance

import (
	"fmt"
	"strconv"
	"strings"
)

// Detail keys about volumes that lifecycle events carry for metering
// (internal/core/metering). Every event built by eventDetail lists the
// instance's volumes; the event that reaches terminated also says which of
// them were deleted with the instance and which outlive it.
const (
	// DetailVolumes lists every volume, FormatVolumes-encoded.
	DetailVolumes = "volumes"
	// DetailDeletedVolumes lists (comma-separated ids) the volumes deleted
	// with the instance; only on the event whose To is Terminated.
	DetailDeletedVolumes = "deletedVolumes"
	// DetailKeptVolumes lists the volumes that outlive the instance
	// (DeleteOnTermination false); only on the event whose To is Terminated.
	DetailKeptVolumes = "keptVolumes"
	// DetailGuestExitedAt (RFC 3339) is when the guest ended by itself, on
	// the event that records the end when the driver knew the time: compute
	// ends then, not when the daemon noticed.
	DetailGuestExitedAt = "guestExitedAt"
)

// VolumeFact is what the lifecycle log records about one volume.
type VolumeFact struct {
	ID                  string
	SizeGiB             int
	DeleteOnTermination bool
	Scratch             bool // instance store: no separate storage charge
}

// Volume flags in DetailVolumes.
const (
	volFlagDOT     = "dot"
	volFlagScratch = "scratch"
)

// FormatVolumes encodes volumes as "id:sizeGiB[:flag[+flag]]" items joined
// by commas, flags being "dot" (DeleteOnTermination) and "scratch"
// (instance store), e.g. "vol-1:8:dot,vol-2:75:dot+scratch,vol-3:20".
func FormatVolumes(vs []VolumeFact) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(v.ID)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(v.SizeGiB))
		var flags []string
		if v.DeleteOnTermination {
			flags = append(flags, volFlagDOT)
		}
		if v.Scratch {
			flags = append(flags, volFlagScratch)
		}
		if len(flags) > 0 {
			b.WriteByte(':')
			b.WriteString(strings.Join(flags, "+"))
		}
	}
	return b.String()
}

// ParseVolumes decodes FormatVolumes' encoding. Unknown flags are ignored,
// so newer writers can add some.
func ParseVolumes(s string) ([]VolumeFact, error) {
	if s == "" {
		return nil, nil
	}
	var out []VolumeFact
	for item := range strings.SplitSeq(s, ",") {
		parts := strings.Split(item, ":")
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
			return nil, fmt.Errorf("volume detail %q is not id:size[:flags]", item)
		}
		size, err := strconv.Atoi(parts[1])
		if err != nil || size < 0 {
			return nil, fmt.Errorf("volume detail %q: bad size", item)
		}
		v := VolumeFact{ID: parts[0], SizeGiB: size}
		if len(parts) == 3 {
			for f := range strings.SplitSeq(parts[2], "+") {
				switch f {
				case volFlagDOT:
					v.DeleteOnTermination = true
				case volFlagScratch:
					v.Scratch = true
				}
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// addVolumeDetail records the instance's volumes in an event detail and, on
// the way into terminated, which volumes went with the instance.
func addVolumeDetail(d map[string]string, in *Instance) {
	if len(in.Volumes) == 0 {
		return
	}
	facts := make([]VolumeFact, len(in.Volumes))
	var deleted, kept []string
	for i, v := range in.Volumes {
		facts[i] = VolumeFact{ID: v.ID, SizeGiB: v.SizeGiB, DeleteOnTermination: v.DeleteOnTermination, Scratch: v.Scratch}
		if v.DeleteOnTermination {
			deleted = append(deleted, v.ID)
		} else {
			kept = append(kept, v.ID)
		}
	}
	d[DetailVolumes] = FormatVolumes(facts)
	if in.State == Terminated {
		if len(deleted) > 0 {
			d[DetailDeletedVolumes] = strings.Join(deleted, ",")
		}
		if len(kept) > 0 {
			d[DetailKeptVolumes] = strings.Join(kept, ",")
		}
	}
}
