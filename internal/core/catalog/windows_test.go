package catalog

import (
	"strings"
	"testing"
)

// TestWindowsImage: the Windows-platform image exists for metering (a full
// hour per start) and says honestly that it runs the shell guest.
func TestWindowsImage(t *testing.T) {
	im, ok := New("us-east-1").Image(ImageShellWindows)
	if !ok {
		t.Fatalf("%s is missing", ImageShellWindows)
	}
	if im.Platform != "windows" || im.RootDeviceType != "ebs" || im.Kind != "shell" {
		t.Errorf("windows image = %+v", im)
	}
	if !strings.Contains(im.Description, "not Windows") {
		t.Errorf("description %q must say it does not run Windows", im.Description)
	}
}
