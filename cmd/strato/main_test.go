package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), err
}

// exports parses `export NAME=value` lines (values may be single-quoted).
func exports(t *testing.T, s string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		name, val, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok || !strings.HasPrefix(line, "export ") {
			t.Fatalf("not an export line: %q", line)
		}
		m[name] = strings.Trim(val, "'")
	}
	return m
}

func TestEnvPrintsTheDefaultKey(t *testing.T) {
	dir := t.TempDir()
	out, err := runCmd(t, "env", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	env := exports(t, out)
	if !regexp.MustCompile(`^AKIA[0-9A-Z]{16}$`).MatchString(env["AWS_ACCESS_KEY_ID"]) || len(env["AWS_SECRET_ACCESS_KEY"]) != 40 {
		t.Errorf("credentials look wrong: %v", env)
	}
	if env["AWS_ENDPOINT_URL"] != "http://127.0.0.1:8773" || env["AWS_REGION"] != "us-east-1" {
		t.Errorf("endpoint/region = %q/%q", env["AWS_ENDPOINT_URL"], env["AWS_REGION"])
	}
	// Huawei Cloud's SDK: the same key, and the account's project.
	if env["HUAWEICLOUD_SDK_AK"] != env["AWS_ACCESS_KEY_ID"] || env["HUAWEICLOUD_SDK_SK"] != env["AWS_SECRET_ACCESS_KEY"] ||
		!regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(env["HUAWEICLOUD_SDK_PROJECT_ID"]) {
		t.Errorf("Huawei Cloud SDK variables look wrong: %v", env)
	}
	// Idempotent: the same key the second time.
	out2, _ := runCmd(t, "env", "--data-dir", dir)
	if out2 != out {
		t.Errorf("second env differs:\n%s\n%s", out, out2)
	}
	// The database holding the secret is private to the daemon's user.
	fi, err := os.Stat(filepath.Join(dir, "strato.db"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("strato.db mode %v, want 0600", fi.Mode().Perm())
	}
	// The endpoint the server last listened on wins.
	if err := os.WriteFile(filepath.Join(dir, "endpoint"), []byte("http://127.0.0.1:4567\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "region"), []byte("eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out3, _ := runCmd(t, "env", "--data-dir", dir)
	if got := exports(t, out3); got["AWS_ENDPOINT_URL"] != "http://127.0.0.1:4567" || got["AWS_REGION"] != "eu-west-1" || got["AWS_DEFAULT_REGION"] != "eu-west-1" {
		t.Errorf("env after a serve in eu-west-1 = %v", got)
	}
}

func TestAccountsAndKeys(t *testing.T) {
	dir := t.TempDir()
	acct, err := runCmd(t, "account", "create", "--data-dir", dir, "--name", "team-b")
	if err != nil {
		t.Fatal(err)
	}
	acct = strings.TrimSpace(acct)
	if !regexp.MustCompile(`^\d{12}$`).MatchString(acct) {
		t.Fatalf("account id %q", acct)
	}
	pol := filepath.Join(dir, "ro.json")
	if err := os.WriteFile(pol, []byte(`{"Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, "key", "create", "--data-dir", dir, "--account", acct, "--policy", pol, "--description", "ro")
	if err != nil {
		t.Fatal(err)
	}
	key := exports(t, out)["AWS_ACCESS_KEY_ID"]
	list, err := runCmd(t, "key", "list", "--data-dir", dir, "--account", acct)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(list, key) || !strings.Contains(list, "custom") || strings.Contains(list, exports(t, out)["AWS_SECRET_ACCESS_KEY"]) {
		t.Errorf("key list (must show the key and its policy, never the secret):\n%s", list)
	}
	if _, err := runCmd(t, "key", "delete", "--data-dir", dir, key); err != nil {
		t.Fatal(err)
	}
	if list, _ := runCmd(t, "key", "list", "--data-dir", dir, "--account", acct); strings.Contains(list, key) {
		t.Error("deleted key still listed")
	}
	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte(`{"Statement":[{"Effect":"Maybe","Action":"*"}]}`), 0o600)
	if _, err := runCmd(t, "key", "create", "--data-dir", dir, "--policy", bad); err == nil {
		t.Error("a policy with Effect Maybe was accepted")
	}
}

func TestServeFlagValidation(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--auth", "sometimes"},
		{"serve", "--account-id", "12345"},
		{"serve", "--stop-timeout", "0s"},
		{"serve", "--log-level", "chatty"},
		{"serve", "--private-cidr", "nonsense"},
		{"frobnicate"},
		{},
	} {
		if _, err := runCmd(t, args...); err == nil {
			t.Errorf("strato %v succeeded, want an error", args)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8773": "http://127.0.0.1:8773",
		"a b":                   "'a b'",
		"it's":                  `'it'\''s'`,
		"":                      "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
