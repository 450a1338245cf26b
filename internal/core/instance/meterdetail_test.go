package instance

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestVolumesDetailRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []VolumeFact
		want string
	}{
		{"none", nil, ""},
		{"root only", []VolumeFact{{ID: "vol-1", SizeGiB: 8, DeleteOnTermination: true}}, "vol-1:8:dot"},
		{"kept root and scratch", []VolumeFact{
			{ID: "vol-1", SizeGiB: 20},
			{ID: "vol-2", SizeGiB: 75, DeleteOnTermination: true, Scratch: true},
		}, "vol-1:20,vol-2:75:dot+scratch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := FormatVolumes(tc.in)
			if got != tc.want {
				t.Errorf("FormatVolumes = %q, want %q", got, tc.want)
			}
			back, err := ParseVolumes(got)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(back, tc.in); diff != "" {
				t.Errorf("ParseVolumes (-got +want):\n%s", diff)
			}
		})
	}
	for _, bad := range []string{"vol-1", "vol-1:x", ":8", "vol-1:8:dot:more", "vol-1:-3"} {
		if _, err := ParseVolumes(bad); err == nil {
			t.Errorf("ParseVolumes(%q) succeeded", bad)
		}
	}
	if v, err := ParseVolumes("vol-1:8:dot+future"); err != nil || !v[0].DeleteOnTermination {
		t.Errorf("unknown flags must be ignored: %v, %v", v, err)
	}
}

// TestEventsRecordVolumes: metering reads volumes and their fate at
// termination from the log alone.
func TestEventsRecordVolumes(t *testing.T) {
	r := newRig(t)
	keep := false
	id := r.running(RunRequest{InstanceType: "m5d.large", RootDeleteOnTermination: &keep, RootVolumeSizeGiB: 20})
	in := r.get(id)
	root, scratch := in.Volumes[0].ID, in.Volumes[1].ID
	if _, err := r.svc.Terminate(context.Background(), acct, []string{id}, false); err != nil {
		t.Fatal(err)
	}
	r.wait(id, Terminated)
	evs, err := r.st.Events(context.Background(), 0, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Type, To, Volumes, Deleted, Kept string
	}
	var got []row
	for _, e := range evs {
		got = append(got, row{e.Type, string(e.To), e.Detail[DetailVolumes], e.Detail[DetailDeletedVolumes], e.Detail[DetailKeptVolumes]})
	}
	vols := root + ":20," + scratch + ":75:dot+scratch"
	want := []row{
		{EventCreated, "pending", vols, "", ""},
		{EventState, "running", vols, "", ""},
		{EventState, "shutting-down", vols, "", ""},
		{EventState, "terminated", vols, scratch, root},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("events (-got +want):\n%s", diff)
	}
}
