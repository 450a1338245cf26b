package instance

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/catalog"
	"strato/internal/errdefs"
)

// volumes lists the account's EC2 volumes with q, failing the test on error.
func (r *rig) volumes(q VolumeQuery) []*VolumeInfo {
	r.t.Helper()
	vs, _, err := r.svc.DescribeVolumes(context.Background(), acct, q)
	if err != nil {
		r.t.Fatalf("DescribeVolumes(%+v): %v", q, err)
	}
	return vs
}

// volumeIDs lists the ids DescribeVolumes answers q with.
func (r *rig) volumeIDs(q VolumeQuery) []string {
	r.t.Helper()
	var ids []string
	for _, v := range r.volumes(q) {
		ids = append(ids, v.ID)
	}
	return ids
}

func TestVolumesOutliveTheirInstance(t *testing.T) {
	r := newRig(t, func(c *Config) { c.TerminatedRetention = time.Hour; c.ResyncInterval = time.Minute })
	launched := r.clk.Now()
	keep := false
	gone := r.running(RunRequest{})
	kept := r.running(RunRequest{RootDeleteOnTermination: &keep, RootVolumeType: "io2", RootIops: 5000,
		RootVolumeSizeGiB: 20, VolumeTags: []Tag{{"Name", "data"}}})
	goneVol, keptVol := r.get(gone).Volumes[0].ID, r.get(kept).Volumes[0].ID

	inUse := map[string]*VolumeInfo{
		goneVol: {ID: goneVol, AccountID: acct, Origin: OriginEC2, AvailabilityZone: "us-east-1a", SizeGiB: 8,
			Type: "gp3", CreatedAt: launched, State: VolumeInUse,
			Attachments: []VolumeAttachment{{InstanceID: gone, Device: "/dev/xvda", State: AttachmentAttached,
				AttachTime: launched, DeleteOnTermination: true}}},
		keptVol: {ID: keptVol, AccountID: acct, Origin: OriginEC2, AvailabilityZone: "us-east-1a", SizeGiB: 20,
			Type: "io2", Iops: 5000, CreatedAt: launched, State: VolumeInUse, Tags: []Tag{{"Name", "data"}},
			Attachments: []VolumeAttachment{{InstanceID: kept, Device: "/dev/xvda", State: AttachmentAttached,
				AttachTime: launched}}},
	}
	available := &VolumeInfo{ID: keptVol, AccountID: acct, Origin: OriginEC2, AvailabilityZone: "us-east-1a",
		SizeGiB: 20, Type: "io2", Iops: 5000, CreatedAt: launched, State: VolumeAvailable, Tags: []Tag{{"Name", "data"}}}

	check := func(t *testing.T, want map[string]*VolumeInfo) {
		t.Helper()
		for _, id := range []string{goneVol, keptVol} {
			vs, _, err := r.svc.DescribeVolumes(context.Background(), acct, VolumeQuery{IDs: []string{id}})
			if want[id] == nil {
				wantErr(t, err, errdefs.NotFound, errdefs.ResVolume)
				continue
			}
			if err != nil {
				t.Fatalf("DescribeVolumes(%s): %v", id, err)
			}
			if d := cmp.Diff(vs, []*VolumeInfo{want[id]}); d != "" {
				t.Errorf("%s (-got +want):\n%s", id, d)
			}
		}
	}

	t.Run("attached while the instances run", func(t *testing.T) { check(t, inUse) })

	if _, err := r.svc.Terminate(context.Background(), acct, []string{gone, kept}, false); err != nil {
		t.Fatal(err)
	}
	r.wait(gone, Terminated)
	r.wait(kept, Terminated)
	afterTerminate := map[string]*VolumeInfo{keptVol: available}
	t.Run("after terminate the kept volume is available and the other gone",
		func(t *testing.T) { check(t, afterTerminate) })

	r.clk.Advance(2 * time.Hour) // past the retention: the loop purges both instances
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && r.svc.current(kept) != nil {
		r.clk.Advance(time.Minute)
		time.Sleep(time.Millisecond)
	}
	if r.svc.current(kept) != nil {
		t.Fatal("terminated instance never purged")
	}
	t.Run("after the purge of its instance", func(t *testing.T) { check(t, afterTerminate) })

	r.restart()
	t.Run("after a daemon restart", func(t *testing.T) { check(t, afterTerminate) })
}

