package storetest

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/iam"
	"strato/internal/errdefs"
)

// RunIAMStore runs the iam.Store conformance suite. open returns a new,
// empty store for each subtest and arranges its cleanup.
func RunIAMStore(t *testing.T, open func(t *testing.T) iam.Store) {
	t.Run("Accounts", func(t *testing.T) { testAccounts(t, open) })
	t.Run("Keys", func(t *testing.T) { testKeys(t, open) })
	t.Run("KeyErrors", func(t *testing.T) { testKeyErrors(t, open) })
	t.Run("DeleteKey", func(t *testing.T) { testDeleteKey(t, open) })
	t.Run("Settings", func(t *testing.T) { testSettings(t, open) })
}

// accounts are fixtures, not in id order.
var accounts = []iam.Account{
	{ID: "222222222222", Name: "second", CreatedAt: t0.Add(time.Hour)},
	{ID: "111111111111", Name: "first ünïcode", CreatedAt: t0},
	{ID: "333333333333", Name: "", CreatedAt: time.Time{}},
}

// createAccounts stores the fixture accounts.
func createAccounts(t *testing.T, s iam.Store) {
	t.Helper()
	for _, a := range accounts {
		if err := s.CreateAccount(context.Background(), a); err != nil {
			t.Fatalf("CreateAccount(%s): %v", a.ID, err)
		}
	}
}

func testAccounts(t *testing.T, open func(t *testing.T) iam.Store) {
	ctx := context.Background()
	s := open(t)
	if got, err := s.ListAccounts(ctx); err != nil || len(got) != 0 {
		t.Fatalf("ListAccounts on an empty store = %v, %v; want none", got, err)
	}
	createAccounts(t, s)

	for _, a := range accounts {
		t.Run("get "+a.ID, func(t *testing.T) {
			got, err := s.GetAccount(ctx, a.ID)
			if err != nil {
				t.Fatalf("GetAccount: %v", err)
			}
			if diff := cmp.Diff(got, a, cmpOpts); diff != "" {
				t.Errorf("GetAccount mismatch (-got +want):\n%s", diff)
			}
		})
	}

	got, err := s.ListAccounts(ctx)
	if err != nil {
		t.Fatalf("ListAccounts: %v", err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].ID < got[j].ID })
	want := append([]iam.Account(nil), accounts...)
	sort.Slice(want, func(i, j int) bool { return want[i].ID < want[j].ID })
	if diff := cmp.Diff(got, want, cmpOpts); diff != "" {
		t.Errorf("ListAccounts mismatch (-got +want):\n%s", diff)
	}

	tests := []struct {
		name     string
		call     func() error
		wantKind errdefs.Kind
	}{
		{"create existing id", func() error {
			return s.CreateAccount(ctx, iam.Account{ID: accounts[0].ID, Name: "impostor", CreatedAt: t0})
		}, errdefs.AlreadyExists},
		{"get unknown id", func() error {
			_, err := s.GetAccount(ctx, "999999999999")
			return err
		}, errdefs.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, tt.call(), tt.wantKind, errdefs.ResAccount)
		})
	}
	// The failed create changed nothing.
	if got, err := s.GetAccount(ctx, accounts[0].ID); err != nil || got.Name != accounts[0].Name {
		t.Errorf("GetAccount after a duplicate create = %+v, %v; want %+v", got, err, accounts[0])
	}
}

