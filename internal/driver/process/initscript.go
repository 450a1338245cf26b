package process

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"strato/internal/driver"
	"strato/internal/driver/hostfs"
)

// basePath is the guest's PATH after the runtime bin directory.
const basePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// poweroffFile is where the guest's poweroff leaves the exit code for init.
const poweroffFile = "poweroff-code"

// userDataPidFile is where init notes the pid of the user data process.
const userDataPidFile = "user-data.pid"

// shQuote quotes s for a POSIX shell.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// initScript returns the guest's init. It runs the user data as a background
// child and waits for it, then idles so that the instance keeps running. On
// SIGTERM or SIGINT (sent to the whole group, so the user data gets it too)
// it waits until the user data has finished its own handler, then exits with
// the code poweroff left, 0 by default. dash's wait returns early when a
// trapped signal arrives, hence the loops.
func initScript(id, rt string, userData []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# Strato init for instance %s. Written by the process driver at every start.\n", id)
	fmt.Fprintf(&b, "rt=%s\n", shQuote(rt))
	b.WriteString(`term=0
trap 'term=1' TERM INT
rm -f "$rt/` + poweroffFile + `"
`)
	if len(userData) > 0 {
		if bytes.HasPrefix(userData, []byte("#!")) {
			b.WriteString(`"$rt/user-data" </dev/null &` + "\n")
		} else {
			b.WriteString(`/bin/sh "$rt/user-data" </dev/null &` + "\n")
		}
		b.WriteString(`child=$!
echo "$child" > "$rt/` + userDataPidFile + `"
while :; do
	wait "$child"
	kill -0 "$child" 2>/dev/null || break
done
`)
	}
	// Idle in short sleeps: a SIGTERM that lands while the shell forks the
	// sleep is spent in the fork (and so lost to wait), and the trap may run
	// before wait starts; either way init notices within a second. A sleep
	// left behind is killed with the rest of the group.
	b.WriteString(`while [ "$term" = 0 ]; do
	sleep 1 &
	idle=$!
	[ "$term" = 0 ] && wait "$idle"
done
code=0
if [ -s "$rt/` + poweroffFile + `" ]; then
	read -r code < "$rt/` + poweroffFile + `" || code=0
fi
exit "$code"
`)
	return b.String()
}

// poweroffScript returns the guest's poweroff (also installed as shutdown and
// halt): it signals the whole process group, which makes init exit. A numeric
// argument from 0 to 255 becomes init's exit code; other arguments ("-h",
// "now") are ignored.
func poweroffScript(rt string) string {
	return `#!/bin/sh
# Strato: shut this instance down. "poweroff 3" makes it exit with code 3.
code=0
for a in "$@"; do
	case "$a" in
	'' | *[!0-9]*) ;;
	*) [ "$a" -le 255 ] 2>/dev/null && code=$a ;;
	esac
done
printf '%s\n' "$code" > ` + shQuote(filepath.Join(rt, poweroffFile)) + `
kill -TERM 0
`
}

// writeBootFiles writes the init script, the user data and bin/ into the
// runtime directory rt.
func writeBootFiles(rt string, spec driver.Spec) error {
	bin := filepath.Join(rt, "bin")
	if err := os.MkdirAll(bin, 0o700); err != nil {
		return err
	}
	poweroff := []byte(poweroffScript(rt))
	for _, name := range []string{"poweroff", "shutdown", "halt"} {
		if err := hostfs.WriteFileAtomic(filepath.Join(bin, name), poweroff, 0o700); err != nil {
			return err
		}
	}
	if err := os.Remove(filepath.Join(rt, userDataPidFile)); err != nil && !os.IsNotExist(err) {
		return err
	}
	ud := filepath.Join(rt, "user-data")
	if len(spec.UserData) > 0 {
		if err := hostfs.WriteFileAtomic(ud, spec.UserData, 0o700); err != nil {
			return err
		}
	} else if err := os.Remove(ud); err != nil && !os.IsNotExist(err) {
		return err
	}
	return hostfs.WriteFileAtomic(filepath.Join(rt, "init"), []byte(initScript(spec.ID, rt, spec.UserData)), 0o700)
}

// guestEnv returns the complete environment of the guest's init. Nothing of
// the daemon's own environment leaks in.
func (d *Driver) guestEnv(spec driver.Spec, rt string) []string {
	root, _ := spec.RootVolume()
	env := map[string]string{
		"HOME":               d.volumeDir(root.ID),
		"PATH":               filepath.Join(rt, "bin") + ":" + basePath,
		"SHELL":              "/bin/sh",
		"LANG":               "C.UTF-8",
		"STRATO_INSTANCE_ID": spec.ID,
		"STRATO_ROOT":        d.volumeDir(root.ID),
	}
	if spec.Hostname != "" {
		env["HOSTNAME"] = spec.Hostname
	}
	scratch := 0
	for _, v := range spec.Volumes {
		if !v.Scratch {
			continue
		}
		if scratch == 0 {
			env["STRATO_SCRATCH_DIR"] = d.volumeDir(v.ID)
		}
		scratch++
		env[fmt.Sprintf("STRATO_SCRATCH_DIR_%d", scratch)] = d.volumeDir(v.ID)
	}
	for k, v := range spec.Env {
		if k == "PATH" {
			v = filepath.Join(rt, "bin") + ":" + v
		}
		env[k] = v
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	return out
}
