package iam

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/clock"
	"strato/internal/errdefs"
)

var (
	t0         = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	keyIDRe    = regexp.MustCompile(`^AKIA[A-Z0-9]{16}$`)
	secretRe   = regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`)
	accountRe  = regexp.MustCompile(`^[1-9][0-9]{11}$`)
	background = context.Background()
)

func newTestService(t *testing.T, opts Options) (*Service, *memStore, *clock.Fake) {
	t.Helper()
	st := newMemStore()
	clk := clock.NewFake(t0)
	return NewService(st, clk, opts), st, clk
}

// errIs checks err's kind and resource.
func errIs(t *testing.T, err error, kind errdefs.Kind, res errdefs.Resource) *errdefs.Error {
	t.Helper()
	var e *errdefs.Error
	if !errors.As(err, &e) || e.Kind != kind || (res != "" && e.Resource != res) {
		t.Fatalf("err = %#v (%v), want %v/%q", e, err, kind, res)
	}
	return e
}

func TestBootstrap(t *testing.T) {
	s, st, _ := newTestService(t, Options{})
	acct, key, err := s.Bootstrap(background)
	if err != nil {
		t.Fatalf("Bootstrap: %v", err)
	}
	if !accountRe.MatchString(acct.ID) || acct.Name != DefaultAccountName || !acct.CreatedAt.Equal(t0) {
		t.Errorf("account = %+v", acct)
	}
	if !keyIDRe.MatchString(key.AccessKeyID) || !secretRe.MatchString(key.SecretAccessKey) ||
		key.AccountID != acct.ID || key.Policy != nil || !key.CreatedAt.Equal(t0) {
		t.Errorf("key = %+v", key)
	}
	if diff := cmp.Diff(st.settings, map[string]string{
		SettingDefaultAccountID: acct.ID, SettingDefaultAccessKeyID: key.AccessKeyID,
	}); diff != "" {
		t.Errorf("settings (-got +want):\n%s", diff)
	}

	// Idempotent, also across a restart.
	for _, svc := range []*Service{s, NewService(st, clock.NewFake(t0.Add(time.Hour)), Options{})} {
		a2, k2, err := svc.Bootstrap(background)
		if err != nil {
			t.Fatalf("second Bootstrap: %v", err)
		}
		if diff := cmp.Diff([]any{a2, k2}, []any{acct, key}); diff != "" {
			t.Errorf("second Bootstrap (-got +want):\n%s", diff)
		}
	}
	if len(st.accounts) != 1 || len(st.keys) != 1 {
		t.Errorf("store has %d accounts and %d keys, want 1 and 1", len(st.accounts), len(st.keys))
	}
	dk, err := s.DefaultKey(background)
	if err != nil || dk != key {
		t.Errorf("DefaultKey = %+v, %v; want %+v", dk, err, key)
	}

	// A deleted root key is replaced; the account stays.
	if err := s.DeleteKey(background, key.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	a3, k3, err := s.Bootstrap(background)
	if err != nil {
		t.Fatal(err)
	}
	if a3 != acct || k3.AccessKeyID == key.AccessKeyID || st.settings[SettingDefaultAccessKeyID] != k3.AccessKeyID {
		t.Errorf("after deleting the root key: account %+v, key %+v", a3, k3)
	}
}

func TestBootstrapOptions(t *testing.T) {
	t.Run("configured account", func(t *testing.T) {
		s, st, _ := newTestService(t, Options{DefaultAccountID: "000000000042", DefaultAccountName: "ops"})
		acct, key, err := s.Bootstrap(background)
		if err != nil {
			t.Fatal(err)
		}
		if acct.ID != "000000000042" || acct.Name != "ops" || key.AccountID != "000000000042" {
			t.Errorf("account %+v key %+v", acct, key)
		}
		// Reconfiguring the default account moves the default there.
		s2 := NewService(st, clock.NewFake(t0), Options{DefaultAccountID: "111111111111"})
		acct2, key2, err := s2.Bootstrap(background)
		if err != nil {
			t.Fatal(err)
		}
		if acct2.ID != "111111111111" || key2.AccountID != "111111111111" || key2.AccessKeyID == key.AccessKeyID {
			t.Errorf("after reconfiguring: account %+v key %+v", acct2, key2)
		}
	})
	t.Run("invalid account id", func(t *testing.T) {
		s, _, _ := newTestService(t, Options{DefaultAccountID: "12345"})
		_, _, err := s.Bootstrap(background)
		errIs(t, err, errdefs.InvalidArgument, errdefs.ResAccount)
	})
	t.Run("existing account", func(t *testing.T) {
		s, st, _ := newTestService(t, Options{DefaultAccountID: "222222222222"})
		st.accounts["222222222222"] = Account{ID: "222222222222", Name: "pre-existing", CreatedAt: t0.Add(-time.Hour)}
		acct, _, err := s.Bootstrap(background)
		if err != nil || acct.Name != "pre-existing" {
			t.Errorf("Bootstrap = %+v, %v", acct, err)
		}
	})
	t.Run("store failure", func(t *testing.T) {
		s, st, _ := newTestService(t, Options{})
		st.failNext = errDisk
		_, _, err := s.Bootstrap(background)
		e := errIs(t, err, errdefs.Internal, "")
		if !errors.Is(err, errDisk) || strings.Contains(e.Public, "fire") {
			t.Errorf("err = %#v", e)
		}
	})
	t.Run("not bootstrapped", func(t *testing.T) {
		s, _, _ := newTestService(t, Options{})
		_, err := s.DefaultKey(background)
		errIs(t, err, errdefs.NotFound, errdefs.ResAccessKey)
	})
}

func TestBootstrapConcurrent(t *testing.T) {
	s, st, _ := newTestService(t, Options{})
	var wg sync.WaitGroup
	keys := make([]Key, 8)
	for i := range keys {
		wg.Go(func() {
			_, k, err := s.Bootstrap(background)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if k != keys[0] {
			t.Errorf("concurrent Bootstraps returned different keys: %v and %v", k.AccessKeyID, keys[0].AccessKeyID)
		}
	}
	if len(st.accounts) != 1 || len(st.keys) != 1 {
		t.Errorf("store has %d accounts and %d keys", len(st.accounts), len(st.keys))
	}
}

func TestLookup(t *testing.T) {
	s, st, _ := newTestService(t, Options{})
	acct, root, err := s.Bootstrap(background)
	if err != nil {
		t.Fatal(err)
	}
	p := &Policy{Statement: []Statement{allow(StringOrList{"ec2:Describe*"}, nil)}}
	limited, err := s.CreateKey(background, acct.ID, "read only", p)
	if err != nil {
		t.Fatal(err)
	}

	type res struct {
		P      Principal
		Secret string
	}
	for name, c := range map[string]struct {
		key  string
		want res
	}{
		"root":    {root.AccessKeyID, res{Principal{acct.ID, root.AccessKeyID, nil}, root.SecretAccessKey}},
		"limited": {limited.AccessKeyID, res{Principal{acct.ID, limited.AccessKeyID, p}, limited.SecretAccessKey}},
	} {
		t.Run(name, func(t *testing.T) {
			pr, secret, err := s.Lookup(background, c.key)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(res{pr, secret}, c.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		_, _, err := s.Lookup(background, "AKIAUNKNOWN000000000")
		e := errIs(t, err, errdefs.Unauthenticated, errdefs.ResAccessKey)
		if e.Public != "AWS was not able to validate the provided access credentials" || errors.Is(err, errdefs.ErrNotFound) {
			t.Errorf("err = %#v", e)
		}
	})
	t.Run("12 digits are not a key", func(t *testing.T) {
		_, _, err := s.Lookup(background, acct.ID)
		errIs(t, err, errdefs.Unauthenticated, errdefs.ResAccessKey)
	})
	t.Run("store failure", func(t *testing.T) {
		st.failNext = errDisk
		_, _, err := s.Lookup(background, root.AccessKeyID)
		errIs(t, err, errdefs.Internal, "")
	})
}

func TestLookupAnyMode(t *testing.T) {
	s, st, _ := newTestService(t, Options{AnyMode: true, DefaultAccountID: "999999999999"})
	if !s.AnyMode() {
		t.Fatal("AnyMode() = false")
	}
	// Before Bootstrap there is no default account to map to.
	_, _, err := s.Lookup(background, "AKIAANYTHING")
	errIs(t, err, errdefs.Internal, "")

	if _, _, err := s.Bootstrap(background); err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateAccount(background, "other")
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := s.CreateKey(background, other.ID, "", &Policy{Statement: []Statement{deny(StringOrList{"*"}, nil)}})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]Principal{
		"AKIAANYTHING":        {AccountID: "999999999999", AccessKeyID: "AKIAANYTHING"},
		"":                    {AccountID: "999999999999"},
		"123456789012":        {AccountID: "123456789012", AccessKeyID: "123456789012"},
		"1234567890123":       {AccountID: "999999999999", AccessKeyID: "1234567890123"},
		otherKey.AccessKeyID:  {AccountID: other.ID, AccessKeyID: otherKey.AccessKeyID},
		"test":                {AccountID: "999999999999", AccessKeyID: "test"},
		"12345678901a":        {AccountID: "999999999999", AccessKeyID: "12345678901a"},
		"000000000000":        {AccountID: "000000000000", AccessKeyID: "000000000000"},
		"AKIAIOSFODNN7EXAMPL": {AccountID: "999999999999", AccessKeyID: "AKIAIOSFODNN7EXAMPL"},
	}
	for key, want := range cases {
		t.Run(key, func(t *testing.T) {
			got, secret, err := s.Lookup(background, key)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, want); diff != "" || secret != "" {
				t.Errorf("(-got +want):\n%s\nsecret %q", diff, secret)
			}
			if err := got.Authorize("ec2:TerminateInstances", "*"); err != nil {
				t.Errorf("any-mode principal denied: %v", err)
			}
		})
	}
	// A restarted service finds the default account in the settings.
	s2 := NewService(st, clock.NewFake(t0), Options{AnyMode: true})
	if p, _, err := s2.Lookup(background, "x"); err != nil || p.AccountID != "999999999999" {
		t.Errorf("after restart: %+v, %v", p, err)
	}
}

func TestCreateAccount(t *testing.T) {
	s, st, clk := newTestService(t, Options{})
	clk.Advance(time.Minute)
	a, err := s.CreateAccount(background, "team ünïcode")
	if err != nil {
		t.Fatal(err)
	}
	if !accountRe.MatchString(a.ID) || a.Name != "team ünïcode" || !a.CreatedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("account = %+v", a)
	}
	if got, err := s.GetAccount(background, a.ID); err != nil || got != a {
		t.Errorf("GetAccount = %+v, %v", got, err)
	}
	if as, err := s.ListAccounts(background); err != nil || len(as) != 1 {
		t.Errorf("ListAccounts = %v, %v", as, err)
	}
	_, err = s.GetAccount(background, "000000000000")
	errIs(t, err, errdefs.NotFound, errdefs.ResAccount)

	for name, bad := range map[string]string{
		"empty": "", "too long": strings.Repeat("x", 129), "control": "a\nb", "invalid utf8": "a\xffb",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.CreateAccount(background, bad)
			errIs(t, err, errdefs.InvalidArgument, errdefs.ResParameter)
		})
	}

	// Collisions are retried with fresh ids.
	ids := map[string]bool{}
	for range 100 {
		a, err := s.CreateAccount(background, "n")
		if err != nil {
			t.Fatal(err)
		}
		ids[a.ID] = true
	}
	if len(ids) != 100 || len(st.accounts) != 101 {
		t.Errorf("%d distinct ids, %d accounts", len(ids), len(st.accounts))
	}
}

func TestKeys(t *testing.T) {
	s, st, _ := newTestService(t, Options{})
	a, err := s.CreateAccount(background, "a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateAccount(background, "b")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var created []Key
	for i := range 50 {
		acct := a.ID
		if i%2 == 1 {
			acct = b.ID
		}
		k, err := s.CreateKey(background, acct, "k", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !keyIDRe.MatchString(k.AccessKeyID) || !secretRe.MatchString(k.SecretAccessKey) || k.AccountID != acct {
			t.Fatalf("key = %+v", k)
		}
		if seen[k.AccessKeyID] || seen[k.SecretAccessKey] {
			t.Fatalf("repeated id or secret %+v", k)
		}
		seen[k.AccessKeyID], seen[k.SecretAccessKey] = true, true
		created = append(created, k)
	}

	list, err := s.ListKeys(background, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var want []Key
	for _, k := range created {
		if k.AccountID == a.ID {
			k.SecretAccessKey = ""
			want = append(want, k)
		}
	}
	if diff := cmp.Diff(list, want); diff != "" {
		t.Errorf("ListKeys (-got +want):\n%s", diff)
	}
	if all, err := s.ListKeys(background, ""); err != nil || len(all) != 50 {
		t.Errorf("ListKeys(all) = %d keys, %v", len(all), err)
	}
	if st.keys[created[0].AccessKeyID].SecretAccessKey == "" {
		t.Error("ListKeys blanked the stored secret")
	}

	if err := s.DeleteKey(background, created[0].AccessKeyID); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Lookup(background, created[0].AccessKeyID)
	errIs(t, err, errdefs.Unauthenticated, errdefs.ResAccessKey)
	errIs(t, s.DeleteKey(background, created[0].AccessKeyID), errdefs.NotFound, errdefs.ResAccessKey)

	t.Run("unknown account", func(t *testing.T) {
		_, err := s.CreateKey(background, "000000000000", "", nil)
		errIs(t, err, errdefs.NotFound, errdefs.ResAccount)
	})
	t.Run("invalid policy", func(t *testing.T) {
		_, err := s.CreateKey(background, a.ID, "", &Policy{Statement: []Statement{{Effect: "Allow"}}})
		errIs(t, err, errdefs.InvalidArgument, errdefs.ResParameter)
	})
	t.Run("long description", func(t *testing.T) {
		_, err := s.CreateKey(background, a.ID, strings.Repeat("d", 257), nil)
		errIs(t, err, errdefs.InvalidArgument, errdefs.ResParameter)
	})
	t.Run("store failure", func(t *testing.T) {
		st.failNext = errDisk
		_, err := s.CreateKey(background, a.ID, "", nil)
		errIs(t, err, errdefs.Internal, "")
		st.failNext = errDisk
		_, err = s.ListKeys(background, "")
		errIs(t, err, errdefs.Internal, "")
	})
}

func TestRandomString(t *testing.T) {
	s, err := randomString(keyIDAlphabet, 20000)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[rune]int{}
	for _, r := range s {
		counts[r]++
	}
	if len(counts) != len(keyIDAlphabet) {
		t.Fatalf("%d distinct characters, want %d", len(counts), len(keyIDAlphabet))
	}
	// Each of 36 characters expects ~556; a biased draw would skew far more.
	for r, n := range counts {
		if n < 400 || n > 720 {
			t.Errorf("character %q drawn %d times of 20000", r, n)
		}
	}
}

func TestProjectID(t *testing.T) {
	a, b := ProjectID("111122223333"), ProjectID("111122223334")
	if len(a) != 32 || strings.Trim(a, "0123456789abcdef") != "" {
		t.Errorf("ProjectID = %q; want 32 lower-case hex digits", a)
	}
	if a == b {
		t.Error("two accounts have one project id")
	}
	if a != ProjectID("111122223333") {
		t.Error("ProjectID is not stable")
	}
}
