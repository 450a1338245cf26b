package adminapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/iam"
	"strato/internal/core/instance"
	"strato/internal/core/metering"
	"strato/internal/store/memstore"
)

// eventLog is a metering.EventSource over a slice.
type eventLog struct {
	mu  sync.Mutex
	evs []instance.Event
}

func (l *eventLog) Events(ctx context.Context, after int64, id string, limit int) ([]instance.Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []instance.Event
	for _, ev := range l.evs {
		if ev.Seq > after && (id == "" || ev.InstanceID == id) {
			out = append(out, ev)
		}
	}
	return out, nil
}

// usageRig is an admin handler with a meter over a synthetic log.
type usageRig struct {
	h   *Handler
	clk *clock.Fake
	key iam.Key
	ids *iam.Service
}

var billStart = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func newUsageRig(t *testing.T) *usageRig {
	t.Helper()
	clk := clock.NewFake(billStart.Add(10 * time.Minute))
	st := memstore.New(memstore.WithClock(clk))
	ids := iam.NewService(st, clk, iam.Options{})
	acct, key, err := ids.Bootstrap(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// One t3.micro instance: running 0–10 s (billed 60 s), then stopped; its
	// 8 GiB root volume stays.
	detail := map[string]string{"instanceType": "t3.micro", "volumes": "vol-1:8:dot"}
	at := func(s int) time.Time { return billStart.Add(time.Duration(s) * time.Second) }
	log := &eventLog{}
	for i, ev := range []instance.Event{
		{Time: at(0), Type: instance.EventCreated, To: instance.Pending},
		{Time: at(0), Type: instance.EventState, From: instance.Pending, To: instance.Running},
		{Time: at(10), Type: instance.EventState, From: instance.Running, To: instance.Stopping},
		{Time: at(10), Type: instance.EventState, From: instance.Stopping, To: instance.Stopped},
	} {
		ev.Seq, ev.InstanceID, ev.AccountID, ev.Detail = int64(i+1), "i-1", acct.ID, detail
		log.evs = append(log.evs, ev)
	}
	m, err := metering.New(metering.Config{Events: log, Clock: clk, Catalog: catalog.New("us-east-1")})
	if err != nil {
		t.Fatal(err)
	}
	h := New(Config{IAM: ids, Clock: clk, Region: "us-east-1", Meter: m})
	return &usageRig{h: h, clk: clk, key: key, ids: ids}
}

// get sends a signed GET and returns the status and the decoded JSON.
func (r *usageRig) get(t *testing.T, key *iam.Key, path string, q url.Values) (int, map[string]any) {
	t.Helper()
	u := "http://strato.test" + Prefix + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req := httptest.NewRequest(http.MethodGet, u, nil)
	if key != nil {
		sum := sha256.Sum256(nil)
		creds := aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), Service, "us-east-1", r.clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("GET %s: %d, body not JSON: %v\n%s", u, w.Code, err, w.Body.String())
	}
	return w.Code, out
}

func errCode(out map[string]any) string {
	if e, ok := out["error"].(map[string]any); ok {
		code, _ := e["code"].(string)
		return code
	}
	return ""
}

