package e2e

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go/logging"
)

// The lifecycle benchmark (issue: "a benchmark, not a timed test"): how fast
// a real sandboxed instance starts and stops, and what 200 running instances
// cost the daemon. It prints figures and asserts nothing about them; run it
// with bench/lifecycle.sh. Targets on a 2-core machine: start under 50 ms
// median, stop overhead under 50 ms, daemon RSS under 100 MiB at 200.
const (
	benchSerial   = 100 // instances started and stopped, one at a time
	benchRunning  = 200 // instances running at once for the memory figure
	benchBatch    = 50  // MinCount = MaxCount of each launch of those
	benchPoll     = 2 * time.Millisecond
	benchDeadline = 30 * time.Second // for one instance to change state
	// benchGrace is --stop-timeout: long, so that a guest slowed down by a
	// busy host is not cut short by the kill at its end (which the
	// summary counts anyway).
	benchGrace = 10 * time.Second

	// cooperativeGuest ends on SIGTERM; it prints "ready" once its trap is
	// set. The guest's init (pid 1 of the sandbox) passes a stop's SIGTERM
	// to every process of the guest, sleep included, so the trap normally
	// runs at once rather than after the sleep.
	cooperativeGuest = "trap 'exit 0' TERM\necho ready\nwhile :; do sleep 1; done\n"
)

// BenchmarkLifecycle runs both parts against a server of its own each:
//
//   - start-stop: for 100 instances, one at a time: RunInstances → first
//     DescribeInstances showing running, then, once the guest printed
//     "ready", StopInstances → first DescribeInstances showing stopped
//     (polling every 2 ms). The guest exits as soon as it gets SIGTERM, so
//     the stop latency is the overhead beyond the guest's own exit. Each
//     instance is stopped before the next is launched: the guest's own
//     loop forks a sleep a second, which, times 100 guests, would take a
//     good part of a 2-core host from the measurements. The server's own view —
//     "instance launched" → op=booted, op=stop → op=halted in its JSON log —
//     is reported beside the client's, with the part spent in the sandbox
//     driver's Start and Stop.
//   - running-200: the daemon's VmRSS with 200 running instances, and the
//     shims' and inits' memory as context.
//
// The work is done once whatever b.N is; ns/op is not reported.
func BenchmarkLifecycle(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("the sandbox driver needs root")
	}
	b.Run("start-stop", benchStartStop)
	b.Run("running-200", benchRunning200)
}

// benchServer starts a server on the sandbox driver with JSON logs (whose
// timestamps have nanoseconds) and no capacity limit: 200 t3.nano are more
// vCPUs than the default capacity of a small machine.
func benchServer(b *testing.B) (*Server, *ec2.Client) {
	b.Helper()
	s := StartServer(b, Options{StopTimeout: benchGrace.String(), Args: []string{
		"--driver", "sandbox", "--log-format", "json",
		"--capacity-vcpus", "0", "--capacity-memory-mib", "0",
	}})
	// Quiet: the SDK warns when the transport closes a connection under a
	// response body it meant to drain (see connectionRetryer).
	return s, s.Client(b, func(o *ec2.Options) { o.Logger = logging.Nop{} })
}

