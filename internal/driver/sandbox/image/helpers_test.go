package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"strato/internal/errdefs"
)

// ent is one entry of a test archive.
type ent struct {
	name string
	typ  byte // tar.Type*; 0 means a regular file
	mode int64
	body string
	link string
	uid  int
}

func file(name string, mode int64, body string) ent {
	return ent{name: name, typ: tar.TypeReg, mode: mode, body: body}
}
func dir(name string, mode int64) ent { return ent{name: name, typ: tar.TypeDir, mode: mode} }
func symlink(name, target string) ent {
	return ent{name: name, typ: tar.TypeSymlink, mode: 0o777, link: target}
}
func hardlink(name, target string) ent {
	return ent{name: name, typ: tar.TypeLink, mode: 0o644, link: target}
}
func special(name string, typ byte) ent { return ent{name: name, typ: typ, mode: 0o644} }
func sh() ent                           { return file("bin/sh", 0o755, "#!shell\n") }
func withUID(e ent, uid int) ent        { e.uid = uid; return e }
func entries(es ...ent) []ent           { return es }
func bootableWith(es ...ent) []ent      { return append([]ent{dir("bin", 0o755), sh()}, es...) }
func tarTime() time.Time                { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }
func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}
func concat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
func zeros(n int) []byte         { return make([]byte, n) }
func openTest(t *testing.T, o ...Option) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), o...)
	must(t, err)
	return s
}

// mkTar writes es as a tar archive.
func mkTar(t *testing.T, es []ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.link, Uid: e.uid, Gid: e.uid,
			ModTime: tarTime(), Format: tar.FormatPAX}
		if e.typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if e.typ == tar.TypeChar {
			h.Devmajor, h.Devminor = 1, 3
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("tar header %s: %v", e.name, err)
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// describe lists a tree as path → "dir 0755", "file 0644 uid=0 <body>",
// "link -> target", "fifo 0600"; nothing is followed.
func describe(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		perm := fmt.Sprintf("%04o", st.Mode&0o7777)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "link -> " + target
		case fi.IsDir():
			out[rel] = "dir " + perm
		case fi.Mode()&fs.ModeNamedPipe != 0:
			out[rel] = "fifo " + perm
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			out[rel] = fmt.Sprintf("file %s uid=%d %s", perm, st.Uid, b)
		default:
			out[rel] = "other " + fi.Mode().String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantKind fails unless err is an *errdefs.Error of kind k whose public
// message contains want.
func wantKind(t *testing.T, err error, k errdefs.Kind, want string) {
	t.Helper()
	var e *errdefs.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *errdefs.Error of kind %v", err, err, k)
	}
	if e.Kind != k || !strings.Contains(e.Public, want) {
		t.Fatalf("err = %q (kind %v), want kind %v with %q", e.Public, e.Kind, k, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// names lists a directory.
func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}