func TestKeptVolumeIsStoredWithTheTermination(t *testing.T) {
	r := newRig(t)
	keep := false
	id := r.running(RunRequest{RootDeleteOnTermination: &keep})
	vol := r.get(id).Volumes[0].ID
	r.st.mu.Lock()
	r.st.failVolumes = errdefs.New(errdefs.Internal, errdefs.ResNone, "", "disk full")
	r.st.mu.Unlock()
	if _, err := r.svc.Terminate(context.Background(), acct, []string{id}, false); err != nil {
		t.Fatal(err)
	}
	// The reap destroys the workload, then fails to record terminated.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && r.fk.CallsFor(id).Destroy == 0 {
		time.Sleep(time.Millisecond)
	}
	if !r.svc.settle(5 * time.Second) {
		t.Fatal("workers never settled")
	}
	if got := r.get(id).State; got != ShuttingDown {
		t.Fatalf("instance is %s after a failed write, want shutting-down", got)
	}
	want := []VolumeAttachment{{InstanceID: id, Device: "/dev/xvda", State: AttachmentDetaching,
		AttachTime: r.get(id).Volumes[0].AttachTime}}
	if vs := r.volumes(VolumeQuery{IDs: []string{vol}}); vs[0].State != VolumeInUse || !cmp.Equal(vs[0].Attachments, want) {
		t.Errorf("volume while its instance shuts down: %s %+v, want in-use %+v", vs[0].State, vs[0].Attachments, want)
	}
	r.st.mu.Lock()
	n := len(r.st.vols)
	r.st.mu.Unlock()
	if n != 0 {
		t.Errorf("store holds %d volumes after the failed write", n)
	}

	r.st.mu.Lock()
	r.st.failVolumes = nil
	r.st.mu.Unlock()
	r.svc.resync() // the loop retries
	r.wait(id, Terminated)
	if vs := r.volumes(VolumeQuery{IDs: []string{vol}}); vs[0].State != VolumeAvailable || len(vs[0].Attachments) != 0 {
		t.Errorf("volume after the retried reap: %s %+v, want available without attachments", vs[0].State, vs[0].Attachments)
	}
}

func TestDescribeVolumesFilters(t *testing.T) {
	r := newRig(t)
	keep := false
	a := r.running(RunRequest{VolumeTags: []Tag{{"team", "blue"}}})
	r.clk.Advance(time.Minute)
	b := r.running(RunRequest{RootDeleteOnTermination: &keep, RootVolumeType: "gp2", RootVolumeSizeGiB: 30,
		VolumeTags: []Tag{{"team", "red"}, {"Name", "b"}}})
	c := r.running(RunRequest{InstanceType: "m5d.large"}) // an instance-store disk besides its root
	d := r.running(RunRequest{RootDeleteOnTermination: &keep})
	if _, err := r.svc.Terminate(context.Background(), acct, []string{d}, false); err != nil {
		t.Fatal(err)
	}
	r.wait(d, Terminated)
	va, vb, vc, vd := r.get(a).Volumes[0].ID, r.get(b).Volumes[0].ID, r.get(c).Volumes[0].ID, r.get(d).Volumes[0].ID
	at := r.get(a).Volumes[0].AttachTime.Format(FilterTimeFormat)

	tests := []struct {
		name    string
		filters []VolumeFilter
		want    []string
	}{
		{"no filter: every EBS volume, no instance store", nil, []string{va, vb, vc, vd}},
		{"volume-id", []VolumeFilter{{Field: VolumeFieldID, Values: []string{vb, "vol-none"}}}, []string{vb}},
		{"status available", []VolumeFilter{{Field: VolumeFieldState, Values: []string{"available"}}}, []string{vd}},
		{"status in-use", []VolumeFilter{{Field: VolumeFieldState, Values: []string{"in-use"}}}, []string{va, vb, vc}},
		{"volume-type", []VolumeFilter{{Field: VolumeFieldType, Values: []string{"gp2"}}}, []string{vb}},
		{"size", []VolumeFilter{{Field: VolumeFieldSize, Values: []string{"30"}}}, []string{vb}},
		{"availability-zone wildcard", []VolumeFilter{{Field: VolumeFieldZone, Values: []string{"us-east-1*"}}}, []string{va, vb, vc, vd}},
		{"other zone", []VolumeFilter{{Field: VolumeFieldZone, Values: []string{"us-east-1b"}}}, nil},
		{"create-time", []VolumeFilter{{Field: VolumeFieldCreateTime, Values: []string{at}}}, []string{va}},
		{"encrypted false", []VolumeFilter{{Field: VolumeFieldEncrypted, Values: []string{"false"}}}, []string{va, vb, vc, vd}},
		{"encrypted true", []VolumeFilter{{Field: VolumeFieldEncrypted, Values: []string{"true"}}}, nil},
		{"multi-attach-enabled true", []VolumeFilter{{Field: VolumeFieldMultiAttach, Values: []string{"true"}}}, nil},
		{"tag", []VolumeFilter{{Field: VolumeFieldTag, Key: "team", Values: []string{"red", "blue"}}}, []string{va, vb}},
		{"tag-key", []VolumeFilter{{Field: VolumeFieldTagKey, Values: []string{"Name"}}}, []string{vb}},
		{"attachment.instance-id", []VolumeFilter{{Field: VolumeFieldAttachInstance, Values: []string{a, c, d}}}, []string{va, vc}},
		{"attachment.device", []VolumeFilter{{Field: VolumeFieldAttachDevice, Values: []string{"/dev/xvda"}}}, []string{va, vb, vc}},
		{"attachment.status", []VolumeFilter{{Field: VolumeFieldAttachState, Values: []string{"attached"}}}, []string{va, vb, vc}},
		{"attachment.delete-on-termination", []VolumeFilter{{Field: VolumeFieldAttachDeleteOnTermination, Values: []string{"false"}}}, []string{vb}},
		{"attachment.attach-time", []VolumeFilter{{Field: VolumeFieldAttachTime, Values: []string{at}}}, []string{va}},
		{"filters are ANDed", []VolumeFilter{
			{Field: VolumeFieldState, Values: []string{"in-use"}},
			{Field: VolumeFieldTagKey, Values: []string{"team"}},
			{Field: VolumeFieldType, Values: []string{"gp3"}}}, []string{va}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := sortedIDs(tt.want)
			if d := cmp.Diff(r.in(t).volumeIDs(VolumeQuery{Filters: tt.filters}), want); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
		})
	}
}