// keys are fixtures in creation order, bound to the fixture accounts.
var keys = []iam.Key{
	{
		AccessKeyID: "AKIAFULLRIGHTS000001", SecretAccessKey: "secret/with+chars=", AccountID: "111111111111",
		CreatedAt: t0,
	},
	{
		AccessKeyID: "AKIAPOLICY0000000002", SecretAccessKey: "s2", AccountID: "222222222222",
		Description: "read-only operator",
		Policy: &iam.Policy{Version: "2012-10-17", Statement: []iam.Statement{
			{Effect: "Allow", Action: iam.StringOrList{"ec2:Describe*"}, Resource: iam.StringOrList{"*"}},
		}},
		CreatedAt: t0.Add(time.Second),
	},
	{
		AccessKeyID: "AKIAPOLICY0000000003", SecretAccessKey: "s3", AccountID: "111111111111",
		Description: "ci \"runner\"",
		Policy: &iam.Policy{Statement: []iam.Statement{
			{Sid: "Run", Effect: "Allow", Action: iam.StringOrList{"ec2:RunInstances", "ec2:?erminate*"}},
			{Sid: "NoProd", Effect: "Deny", Action: iam.StringOrList{"*"},
				Resource: iam.StringOrList{"arn:aws:ec2:*:111111111111:instance/i-prod*", "arn:aws:ec2:*:*:volume/*"}},
		}},
		CreatedAt: t0.Add(2*time.Second + time.Nanosecond).UTC(),
	},
	{
		AccessKeyID: "AKIAEMPTYPOLICY00004", SecretAccessKey: "s4", AccountID: "111111111111",
		Policy:    &iam.Policy{Statement: []iam.Statement{}}, // allows nothing
		CreatedAt: t0.Add(3 * time.Second).Local(),
	},
}

// createKeys stores the fixture accounts and keys.
func createKeys(t *testing.T, s iam.Store) {
	t.Helper()
	createAccounts(t, s)
	for _, k := range keys {
		if err := s.CreateKey(context.Background(), k); err != nil {
			t.Fatalf("CreateKey(%s): %v", k.AccessKeyID, err)
		}
	}
}

// keysOf returns the fixture keys of account ("" = all) in creation order.
func keysOf(account string) []iam.Key {
	var out []iam.Key
	for _, k := range keys {
		if account == "" || k.AccountID == account {
			out = append(out, k)
		}
	}
	return out
}

func testKeys(t *testing.T, open func(t *testing.T) iam.Store) {
	ctx := context.Background()
	s := open(t)
	createKeys(t, s)

	for _, k := range keys {
		t.Run("get "+k.AccessKeyID, func(t *testing.T) {
			got, err := s.GetKey(ctx, k.AccessKeyID)
			if err != nil {
				t.Fatalf("GetKey: %v", err)
			}
			if diff := cmp.Diff(got, k, cmpOpts); diff != "" {
				t.Errorf("GetKey mismatch (-got +want):\n%s", diff)
			}
		})
	}
	t.Run("get nil policy stays nil", func(t *testing.T) {
		got, err := s.GetKey(ctx, keys[0].AccessKeyID)
		if err != nil {
			t.Fatalf("GetKey: %v", err)
		}
		if got.Policy != nil {
			t.Errorf("Policy = %+v, want nil (full rights)", got.Policy)
		}
	})

	tests := []struct {
		name    string
		account string
	}{
		{"all accounts", ""},
		{"one account", "111111111111"},
		{"another account", "222222222222"},
		{"account without keys", "333333333333"},
		{"unknown account", "999999999999"},
	}
	for _, tt := range tests {
		t.Run("list "+tt.name, func(t *testing.T) {
			got, err := s.ListKeys(ctx, tt.account)
			if err != nil {
				t.Fatalf("ListKeys: %v", err)
			}
			if diff := cmp.Diff(got, keysOf(tt.account), cmpOpts); diff != "" {
				t.Errorf("ListKeys(%q) mismatch (-got +want):\n%s", tt.account, diff)
			}
		})
	}
}

