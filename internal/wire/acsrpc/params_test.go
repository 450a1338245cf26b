package acsrpc

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name  string
		query string
		body  string
		ct    string
		want  Params
		res   errdefs.Resource // error resource, "" = success
	}{
		{name: "query only, empty body (the Go SDK)", query: "Action=StopInstance&InstanceId=i-1&SignatureType=&Tag.1.Key=a+b",
			ct: "application/x-www-form-urlencoded", want: Params{"Action": "StopInstance", "InstanceId": "i-1", "SignatureType": "", "Tag.1.Key": "a b"}},
		{name: "form body", body: "Action=StopInstance&InstanceId=i-1&Description=%E2%9C%93", ct: "application/x-www-form-urlencoded; charset=utf-8",
			want: Params{"Action": "StopInstance", "InstanceId": "i-1", "Description": "✓"}},
		{name: "query and body merged", query: "Action=X", body: "B=2", want: Params{"Action": "X", "B": "2"}},
		{name: "name without value", query: "Flag", want: Params{"Flag": ""}},
		{name: "empty pairs skipped", query: "&&A=1&", want: Params{"A": "1"}},
		{name: "duplicate in query", query: "A=1&A=2", res: ResInvalid},
		{name: "duplicate across query and body", query: "A=1", body: "A=1", res: ResInvalid},
		{name: "bad escape", query: "A=%zz", res: ResInvalid},
		{name: "bad name escape", query: "%zz=1", res: ResInvalid},
		{name: "not a form", body: `{"Action":"X"}`, ct: "application/json", res: ResInvalid},
		{name: "invalid UTF-8", query: "A=%ff", res: ResInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://127.0.0.1/?"+tt.query, nil)
			if tt.ct != "" {
				r.Header.Set("Content-Type", tt.ct)
			}
			got, err := ParseRequest(r, []byte(tt.body))
			if tt.res != "" {
				if e := errdefs.As(err); e == nil || e.Resource != tt.res {
					t.Fatalf("ParseRequest = %v, %v; want error %s", got, err, tt.res)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(got, tt.want); d != "" {
				t.Errorf("params (-got +want):\n%s", d)
			}
		})
	}
}

func TestParseRequestLimit(t *testing.T) {
	body := func(n int) []byte {
		var b strings.Builder
		for i := range n {
			b.WriteString("P" + strconv.Itoa(i) + "=1&")
		}
		return []byte(b.String())
	}
	r := httptest.NewRequest("POST", "http://127.0.0.1/", nil)
	if _, err := ParseRequest(r, body(MaxParams)); err != nil {
		t.Fatalf("MaxParams parameters refused: %v", err)
	}
	_, err := ParseRequest(r, body(MaxParams+1))
	if e := errdefs.As(err); e == nil || e.Resource != ResInvalid {
		t.Fatalf("a request beyond MaxParams = %v, want ResInvalid", err)
	}
}

func TestListsAndValues(t *testing.T) {
	p := Params{
		"InstanceId.1": "i-a", "InstanceId.3": "i-c", "InstanceId.2": "i-b",
		"Tag.2.Key": "k2", "Tag.1.Key": "k1", "Tag.1.Value": "v1",
		"Force": "True", "Bad": "yes", "N": "42", "Big": "99999999999",
	}
	ids, err := p.List("InstanceId", 100)
	if err != nil || !cmp.Equal(ids, []string{"i-a", "i-b", "i-c"}) {
		t.Errorf("List = %v, %v", ids, err)
	}
	if _, err := p.List("InstanceId", 2); err == nil {
		t.Error("an index beyond max was accepted")
	}
	tags, err := p.Indexed("Tag", 20)
	if d := cmp.Diff(tags, []map[string]string{{"Key": "k1", "Value": "v1"}, {"Key": "k2"}}); d != "" || err != nil {
		t.Errorf("Indexed (-got +want):\n%s %v", d, err)
	}
	for _, bad := range []Params{{"Tag.0.Key": "x"}, {"Tag.01.Key": "x"}, {"Tag.x.Key": "x"}, {"Tag.1": "x"}, {"Tag.21.Key": "x"}} {
		if _, err := bad.Indexed("Tag", 20); err == nil {
			t.Errorf("Indexed(%v) accepted", bad)
		}
	}
	if v, ok, err := p.Bool("Force"); !v || !ok || err != nil {
		t.Errorf("Bool(Force) = %v %v %v", v, ok, err)
	}
	if _, _, err := p.Bool("Bad"); err == nil {
		t.Error("Bool(yes) accepted")
	}
	if _, ok, err := p.Bool("Absent"); ok || err != nil {
		t.Errorf("Bool(absent) = %v %v", ok, err)
	}
	if n, ok, err := p.Int("N"); n != 42 || !ok || err != nil {
		t.Errorf("Int(N) = %v %v %v", n, ok, err)
	}
	if _, _, err := p.Int("Big"); err == nil {
		t.Error("Int beyond 10 digits accepted")
	}
}
