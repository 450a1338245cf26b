package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/catalog"
	"strato/internal/errdefs"
)

// RunImageStore runs the catalog.ImageStore conformance suite. open returns
// a new, empty store for each subtest and arranges its cleanup.
func RunImageStore(t *testing.T, open func(t *testing.T) catalog.ImageStore) {
	t.Run("RoundTrip", func(t *testing.T) { testImageRoundTrip(t, open) })
	t.Run("Errors", func(t *testing.T) { testImageErrors(t, open) })
	t.Run("Names", func(t *testing.T) { testImageNames(t, open) })
	t.Run("Deregister", func(t *testing.T) { testImageDeregister(t, open) })
}

// FullImage returns an imported image with every field set.
func FullImage(id, owner, name string, created time.Time) catalog.Image {
	return catalog.Image{
		ID: id, Name: name, Description: "Imported root filesystem (sha256:ab…) ünïcode",
		Kind: catalog.KindRootFS, RootFS: "/var/lib/strato/images/rootfs/" + id + "/rootfs",
		Digest: strings.Repeat("ab", 32), SizeBytes: 5<<30 + 7, State: catalog.ImageAvailable,
		RootDeviceType: "ebs", RootDeviceName: "/dev/xvda", RootSizeGiB: 6, Platform: "windows",
		Architecture: "x86_64", OwnerID: owner, OwnerAlias: "self-alias", Public: true, CreationDate: created,
		VirtualizationType: "hvm", Hypervisor: "xen",
	}
}

// image fixtures: two owners, created out of id order.
var (
	imgA1 = FullImage("ami-0000000000000a001", "111111111111", "web (v1)", t0.Add(time.Hour))
	imgA2 = FullImage("ami-0000000000000a002", "111111111111", "db", t0)
	imgB1 = func() catalog.Image {
		im := FullImage("ami-0000000000000b001", "222222222222", "web (v1)", t0.Add(30*time.Minute))
		im.Public, im.OwnerAlias, im.Platform = false, "", ""
		return im
	}()
)

func createImages(t *testing.T, s catalog.ImageStore, ims ...catalog.Image) {
	t.Helper()
	for _, im := range ims {
		if err := s.CreateImage(context.Background(), im); err != nil {
			t.Fatalf("CreateImage(%s): %v", im.ID, err)
		}
	}
}

func testImageRoundTrip(t *testing.T, open func(t *testing.T) catalog.ImageStore) {
	ctx := context.Background()
	s := open(t)
	if got, err := s.ListImages(ctx, ""); err != nil || len(got) != 0 {
		t.Fatalf("ListImages on an empty store = %v, %v; want none", got, err)
	}
	createImages(t, s, imgA1, imgA2, imgB1)
	for _, want := range []catalog.Image{imgA1, imgA2, imgB1} {
		got, err := s.GetImage(ctx, want.ID)
		if err != nil {
			t.Fatalf("GetImage(%s): %v", want.ID, err)
		}
		if diff := cmp.Diff(got, want, cmpOpts); diff != "" {
			t.Errorf("GetImage(%s) (-got +want):\n%s", want.ID, diff)
		}
	}
	tests := []struct {
		owner string
		want  []catalog.Image
	}{
		{"", []catalog.Image{imgA2, imgB1, imgA1}},
		{"111111111111", []catalog.Image{imgA2, imgA1}},
		{"222222222222", []catalog.Image{imgB1}},
		{"333333333333", nil},
	}
	for _, tt := range tests {
		t.Run("list "+tt.owner, func(t *testing.T) {
			got, err := s.ListImages(ctx, tt.owner)
			if err != nil {
				t.Fatalf("ListImages: %v", err)
			}
			if diff := cmp.Diff(got, tt.want, cmpOpts); diff != "" {
				t.Errorf("ListImages(%q) (-got +want):\n%s", tt.owner, diff)
			}
		})
	}
}

