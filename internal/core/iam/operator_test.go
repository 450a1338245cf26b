package iam

import (
	"testing"

	"strato/internal/errdefs"
)

func TestRequireOperator(t *testing.T) {
	s, _, _ := newTestService(t, Options{})
	acct, root, err := s.Bootstrap(background)
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateAccount(background, "team-b")
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := s.CreateKey(background, other.ID, "b", nil)
	if err != nil {
		t.Fatal(err)
	}
	limited, err := s.CreateKey(background, acct.ID, "ro", &Policy{Statement: []Statement{{Effect: "Allow", Action: []string{"*"}, Resource: []string{"*"}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		key  string
		ok   bool
	}{
		{"root key of the default account", root.AccessKeyID, true},
		{"full-rights key of another account", otherKey.AccessKeyID, false},
		{"default account key with a policy", limited.AccessKeyID, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _, err := s.Lookup(background, tc.key)
			if err != nil {
				t.Fatal(err)
			}
			err = s.RequireOperator(background, p)
			if tc.ok && err != nil {
				t.Errorf("RequireOperator = %v, want nil", err)
			}
			if !tc.ok {
				errIs(t, err, errdefs.PermissionDenied, "")
			}
		})
	}
}
