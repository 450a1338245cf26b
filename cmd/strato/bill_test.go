package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/instance"
	"strato/internal/core/metering"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// sampleReport is a real report: a t3.micro started twice (10 s, then 15 s:
// two minimums), a KeepCharging ECS instance, and their volumes.
func sampleReport(t *testing.T) metering.Report {
	t.Helper()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	mk := func(id string, detail map[string]string, steps ...[3]string) []instance.Event {
		var out []instance.Event
		for i, s := range steps {
			sec, err := strconv.Atoi(s[0])
			if err != nil {
				t.Fatal(err)
			}
			d := map[string]string{}
			for k, v := range detail {
				d[k] = v
			}
			if s[2] == "keep" {
				d["stoppedMode"] = "KeepCharging"
			}
			typ := instance.EventState
			var from instance.State
			to := instance.State(s[1])
			switch s[1] {
			case "pending":
				if i == 0 {
					typ = instance.EventCreated
				} else {
					from = instance.Stopped
				}
			case "running":
				from = instance.Pending
			case "stopping":
				from = instance.Running
			case "stopped":
				from = instance.Stopping
			}
			out = append(out, instance.Event{Seq: int64(i + 1), Time: at(sec), InstanceID: id, AccountID: "111122223333",
				Type: typ, From: from, To: to, Detail: d})
		}
		return out
	}
	ec2 := mk("i-0aaaaaaaaaaaaaaaa", map[string]string{"instanceType": "t3.micro", "volumes": "vol-0aaaaaaaaaaaaaaaa:8:dot"},
		[3]string{"0", "pending"}, [3]string{"0", "running"}, [3]string{"10", "stopping"}, [3]string{"10", "stopped"},
		[3]string{"100", "pending"}, [3]string{"105", "running"}, [3]string{"120", "stopping"}, [3]string{"120", "stopped"})
	ecs := mk("i-bp1bbbbbbbbbbbbbbbbb", map[string]string{"api": "ecs", "instanceType": "ecs.n4.small", "volumes": "d-bp1ccccccccccccccccc:40:dot"},
		[3]string{"0", "pending"}, [3]string{"0", "running"}, [3]string{"200", "stopping", "keep"}, [3]string{"200", "stopped", "keep"})
	p := metering.Pricer{Prices: metering.DefaultPrices(), VCPUs: func(string) int { return 2 }}
	return metering.BuildReport("111122223333", []metering.Timeline{metering.Derive(ec2), metering.Derive(ecs)},
		metering.Window{From: t0, To: t0.Add(time.Hour)}, at(600), p)
}

