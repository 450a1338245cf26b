package fake_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/driver"
	"strato/internal/driver/fake"
)

// TestSpecRecordsTheLastCreate: Spec returns what the latest Create
// carried, as a copy, until Destroy forgets the instance.
func TestSpecRecordsTheLastCreate(t *testing.T) {
	ctx := context.Background()
	d := fake.New(nil)
	first := driver.Spec{ID: "i-1", Image: driver.Image{ID: "img", Kind: "shell"},
		Volumes: []driver.Volume{{ID: "vol-root", Root: true, SizeGiB: 8}},
		Env:     map[string]string{"A": "1"}}
	second := first
	second.Env = map[string]string{"A": "2"}
	second.Files = []driver.File{{Path: "/opt/x", Mode: 0o400, Data: []byte("x")}}
	second.APIEndpoint = "127.0.0.1:8773"

	tests := []struct {
		name    string
		do      func(t *testing.T)
		want    driver.Spec
		present bool
	}{
		{"unknown", func(t *testing.T) {}, driver.Spec{}, false},
		{"created", func(t *testing.T) { mustCreate(t, d, first) }, first, true},
		{"re-created with a new spec", func(t *testing.T) { mustCreate(t, d, second) }, second, true},
		{"destroyed", func(t *testing.T) {
			if err := d.Destroy(ctx, "i-1"); err != nil {
				t.Fatal(err)
			}
		}, driver.Spec{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.do(t)
			got, ok := d.Spec("i-1")
			if ok != tt.present {
				t.Fatalf("Spec present = %v, want %v", ok, tt.present)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Spec (-got +want):\n%s", diff)
			}
			if ok { // the copy is the caller's
				got.Env["A"] = "changed"
				if again, _ := d.Spec("i-1"); again.Env["A"] == "changed" {
					t.Error("Spec shares its environment with the driver")
				}
			}
		})
	}
}

func mustCreate(t *testing.T, d *fake.Driver, s driver.Spec) {
	t.Helper()
	if _, err := d.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}
