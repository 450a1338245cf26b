package ec2api

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
	"strato/internal/wire/awsquery"
)

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"web", "web", true},
		{"web", "web1", false},
		{"web*", "web-1", true},
		{"*", "", true},
		{"*-1", "web-1", true},
		{"w?b", "wab", true},
		{"w?b", "wb", false},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{`a\*`, "a*", true},
		{`a\*`, "ab", false},
		{"t3.*", "t3.micro", true},
		{"t3.*", "t2.micro", false},
		{"ünï*", "ünïcode", true},
	}
	for _, tt := range tests {
		if got := wildcardMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestCheckIDs(t *testing.T) {
	tests := []struct {
		id       string
		check    func(string) error
		wantRes  errdefs.Resource
		wantFail bool
	}{
		{"i-12345678", checkInstanceID, "", false},
		{"i-0123456789abcdef0", checkInstanceID, "", false},
		{"i-0123456789abcdef", checkInstanceID, errdefs.ResInstance, true},
		{"i-1234567", checkInstanceID, errdefs.ResInstance, true},
		{"I-12345678", checkInstanceID, errdefs.ResInstance, true},
		{"ami-12345678", checkImageID, "", false},
		{"ami-0000000000000000a", checkImageID, "", false},
		{"ami-xyz", checkImageID, errdefs.ResImage, true},
		{"vol-0123456789abcdef0", checkResourceID, "", false},
		{"i-xyz", checkResourceID, errdefs.ResInstance, true},
		{"sg-12345678", checkResourceID, "", false},
		{"web", checkResourceID, resResourceID, true},
	}
	for _, tt := range tests {
		err := tt.check(tt.id)
		if (err != nil) != tt.wantFail {
			t.Errorf("%s: err = %v, want fail %v", tt.id, err, tt.wantFail)
			continue
		}
		if err != nil {
			if e := errdefs.As(err); e.Kind != errdefs.InvalidArgument || e.Resource != tt.wantRes || e.ID != tt.id {
				t.Errorf("%s: %+v", tt.id, e)
			}
		}
	}
}

func TestDecodeBase64(t *testing.T) {
	for _, in := range []string{"ZWNobyBoaQ==", "ZWNobyBoaQ", " ZWNobyBoaQ==\n", "ZWNobyBoaQ-_"[:10]} {
		got, err := decodeBase64(in)
		if err != nil || string(got) != "echo hi" {
			t.Errorf("decodeBase64(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := decodeBase64("!!"); err == nil {
		t.Error("decodeBase64 accepted garbage")
	}
}

func TestMaxResults(t *testing.T) {
	p := func(v string) awsquery.Params { return awsquery.Params{Values: url.Values{"MaxResults": {v}}} }
	for _, tt := range []struct {
		v    string
		want int
		ok   bool
	}{{"5", 5, true}, {"1000", 1000, true}, {"4", 0, false}, {"1001", 0, false}, {"x", 0, false}, {"99999999999", 0, false}} {
		got, err := maxResults(p(tt.v), 5, 1000)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("MaxResults=%s: %d, %v", tt.v, got, err)
		}
	}
	if got, err := maxResults(awsquery.Params{Values: url.Values{}}, 5, 1000); got != 0 || err != nil {
		t.Errorf("absent MaxResults: %d, %v", got, err)
	}
}

func TestPaginate(t *testing.T) {
	in := []int{1, 2, 3, 4, 5, 6, 7}
	var got [][]int
	token := ""
	for {
		page, next, err := paginate(in, 3, token)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page)
		if next == "" {
			break
		}
		token = next
	}
	if d := cmp.Diff(got, [][]int{{1, 2, 3}, {4, 5, 6}, {7}}); d != "" {
		t.Errorf("pages (-got +want):\n%s", d)
	}
	for _, bad := range []string{"zz", "b2Zmc2V0Ojk5", "!"} {
		if _, _, err := paginate(in, 3, bad); !errorsIs(err, errdefs.InvalidArgument, errdefs.ResPageToken) {
			t.Errorf("token %q: %v", bad, err)
		}
	}
}

func errorsIs(err error, k errdefs.Kind, r errdefs.Resource) bool {
	e := errdefs.As(err)
	return e != nil && e.Kind == k && e.Resource == r
}

func TestIDListDropsRepeats(t *testing.T) {
	p := awsquery.Params{Values: url.Values{"InstanceId.1": {iid1}, "InstanceId.3": {iid2}, "InstanceId.2": {iid1}}}
	got, err := instanceIDs(p, true)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(got, []string{iid1, iid2}); d != "" {
		t.Errorf("ids (-got +want):\n%s", d)
	}
}
