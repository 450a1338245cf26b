package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// imageWindows is the built-in Windows-platform image (the shell guest,
// metered as Windows: a full hour per start).
const imageWindows = "ami-0000000000000000c"

// billDoc is `strato bill --output json`, read without losing digits.
type billDoc struct {
	Account string     `json:"account"`
	Lines   []billLine `json:"lines"`
	Totals  struct {
		Compute, Reservation, Storage, Total json.Number
	} `json:"totals"`
	Savings struct {
		IfAlwaysRunning json.Number `json:"if_always_running"`
		Actual          json.Number `json:"actual"`
		StoppingSaved   json.Number `json:"stopping_saved"`
	} `json:"savings"`
	Segments []struct {
		Kind       string `json:"kind"`
		ResourceID string `json:"resource_id"`
	} `json:"segments"`
}

type billLine struct {
	ResourceID   string      `json:"resource_id"`
	InstanceID   string      `json:"instance_id"`
	Kind         string      `json:"kind"`
	InstanceType string      `json:"instance_type"`
	Platform     string      `json:"platform"`
	SizeGiB      int64       `json:"size_gib"`
	Starts       int         `json:"starts"`
	Seconds      int64       `json:"seconds"`
	GBSeconds    int64       `json:"gb_seconds"`
	Rate         json.Number `json:"rate"`
	RateUnit     string      `json:"rate_unit"`
	Amount       json.Number `json:"amount"`
}

// stratoEnv runs the strato binary in the environment `strato env` printed
// (AWS_ENDPOINT_URL and the default key), as a user who typed
// eval "$(strato env)" would, and returns its standard output.
func (s *Server) stratoEnv(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, stratoBin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for _, v := range s.Env {
		cmd.Env = append(cmd.Env, v.Name+"="+v.Value)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("strato %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func decodeBill(t *testing.T, out string) billDoc {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var doc billDoc
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("strato bill --output json is not JSON: %v\n%s", err, out)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("strato bill --output json printed more than one JSON document:\n%s", out)
	}
	return doc
}

// rat reads an exact decimal.
func rat(t *testing.T, what string, n json.Number) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(n.String())
	if !ok {
		t.Fatalf("%s %q is not a decimal", what, n)
	}
	return r
}

// checkAmount: amount = quantity × rate (per hour, or per GB-month of 730
// hours), rounded to the nano-dollar.
func checkAmount(t *testing.T, l billLine, rate string) {
	t.Helper()
	if l.Rate.String() != rate {
		t.Errorf("%s %s: rate %s, want %s (the built-in prices)", l.Kind, l.ResourceID, l.Rate, rate)
	}
	exact := new(big.Rat).Mul(big.NewRat(l.Seconds, 3600), rat(t, "rate", json.Number(rate)))
	if l.Kind == "storage" {
		exact = new(big.Rat).Mul(big.NewRat(l.GBSeconds, 3600*730), rat(t, "rate", json.Number(rate)))
	}
	diff := new(big.Rat).Sub(rat(t, "amount", l.Amount), exact)
	if diff.Abs(diff).Cmp(big.NewRat(1, 2_000_000_000)) > 0 || l.Amount.String() == "0" || strings.HasPrefix(l.Amount.String(), "-") {
		t.Errorf("%s %s: amount %s for %d s, want %s (rate %s)", l.Kind, l.ResourceID, l.Amount, l.Seconds, exact.FloatString(12), rate)
	}
}

