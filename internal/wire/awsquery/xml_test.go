package awsquery

import (
	"encoding/xml"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Types exercising the corners of encoding/xml's rules that the fast path
// claims to reproduce.
type (
	level   string
	upper   string // a value-receiver TextMarshaler
	leaf    struct{ A, B string }
	omitAll struct {
		S   string            `xml:"s,omitempty"`
		I   int               `xml:"i,omitempty"`
		U   uint8             `xml:"u,omitempty"`
		F   float64           `xml:"f,omitempty"`
		B   bool              `xml:"b,omitempty"`
		P   *string           `xml:"p,omitempty"`
		L   []string          `xml:"l,omitempty"`
		T   time.Time         `xml:"t,omitempty"`
		St  leaf              `xml:"st,omitempty"`
		Nil *leaf             `xml:"nil,omitempty"`
		Map map[string]string `xml:"-"`
	}
	corner struct {
		unexported string
		Plain      string
		Renamed    string   `xml:"renamed"`
		Skipped    string   `xml:"-"`
		OnlyOmit   string   `xml:",omitempty"`
		Level      level    `xml:"level"`
		Upper      upper    `xml:"upper"`
		A1         string   `xml:"a>b>c1"`
		A2         string   `xml:"a>b>c2"`
		A3         string   `xml:"a>d,omitempty"` // omitted, but its parent stays open
		A4         *string  `xml:"a>e>f"`         // nil: no parents opened
		X1         string   `xml:"x>y"`
		Items      []leaf   `xml:"itemSet>item"`
		NoItems    []leaf   `xml:"emptySet>item"`
		OmitItems  []leaf   `xml:"omitSet>item,omitempty"`
		Strs       []string `xml:"strs>s,omitempty"` // empty elements are dropped one by one
		Nested     [][]int  `xml:"nested>n"`
		Ptrs       []*leaf  `xml:"ptrs>p"`
		PP         **leaf   `xml:"pp"`
		Bytes      []byte   `xml:"bytes"`
		Arr        [2]byte  `xml:"arr"`
		IntArr     [3]int   `xml:"intArr>i"`
		I8         int8     `xml:"i8"`
		U64        uint64   `xml:"u64"`
		F32        float32  `xml:"f32"`
		F64        float64  `xml:"f64"`
		NegZero    float64  `xml:"negZero,omitempty"`
		NaN        float64  `xml:"nan"`
		Inf        float64  `xml:"inf"`
		T          time.Time
		TP         *time.Time `xml:"tp"`
		Omit       omitAll    `xml:"omit"`
		Self       *corner    `xml:"self"`
		Escapes    string     `xml:"escapes"`
	}
)

func (u upper) MarshalText() ([]byte, error) { return []byte(strings.ToUpper(string(u)) + " <&>"), nil }

func cornerValue() corner {
	s := "pointed"
	pl := &leaf{"pp", "<"}
	tm := time.Date(2026, 1, 2, 3, 4, 5, 600, time.FixedZone("x", 3600))
	return corner{
		unexported: "hidden", Plain: "plain", Renamed: "r", Skipped: "no", Level: "info", Upper: "shout",
		A1: "1", A2: "2", X1: "x",
		Items:  []leaf{{"a", "b"}, {"c", "d"}},
		Strs:   []string{"one", "", "three"},
		Nested: [][]int{{1, 2}, {}, {3}},
		Ptrs:   []*leaf{{"p", "q"}, nil, {"r", "s"}},
		PP:     &pl, Bytes: []byte("by<tes"), Arr: [2]byte{'h', 'i'}, IntArr: [3]int{7, 8, 9},
		I8: -8, U64: math.MaxUint64, F32: 1.5, F64: 1e21, NegZero: math.Copysign(0, -1), NaN: math.NaN(), Inf: math.Inf(-1),
		T: tm, TP: &tm,
		Omit:    omitAll{P: &s},
		Self:    &corner{Plain: "inner", Omit: omitAll{S: "s", L: []string{""}}},
		Escapes: "quote\" apos' amp& lt< gt> tab\t nl\n cr\r ctl\x01 bad\xff surrogate\xed\xa0\x80 ok\u00e9\U0001F600 fffe\uFFFE repl\uFFFD end",
	}
}

// TestFastPathMatchesEncodingXML compares the fast path with encoding/xml
// byte for byte.
func TestFastPathMatchesEncodingXML(t *testing.T) {
	cases := map[string]any{
		"corner":             cornerValue(),
		"corner pointer":     ptr(cornerValue()),
		"zero corner":        corner{},
		"describe instances": sampleDescribe(3),
		"stop instances": stopInstancesResult{Changes: []instanceChange{
			{"i-1", state{64, "stopping"}, state{16, "running"}}, {"i-2", state{80, "stopped"}, state{80, "stopped"}}}},
		"empty struct":  struct{}{},
		"omit all zero": omitAll{},
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := planFor(reflect.TypeOf(v)); err != nil && reflect.TypeOf(v).Kind() == reflect.Struct {
				t.Fatalf("planFor: %v, want the fast path", err)
			}
			fast, err := appendBody(nil, v)
			if err != nil {
				t.Fatalf("fast: %v", err)
			}
			std, err := appendStd(nil, v)
			if err != nil {
				t.Fatalf("std: %v", err)
			}
			if diff := cmp.Diff(string(fast), string(std)); diff != "" {
				t.Errorf("fast path differs from encoding/xml (-fast +std):\n%s", diff)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

type (
	withAttr struct {
		ID string `xml:"id,attr"`
		V  string `xml:"v"`
	}
	nestedName struct {
		XMLName xml.Name `xml:"custom"`
		V       string   `xml:"v"`
	}
	withNestedName struct {
		N nestedName
	}
	rootName struct {
		XMLName xml.Name `xml:"Ignored"`
		V       string   `xml:"v"`
	}
	embedded struct {
		leaf
		C string `xml:"c"`
	}
	withIface struct {
		V any `xml:"v"`
	}
	marshaler     struct{}
	withMarshaler struct {
		M marshaler `xml:"m"`
	}
	ptrText       struct{ s string }
	withPtrText   struct{ P ptrText }
	withNamespace struct {
		V string `xml:"urn:x v"`
	}
	withChardata struct {
		V string `xml:",chardata"`
	}
	withMap struct {
		M map[string]string `xml:"m"`
	}
	badTime struct {
		T time.Time `xml:"t"`
	}
)

func (marshaler) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement("custom", start)
}

func (p *ptrText) MarshalText() ([]byte, error) { return []byte("ptr"), nil }

// TestFallback checks that types outside the fast path's subset go to
// encoding/xml and come out as encoding/xml renders them.
func TestFallback(t *testing.T) {
	cases := []struct {
		name string
		v    any
		fast bool // the fast path handles it
		want string
	}{
		{"attr", withAttr{ID: "1", V: "v"}, false, "<v>v</v>"},
		{"nested XMLName", withNestedName{N: nestedName{V: "v"}}, false, "<custom><v>v</v></custom>"},
		{"root XMLName", rootName{V: "v"}, true, "<v>v</v>"},
		{"embedded", embedded{leaf: leaf{"a", "b"}, C: "c"}, false, "<A>a</A><B>b</B><c>c</c>"},
		{"interface", withIface{V: 5}, false, "<v>5</v>"},
		{"marshaler", withMarshaler{}, false, "<m>custom</m>"},
		{"pointer text marshaler", &withPtrText{}, false, "<P>ptr</P>"},
		{"namespace", withNamespace{V: "v"}, false, `<v xmlns="urn:x">v</v>`},
		{"chardata", withChardata{V: "text"}, false, "text"},
		{"nil pointer", (*leaf)(nil), true, ""},
		{"nil", nil, true, ""},
		{"string", "just text", false, "just text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.v != nil {
				rt := reflect.TypeOf(c.v)
				for rt.Kind() == reflect.Pointer {
					rt = rt.Elem()
				}
				_, err := planFor(rt)
				if fast := err == nil; fast != c.fast {
					t.Errorf("fast path = %v, want %v (err %v)", fast, c.fast, err)
				}
			}
			got, err := appendBody(nil, c.v)
			if err != nil {
				t.Fatalf("appendBody: %v", err)
			}
			if string(got) != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestWriteResponseErrors(t *testing.T) {
	cases := []struct {
		name   string
		action string
		v      any
	}{
		{"map", "DescribeThings", withMap{M: map[string]string{"a": "b"}}},
		{"time out of range", "DescribeThings", badTime{T: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"bad action", "Describe<Things>", struct{}{}},
		{"empty action", "", struct{}{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			err := WriteResponse(w, c.action, "req-9", c.v)
			if err == nil {
				t.Fatal("WriteResponse succeeded")
			}
			if w.Code != http.StatusInternalServerError {
				t.Errorf("status = %d, want 500", w.Code)
			}
			e := parseError(t, w.Body.Bytes())
			if diff := cmp.Diff(e, errorDoc{Code: "InternalError", Message: "An internal error has occurred", RequestID: "req-9"}); diff != "" {
				t.Errorf("error body (-got +want):\n%s", diff)
			}
		})
	}
}

type errorDoc struct {
	XMLName   xml.Name `xml:"Response" cmp:"-"`
	Code      string   `xml:"Errors>Error>Code"`
	Message   string   `xml:"Errors>Error>Message"`
	RequestID string   `xml:"RequestID"`
}

func parseError(t *testing.T, body []byte) errorDoc {
	t.Helper()
	var e errorDoc
	if err := xml.Unmarshal(body, &e); err != nil {
		t.Fatalf("unmarshal error body %q: %v", body, err)
	}
	e.XMLName = xml.Name{}
	return e
}

func TestWriteError(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, http.StatusBadRequest, "InvalidInstanceID.NotFound", `The instance ID 'i-1<&>"' does not exist`, "req-1")
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID &#39;i-1&lt;&amp;&gt;&#34;&#39; does not exist</Message></Error></Errors><RequestID>req-1</RequestID></Response>`
	if diff := cmp.Diff(w.Body.String(), want); diff != "" {
		t.Errorf("body (-got +want):\n%s", diff)
	}
	if w.Code != 400 || w.Header().Get("Content-Type") != ContentType || w.Header().Get("Content-Length") != strconv.Itoa(len(want)) {
		t.Errorf("status %d, headers %v", w.Code, w.Header())
	}
	if diff := cmp.Diff(parseError(t, w.Body.Bytes()), errorDoc{Code: "InvalidInstanceID.NotFound",
		Message: `The instance ID 'i-1<&>"' does not exist`, RequestID: "req-1"}); diff != "" {
		t.Errorf("parsed (-got +want):\n%s", diff)
	}
}

func TestWriteResponse(t *testing.T) {
	w := httptest.NewRecorder()
	v := stopInstancesResult{Changes: []instanceChange{{"i-1", state{64, "stopping"}, state{16, "running"}}}}
	if err := WriteResponse(w, "StopInstances", "req-<1>", v); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<StopInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-&lt;1&gt;</requestId>` +
		`<instancesSet><item><instanceId>i-1</instanceId><currentState><code>64</code><name>stopping</name></currentState>` +
		`<previousState><code>16</code><name>running</name></previousState></item></instancesSet></StopInstancesResponse>`
	if diff := cmp.Diff(w.Body.String(), want); diff != "" {
		t.Errorf("body (-got +want):\n%s", diff)
	}

	// Parse it back the way a client would.
	var got struct {
		XMLName   xml.Name
		RequestID string           `xml:"requestId"`
		Changes   []instanceChange `xml:"instancesSet>item"`
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.XMLName != (xml.Name{Space: EC2Namespace, Local: "StopInstancesResponse"}) || got.RequestID != "req-<1>" {
		t.Errorf("envelope = %v %q", got.XMLName, got.RequestID)
	}
	if diff := cmp.Diff(got.Changes, v.Changes); diff != "" {
		t.Errorf("changes (-got +want):\n%s", diff)
	}

	// A large response parses back intact.
	big := sampleDescribe(200)
	w = httptest.NewRecorder()
	if err := WriteResponse(w, "DescribeInstances", "req-2", &big); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Reservations []reservation `xml:"reservationSet>item"`
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(back.Reservations, big.Reservations); diff != "" {
		t.Errorf("round trip (-got +want):\n%s", diff)
	}

	// An empty response has just the request id.
	w = httptest.NewRecorder()
	if err := WriteResponse(w, "RebootInstances", "req-3", nil); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(w.Body.String(), `<RebootInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-3</requestId></RebootInstancesResponse>`) {
		t.Errorf("empty response = %q", w.Body.String())
	}
}

type failingWriter struct{ discardWriter }

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestWriteResponseReportsWriteError(t *testing.T) {
	w := &failingWriter{discardWriter{h: http.Header{}}}
	if err := WriteResponse(w, "RebootInstances", "r", nil); err == nil {
		t.Error("WriteResponse hid the write error")
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "plain", "<&>\"'", "\t\n\r\x00\x1f", "\xff\xfe", "\xed\xa0\x80", "\uFFFD\uFFFE\uFFFF", "é😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var sb strings.Builder
		_ = xml.EscapeText(&sb, []byte(s))
		if got := string(appendEscaped(nil, s)); got != sb.String() {
			t.Errorf("appendEscaped(%q) = %q, encoding/xml gives %q", s, got, sb.String())
		}
	})
}
