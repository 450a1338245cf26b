package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// rootfsTar writes a tiny root filesystem as a gzip-compressed tar: the
// host's busybox at /bin/busybox (a stand-in script when there is none),
// /bin/sh linking to it, and an /etc.
func rootfsTar(t *testing.T) string {
	t.Helper()
	bin, err := os.ReadFile("/bin/busybox")
	if err != nil {
		bin = []byte("#!/bin/sh\necho stand-in busybox\n")
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	now := time.Now()
	for _, e := range []struct {
		name, link string
		typ        byte
		mode       int64
		body       []byte
	}{
		{name: "./", typ: tar.TypeDir, mode: 0o755},
		{name: "bin/", typ: tar.TypeDir, mode: 0o755},
		{name: "bin/busybox", typ: tar.TypeReg, mode: 0o755, body: bin},
		{name: "bin/sh", typ: tar.TypeSymlink, link: "busybox", mode: 0o777},
		{name: "etc/", typ: tar.TypeDir, mode: 0o755},
		{name: "etc/hostname", typ: tar.TypeReg, mode: 0o644, body: []byte("imported\n")},
		{name: "tmp/", typ: tar.TypeDir, mode: 0o1777},
	} {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: e.mode, Size: int64(len(e.body)), ModTime: now}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "rootfs.tar.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// stratoTry runs the strato binary in the environment `strato env` printed
// and returns its output and error, for commands that are meant to fail.
func (s *Server) stratoTry(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, stratoBin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for _, v := range s.Env {
		cmd.Env = append(cmd.Env, v.Name+"="+v.Value)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

func imageIDs(ims []types.Image) []string {
	var out []string
	for _, im := range ims {
		out = append(out, aws.ToString(im.ImageId))
	}
	return out
}

// TestImageImport: `strato image import` makes a private image that EC2's
// DescribeImages shows its owner (Owners=self too) and RunInstances
// launches; other accounts do not see it; `strato image delete`
// deregisters it.
func TestImageImport(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)
	ctx := t.Context()
	archive := rootfsTar(t)
	const name = "my-rootfs (v1)"

	out := s.stratoEnv(t, "image", "import", name, archive)
	id := strings.TrimSpace(out)
	if !regexp.MustCompile(`^ami-[0-9a-f]{17}$`).MatchString(id) {
		t.Fatalf("strato image import printed %q, want an image id (ami- and 17 hex digits)", out)
	}

	t.Run("DescribeImages by id", func(t *testing.T) {
		got, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
		if err != nil {
			t.Fatalf("DescribeImages: %v", err)
		}
		if len(got.Images) != 1 {
			t.Fatalf("DescribeImages %s: %d images", id, len(got.Images))
		}
		im := got.Images[0]
		account := strings.TrimSpace(strings.Fields(s.stratoEnv(t, "whoami"))[1])
		account = strings.TrimSuffix(account, ",")
		checks := []struct {
			what      string
			got, want any
		}{
			{"Name", aws.ToString(im.Name), name},
			{"State", im.State, types.ImageStateAvailable},
			{"OwnerId", aws.ToString(im.OwnerId), account},
			{"Public", aws.ToBool(im.Public), false},
			{"RootDeviceType", im.RootDeviceType, types.DeviceTypeEbs},
			{"RootDeviceName", aws.ToString(im.RootDeviceName), "/dev/xvda"},
		}
		for _, ch := range checks {
			if ch.got != ch.want {
				t.Errorf("%s = %v, want %v", ch.what, ch.got, ch.want)
			}
		}
	})

	t.Run("Owners self", func(t *testing.T) {
		got, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}})
		if err != nil {
			t.Fatalf("DescribeImages Owners=self: %v", err)
		}
		if ids := imageIDs(got.Images); len(ids) != 1 || ids[0] != id {
			t.Errorf("Owners=self: %v, want [%s]", ids, id)
		}
		all, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{})
		if err != nil {
			t.Fatal(err)
		}
		ids := strings.Join(imageIDs(all.Images), " ")
		for _, want := range []string{id, imageEBS, imageBusybox} {
			if !strings.Contains(ids, want) {
				t.Errorf("DescribeImages lacks %s: %s", want, ids)
			}
		}
		byName, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Filters: []types.Filter{{Name: aws.String("name"), Values: []string{"my-rootfs*"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if ids := imageIDs(byName.Images); len(ids) != 1 || ids[0] != id {
			t.Errorf("name filter: %v, want [%s]", ids, id)
		}
	})

	t.Run("private to its account", func(t *testing.T) {
		other := s.ClientFor(t, s.CreateKey(t, "--account", s.CreateAccount(t, "team-b")))
		_, err := other.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
		wantAPIError(t, err, "InvalidAMIID.NotFound", 400)
		_, err = other.RunInstances(ctx, withLaunchDefaults(&ec2.RunInstancesInput{ImageId: aws.String(id)}))
		wantAPIError(t, err, "InvalidAMIID.NotFound", 400)
	})

	t.Run("RunInstances", func(t *testing.T) {
		in := launch(t, c, &ec2.RunInstancesInput{ImageId: aws.String(id)})
		iid := aws.ToString(in.InstanceId)
		if got := aws.ToString(in.ImageId); got != id {
			t.Errorf("RunInstances: ImageId %q, want %q", got, id)
		}
		if got := aws.ToString(describe(t, c, iid).ImageId); got != id {
			t.Errorf("DescribeInstances: ImageId %q, want %q", got, id)
		}
		terminate(t, c, iid)
	})

	t.Run("CLI errors", func(t *testing.T) {
		tests := []struct {
			name string
			args []string
			want string
		}{
			{"duplicate name", []string{"image", "import", name, archive}, "InvalidAMIName.Duplicate"},
			{"malformed name", []string{"image", "import", "a*", archive}, "InvalidAMIName.Malformed"},
			{"not an archive", []string{"image", "import", "not-a-tar", stratoBin}, "not a valid tar"},
			{"missing file", []string{"image", "import", "missing", filepath.Join(t.TempDir(), "none.tar")}, "no such file"},
			{"unknown image", []string{"image", "delete", "ami-0123456789abcdef0"}, "InvalidAMIID.NotFound"},
			{"built-in image", []string{"image", "delete", imageBusybox}, "built-in"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, stderr, err := s.stratoTry(t, tc.args...)
				if err == nil || !strings.Contains(stderr, tc.want) {
					t.Errorf("strato %s: %v, stderr %q; want a failure saying %q", strings.Join(tc.args, " "), err, stderr, tc.want)
				}
			})
		}
	})

	t.Run("survives a restart", func(t *testing.T) {
		s.Restart(t, true)
		got, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}})
		if err != nil {
			t.Fatalf("DescribeImages after a restart: %v", err)
		}
		if len(got.Images) != 1 || aws.ToString(got.Images[0].ImageId) != id || aws.ToString(got.Images[0].Name) != name {
			t.Errorf("Owners=self after a restart: %v, want [%s %q]", imageIDs(got.Images), id, name)
		}
	})

	t.Run("list and delete with --data-dir", func(t *testing.T) {
		list := s.Strato(t, "image", "list", "--data-dir", s.DataDir)
		if !strings.Contains(list, id) || !strings.Contains(list, name) {
			t.Fatalf("strato image list lacks %s %q:\n%s", id, name, list)
		}
		if out := s.Strato(t, "image", "delete", id, "--data-dir", s.DataDir); !strings.Contains(out, id) {
			t.Errorf("strato image delete printed %q", out)
		}
		_, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
		wantAPIError(t, err, "InvalidAMIID.NotFound", 400)
		self, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}})
		if err != nil || len(self.Images) != 0 {
			t.Errorf("Owners=self after delete: %v, %v; want none", imageIDs(self.Images), err)
		}
		_, err = c.RunInstances(ctx, withLaunchDefaults(&ec2.RunInstancesInput{ImageId: aws.String(id)}))
		wantAPIError(t, err, "InvalidAMIID.NotFound", 400)
	})
}