func testImageErrors(t *testing.T, open func(t *testing.T) catalog.ImageStore) {
	ctx := context.Background()
	s := open(t)
	createImages(t, s, imgA1)
	tests := []struct {
		name string
		call func() error
		kind errdefs.Kind
		res  errdefs.Resource
	}{
		{"create without id", func() error { return s.CreateImage(ctx, FullImage("", "111111111111", "x-y-z", t0)) },
			errdefs.InvalidArgument, errdefs.ResImage},
		{"create an existing id", func() error {
			return s.CreateImage(ctx, FullImage(imgA1.ID, "222222222222", "other", t0))
		}, errdefs.AlreadyExists, errdefs.ResImage},
		{"get unknown", func() error { _, err := s.GetImage(ctx, "ami-00000000000000404"); return err },
			errdefs.NotFound, errdefs.ResImage},
		{"deregister unknown", func() error { return s.DeregisterImage(ctx, "ami-00000000000000404") },
			errdefs.NotFound, errdefs.ResImage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, tt.call(), tt.kind, tt.res) })
	}
	got, err := s.GetImage(ctx, imgA1.ID)
	if err != nil || got.OwnerID != imgA1.OwnerID || got.Name != imgA1.Name {
		t.Errorf("a refused create changed %s: %+v, %v", imgA1.ID, got, err)
	}
}

// testImageNames: an owner's available images have distinct names; other
// owners and deregistered images do not count.
func testImageNames(t *testing.T, open func(t *testing.T) catalog.ImageStore) {
	ctx := context.Background()
	s := open(t)
	createImages(t, s, imgA1)
	deregistered := FullImage("ami-0000000000000a0d0", imgA1.OwnerID, "old", t0)
	deregistered.State = catalog.ImageDeregistered
	createImages(t, s, deregistered)

	steps := []struct {
		name string
		im   catalog.Image
		kind errdefs.Kind // 0: accepted
	}{
		{"same owner, same name", FullImage("ami-0000000000000a003", imgA1.OwnerID, imgA1.Name, t0), errdefs.AlreadyExists},
		{"same owner, name differs in case", FullImage("ami-0000000000000a004", imgA1.OwnerID, strings.ToUpper(imgA1.Name), t0), 0},
		{"other owner, same name", FullImage("ami-0000000000000b002", "222222222222", imgA1.Name, t0), 0},
		{"name of a deregistered image", FullImage("ami-0000000000000a005", imgA1.OwnerID, "old", t0), 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := s.CreateImage(ctx, st.im)
			wantErr(t, err, st.kind, nameRes(st.kind))
			if st.kind == errdefs.AlreadyExists {
				want := "AMI name " + imgA1.Name + " is already in use by AMI " + imgA1.ID
				if e := errdefs.As(err); e.Public != want {
					t.Errorf("message = %q, want %q", e.Public, want)
				}
			}
		})
	}
	if err := s.DeregisterImage(ctx, imgA1.ID); err != nil {
		t.Fatalf("DeregisterImage: %v", err)
	}
	if err := s.CreateImage(ctx, FullImage("ami-0000000000000a006", imgA1.OwnerID, imgA1.Name, t0)); err != nil {
		t.Errorf("the name of a deregistered image is still taken: %v", err)
	}
}

// nameRes is the resource a name check fails with: ResImageName for
// AlreadyExists, none otherwise.
func nameRes(k errdefs.Kind) errdefs.Resource {
	if k == errdefs.AlreadyExists {
		return catalog.ResImageName
	}
	return errdefs.ResNone
}

func testImageDeregister(t *testing.T, open func(t *testing.T) catalog.ImageStore) {
	ctx := context.Background()
	s := open(t)
	createImages(t, s, imgA1, imgA2)
	if err := s.DeregisterImage(ctx, imgA1.ID); err != nil {
		t.Fatalf("DeregisterImage: %v", err)
	}
	want := imgA1
	want.State = catalog.ImageDeregistered
	got, err := s.GetImage(ctx, imgA1.ID)
	if err != nil {
		t.Fatalf("GetImage of a deregistered image: %v", err)
	}
	if diff := cmp.Diff(got, want, cmpOpts); diff != "" {
		t.Errorf("deregistered image (-got +want):\n%s", diff)
	}
	list, err := s.ListImages(ctx, imgA1.OwnerID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(list, []catalog.Image{imgA2, want}, cmpOpts); diff != "" {
		t.Errorf("ListImages keeps deregistered images (-got +want):\n%s", diff)
	}
	wantErr(t, s.DeregisterImage(ctx, imgA1.ID), errdefs.NotFound, errdefs.ResImage)
}
