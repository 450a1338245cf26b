package image

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSetupInstallsBusyboxStatic runs scripts/setup with stand-ins for the
// commands it calls and checks that it installs busybox-static unless
// /bin/busybox is static. The busybox tests skip without /bin/busybox; this
// test keeps CI, which runs scripts/setup first, from skipping them.
func TestSetupInstallsBusyboxStatic(t *testing.T) {
	script, err := filepath.Abs(filepath.Join("..", "..", "..", "..", "scripts", "setup"))
	must(t, err)
	if _, err := os.Stat(script); err != nil {
		t.Fatalf("scripts/setup: %v", err)
	}
	_, statErr := os.Stat("/bin/busybox")
	hostHasBusybox := statErr == nil
	tests := []struct {
		name string
		// ldd is the stand-in's answer about /bin/busybox.
		ldd     string
		install bool
	}{
		{"dynamic busybox (Debian's busybox package)", "echo '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6'; exit 0", true},
		{"static busybox", "echo '\tnot a dynamic executable'; exit 1", !hostHasBusybox},
		{"static-pie busybox", "echo '\tstatically linked'; exit 0", !hostHasBusybox},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bin := t.TempDir()
			log := filepath.Join(t.TempDir(), "apt-get.log")
			stubs := map[string]string{
				"go":      `if [ "$1 $2" = "env GOVERSION" ]; then echo go1.26.8; fi`,
				"aws":     `echo aws-cli/1.0`,
				"python3": `exit 0`,
				"id":      `echo 0`,
				"sudo":    `"$@"`,
				"ldd":     tc.ldd,
				"apt-get": `echo "$*" >> "$APT_LOG"`,
			}
			for name, body := range stubs {
				must(t, os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755))
			}
			cmd := exec.Command("bash", script)
			cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "APT_LOG=" + log, "HOME=" + t.TempDir()}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("scripts/setup: %v\n%s", err, out)
			}
			calls, _ := os.ReadFile(log)
			var installed bool
			for _, line := range strings.Split(string(calls), "\n") {
				if strings.HasPrefix(line, "install ") && strings.Contains(line, " busybox-static") {
					installed = true
				}
			}
			if installed != tc.install {
				t.Errorf("busybox-static installed: %v, want %v\napt-get calls:\n%s\noutput:\n%s", installed, tc.install, calls, out)
			}
		})
	}
}