func benchStartStop(b *testing.B) {
	s, c := benchServer(b)
	ctx := b.Context()

	ids := make([]string, 0, benchSerial)
	var startLat, stopLat []time.Duration
	for range benchSerial {
		t0 := time.Now()
		out, err := c.RunInstances(ctx, benchRunInput(1))
		if err != nil {
			b.Fatalf("RunInstances: %v", err)
		}
		if len(out.Instances) != 1 {
			b.Fatalf("RunInstances returned %d instances, want 1", len(out.Instances))
		}
		id := aws.ToString(out.Instances[0].InstanceId)
		ids = append(ids, id)
		startLat = append(startLat, benchPollState(b, c, id, types.InstanceStateNameRunning, t0))

		benchWaitReady(b, c, id)
		t0 = time.Now()
		if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
			b.Fatalf("StopInstances %s: %v", id, err)
		}
		stopLat = append(stopLat, benchPollState(b, c, id, types.InstanceStateNameStopped, t0))
	}
	spans, killed := benchServerSpans(s.log.String(), ids)
	srvStart, srvStop := spans["launched→booted"], spans["stop→halted"]
	benchTerminate(b, c, ids)

	report := func(prefix string, d []time.Duration) {
		if len(d) == 0 {
			return
		}
		b.ReportMetric(benchMS(benchMedian(d)), prefix+"-median-ms")
		b.ReportMetric(benchMS(benchPercentile(d, 99)), prefix+"-p99-ms")
	}
	report("start", startLat)
	report("stop", stopLat)
	report("start-server", srvStart)
	report("stop-server", srvStop)
	b.ReportMetric(0, "ns/op") // the work is done once, whatever b.N is

	// go test shows 9 lines of a benchmark's log; this fills them.
	var sum strings.Builder
	fmt.Fprintf(&sum, "%d t3.nano instances on %d CPUs, each started and stopped before the next, polled every %v:\n",
		benchSerial, runtime.NumCPU(), benchPoll)
	fmt.Fprintf(&sum, "  %-46s %4s %9s %9s %9s %9s\n", "", "n", "median", "p90", "p99", "max")
	row := func(what string, d []time.Duration) {
		if len(d) == 0 {
			fmt.Fprintf(&sum, "  %-46s %4d %9s %9s %9s %9s\n", what, 0, "-", "-", "-", "-")
			return
		}
		fmt.Fprintf(&sum, "  %-46s %4d %9s %9s %9s %9s\n", what, len(d), benchFmtMS(benchMedian(d)),
			benchFmtMS(benchPercentile(d, 90)), benchFmtMS(benchPercentile(d, 99)), benchFmtMS(slices.Max(d)))
	}
	row("start: RunInstances → running (client)", startLat)
	row("start: launched → op=booted (server log)", srvStart)
	row("  of which sandbox Start (driver log)", spans["created→started"])
	row("stop: StopInstances → stopped (client)", stopLat)
	row("stop: op=stop → op=halted (server log)", srvStop)
	row("  of which sandbox Stop (driver log)", spans["stopping→ended"])
	fmt.Fprintf(&sum, "  the guest exits at once on SIGTERM, so the stop latency is the overhead beyond its exit; %d of %d stops ended by the %v grace-period kill",
		killed, len(ids), benchGrace)
	b.Log(sum.String())
}

func benchRunning200(b *testing.B) {
	s, c := benchServer(b)
	ctx := b.Context()
	pid := s.Pid()
	idle, _ := benchStatus(pid, "VmRSS")

	t0 := time.Now()
	var ids []string
	for len(ids) < benchRunning {
		n := min(benchBatch, benchRunning-len(ids))
		out, err := c.RunInstances(ctx, benchRunInput(int32(n)))
		if err != nil {
			b.Fatalf("RunInstances (%d launched so far): %v", len(ids), err)
		}
		for _, in := range out.Instances {
			ids = append(ids, aws.ToString(in.InstanceId))
		}
	}
	benchWaitAll(b, c, ids, types.InstanceStateNameRunning, 2*time.Minute)
	allRunning := time.Since(t0)
	// Let the launch's garbage settle a moment: the figure is the daemon
	// holding 200 instances, not the daemon in the middle of booting them.
	time.Sleep(2 * time.Second)

	rss, err := benchStatus(pid, "VmRSS")
	if err != nil {
		b.Fatalf("daemon RSS: %v", err)
	}
	hwm, _ := benchStatus(pid, "VmHWM")
	g := benchGuestMemory(s.DataDir)
	benchTerminate(b, c, ids)

	b.ReportMetric(benchMiB(rss), "daemon-rss-MiB")
	b.ReportMetric(benchMiB(hwm), "daemon-peak-MiB")
	b.ReportMetric(benchMiB(g.shimRSS+g.initRSS), "shim+init-rss-MiB")
	if g.pssKnown {
		b.ReportMetric(benchMiB(g.shimPSS+g.initPSS), "shim+init-pss-MiB")
	}
	b.ReportMetric(0, "ns/op")

	var sum strings.Builder
	fmt.Fprintf(&sum, "%d running t3.nano instances (launched %d at a time, all running after %.1f s):\n",
		len(ids), benchBatch, allRunning.Seconds())
	fmt.Fprintf(&sum, "  daemon (strato serve, pid %d): VmRSS %.1f MiB (%.1f MiB idle before the launch), peak VmHWM %.1f MiB\n",
		pid, benchMiB(rss), benchMiB(idle), benchMiB(hwm))
	fmt.Fprintf(&sum, "  context, outside the daemon: %d strato-shim processes, VmRSS sum %.1f MiB; %d strato-init processes, VmRSS sum %.1f MiB",
		g.shims, benchMiB(g.shimRSS), g.inits, benchMiB(g.initRSS))
	if g.pssKnown {
		fmt.Fprintf(&sum, "\n  proportional (Pss, shared pages split): shims %.1f MiB + inits %.1f MiB = %.1f MiB, %.2f MiB an instance",
			benchMiB(g.shimPSS), benchMiB(g.initPSS), benchMiB(g.shimPSS+g.initPSS), benchMiB(g.shimPSS+g.initPSS)/float64(max(len(ids), 1)))
	}
	b.Log(sum.String())
}

