package sandbox

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"strato/internal/driver"
)

// startGuest creates and starts spec and returns the driver.
func startGuest(t *testing.T, d *Driver, spec driver.Spec) {
	t.Helper()
	if _, err := d.Create(ctxT(t), spec); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := d.Start(ctxT(t), spec.ID); err != nil {
		t.Fatalf("Start: %v", err)
	}
}

func stopGuest(t *testing.T, d *Driver, id string, opts driver.StopOptions) {
	t.Helper()
	if err := d.Stop(ctxT(t), id, opts); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

func start(t *testing.T, d *Driver, id string) {
	t.Helper()
	if err := d.Start(ctxT(t), id); err != nil {
		t.Fatalf("Start: %v", err)
	}
}

var graceful = driver.StopOptions{Timeout: 10 * time.Second, SignalInterval: time.Second}

var countLine = regexp.MustCompile(`(?m)^count=(\d+)$`)

// lastCount is the last count= line of the current boot's console.
func lastCount(t *testing.T, d *Driver, id string) int {
	t.Helper()
	m := countLine.FindAllStringSubmatch(console(t, d, id), -1)
	if len(m) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(m[len(m)-1][1])
	return n
}

// A guest counting in memory resumes its count after hibernate and start,
// uses no CPU while frozen, and counts from one again after stop and start.
func TestHibernateKeepsMemoryStopDoesNot(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	if !d.Capabilities().Hibernate {
		t.Fatal("the cgroup freezer works on this host, but the driver reports no hibernation")
	}
	id := "i-counter"
	startGuest(t, d, guestSpec(id, KindBusybox, "i=0\nwhile :; do i=$((i+1)); echo count=$i; sleep 0.05; done\n"))
	eventually(t, "the count to pass 10", func() bool { return lastCount(t, d, id) > 10 })

	if err := d.Hibernate(ctxT(t), id); err != nil {
		t.Fatalf("Hibernate: %v", err)
	}
	if st, _ := d.Status(ctxT(t), id); st.State != driver.StateCreated {
		t.Fatalf("status after hibernate = %+v, want created", st)
	}
	if es, err := d.Wait(ctxT(t), id); err != nil || es.Code != 0 || es.Signal != 0 {
		t.Fatalf("Wait after hibernate = %+v, %v; want a clean end of the run", es, err)
	}
	frozenAt := lastCount(t, d, id)
	time.Sleep(500 * time.Millisecond)
	if n := lastCount(t, d, id); n != frozenAt {
		t.Fatalf("a hibernated guest went on counting: %d then %d", frozenAt, n)
	}

	start(t, d, id)
	eventually(t, "the count to go on", func() bool { return lastCount(t, d, id) > frozenAt+5 })
	out := console(t, d, id)
	if strings.Contains(out, "\ncount=1\n") && strings.Count(out, " boot "+id) == 1 && lastCount(t, d, id) < frozenAt {
		t.Fatalf("the count restarted after hibernate:\n%s", out)
	}
	all := countLine.FindAllStringSubmatch(mustConsole(t, d, id), -1)
	for i := 1; i < len(all); i++ {
		a, _ := strconv.Atoi(all[i-1][1])
		b, _ := strconv.Atoi(all[i][1])
		if b != a+1 {
			t.Fatalf("count jumped from %d to %d across hibernate and resume", a, b)
		}
	}

	stopGuest(t, d, id, graceful)
	start(t, d, id)
	waitConsole(t, d, id, "count=3\n")
	if out := console(t, d, id); !strings.Contains(out, "\ncount=1\n") {
		t.Fatalf("after stop and start the count did not begin at 1:\n%s", out)
	}
}

func mustConsole(t *testing.T, d *Driver, id string) string {
	t.Helper()
	out, err := d.ConsoleOutput(ctxT(t), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// A file written and fsynced on the root volume (anywhere on an image's
// root filesystem) survives stop and start, and a restart of the driver
// while the guest runs; the instance store does not survive a stop but does
// survive a reboot.
func TestRootVolumePersistsScratchDoesNot(t *testing.T) {
	t.Parallel()
	dir := newDataDir(t)
	d := newTestDriver(t, dir, nil)
	id := "i-disk"
	ud := `boot=$(cat /etc/boots 2>/dev/null || echo 0); boot=$((boot+1)); echo $boot > /etc/boots; sync /etc/boots
echo "boots=$boot"
ls "$STRATO_SCRATCH_DIR" | sed 's/^/scratch:/'
echo kept > "$STRATO_SCRATCH_DIR/file-$boot"
echo ready
trap 'exit 0' TERM
while :; do sleep 0.1; done
`
	startGuest(t, d, guestSpec(id, KindBusybox, ud))
	waitConsole(t, d, id, "boots=1\n")
	waitConsole(t, d, id, "ready")

	// The driver goes away (as a daemon killed with SIGKILL) and comes back.
	d.Close()
	d = newTestDriver(t, dir, nil)
	if st, err := d.Status(ctxT(t), id); err != nil || st.State != driver.StateRunning {
		t.Fatalf("after a driver restart: %+v, %v; want running", st, err)
	}
	stopGuest(t, d, id, graceful)
	start(t, d, id)
	out := waitConsole(t, d, id, "ready")
	if !strings.Contains(out, "boots=2\n") {
		t.Fatalf("the root volume lost /etc/boots across stop and start:\n%s", out)
	}
	if strings.Contains(out, "scratch:") {
		t.Fatalf("the instance store kept data across a stop:\n%s", out)
	}
	// A reboot keeps the instance store.
	stopGuest(t, d, id, driver.StopOptions{Timeout: 10 * time.Second, Reboot: true})
	start(t, d, id)
	out = waitConsole(t, d, id, "ready")
	if !strings.Contains(out, "boots=3\n") || !strings.Contains(out, "scratch:file-2") {
		t.Fatalf("after a reboot, want boots=3 and the instance store's file-2:\n%s", out)
	}
	// The upper layer on the host holds the guest's file; the image does not.
	if b, err := os.ReadFile(filepath.Join(d.volumeDir(id+"-root"), "upper", "etc", "boots")); err != nil || strings.TrimSpace(string(b)) != "3" {
		t.Errorf("root volume's upper layer: %q, %v", b, err)
	}
}

// A guest sees neither another instance's processes nor its files, nor the
// daemon's data directory through the host image.
func TestGuestsAreIsolated(t *testing.T) {
	t.Parallel()
	dir := newDataDir(t)
	d := newTestDriver(t, dir, nil)
	startGuest(t, d, guestSpec("i-alpha", KindBusybox, "echo secret > /root/alpha-secret\nsync\nsleep 31337 &\necho ready\nwait\n"))
	waitConsole(t, d, "i-alpha", "ready")

	probe := `echo "pids=$(ls /proc | grep -c '^[0-9]')"
cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' ' ' | grep -c '[s]leep 31337' | sed 's/^/sleepers=/'
find / -xdev -name alpha-secret 2>/dev/null | wc -l | sed 's/^/secrets=/'
echo "host=$(hostname)"
mount -t tmpfs none /mnt 2>/dev/null && echo can-mount || echo cannot-mount
mknod /tmp/disk b 8 0 2>/dev/null && echo can-mknod || echo cannot-mknod
echo done
`
	spec := guestSpec("i-beta", KindBusybox, probe)
	startGuest(t, d, spec)
	out := waitConsole(t, d, "i-beta", "done")
	// The sleeper is there, seen from the host.
	if !hostHasProcess("sleep\x0031337\x00") {
		t.Fatal("alpha's sleep 31337 is not running on the host")
	}
	for _, want := range []string{"sleepers=0\n", "secrets=0\n", "host=" + spec.Hostname + "\n", "cannot-mount\n", "cannot-mknod\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("probe guest: want %q in\n%s", want, out)
		}
	}
	if m := regexp.MustCompile(`pids=(\d+)`).FindStringSubmatch(out); m == nil || atoi(m[1]) > 10 {
		t.Errorf("probe guest sees too many processes (only its init, shell and tools should be there):\n%s", out)
	}

	// The host image runs on the host's filesystem, read-only, without the
	// daemon's data directory.
	hostProbe := "ls " + dir + " | wc -l | sed 's/^/datadir=/'\ntouch /usr/strato-probe 2>/dev/null && echo writable || echo readonly\necho done\n"
	startGuest(t, d, guestSpec("i-gamma", KindShell, hostProbe))
	out = waitConsole(t, d, "i-gamma", "done")
	if !strings.Contains(out, "datadir=0\n") || !strings.Contains(out, "readonly\n") {
		t.Errorf("host-image guest: want an empty data directory and a read-only /usr:\n%s", out)
	}
}

// A host-image guest may change /etc and /var, as on an instance (a hosts
// entry, a crontab, a log), without the host seeing it; the next boot
// starts from the host's files again.
func TestHostImageEtcAndVarAreCopyOnWrite(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	id := "i-cow"
	probe := `echo "before=$(cat /etc/strato-cow-probe /var/strato-cow-probe 2>/dev/null | wc -l)"
echo "10.9.8.7 cow.example.test" >> /etc/hosts && echo etc-ok
echo x > /etc/strato-cow-probe && echo x > /var/strato-cow-probe && echo var-ok
echo "resolved=$(getent ahostsv4 cow.example.test | head -n1 | cut -d' ' -f1)"
touch /usr/strato-probe 2>/dev/null && echo usr-writable || echo usr-readonly
echo done
trap 'exit 0' TERM
while :; do sleep 0.1; done
`
	startGuest(t, d, guestSpec(id, KindShell, probe))
	out := waitConsole(t, d, id, "done")
	for _, want := range []string{"before=0\n", "etc-ok\n", "var-ok\n", "resolved=10.9.8.7\n", "usr-readonly\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in the guest's console:\n%s", want, out)
		}
	}
	for _, p := range []string{"/etc/strato-cow-probe", "/var/strato-cow-probe"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("the guest's %s reached the host", p)
		}
	}
	if b, _ := os.ReadFile("/etc/hosts"); strings.Contains(string(b), "cow.example.test") {
		t.Error("the guest's hosts entry reached the host's /etc/hosts")
	}
	if err := d.Stop(ctxT(t), id, driver.StopOptions{Timeout: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := d.Start(ctxT(t), id); err != nil {
		t.Fatal(err)
	}
	waitConsole(t, d, id, "done")
	if out := console(t, d, id); !strings.Contains(out[strings.LastIndex(out, "before="):], "before=0\n") {
		t.Errorf("the second boot found the first boot's files:\n%s", out)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// A guest that allocates beyond its memory is OOM-killed inside its cgroup:
// the hog dies, the instance and the host go on.
func TestMemoryHogKilledInsideLimit(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	spec := guestSpec("i-hog", KindBusybox, `echo "oom-score-adj=$(cat /proc/self/oom_score_adj)"
echo hog-start
(x=$(head -c 200000000 /dev/zero | tr '\0' a); echo "hog-survived ${#x}")
echo "after-hog status=$?"
trap 'exit 0' TERM
while :; do sleep 0.1; done
`)
	spec.MemoryMiB = 48
	startGuest(t, d, spec)
	out := waitConsole(t, d, "i-hog", "after-hog")
	if !strings.Contains(out, "oom-score-adj=500\n") {
		t.Errorf("guest processes should be the OOM killer's first choice over the instance's init:\n%s", out)
	}
	if strings.Contains(out, "hog-survived") {
		t.Fatalf("a 200 MB allocation succeeded under a 48 MiB limit:\n%s", out)
	}
	if st, _ := d.Status(ctxT(t), "i-hog"); st.State != driver.StateRunning {
		t.Fatalf("the instance died with its hog: %+v", st)
	}
	g, err := d.cgroups.Open(d.cgroupName("i-hog"))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := g.OOMKills(); err != nil || n == 0 {
		t.Errorf("OOMKills = %d, %v; want the kernel's OOM kill counted in the instance's cgroup", n, err)
	}
}

// A guest that ignores SIGTERM, with children that do too (one escaped into
// its own session), is gone with every process when the grace runs out.
func TestGraceKillsEveryProcess(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	id := "i-deaf"
	startGuest(t, d, guestSpec(id, KindBusybox, `trap '' TERM
(trap '' TERM; sleep 1001) &
setsid sh -c "trap '' TERM; sleep 1002" &
echo ready
while :; do sleep 0.1; done
`))
	waitConsole(t, d, id, "ready")
	g, err := d.cgroups.Open(d.cgroupName(id))
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	eventually(t, "the guest's processes", func() bool {
		pids, _ = g.Procs()
		return len(pids) >= 5
	})
	began := time.Now()
	stopGuest(t, d, id, driver.StopOptions{Timeout: 700 * time.Millisecond, SignalInterval: 200 * time.Millisecond})
	t.Logf("stop took %v", time.Since(began))
	es, _ := d.Wait(ctxT(t), id)
	if !es.Killed {
		t.Errorf("exit = %+v, want Killed after the grace", es)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); err == nil {
			if b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); !strings.Contains(string(b), ") Z ") {
				t.Errorf("guest process %d survives the stop: %s", pid, b)
			}
		}
	}
}

// A guest's HTTP server answers at its private address, and the guest reads
// its own instance id from the metadata service (IMDSv1 with busybox wget,
// IMDSv2 with the host's curl).
func TestGuestNetworkAndMetadata(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	spec := guestSpec("i-web", KindBusybox, `mkdir -p /www && echo "hello from $(wget -q -O - http://169.254.169.254/latest/meta-data/instance-id)" > /www/index.html
echo "imds-v1=$(wget -q -O - http://169.254.169.254/latest/meta-data/instance-id)"
httpd -f -p 8080 -h /www &
echo ready
wait
`)
	startGuest(t, d, spec)
	out := waitConsole(t, d, spec.ID, "ready")
	if !strings.Contains(out, "imds-v1="+spec.ID+"\n") {
		t.Errorf("guest did not read its instance id from the metadata service:\n%s", out)
	}
	var body string
	eventually(t, "the guest's web server", func() bool {
		resp, err := http.Get("http://" + spec.PrivateIP + ":8080/")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return resp.StatusCode == 200
	})
	if body != "hello from "+spec.ID+"\n" {
		t.Errorf("GET http://%s:8080/ = %q", spec.PrivateIP, body)
	}

	v2 := guestSpec("i-imdsv2", KindShell, `t=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)
echo "imds-v2=$(curl -sf -H "X-aws-ec2-metadata-token: $t" http://169.254.169.254/latest/meta-data/instance-id)"
echo "local-ipv4=$(curl -sf -H "X-aws-ec2-metadata-token: $t" http://169.254.169.254/latest/meta-data/local-ipv4)"
echo done
`)
	startGuest(t, d, v2)
	out = waitConsole(t, d, v2.ID, "done")
	if !strings.Contains(out, "imds-v2="+v2.ID+"\n") || !strings.Contains(out, "local-ipv4="+v2.PrivateIP+"\n") {
		t.Errorf("IMDSv2 from the host image:\n%s", out)
	}
}

// busybox's reboot restarts the guest in place: the run goes on, the
// console shows a second boot with the root volume kept.
func TestGuestRebootIsInPlace(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	id := "i-reboots"
	startGuest(t, d, guestSpec(id, KindBusybox, `n=$(cat /root/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /root/n; sync
echo "boot-number=$n"
[ "$n" = 1 ] && reboot
trap 'exit 0' TERM
while :; do sleep 0.1; done
`))
	eventually(t, "a second boot", func() bool { return strings.Contains(mustConsole(t, d, id), "boot-number=2\n") })
	if st, _ := d.Status(ctxT(t), id); st.State != driver.StateRunning {
		t.Fatalf("after an in-guest reboot: %+v, want running", st)
	}
}

// The instance's cgroup carries the limits of its spec (the instance type's
// vCPUs and memory, which DescribeInstanceTypes reports) and the pids cap.
func TestLimitsFollowTheSpec(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	spec := guestSpec("i-limits", KindBusybox, "trap 'exit 0' TERM\nwhile :; do sleep 0.1; done\n")
	spec.VCPUs, spec.MemoryMiB = 2, 384
	startGuest(t, d, spec)
	g, err := d.cgroups.Open(d.cgroupName(spec.ID))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"memory.limit_in_bytes": strconv.Itoa(384 << 20), // v1
		"memory.max":            strconv.Itoa(384 << 20), // v2
		"cpu.cfs_quota_us":      "200000",
		"pids.max":              "4096",
	}
	found := map[string]bool{}
	for _, dir := range g.Dirs() {
		for file, v := range want {
			b, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				continue
			}
			found[file] = true
			if got := strings.TrimSpace(string(b)); got != v {
				t.Errorf("%s/%s = %s, want %s", dir, file, got, v)
			}
		}
	}
	if !(found["memory.limit_in_bytes"] || found["memory.max"]) || !found["pids.max"] {
		t.Errorf("memory or pids limit file not found in %v", g.Dirs())
	}
	if !found["cpu.cfs_quota_us"] {
		if b, err := os.ReadFile(filepath.Join(g.Dirs()[0], "cpu.max")); err == nil && !strings.HasPrefix(string(b), "200000 ") {
			t.Errorf("cpu.max = %s, want a quota of 200000", b)
		}
	}
}

// hostHasProcess reports whether a process with exactly this cmdline runs.
func hostHasProcess(cmdline string) bool {
	m, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range m {
		if b, err := os.ReadFile(f); err == nil && string(b) == cmdline {
			return true
		}
	}
	return false
}

// With MetadataTokensRequired (--imds-tokens required) the metadata
// service refuses IMDSv1 requests and answers IMDSv2 ones.
func TestMetadataTokensRequired(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), func(c *Config) { c.MetadataTokensRequired = true })
	spec := guestSpec("i-v2only", KindShell, `echo "v1=$(curl -s -o /dev/null -w '%{http_code}' http://169.254.169.254/latest/meta-data/instance-id)"
t=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)
echo "v2=$(curl -sf -H "X-aws-ec2-metadata-token: $t" http://169.254.169.254/latest/meta-data/instance-id)"
echo done
`)
	startGuest(t, d, spec)
	out := waitConsole(t, d, spec.ID, "done")
	if !strings.Contains(out, "v1=401\n") || !strings.Contains(out, "v2="+spec.ID+"\n") {
		t.Errorf("tokens required: want IMDSv1 refused (401) and IMDSv2 served:\n%s", out)
	}
}
