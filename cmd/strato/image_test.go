package main

import (
	"archive/tar"
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/catalog"
	"strato/internal/driver/sandbox/image"
	"strato/internal/store/memstore"
)

// bootableTar is the smallest archive the image store accepts.
func bootableTar(t *testing.T) io.Reader {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "bin/sh", Typeflag: tar.TypeReg, Mode: 0o755, Size: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte("sh")); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

// TestPruneImages: a root filesystem no image names (an import cut short)
// is removed at start; recorded ones stay, deregistered ones too, also when
// the records name them under an old data directory.
func TestPruneImages(t *testing.T) {
	ctx := context.Background()
	images, err := image.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	imp := map[string]image.Imported{}
	for _, name := range []string{"kept", "moved", "deregistered", "orphan"} {
		im, err := images.Import(ctx, name, bootableTar(t))
		if err != nil {
			t.Fatal(err)
		}
		imp[name] = im
	}
	st := memstore.New()
	record := func(id, name, rootfs, state string) {
		if err := st.CreateImage(ctx, catalog.Image{ID: id, Name: name, OwnerID: "111111111111", RootFS: rootfs, State: state}); err != nil {
			t.Fatal(err)
		}
	}
	record("ami-00000000000000001", "kept", imp["kept"].Dir, catalog.ImageAvailable)
	moved := filepath.Join("/old/data/dir/images/rootfs", filepath.Base(filepath.Dir(imp["moved"].Dir)), "rootfs")
	record("ami-00000000000000002", "moved", moved, catalog.ImageAvailable)
	record("ami-00000000000000003", "deregistered", imp["deregistered"].Dir, catalog.ImageDeregistered)

	if err := pruneImages(ctx, images, st, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("pruneImages: %v", err)
	}
	left, err := images.List()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, im := range left {
		names = append(names, im.Name)
	}
	if d := cmp.Diff(names, []string{"deregistered", "kept", "moved"}); d != "" {
		t.Errorf("images left (-got +want):\n%s", d)
	}
	if _, err := os.Stat(imp["orphan"].Dir); !os.IsNotExist(err) {
		t.Errorf("the orphan's files are still there: %v", err)
	}
}

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantPos []string
		wantDir string
	}{
		{"flags first", []string{"--data-dir", "d", "a", "b"}, []string{"a", "b"}, "d"},
		{"flags last", []string{"a", "b", "--data-dir", "d"}, []string{"a", "b"}, "d"},
		{"flags between", []string{"a", "--data-dir=d", "b"}, []string{"a", "b"}, "d"},
		{"no flags", []string{"a"}, []string{"a"}, ".strato"},
		{"after --", []string{"--", "--data-dir"}, []string{"--data-dir"}, ".strato"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			dir := fs.String("data-dir", ".strato", "")
			pos, err := parseInterspersed(fs, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff([]any{pos, *dir}, []any{tt.wantPos, tt.wantDir}); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
		})
	}
}

func TestImageCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"image"}, "no subcommand"},
		{"unknown subcommand", []string{"image", "push"}, `unknown subcommand "push"`},
		{"import without a file", []string{"image", "import", "name"}, "takes 2 argument(s), got 1"},
		{"delete without an id", []string{"image", "delete"}, "takes 1 argument(s), got 0"},
		{"no server", []string{"image", "list", "--data-dir", t.TempDir()}, "no server data in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL", "")
			_, err := runCmd(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("strato %s: %v, want an error containing %q", strings.Join(tt.args, " "), err, tt.want)
			}
		})
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 8 << 30: "8.0 GiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
