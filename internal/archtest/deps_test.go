package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const mod = "strato/"

// rule constrains the packages under Prefix (module-relative).
type rule struct {
	Prefix string
	// Allowed lists the internal packages (or subtrees, with a trailing /)
	// the packages may depend on, besides their own subtree.
	Allowed []string
	// ForbiddenExternal lists standard or third-party packages they must not use.
	ForbiddenExternal []string
}

// rules is ARCHITECTURE.md's dependency table. Transitive dependencies count.
var rules = []rule{
	{Prefix: "internal/errdefs"},
	{Prefix: "internal/clock"},
	{Prefix: "internal/driver", Allowed: []string{"internal/errdefs", "internal/clock"}},
	{Prefix: "internal/wire/", Allowed: []string{"internal/errdefs", "internal/clock"}},
	{Prefix: "internal/core/", Allowed: []string{"internal/errdefs", "internal/clock", "internal/driver"},
		ForbiddenExternal: []string{"net/http", "database/sql"}},
	{Prefix: "internal/store/", Allowed: []string{"internal/core/", "internal/errdefs", "internal/clock", "internal/driver"}},
	{Prefix: "internal/api/", Allowed: []string{"internal/wire/", "internal/core/", "internal/errdefs", "internal/clock", "internal/driver"}},
}

type pkg struct {
	ImportPath string
	Deps       []string
}

// violations returns one line per forbidden dependency.
func violations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		rel := strings.TrimPrefix(p.ImportPath, mod)
		for _, r := range rules {
			if !under(rel, r.Prefix) {
				continue
			}
			for _, d := range p.Deps {
				if !strings.HasPrefix(d, mod) {
					if slices.Contains(r.ForbiddenExternal, d) {
						out = append(out, p.ImportPath+" → "+d)
					}
					continue
				}
				drel := strings.TrimPrefix(d, mod)
				switch {
				case r.Prefix == "internal/api/" && under(drel, "internal/api/"):
					if apiName(rel) != apiName(drel) {
						out = append(out, p.ImportPath+" → "+d+" (api packages must not import each other)")
					}
				case under(drel, r.Prefix):
					// its own subtree
				case !allowedDep(drel, r.Allowed):
					out = append(out, p.ImportPath+" → "+d)
				}
			}
		}
	}
	return out
}

// under reports whether rel is prefix itself or inside it.
func under(rel, prefix string) bool {
	p := strings.TrimSuffix(prefix, "/")
	return rel == p || strings.HasPrefix(rel, p+"/")
}

// allowedDep: an entry with a trailing slash allows a subtree; without, only
// that exact package (so "internal/driver" admits the contract, not an
// implementation).
func allowedDep(dep string, allowed []string) bool {
	for _, a := range allowed {
		if strings.HasSuffix(a, "/") && under(dep, a) || dep == a {
			return true
		}
	}
	return false
}

func apiName(rel string) string {
	parts := strings.Split(rel, "/")
	if len(parts) < 3 {
		return rel
	}
	return parts[2]
}

func TestDependencyRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Deps", "strato/...").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages; the test is not looking at the module", len(pkgs))
	}
	for _, v := range violations(pkgs) {
		t.Error("dependency rule broken:", v)
	}
}

// TestCheckerCatchesViolations proves the checker is not vacuous.
func TestCheckerCatchesViolations(t *testing.T) {
	for _, tc := range []struct {
		pkg, dep string
		bad      bool
	}{
		{"internal/core/instance", "strato/internal/store/sqlite", true},
		{"internal/core/instance", "strato/internal/driver/process", true},
		{"internal/core/instance", "strato/internal/driver", false},
		{"internal/core/instance", "net/http", true},
		{"internal/core/instance", "strato/internal/core/catalog", false},
		{"internal/wire/sigv4", "strato/internal/core/iam", true},
		{"internal/driver/process", "strato/internal/core/instance", true},
		{"internal/driver/process", "strato/internal/driver", false},
		{"internal/errdefs", "strato/internal/clock", true},
		{"internal/api/ec2api", "strato/internal/api/sagemakerapi", true},
		{"internal/api/ec2api", "strato/internal/store/sqlite", true},
		{"internal/api/ec2api", "strato/internal/wire/awsquery", false},
		{"internal/store/sqlite", "strato/internal/api/ec2api", true},
		{"cmd/strato", "strato/internal/store/sqlite", false},
	} {
		got := len(violations([]pkg{{ImportPath: mod + tc.pkg, Deps: []string{tc.dep}}})) > 0
		if got != tc.bad {
			t.Errorf("%s → %s: violation = %v, want %v", tc.pkg, tc.dep, got, tc.bad)
		}
	}
}
