package hostfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A guest may leave directories it made unreadable and unwritable; wiping
// an instance store or deleting a volume must still succeed.
func TestEmptyDirAndRemoveAllCopeWithLockedDirectories(t *testing.T) {
	dir := t.TempDir()
	locked := filepath.Join(dir, "a", "locked")
	if err := os.MkdirAll(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(locked, "f"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	if err := EmptyDir(dir); err != nil {
		t.Fatalf("EmptyDir: %v", err)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Fatalf("after EmptyDir: %v entries, %v", len(entries), err)
	}
	missing := filepath.Join(dir, "new")
	if err := EmptyDir(missing); err != nil {
		t.Fatalf("EmptyDir of a missing directory: %v", err)
	}
	if fi, err := os.Stat(missing); err != nil || !fi.IsDir() {
		t.Errorf("EmptyDir did not create the missing directory: %v", err)
	}
	if err := RemoveAll(missing); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("RemoveAll left %s", missing)
	}
}

func TestConsole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "console.log")
	out, err := ReadConsole(path, 0)
	if err != nil || len(out) != 0 {
		t.Fatalf("no log yet: %q, %v", out, err)
	}
	AppendConsole(path, "one\n")
	AppendConsole(path, "two\n")
	if out, _ := ReadConsole(path, 4); string(out) != "two\n" {
		t.Errorf("tail of 4 bytes = %q", out)
	}
	big := strings.Repeat("x", consoleTrimAt) + "end\n"
	if err := os.WriteFile(path, []byte(big), 0o600); err != nil {
		t.Fatal(err)
	}
	TrimConsole(path)
	fi, err := os.Stat(path)
	if err != nil || fi.Size() != consoleKeep {
		t.Fatalf("after TrimConsole: size %v, %v; want %d", fi.Size(), err, consoleKeep)
	}
	if out, _ := ReadConsole(path, 4); string(out) != "end\n" {
		t.Errorf("TrimConsole lost the tail: %q", out)
	}
}

func TestJSONRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.json")
	type rec struct{ A int }
	if err := WriteJSON(path, rec{A: 7}); err != nil {
		t.Fatal(err)
	}
	var got rec
	if err := ReadJSON(path, &got); err != nil || got.A != 7 {
		t.Fatalf("ReadJSON = %+v, %v", got, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("record mode %v, want 0600", fi.Mode().Perm())
	}
	if err := ReadJSON(filepath.Join(t.TempDir(), "none.json"), &got); !os.IsNotExist(err) {
		t.Errorf("missing record: %v, want not-exist", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left beside the record: %v", entries)
	}
}