// TestBill: run, stop, start, terminate through the EC2 API, then
// `strato bill` shows one compute line with two per-start minimums and a
// storage line for the root volume, priced as the price catalog says.
func TestBill(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)
	from := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)

	id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})
	win := launchRunning(t, c, &ec2.RunInstancesInput{ImageId: aws.String(imageWindows)})
	vol := aws.ToString(describe(t, c, id).BlockDeviceMappings[0].Ebs.VolumeId)
	stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	waitStopped(t, c, id)
	start(t, c, id)
	waitRunning(t, c, id)
	terminate(t, c, id)
	terminate(t, c, win)
	waitTerminated(t, c, id, win)

	doc := decodeBill(t, s.stratoEnv(t, "bill", "--output", "json", "--from", from))
	byKey := map[string]billLine{}
	sum := new(big.Rat)
	for _, l := range doc.Lines {
		byKey[l.Kind+" "+l.ResourceID] = l
		sum.Add(sum, rat(t, "amount", l.Amount))
	}
	comp, ok := byKey["compute "+id]
	if !ok {
		t.Fatalf("no compute line for %s: %+v", id, doc.Lines)
	}
	if comp.Starts != 2 || comp.Seconds < 120 || comp.Seconds >= 180 || comp.InstanceType != "t3.micro" || comp.Platform != "linux" {
		t.Errorf("compute line %+v: want 2 starts billed at least 60 s each (120 s for two short runs)", comp)
	}
	checkAmount(t, comp, "0.0104")
	stor, ok := byKey["storage "+vol]
	if !ok {
		t.Fatalf("no storage line for the root volume %s: %+v", vol, doc.Lines)
	}
	if stor.InstanceID != id || stor.SizeGiB != 8 || stor.Seconds <= 0 || stor.GBSeconds != 8*stor.Seconds {
		t.Errorf("storage line %+v: want 8 GiB × the seconds the volume existed", stor)
	}
	checkAmount(t, stor, "0.08")
	wcomp := byKey["compute "+win]
	if wcomp.Starts != 1 || wcomp.Seconds != 3600 || wcomp.Platform != "windows" {
		t.Errorf("windows compute line %+v: want one start billed a full hour", wcomp)
	}
	checkAmount(t, wcomp, "0.0196")
	if _, ok := byKey["reservation "+id]; ok {
		t.Errorf("an EC2 stop has no reservation: %+v", doc.Lines)
	}
	if sum.Cmp(rat(t, "total", doc.Totals.Total)) != 0 {
		t.Errorf("total %s is not the sum of the lines %s", doc.Totals.Total, sum.FloatString(9))
	}

	// The same bill as a table and as CSV.
	if out := s.stratoEnv(t, "bill", "--from", from); !strings.Contains(out, id) || !strings.Contains(out, "stopping saved") {
		t.Errorf("strato bill (table) lacks the instance or the savings:\n%s", out)
	}
	recs, err := csv.NewReader(strings.NewReader(s.stratoEnv(t, "bill", "--output", "csv", "--from", from))).ReadAll()
	if err != nil || len(recs) != len(doc.Lines)+1 || recs[0][0] != "resource_id" {
		t.Errorf("strato bill --output csv: %v, %d records for %d lines", err, len(recs), len(doc.Lines))
	}

	// Usage of one instance, with its two compute segments.
	u := decodeBill(t, s.stratoEnv(t, "usage", "--output", "json", "--from", from, "--instance", id))
	computeSegs := 0
	for _, seg := range u.Segments {
		if seg.Kind == "compute" {
			computeSegs++
		}
	}
	if computeSegs != 2 {
		t.Errorf("usage of %s: %d compute segments, want 2: %+v", id, computeSegs, u.Segments)
	}

	// Metering at /metrics.
	resp, err := http.Get(s.Endpoint + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`strato_metering_compute_seconds_total{instance_type="t3.micro"}`, `strato_metering_accrued_cost_usd_total{kind="storage"}`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestBillPriceFile: `strato serve --prices FILE` prices the bill; a bad
// file stops the server at start.
func TestBillPriceFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	prices := filepath.Join(dir, "prices.json")
	if err := os.WriteFile(prices, []byte(`{"instance_types": {"t3.micro": "3.6"}, "storage": {"gb_month": "0"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"instance_types": {"t3.micro": "-1"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(stratoBin, "serve", "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0", "--prices", bad)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "--prices") {
		t.Errorf("serve with a bad price file: %v\n%s", err, out)
	}

	s := StartServer(t, Options{Args: []string{"--prices", prices}})
	c := s.Client(t)
	from := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	id := launchRunning(t, c, nil)
	terminate(t, c, id)
	waitTerminated(t, c, id)
	doc := decodeBill(t, s.stratoEnv(t, "bill", "--output", "json", "--from", from))
	for _, l := range doc.Lines {
		if l.Kind == "compute" && l.ResourceID == id {
			// 3.6 dollars an hour is a tenth of a cent a second.
			if l.Rate.String() != "3.6" || l.Seconds != 60 || l.Amount.String() != "0.06" {
				t.Errorf("compute line %+v: want 60 s at 3.6/hour = 0.06", l)
			}
			return
		}
	}
	t.Errorf("no compute line for %s: %+v", id, doc.Lines)
}