func testKeyErrors(t *testing.T, open func(t *testing.T) iam.Store) {
	ctx := context.Background()
	tests := []struct {
		name     string
		key      iam.Key
		wantKind errdefs.Kind
		wantRes  errdefs.Resource
	}{
		{"existing access key id", iam.Key{AccessKeyID: keys[0].AccessKeyID, SecretAccessKey: "other",
			AccountID: "222222222222", CreatedAt: t0}, errdefs.AlreadyExists, errdefs.ResAccessKey},
		{"unknown account", iam.Key{AccessKeyID: "AKIANOACCOUNT0000009", SecretAccessKey: "x",
			AccountID: "999999999999", CreatedAt: t0}, errdefs.NotFound, errdefs.ResAccount},
		{"empty account", iam.Key{AccessKeyID: "AKIANOACCOUNT0000010", SecretAccessKey: "x",
			CreatedAt: t0}, errdefs.NotFound, errdefs.ResAccount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			createKeys(t, s)
			wantErr(t, s.CreateKey(ctx, tt.key), tt.wantKind, tt.wantRes)
			got, err := s.ListKeys(ctx, "")
			if err != nil {
				t.Fatalf("ListKeys: %v", err)
			}
			if diff := cmp.Diff(got, keys, cmpOpts); diff != "" {
				t.Errorf("keys changed by a failed create (-got +want):\n%s", diff)
			}
		})
	}
	t.Run("get unknown", func(t *testing.T) {
		_, err := open(t).GetKey(ctx, "AKIAUNKNOWN000000000")
		wantErr(t, err, errdefs.NotFound, errdefs.ResAccessKey)
	})
}

func testDeleteKey(t *testing.T, open func(t *testing.T) iam.Store) {
	ctx := context.Background()
	s := open(t)
	createKeys(t, s)
	gone := keys[1]
	if err := s.DeleteKey(ctx, gone.AccessKeyID); err != nil {
		t.Fatalf("DeleteKey: %v", err)
	}
	_, err := s.GetKey(ctx, gone.AccessKeyID)
	wantErr(t, err, errdefs.NotFound, errdefs.ResAccessKey)
	wantErr(t, s.DeleteKey(ctx, gone.AccessKeyID), errdefs.NotFound, errdefs.ResAccessKey)
	wantErr(t, s.DeleteKey(ctx, "AKIAUNKNOWN000000000"), errdefs.NotFound, errdefs.ResAccessKey)

	got, err := s.ListKeys(ctx, "")
	if err != nil {
		t.Fatalf("ListKeys: %v", err)
	}
	want := append(append([]iam.Key(nil), keys[:1]...), keys[2:]...)
	if diff := cmp.Diff(got, want, cmpOpts); diff != "" {
		t.Errorf("ListKeys after delete mismatch (-got +want):\n%s", diff)
	}
	// The id is free again.
	if err := s.CreateKey(ctx, gone); err != nil {
		t.Fatalf("CreateKey after delete: %v", err)
	}
}

func testSettings(t *testing.T, open func(t *testing.T) iam.Store) {
	ctx := context.Background()
	s := open(t)
	_, err := s.Setting(ctx, "region")
	wantErr(t, err, errdefs.NotFound, errdefs.ResNone)

	steps := []struct {
		name  string
		put   [2]string // name, value; empty name: only read
		want  map[string]string
		unset []string
	}{
		{"create", [2]string{"region", "local-1"}, map[string]string{"region": "local-1"}, []string{"zone"}},
		{"another", [2]string{"zone", "local-1a"}, map[string]string{"region": "local-1", "zone": "local-1a"}, nil},
		{"overwrite", [2]string{"region", "eu-local-2"}, map[string]string{"region": "eu-local-2", "zone": "local-1a"}, nil},
		{"empty value", [2]string{"zone", ""}, map[string]string{"region": "eu-local-2", "zone": ""}, nil},
		{"multi-line value", [2]string{"motd", "line 1\nline 2 ünïcode\x00"}, map[string]string{"motd": "line 1\nline 2 ünïcode\x00"}, []string{"Region"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := s.PutSetting(ctx, st.put[0], st.put[1]); err != nil {
				t.Fatalf("PutSetting: %v", err)
			}
			got := map[string]string{}
			for name := range st.want {
				v, err := s.Setting(ctx, name)
				if err != nil {
					t.Fatalf("Setting(%q): %v", name, err)
				}
				got[name] = v
			}
			if diff := cmp.Diff(got, st.want); diff != "" {
				t.Errorf("settings mismatch (-got +want):\n%s", diff)
			}
			for _, name := range st.unset {
				_, err := s.Setting(ctx, name)
				wantErr(t, err, errdefs.NotFound, errdefs.ResNone)
			}
		})
	}
}
