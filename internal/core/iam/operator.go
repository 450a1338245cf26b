package iam

import (
	"context"
	"fmt"

	"strato/internal/errdefs"
)

// The operator is whoever holds a full-rights key (no policy) of the
// default account, the one Bootstrap made and the setting
// SettingDefaultAccountID names: `strato env` prints its root key. Operator
// actions (security locks, for instance) are refused to everyone else,
// even to other accounts' full-rights keys. In AnyMode every key has full
// rights, so a key that maps to the default account (see Options.AnyMode)
// is the operator.

// msgNotOperator is the public message of a refused operator action.
const msgNotOperator = "only the operator (a full-rights key of the default account) may do this"

// RequireOperator returns nil when p is the operator and PermissionDenied
// otherwise.
func (s *Service) RequireOperator(ctx context.Context, p Principal) error {
	def, err := s.defaultAccountID(ctx)
	if err != nil {
		return err
	}
	if p.AccountID == def && p.Policy == nil {
		return nil
	}
	return &errdefs.Error{Kind: errdefs.PermissionDenied, ID: p.AccessKeyID, Public: msgNotOperator,
		Err: fmt.Errorf("iam: key %s of account %s is not the operator", p.AccessKeyID, p.AccountID)}
}