func sortedIDs(ids []string) []string {
	if ids == nil {
		return nil
	}
	return slices.Sorted(slices.Values(ids))
}

func TestDescribeVolumesPages(t *testing.T) {
	r := newRig(t)
	keep := false
	var all []string
	for i := range 7 {
		req := RunRequest{}
		if i%2 == 0 {
			req.RootDeleteOnTermination = &keep
		}
		all = append(all, r.get(r.runOne(req)).Volumes[0].ID)
	}
	all = sortedIDs(all)
	ctx := context.Background()
	var got []string
	tok := ""
	pages := 0
	for {
		vs, next, err := r.svc.DescribeVolumes(ctx, acct, VolumeQuery{MaxResults: 3, NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) > 3 {
			t.Fatalf("page of %d volumes, want at most 3", len(vs))
		}
		for _, v := range vs {
			got = append(got, v.ID)
		}
		pages++
		if next == "" {
			break
		}
		tok = next
	}
	if d := cmp.Diff(got, all); d != "" || pages != 3 {
		t.Errorf("%d pages (-got +want):\n%s", pages, d)
	}
}

func TestDescribeVolumesErrors(t *testing.T) {
	r := newRig(t)
	id := r.running(RunRequest{})
	vol := r.get(id).Volumes[0].ID
	ecs := r.running(RunRequest{Origin: OriginECS, ImageID: catalog.ECSImageShell, InstanceType: "ecs.g6.large"})
	disk := r.get(ecs).Volumes[0].ID

	tests := []struct {
		name    string
		account string
		q       VolumeQuery
		kind    errdefs.Kind
		res     errdefs.Resource
		msg     string
	}{
		{"unknown id", acct, VolumeQuery{IDs: []string{vol, "vol-0123456789abcdef0"}}, errdefs.NotFound, errdefs.ResVolume,
			"The volume 'vol-0123456789abcdef0' does not exist."},
		{"unknown ids", acct, VolumeQuery{IDs: []string{"vol-0123456789abcdef0", "vol-0123456789abcdef1"}}, errdefs.NotFound, errdefs.ResVolume,
			"The volumes 'vol-0123456789abcdef0, vol-0123456789abcdef1' do not exist."},
		{"another account's volume", "999988887777", VolumeQuery{IDs: []string{vol}}, errdefs.NotFound, errdefs.ResVolume,
			fmt.Sprintf("The volume '%s' does not exist.", vol)},
		{"another API's disk", acct, VolumeQuery{IDs: []string{disk}}, errdefs.NotFound, errdefs.ResVolume,
			fmt.Sprintf("The volume '%s' does not exist.", disk)},
		{"bad token", acct, VolumeQuery{NextToken: "%%%"}, errdefs.InvalidArgument, errdefs.ResPageToken, "Invalid pagination token: %%%"},
		{"instance token", acct, VolumeQuery{NextToken: encodeSeq(1)}, errdefs.InvalidArgument, errdefs.ResPageToken, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := r.svc.DescribeVolumes(context.Background(), tt.account, tt.q)
			e := wantErr(t, err, tt.kind, tt.res)
			if tt.msg != "" && e.Public != tt.msg {
				t.Errorf("message %q, want %q", e.Public, tt.msg)
			}
		})
	}

	t.Run("each API sees its own volumes", func(t *testing.T) {
		if d := cmp.Diff(r.in(t).volumeIDs(VolumeQuery{}), []string{vol}); d != "" {
			t.Errorf("EC2 (-got +want):\n%s", d)
		}
		if d := cmp.Diff(r.in(t).volumeIDs(VolumeQuery{Origin: OriginECS}), []string{disk}); d != "" {
			t.Errorf("ECS (-got +want):\n%s", d)
		}
	})
}