// billServer answers the admin API's bill and usage routes with rep, and
// records the query it was asked.
func billServer(t *testing.T, rep metering.Report) *asked {
	t.Helper()
	got := &asked{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") ||
			!strings.Contains(r.Header.Get("Authorization"), "/strato/aws4_request") {
			http.Error(w, `{"error":{"code":"MissingAuthenticationToken","message":"unsigned"}}`, http.StatusForbidden)
			return
		}
		got.path, got.query = r.URL.Path, r.URL.Query().Encode()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(rep)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_REGION", "us-east-1")
	return got
}

// asked is the last request a billServer answered.
type asked struct{ path, query string }

func TestBillOutputs(t *testing.T) {
	rep := sampleReport(t)
	got := billServer(t, rep)

	t.Run("json is one document with lines", func(t *testing.T) {
		out, err := runCmd(t, "bill", "--output", "json", "--from", "2026-11-01", "--to", "2026-11-01T01:00:00Z")
		if err != nil {
			t.Fatal(err)
		}
		if got.path != "/strato/v1/bill" || got.query != "from=2026-11-01T00%3A00%3A00Z&to=2026-11-01T01%3A00%3A00Z" {
			t.Errorf("asked %s?%s", got.path, got.query)
		}
		dec := json.NewDecoder(strings.NewReader(out))
		dec.UseNumber()
		var doc struct {
			Lines []map[string]any `json:"lines"`
		}
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if dec.More() {
			t.Error("more than one JSON document")
		}
		type line struct{ ID, Kind, Seconds, Amount string }
		var lines []line
		for _, l := range doc.Lines {
			lines = append(lines, line{l["resource_id"].(string), l["kind"].(string), l["seconds"].(json.Number).String(), l["amount"].(json.Number).String()})
		}
		want := []line{
			{"i-0aaaaaaaaaaaaaaaa", "compute", "120", "0.000346667"},
			{"vol-0aaaaaaaaaaaaaaaa", "storage", "600", "0.000146119"},
			{"i-bp1bbbbbbbbbbbbbbbbb", "compute", "200", "0.005555556"},
			{"i-bp1bbbbbbbbbbbbbbbbb", "reservation", "400", "0.011111111"},
			{"d-bp1ccccccccccccccccc", "storage", "600", "0.000730594"},
		}
		if diff := cmp.Diff(lines, want); diff != "" {
			t.Errorf("json lines (-got +want):\n%s", diff)
		}
	})

	t.Run("csv", func(t *testing.T) {
		out, err := runCmd(t, "bill", "--output", "csv")
		if err != nil {
			t.Fatal(err)
		}
		if got.query != "" {
			t.Errorf("defaults must be left to the server, asked ?%s", got.query)
		}
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{
			csvHeader,
			{"i-0aaaaaaaaaaaaaaaa", "i-0aaaaaaaaaaaaaaaa", "compute", "ec2", "t3.micro", "linux", "", "2", "25.000", "120", "", "0.0104", "hour", "0.000346667"},
			{"vol-0aaaaaaaaaaaaaaaa", "i-0aaaaaaaaaaaaaaaa", "storage", "ec2", "", "", "8", "0", "600.000", "600", "4800", "0.08", "GB-month", "0.000146119"},
			{"i-bp1bbbbbbbbbbbbbbbbb", "i-bp1bbbbbbbbbbbbbbbbb", "compute", "ecs", "ecs.n4.small", "linux", "", "1", "200.000", "200", "", "0.1", "hour", "0.005555556"},
			{"i-bp1bbbbbbbbbbbbbbbbb", "i-bp1bbbbbbbbbbbbbbbbb", "reservation", "ecs", "ecs.n4.small", "linux", "", "0", "400.000", "400", "", "0.1", "hour", "0.011111111"},
			{"d-bp1ccccccccccccccccc", "i-bp1bbbbbbbbbbbbbbbbb", "storage", "ecs", "", "", "40", "0", "600.000", "600", "24000", "0.08", "GB-month", "0.000730594"},
		}
		if diff := cmp.Diff(recs, want); diff != "" {
			t.Errorf("csv (-got +want):\n%s", diff)
		}
	})

	t.Run("table", func(t *testing.T) {
		out, err := runCmd(t, "bill", "--from", "2026-11-01T00:00:00Z")
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "bill_table.golden", out)
	})

	t.Run("usage table with segments", func(t *testing.T) {
		out, err := runCmd(t, "usage", "--instance", "i-0aaaaaaaaaaaaaaaa")
		if err != nil {
			t.Fatal(err)
		}
		if got.path != "/strato/v1/usage" || got.query != "instance=i-0aaaaaaaaaaaaaaaa" {
			t.Errorf("asked %s?%s", got.path, got.query)
		}
		if !strings.HasPrefix(out, "Usage of account 111122223333") {
			t.Errorf("usage table:\n%s", out)
		}
	})
}

func TestBillFlagErrors(t *testing.T) {
	billServer(t, metering.Report{})
	for _, args := range [][]string{
		{"bill", "--output", "yaml"},
		{"bill", "--from", "last tuesday"},
		{"bill", "extra"},
		{"bill", "--instance", "i-1"}, // usage only
	} {
		if _, err := runCmd(t, args...); err == nil {
			t.Errorf("strato %v succeeded", args)
		}
	}
	t.Setenv("AWS_ENDPOINT_URL", "")
	if _, err := runCmd(t, "bill"); err == nil || !strings.Contains(err.Error(), "strato env") {
		t.Errorf("without AWS_ENDPOINT_URL: %v, want a hint at strato env", err)
	}
}

// golden compares got with testdata/name (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(got, string(want)); diff != "" {
		t.Errorf("%s (-got +want):\n%s", name, diff)
	}
}