// Pid is the process id of the current `strato serve`.
func (s *Server) Pid() int { return s.proc.cmd.Process.Pid }

func benchRunInput(n int32) *ec2.RunInstancesInput {
	return &ec2.RunInstancesInput{
		ImageId:      aws.String(imageEBS),
		InstanceType: types.InstanceTypeT3Nano,
		MinCount:     aws.Int32(n),
		MaxCount:     aws.Int32(n),
		UserData:     userData(cooperativeGuest),
	}
}

// benchPollState describes the instance every benchPoll until it is in want
// and returns the time since t0 at that answer.
func benchPollState(b *testing.B, c *ec2.Client, id string, want types.InstanceStateName, t0 time.Time) time.Duration {
	b.Helper()
	in := &ec2.DescribeInstancesInput{InstanceIds: []string{id}}
	var last types.InstanceStateName
	for time.Since(t0) < benchDeadline {
		out, err := c.DescribeInstances(b.Context(), in)
		if err != nil {
			b.Fatalf("DescribeInstances %s: %v", id, err)
		}
		now := time.Since(t0)
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				if i.State != nil {
					last = i.State.Name
				}
			}
		}
		switch {
		case last == want:
			return now
		case last == types.InstanceStateNameTerminated, want == types.InstanceStateNameRunning && last == types.InstanceStateNameStopped:
			b.Fatalf("%s is %s while waiting for %s", id, last, want)
		}
		time.Sleep(benchPoll)
	}
	b.Fatalf("%s not %s after %v (still %s)", id, want, benchDeadline, last)
	return 0
}

