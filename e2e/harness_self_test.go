package e2e

import (
	"reflect"
	"testing"
)

// TestParseExports checks the harness's reading of `strato env` output.
func TestParseExports(t *testing.T) {
	t.Parallel()
	got, err := parseExports(`
# strato env
export AWS_ENDPOINT_URL=http://127.0.0.1:8773
export AWS_ACCESS_KEY_ID='AKIA0000'
export AWS_SECRET_ACCESS_KEY='a/b+c'\''d'
export AWS_REGION="us-east-1"
export AWS_DEFAULT_REGION=us-east-1
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []EnvVar{
		{"AWS_ENDPOINT_URL", "http://127.0.0.1:8773"},
		{"AWS_ACCESS_KEY_ID", "AKIA0000"},
		{"AWS_SECRET_ACCESS_KEY", "a/b+c'd"},
		{"AWS_REGION", "us-east-1"},
		{"AWS_DEFAULT_REGION", "us-east-1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseExports:\n got %q\nwant %q", got, want)
	}
	for _, bad := range []string{"AWS_REGION=x", "export =x", "export A=b c"} {
		if _, err := parseExports(bad); err == nil {
			t.Errorf("parseExports(%q) accepted it", bad)
		}
	}
}
