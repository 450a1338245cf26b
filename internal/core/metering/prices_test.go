package metering

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAmountString(t *testing.T) {
	for _, tc := range []struct {
		a    Amount
		want string
	}{
		{0, "0.00"},
		{173333, "0.000173333"},
		{1, "0.000000001"},
		{1_500_000_000, "1.50"},
		{19_600_000, "0.0196"},
		{-250_000_000, "-0.25"},
		{12_345_678_901, "12.345678901"},
	} {
		if got := tc.a.String(); got != tc.want {
			t.Errorf("Amount(%d) = %q, want %q", int64(tc.a), got, tc.want)
		}
		back, err := ParseAmount(tc.want)
		if err != nil || back != tc.a {
			t.Errorf("ParseAmount(%q) = %d, %v", tc.want, back, err)
		}
	}
	for _, bad := range []string{"", "1e-3", "0.0000000001", "abc", "1.", ".5"} {
		if _, err := ParseAmount(bad); err == nil {
			t.Errorf("ParseAmount(%q) succeeded", bad)
		}
	}
}

func TestAmountJSONIsAnExactNumber(t *testing.T) {
	b, err := json.Marshal(struct {
		A Amount `json:"a"`
	}{173333})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"a":0.000173333}` {
		t.Errorf("json = %s", b)
	}
	var back struct {
		A Amount `json:"a"`
	}
	if err := json.Unmarshal(b, &back); err != nil || back.A != 173333 {
		t.Errorf("round trip = %d, %v", back.A, err)
	}
}

func TestAmountOfRoundsHalfAwayFromZero(t *testing.T) {
	for _, tc := range []struct {
		num, den int64
		want     Amount
	}{
		{1, 3_000_000_000, 0},   // 0.33 nano
		{1, 2_000_000_000, 1},   // 0.5 nano
		{-1, 2_000_000_000, -1}, // -0.5 nano
		{2, 3_000_000_000, 1},   // 0.67 nano
		{104 * 60, 10000 * 3600, 173333},
	} {
		if got := amountOf(big.NewRat(tc.num, tc.den)); got != tc.want {
			t.Errorf("amountOf(%d/%d) = %d, want %d", tc.num, tc.den, got, tc.want)
		}
	}
}

func TestDefaultPrices(t *testing.T) {
	p := DefaultPrices()
	for _, tc := range []struct {
		typ, platform string
		vcpus         int
		want          string
		known         bool
	}{
		{"t3.micro", "", 2, "0.0104", true},
		{"t3.micro", "linux", 2, "0.0104", true},
		{"t3.micro", "windows", 2, "0.0196", true},
		{"m5.xlarge", "windows", 4, "0.2104", true},
		{"no.such-type", "", 1, "0.1", false},
	} {
		h, known := p.Hourly(tc.typ, tc.platform, tc.vcpus)
		if got := ratDecimal(h).String(); got != tc.want || known != tc.known {
			t.Errorf("Hourly(%s, %q) = %s (known %v), want %s (%v)", tc.typ, tc.platform, got, known, tc.want, tc.known)
		}
	}
	if got := ratDecimal(p.StorageGBMonth()).String(); got != "0.08" {
		t.Errorf("storage = %s", got)
	}
	if got := ratDecimal(p.ReservationHourly("t3.micro", "", 2)).String(); got != "0.0104" {
		t.Errorf("reservation = %s", got)
	}
}

func TestLoadPricesOverride(t *testing.T) {
	p, err := LoadPrices([]byte(`{
		"default_hourly": 0.5,
		"instance_types": {"t3.micro": "0.02", "custom.big": "1.25"},
		"platforms": {"windows": {"extra_hourly_per_vcpu": "0.01"}},
		"storage": {"gb_month": "0.1"},
		"reservation": {"multiplier": "0.25"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, q := range []struct{ typ, platform string }{{"t3.micro", ""}, {"t3.small", ""}, {"custom.big", ""}, {"unknown", ""}, {"t3.micro", "windows"}} {
		h, _ := p.Hourly(q.typ, q.platform, 2)
		got[q.typ+"/"+q.platform] = ratDecimal(h).String()
	}
	got["storage"] = ratDecimal(p.StorageGBMonth()).String()
	got["reservation"] = ratDecimal(p.ReservationHourly("t3.micro", "", 2)).String()
	want := map[string]string{
		"t3.micro/":        "0.02",   // overridden
		"t3.small/":        "0.0208", // built in
		"custom.big/":      "1.25",   // added
		"unknown/":         "0.5",    // default_hourly, overridden as a number literal
		"t3.micro/windows": "0.04",   // 0.02 × 1 + 0.01 × 2 vCPUs
		"storage":          "0.1",
		"reservation":      "0.005",
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("prices (-got +want):\n%s", diff)
	}
}

func TestLoadPricesRejects(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
	}{
		{"unknown field", `{"instance_type": {}}`, "unknown field"},
		{"negative price", `{"instance_types": {"t3.micro": "-1"}}`, "non-negative decimal"},
		{"exponent", `{"default_hourly": 1e-3}`, "non-negative decimal"},
		{"not a number", `{"storage": {"gb_month": "cheap"}}`, "non-negative decimal"},
		{"currency", `{"currency": "EUR"}`, "only USD"},
		{"platform", `{"platforms": {"windwos": {"multiplier": "2"}}}`, "unknown platform"},
		{"empty type", `{"instance_types": {"": "1"}}`, "empty"},
		{"trailing data", `{} {}`, "after the JSON object"},
		{"not JSON", `prices`, "price file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadPrices([]byte(tc.file))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadPrices(%s) = %v, want an error containing %q", tc.file, err, tc.want)
			}
		})
	}
}

func TestPriceFileRoundTrip(t *testing.T) {
	f := DefaultPrices().File()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPrices(b)
	if err != nil {
		t.Fatalf("the resolved catalog does not load back: %v\n%s", err, b)
	}
	h, _ := p.Hourly("t3.micro", "windows", 2)
	if got := ratDecimal(h).String(); got != "0.0196" {
		t.Errorf("round-tripped windows t3.micro = %s", got)
	}
}