func TestUsageRoutes(t *testing.T) {
	r := newUsageRig(t)
	other, err := r.ids.CreateAccount(context.Background(), "other")
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := r.ids.CreateKey(context.Background(), other.ID, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := iam.ParsePolicy([]byte(`{"Statement":[{"Effect":"Allow","Action":"strato:GetUsage","Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	usageOnly, err := r.ids.CreateKey(context.Background(), r.key.AccountID, "", pol)
	if err != nil {
		t.Fatal(err)
	}
	window := url.Values{"from": {"2026-11-01T00:00:00Z"}, "to": {"2026-11-01T01:00:00Z"}}
	with := func(kv ...string) url.Values {
		q := url.Values{}
		for k, v := range window {
			q[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return q
	}
	type line struct {
		Resource, Kind, Seconds, Amount string
	}
	for _, tc := range []struct {
		name   string
		key    *iam.Key
		path   string
		q      url.Values
		status int
		code   string
		lines  []line
	}{
		{name: "bill", key: &r.key, path: "bill", q: window, status: 200, lines: []line{
			{"i-1", "compute", "60", "0.000173333"},
			{"vol-1", "storage", "600", "0.000146119"},
		}},
		{name: "bill defaults to this month until now", key: &r.key, path: "bill", status: 200, lines: []line{
			{"i-1", "compute", "60", "0.000173333"},
			{"vol-1", "storage", "600", "0.000146119"},
		}},
		{name: "usage of one instance", key: &r.key, path: "usage", q: with("instance", "i-1"), status: 200, lines: []line{
			{"i-1", "compute", "60", "0.000173333"},
			{"vol-1", "storage", "600", "0.000146119"},
		}},
		{name: "another account sees nothing", key: &otherKey, path: "bill", q: window, status: 200},
		{name: "another account's instance", key: &otherKey, path: "usage", q: with("instance", "i-1"), status: 404, code: "NotFound"},
		{name: "bad from", key: &r.key, path: "bill", q: with("from", "yesterday"), status: 400, code: "InvalidArgument"},
		{name: "from after to", key: &r.key, path: "bill", q: with("from", "2026-11-02T00:00:00Z"), status: 400, code: "InvalidArgument"},
		{name: "from equals to", key: &r.key, path: "bill", q: with("to", "2026-11-01T00:00:00Z"), status: 400, code: "InvalidArgument"},
		{name: "longer than a year", key: &r.key, path: "bill", q: with("from", "2025-01-01T00:00:00Z"), status: 400, code: "InvalidArgument"},
		{name: "unknown parameter", key: &r.key, path: "bill", q: with("form", "x"), status: 400, code: "InvalidArgument"},
		{name: "instance is for usage only", key: &r.key, path: "bill", q: with("instance", "i-1"), status: 400, code: "InvalidArgument"},
		{name: "unsigned", path: "bill", q: window, status: 403, code: "MissingAuthenticationToken"},
		{name: "policy allows usage only", key: &usageOnly, path: "bill", q: window, status: 403, code: "AccessDenied"},
		{name: "policy allows usage", key: &usageOnly, path: "usage", q: window, status: 200, lines: []line{
			{"i-1", "compute", "60", "0.000173333"},
			{"vol-1", "storage", "600", "0.000146119"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := r.get(t, tc.key, tc.path, tc.q)
			if status != tc.status || errCode(out) != tc.code {
				t.Fatalf("status %d code %q, want %d %q: %v", status, errCode(out), tc.status, tc.code, out)
			}
			if tc.status != 200 {
				return
			}
			var got []line
			items, ok := out["lines"].([]any)
			if !ok {
				t.Fatalf("no lines array: %v", out)
			}
			for _, it := range items {
				m := it.(map[string]any)
				got = append(got, line{m["resource_id"].(string), m["kind"].(string), m["seconds"].(json.Number).String(), m["amount"].(json.Number).String()})
			}
			if diff := cmp.Diff(got, tc.lines); diff != "" {
				t.Errorf("lines (-got +want):\n%s", diff)
			}
			if _, ok := out["totals"].(map[string]any); !ok {
				t.Errorf("no totals: %v", out)
			}
			if _, ok := out["savings"].(map[string]any)["stopping_saved"]; !ok {
				t.Errorf("no savings.stopping_saved: %v", out)
			}
		})
	}
}

func TestPricesRoute(t *testing.T) {
	r := newUsageRig(t)
	status, out := r.get(t, &r.key, "prices", nil)
	if status != 200 {
		t.Fatalf("status %d: %v", status, out)
	}
	types, _ := out["instance_types"].(map[string]any)
	if n, _ := types["t3.micro"].(json.Number); n.String() != "0.0104" {
		t.Errorf("t3.micro price = %v", types["t3.micro"])
	}
}

func TestUsageWithoutMeter(t *testing.T) {
	r := newUsageRig(t)
	r.h = New(Config{IAM: r.ids, Clock: r.clk, Region: "us-east-1"})
	status, out := r.get(t, &r.key, "bill", nil)
	if status != 400 || errCode(out) != "Unsupported" {
		t.Errorf("bill without a meter: %d %v", status, out)
	}
}
