package awsjson

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

type hook struct {
	Content *string `json:"Content"`
}

type sample struct {
	Name     *string           `json:"Name"`
	Size     *int32            `json:"Size"`
	Big      int64             `json:"Big"`
	Ratio    float64           `json:"Ratio"`
	Enabled  *bool             `json:"Enabled"`
	When     *time.Time        `json:"When"`
	Stamp    Timestamp         `json:"Stamp"`
	Data     []byte            `json:"Data"`
	Names    []string          `json:"Names"`
	Hooks    []hook            `json:"Hooks"`
	Nested   *hook             `json:"Nested"`
	Labels   map[string]string `json:"Labels"`
	Untagged string
	Skipped  string `json:"-"`
	hidden   string
}

// timestampEqual compares Timestamps as instants.
var timestampEqual = cmp.Comparer(func(a, b Timestamp) bool { return time.Time(a).Equal(time.Time(b)) })

func ptr[T any](v T) *T { return &v }

func TestDecode(t *testing.T) {
	when := time.Date(2026, 11, 22, 20, 30, 0, 250_000_000, time.UTC)
	tests := []struct {
		name string
		doc  string
		want sample
	}{
		{name: "empty document", doc: "", want: sample{}},
		{name: "empty object", doc: "{}", want: sample{}},
		{name: "null document", doc: "null", want: sample{}},
		{name: "every type", doc: `{"Name":"nb-1","Size":5,"Big":9007199254740993,"Ratio":0.5,"Enabled":true,
			"When":1795379400.25,"Stamp":1795379400,"Data":"aGk=","Names":["a","b"],"Hooks":[{"Content":"ZWNobw=="},{}],
			"Nested":{"Content":"x"},"Labels":{"k":"v"},"Untagged":"u"}`,
			want: sample{Name: ptr("nb-1"), Size: ptr[int32](5), Big: 9007199254740993, Ratio: 0.5, Enabled: ptr(true),
				When: &when, Stamp: Timestamp(time.Unix(1795379400, 0).UTC()), Data: []byte("hi"), Names: []string{"a", "b"},
				Hooks: []hook{{Content: ptr("ZWNobw==")}, {}}, Nested: &hook{Content: ptr("x")}, Labels: map[string]string{"k": "v"},
				Untagged: "u"}},
		{name: "null members are absent", doc: `{"Name":null,"Size":null,"Names":null,"Nested":null,"When":null}`, want: sample{}},
		{name: "unknown members are ignored", doc: `{"Other":{"deep":[1,2,{"x":null}]},"Name":"a"}`, want: sample{Name: ptr("a")}},
		{name: "member names are case-sensitive", doc: `{"name":"a","NAME":"b","size":3}`, want: sample{}},
		{name: "dash-tagged and unexported fields stay untouched", doc: `{"Skipped":"x","-":"y","hidden":"z"}`, want: sample{}},
		{name: "integral forms of an integer", doc: `{"Size":5.0,"Big":1e3}`, want: sample{Size: ptr[int32](5), Big: 1000}},
		{name: "negative integer", doc: `{"Size":-7}`, want: sample{Size: ptr[int32](-7)}},
		{name: "empty list", doc: `{"Names":[]}`, want: sample{Names: []string{}}},
		{name: "null in a list", doc: `{"Names":["a",null]}`, want: sample{Names: []string{"a", ""}}},
		{name: "empty string", doc: `{"Name":""}`, want: sample{Name: ptr("")}},
		{name: "unicode", doc: `{"Name":"caf\u00e9 ☕"}`, want: sample{Name: ptr("café ☕")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got sample
			if err := Decode([]byte(tt.doc), &got); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if d := cmp.Diff(got, tt.want, cmp.AllowUnexported(sample{}), timestampEqual); d != "" {
				t.Errorf("Decode (-got +want):\n%s", d)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantMsg string // "" = any message
	}{
		{"malformed", `{"Name":`, "The request body is not well-formed JSON."},
		{"trailing document", `{} {}`, "The request body must hold exactly one JSON document."},
		{"trailing garbage", `{}x`, ""},
		{"array", `[1]`, "The request body must be a JSON object."},
		{"number", `5`, "The request body must be a JSON object."},
		{"number for a string", `{"Name":5}`, "NUMBER_VALUE can not be converted to String"},
		{"true for a string", `{"Name":true}`, "TRUE_VALUE can not be converted to String"},
		{"false for an integer", `{"Size":false}`, "FALSE_VALUE can not be converted to an Integer"},
		{"string for an integer", `{"Size":"5"}`, "STRING_VALUE can not be converted to an Integer"},
		{"string for a long", `{"Big":"5"}`, "STRING_VALUE can not be converted to a Long"},
		{"fraction for an integer", `{"Size":5.5}`, "NUMBER_VALUE '5.5' can not be converted to an Integer"},
		{"integer overflow", `{"Size":2147483648}`, "NUMBER_VALUE '2147483648' can not be converted to an Integer"},
		{"long overflow", `{"Big":9223372036854775808}`, ""},
		{"huge exponent", `{"Big":1e400}`, ""},
		{"string for a double", `{"Ratio":"x"}`, "STRING_VALUE can not be converted to a Double"},
		{"string for a boolean", `{"Enabled":"true"}`, "STRING_VALUE can not be converted to a Boolean"},
		{"object for a string", `{"Name":{}}`, "Start of structure or map found where not expected."},
		{"list for a string", `{"Name":[]}`, "Start of list found where not expected"},
		{"string for a list", `{"Names":"a"}`, "STRING_VALUE can not be converted to a List"},
		{"number in a string list", `{"Names":["a",1]}`, "NUMBER_VALUE can not be converted to String"},
		{"string for a structure", `{"Nested":"x"}`, "STRING_VALUE can not be converted to a Structure"},
		{"list for a map", `{"Labels":[]}`, "Start of list found where not expected"},
		{"number in a map", `{"Labels":{"k":1}}`, "NUMBER_VALUE can not be converted to String"},
		{"string timestamp", `{"When":"2026-11-22T20:30:00Z"}`, "STRING_VALUE can not be converted to a Timestamp"},
		{"timestamp out of range", `{"When":1e12}`, ""},
		{"timestamp too long", `{"When":1234567890123456}`, ""},
		{"bad base64", `{"Data":"%%%"}`, "A blob member is not valid base64."},
		{"number for a blob", `{"Data":1}`, "NUMBER_VALUE can not be converted to a Blob"},
		{"deep error", `{"Hooks":[{"Content":"a"},{"Content":7}]}`, "NUMBER_VALUE can not be converted to String"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got sample
			err := Decode([]byte(tt.doc), &got)
			var e *errdefs.Error
			if !errors.As(err, &e) || e.Kind != errdefs.InvalidArgument || e.Resource != ResSerialization {
				t.Fatalf("Decode(%s) = %v, want a serialization error", tt.doc, err)
			}
			if tt.wantMsg != "" && e.Public != tt.wantMsg {
				t.Errorf("message %q, want %q", e.Public, tt.wantMsg)
			}
			if e.Public == "" {
				t.Error("empty public message")
			}
		})
	}
}

func TestDecodeProgrammingErrors(t *testing.T) {
	type withChan struct {
		C chan int `json:"C"`
	}
	type withIntMap struct {
		M map[int]string `json:"M"`
	}
	type Inner struct {
		Content string `json:"Content"`
	}
	type embedded struct{ Inner }
	var s sample
	for _, tt := range []struct {
		name string
		v    any
		doc  string
	}{
		{"not a pointer", s, "{}"},
		{"nil pointer", (*sample)(nil), "{}"},
		{"pointer to a non-struct", new(string), "{}"},
		{"unsupported kind", &withChan{}, `{"C":1}`},
		{"map with int keys", &withIntMap{}, `{"M":{"1":"a"}}`},
		{"embedded struct", &embedded{}, `{"Content":"a"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if k := errdefs.KindOf(Decode([]byte(tt.doc), tt.v)); k != errdefs.Internal {
				t.Errorf("kind %v, want internal", k)
			}
		})
	}
}

func TestParseEpochSeconds(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "0", want: time.Unix(0, 0)},
		{in: "1700000000", want: time.Unix(1700000000, 0)},
		{in: "1700000000.5", want: time.Unix(1700000000, 500_000_000)},
		{in: "1700000000.123456789", want: time.Unix(1700000000, 123456789)},
		{in: "1700000000.1234567891234", want: time.Unix(1700000000, 123456789)},
		{in: "1.7e9", want: time.Unix(1700000000, 0)},
		{in: "1.7000000005E9", want: time.Unix(1700000000, 500_000_000)},
		{in: "-1.5", want: time.Unix(-1, -500_000_000)},
		{in: "253402300799", want: time.Unix(253402300799, 0)},
		{in: "253402300800", bad: true},
		{in: "1e300", bad: true},
		{in: "", bad: true},
		{in: ".5", bad: true},
		{in: "1.", want: time.Unix(1, 0)},
		{in: "1.2.3", bad: true},
		{in: "12a", bad: true},
		{in: "--1", bad: true},
		{in: "NaN", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseEpochSeconds(tt.in)
			if tt.bad {
				if err == nil {
					t.Fatalf("ParseEpochSeconds(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("ParseEpochSeconds(%q) = %v, %v; want %v UTC", tt.in, got, err, tt.want.UTC())
			}
		})
	}
}

func TestDecodeLargeDocument(t *testing.T) {
	// A long list of members is decoded fully; limits are the frontend's.
	doc := `{"Names":[` + strings.TrimSuffix(strings.Repeat(`"n",`, 10000), ",") + `]}`
	var got sample
	if err := Decode([]byte(doc), &got); err != nil || len(got.Names) != 10000 {
		t.Fatalf("Decode: %v, %d names", err, len(got.Names))
	}
}