// benchWaitReady polls the console output until the guest printed "ready".
func benchWaitReady(b *testing.B, c *ec2.Client, id string) {
	b.Helper()
	deadline := time.Now().Add(benchDeadline)
	for {
		out, err := c.GetConsoleOutput(b.Context(), &ec2.GetConsoleOutputInput{InstanceId: aws.String(id)})
		if err != nil {
			b.Fatalf("GetConsoleOutput %s: %v", id, err)
		}
		text, _ := base64.StdEncoding.DecodeString(aws.ToString(out.Output))
		if bytes.Contains(text, []byte("ready\n")) {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s: no \"ready\" on the console after %v:\n%s", id, benchDeadline, text)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// benchWaitAll polls until every instance is in want.
func benchWaitAll(b *testing.B, c *ec2.Client, ids []string, want types.InstanceStateName, timeout time.Duration) {
	b.Helper()
	deadline := time.Now().Add(timeout)
	for {
		states := map[types.InstanceStateName]int{}
		for chunk := range slices.Chunk(ids, 100) {
			p := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{InstanceIds: chunk})
			for p.HasMorePages() {
				out, err := p.NextPage(b.Context())
				if err != nil {
					b.Fatalf("DescribeInstances: %v", err)
				}
				for _, r := range out.Reservations {
					for _, i := range r.Instances {
						if i.State != nil {
							states[i.State.Name]++
						}
					}
				}
			}
		}
		if states[want] == len(ids) {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("after %v, %d of %d instances are %s: %v", timeout, states[want], len(ids), want, states)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// benchTerminate terminates the instances and waits until they are gone.
func benchTerminate(b *testing.B, c *ec2.Client, ids []string) {
	b.Helper()
	for chunk := range slices.Chunk(ids, benchBatch) {
		if _, err := c.TerminateInstances(b.Context(), &ec2.TerminateInstancesInput{InstanceIds: chunk}); err != nil {
			b.Fatalf("TerminateInstances: %v", err)
		}
	}
	benchWaitAll(b, c, ids, types.InstanceStateNameTerminated, time.Minute)
}

// benchServerSpans reads the server's JSON log and returns, per span, the
// durations of the instances that have both ends of it (the first line of
// each kind counts):
//
//	launched→booted  "instance launched" → "instance state" op=booted
//	stop→halted      "instance state" op=stop (running → stopping) → op=halted
//	created→started  the sandbox driver's "instance created" → "instance started"
//	stopping→ended   its "stopping instance" → "instance run ended"
//
// killed counts the instances whose run the driver reports killed.
func benchServerSpans(log string, ids []string) (spans map[string][]time.Duration, killed int) {
	type key struct{ id, event string }
	at := map[key]time.Time{}
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte("{")) {
			continue // the harness's own lines
		}
		var e struct {
			Time     time.Time `json:"time"`
			Msg      string    `json:"msg"`
			Instance string    `json:"instance"` // the core's lines
			ID       string    `json:"id"`       // the driver's
			Op       string    `json:"op"`
			Killed   bool      `json:"killed"`
		}
		if json.Unmarshal(line, &e) != nil {
			continue
		}
		id, event := e.Instance, ""
		switch e.Msg {
		case "instance launched":
			event = "launched"
		case "instance state":
			event = e.Op
		case "instance created":
			id, event = e.ID, "created"
		case "instance started":
			id, event = e.ID, "started"
		case "stopping instance":
			id, event = e.ID, "stopping"
		case "instance run ended":
			id, event = e.ID, "ended"
			if e.Killed {
				at[key{id, "killed"}] = e.Time
			}
		}
		if k := (key{id, event}); id != "" && event != "" && at[k].IsZero() {
			at[k] = e.Time
		}
	}
	spans = map[string][]time.Duration{}
	for _, span := range []string{"launched→booted", "stop→halted", "created→started", "stopping→ended"} {
		from, to, _ := strings.Cut(span, "→")
		for _, id := range ids {
			a, b := at[key{id, from}], at[key{id, to}]
			if !a.IsZero() && !b.IsZero() && !b.Before(a) {
				spans[span] = append(spans[span], b.Sub(a))
			}
		}
	}
	for _, id := range ids {
		if !at[key{id, "killed"}].IsZero() {
			killed++
		}
	}
	return spans, killed
}

// guestMemory is what the sandboxes' own processes hold, in KiB.
type guestMemory struct {
	shims, inits     int
	shimRSS, initRSS int64
	shimPSS, initPSS int64
	pssKnown         bool
}

// benchGuestMemory sums the memory of the shims working in dataDir and of
// the inits they started (the guests' own processes are not counted).
func benchGuestMemory(dataDir string) guestMemory {
	var g guestMemory
	g.pssKnown = true
	shims := map[int]bool{}
	type cand struct{ pid, ppid int }
	var inits []cand
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		argv0, _, _ := bytes.Cut(cmdline, []byte{0})
		switch string(argv0) {
		case "strato-shim":
			if processUnder(pid, dataDir) {
				shims[pid] = true
			}
		case "strato-init":
			if ppid, err := benchStatus(pid, "PPid"); err == nil {
				inits = append(inits, cand{pid, int(ppid)})
			}
		}
	}
	add := func(pid int, rss, pss *int64) {
		if kb, err := benchStatus(pid, "VmRSS"); err == nil {
			*rss += kb
		}
		if kb, err := benchRollupKB(pid, "Pss"); err == nil {
			*pss += kb
		} else {
			g.pssKnown = false
		}
	}
	for pid := range shims {
		g.shims++
		add(pid, &g.shimRSS, &g.shimPSS)
	}
	for _, in := range inits {
		if shims[in.ppid] {
			g.inits++
			add(in.pid, &g.initRSS, &g.initPSS)
		}
	}
	return g
}

// benchStatus reads a numeric field of /proc/PID/status: "VmRSS" (KiB),
// "PPid".
func benchStatus(pid int, field string) (int64, error) {
	return benchProcField(filepath.Join("/proc", strconv.Itoa(pid), "status"), field)
}

// benchRollupKB reads a field of /proc/PID/smaps_rollup in KiB.
func benchRollupKB(pid int, field string) (int64, error) {
	return benchProcField(filepath.Join("/proc", strconv.Itoa(pid), "smaps_rollup"), field)
}

func benchProcField(path, field string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || name != field {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			break
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, fmt.Errorf("%s: no %s", path, field)
}

// benchMedian is the middle of the sorted samples (the mean of the two
// middle ones for an even count).
func benchMedian(d []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(d))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// benchPercentile is the nearest-rank p-th percentile: of 100 samples, p99
// is the 99th smallest.
func benchPercentile(d []time.Duration, p int) time.Duration {
	s := slices.Sorted(slices.Values(d))
	rank := (p*len(s) + 99) / 100 // ceil(p/100 × n)
	return s[max(rank, 1)-1]
}

func benchMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func benchFmtMS(d time.Duration) string { return strconv.FormatFloat(benchMS(d), 'f', 1, 64) + " ms" }

func benchMiB(kib int64) float64 { return float64(kib) / 1024 }
