package awsquery

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

type unreadable struct{}

func (unreadable) Read([]byte) (int, error) { return 0, errors.New("ParseForm must not read r.Body") }
func (unreadable) Close() error             { return nil }

func TestParseForm(t *testing.T) {
	cases := []struct {
		name    string
		target  string
		ctype   string
		body    string
		want    url.Values
		wantErr bool
	}{
		{name: "body", ctype: "application/x-www-form-urlencoded; charset=utf-8",
			body: "Action=StopInstances&Version=2016-11-15&InstanceId.1=i-1",
			want: url.Values{"Action": {"StopInstances"}, "Version": {"2016-11-15"}, "InstanceId.1": {"i-1"}}},
		{name: "go sdk order", ctype: "application/x-www-form-urlencoded",
			body: "Action=StopInstances&InstanceId.1=i-1&Version=2016-11-15",
			want: url.Values{"Action": {"StopInstances"}, "Version": {"2016-11-15"}, "InstanceId.1": {"i-1"}}},
		{name: "query only", target: "/?Action=DescribeRegions&Version=2016-11-15",
			want: url.Values{"Action": {"DescribeRegions"}, "Version": {"2016-11-15"}}},
		{name: "query then body", target: "/?Action=A&X=q", ctype: "application/x-www-form-urlencoded", body: "X=b&Y=%2B+%20",
			want: url.Values{"Action": {"A"}, "X": {"q", "b"}, "Y": {"+  "}}},
		{name: "no content type", body: "Action=A", want: url.Values{"Action": {"A"}}},
		{name: "empty pieces and values", body: "&&A=&B&=c&", want: url.Values{"A": {""}, "B": {""}, "": {"c"}}},
		{name: "utf8", body: "Tag.1.Value=%E2%82%AC%20caf%C3%A9", want: url.Values{"Tag.1.Value": {"€ café"}}},
		{name: "json body", ctype: "application/x-amz-json-1.1", body: `{"a":1}`, wantErr: true},
		{name: "bad content type", ctype: "application/x-www-form-urlencoded; =", body: "A=1", wantErr: true},
		{name: "bad escape in body", body: "A=%zz", wantErr: true},
		{name: "bad escape in query", target: "/?A=%", wantErr: true},
		{name: "body too large", body: "A=" + strings.Repeat("x", MaxFormBytes), wantErr: true},
		{name: "too many params", body: strings.Repeat("A=1&", MaxParams+1), wantErr: true},
		{name: "many params", body: strings.Repeat("A=1&", MaxParams), want: url.Values{"A": strings.Split(strings.Repeat("1", MaxParams), "")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			target := c.target
			if target == "" {
				target = "/"
			}
			r := httptest.NewRequest("POST", target, nil)
			r.Body = unreadable{}
			if c.ctype != "" {
				r.Header.Set("Content-Type", c.ctype)
			}
			got, err := ParseForm(r, []byte(c.body))
			if c.wantErr {
				if errdefs.KindOf(err) != errdefs.InvalidArgument {
					t.Fatalf("err = %v, want InvalidArgument", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseForm: %v", err)
			}
			if diff := cmp.Diff(got, c.want); diff != "" {
				t.Errorf("values (-got +want):\n%s", diff)
			}
		})
	}
}

func params(pairs ...string) Params {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return Params{v}
}

func TestScalars(t *testing.T) {
	p := params("Force", "TRUE", "DryRun", "false", "Hibernate", "yes", "Empty", "",
		"MaxResults", "10", "Neg", "-3", "Bad", "ten", "Huge", "99999999999999999999", "Dup", "a", "Dup", "b")
	type res struct {
		V   any
		Err string
	}
	str := func(err error) string {
		if err == nil {
			return ""
		}
		e := errdefs.As(err)
		return fmt.Sprintf("%v/%s/%s: %s", e.Kind, e.Resource, e.ID, e.Public)
	}
	b := func(name string) res { v, err := p.Bool(name); return res{v, str(err)} }
	i := func(name string) res { v, err := p.Int(name); return res{v, str(err)} }
	got := map[string]res{
		"Bool Force": b("Force"), "Bool DryRun": b("DryRun"), "Bool absent": b("Absent"),
		"Bool Hibernate": b("Hibernate"), "Bool Empty": b("Empty"),
		"Int MaxResults": i("MaxResults"), "Int Neg": i("Neg"), "Int absent": i("Absent"),
		"Int Bad": i("Bad"), "Int Huge": i("Huge"),
		"String Dup": {p.String("Dup"), ""}, "String absent": {p.String("Absent"), ""},
		"Has Empty": {p.Has("Empty"), ""}, "Has absent": {p.Has("Absent"), ""},
	}
	want := map[string]res{
		"Bool Force": {true, ""}, "Bool DryRun": {false, ""}, "Bool absent": {false, ""},
		"Bool Hibernate": {false, "invalid argument/parameter/Hibernate: Invalid value 'yes' for Hibernate: expected true or false"},
		"Bool Empty":     {false, "invalid argument/parameter/Empty: Invalid value '' for Empty: expected true or false"},
		"Int MaxResults": {10, ""}, "Int Neg": {-3, ""}, "Int absent": {0, ""},
		"Int Bad":    {0, "invalid argument/parameter/Bad: Invalid value 'ten' for Bad: expected an integer"},
		"Int Huge":   {0, "invalid argument/parameter/Huge: Invalid value '99999999999999999999' for Huge: expected an integer"},
		"String Dup": {"a", ""}, "String absent": {"", ""},
		"Has Empty": {true, ""}, "Has absent": {false, ""},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
}

func TestList(t *testing.T) {
	many := func(n int) Params {
		v := url.Values{}
		for i := 1; i <= n; i++ {
			v.Set(fmt.Sprintf("InstanceId.%d", i), fmt.Sprintf("i-%d", i))
		}
		return Params{v}
	}
	cases := []struct {
		name    string
		p       Params
		want    []string
		wantErr string // ID of the expected InvalidArgument
	}{
		{name: "absent", p: params("Action", "X")},
		{name: "numeric order", p: params("InstanceId.10", "j", "InstanceId.2", "b", "InstanceId.1", "a"), want: []string{"a", "b", "j"}},
		{name: "gaps", p: params("InstanceId.7", "g", "InstanceId.3", "c"), want: []string{"c", "g"}},
		{name: "duplicate values", p: params("InstanceId.1", "i-1", "InstanceId.2", "i-1"), want: []string{"i-1", "i-1"}},
		{name: "repeated key", p: params("InstanceId.1", "i-1", "InstanceId.1", "i-2", "InstanceId.2", "i-3"), want: []string{"i-1", "i-2", "i-3"}},
		{name: "other prefixes ignored", p: params("InstanceIdX.1", "x", "InstanceId", "bare", "InstanceId.1", "a"), want: []string{"a"}},
		{name: "letter index", p: params("InstanceId.x", "a"), wantErr: "InstanceId.x"},
		{name: "zero index", p: params("InstanceId.0", "a"), wantErr: "InstanceId.0"},
		{name: "leading zero", p: params("InstanceId.01", "a"), wantErr: "InstanceId.01"},
		{name: "negative", p: params("InstanceId.-1", "a"), wantErr: "InstanceId.-1"},
		{name: "empty index", p: params("InstanceId.", "a"), wantErr: "InstanceId."},
		{name: "huge index", p: params("InstanceId.99999999999", "a"), wantErr: "InstanceId.99999999999"},
		{name: "member on scalar list", p: params("InstanceId.1.Name", "a"), wantErr: "InstanceId.1.Name"},
		{name: "at the limit", p: many(MaxListElements), want: func() []string {
			var out []string
			for i := 1; i <= MaxListElements; i++ {
				out = append(out, fmt.Sprintf("i-%d", i))
			}
			return out
		}()},
		{name: "over the limit", p: many(MaxListElements + 1), wantErr: "InstanceId"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.p.List("InstanceId")
			checkErr(t, err, c.wantErr)
			if diff := cmp.Diff(got, c.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
		})
	}
}

func checkErr(t *testing.T, err error, wantID string) {
	t.Helper()
	if wantID == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	e := errdefs.As(err)
	if e == nil || e.Kind != errdefs.InvalidArgument || e.Resource != errdefs.ResParameter || e.ID != wantID {
		t.Fatalf("err = %#v, want InvalidArgument/parameter about %q", e, wantID)
	}
}

func TestStructs(t *testing.T) {
	type filter struct {
		Name   string
		Values []string
	}
	type tagSpec struct {
		ResourceType string
		Tags         map[string]string
	}
	filters := func(p Params) ([]filter, error) {
		fs, err := p.Structs("Filter")
		if err != nil {
			return nil, err
		}
		var out []filter
		for _, f := range fs {
			vals, err := f.List("Value")
			if err != nil {
				return nil, err
			}
			out = append(out, filter{f.String("Name"), vals})
		}
		return out, nil
	}
	t.Run("filters", func(t *testing.T) {
		p := params(
			"Filter.2.Value.2", "stopped", "Filter.2.Name", "instance-state-name", "Filter.2.Value.1", "running",
			"Filter.10.Name", "tag:Name", "Filter.10.Value.1", "web",
			"Filter.1.Name", "instance-type",
			"Action", "DescribeInstances")
		got, err := filters(p)
		if err != nil {
			t.Fatal(err)
		}
		want := []filter{
			{"instance-type", nil},
			{"instance-state-name", []string{"running", "stopped"}},
			{"tag:Name", []string{"web"}},
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("(-got +want):\n%s", diff)
		}
	})
	t.Run("tag specifications", func(t *testing.T) {
		p := params(
			"TagSpecification.1.ResourceType", "instance",
			"TagSpecification.1.Tag.1.Key", "Name", "TagSpecification.1.Tag.1.Value", "web",
			"TagSpecification.1.Tag.3.Key", "env", "TagSpecification.1.Tag.3.Value", "prod",
			"TagSpecification.2.ResourceType", "volume",
			"TagSpecification.2.Tag.1.Key", "backup", "TagSpecification.2.Tag.1.Value", "")
		specs, err := p.Structs("TagSpecification")
		if err != nil {
			t.Fatal(err)
		}
		var got []tagSpec
		for _, s := range specs {
			tags, err := s.Structs("Tag")
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]string{}
			for _, tg := range tags {
				m[tg.String("Key")] = tg.String("Value")
			}
			got = append(got, tagSpec{s.String("ResourceType"), m})
		}
		want := []tagSpec{
			{"instance", map[string]string{"Name": "web", "env": "prod"}},
			{"volume", map[string]string{"backup": ""}},
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("(-got +want):\n%s", diff)
		}
	})
	errCases := []struct {
		name   string
		p      Params
		wantID string
	}{
		{"bare element", params("Filter.1", "x"), "Filter.1"},
		{"empty member", params("Filter.1.", "x"), "Filter.1."},
		{"bad index", params("Filter.one.Name", "x"), "Filter.one.Name"},
		{"bad nested index", params("Filter.1.Value.x", "x"), "Value.x"},
		{"over the limit", func() Params {
			v := url.Values{}
			for i := 1; i <= MaxListElements+1; i++ {
				v.Set(fmt.Sprintf("Filter.%d.Name", i), "n")
			}
			return Params{v}
		}(), "Filter"},
	}
	for _, c := range errCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := filters(c.p)
			checkErr(t, err, c.wantID)
		})
	}
	t.Run("absent", func(t *testing.T) {
		got, err := params("Action", "X").Structs("Filter")
		if err != nil || got != nil {
			t.Errorf("Structs = %v, %v; want nil, nil", got, err)
		}
	})
}

func BenchmarkParseAndList(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("Action=StopInstances&Version=2016-11-15")
	for i := 1; i <= 100; i++ {
		fmt.Fprintf(&sb, "&InstanceId.%d=i-%017x", i, i)
	}
	body := []byte(sb.String())
	r := httptest.NewRequest("POST", "/", nil)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	b.ReportAllocs()
	for b.Loop() {
		v, err := ParseForm(r, body)
		if err != nil {
			b.Fatal(err)
		}
		if ids, err := (Params{v}).List("InstanceId"); err != nil || len(ids) != 100 {
			b.Fatal(err)
		}
	}
}
