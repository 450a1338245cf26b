// Package iam holds accounts, access keys and the IAM-style policies that
// decide what a caller may do.
package iam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Account owns resources; one account cannot see another's.
type Account struct {
	ID        string    `json:"id"` // 12 digits
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// Key is an access key pair bound to an account, with an optional policy
// (nil means the account's full rights).
type Key struct {
	AccessKeyID     string    `json:"accessKeyId"`
	SecretAccessKey string    `json:"secretAccessKey"`
	AccountID       string    `json:"accountId"`
	Description     string    `json:"description,omitempty"`
	Policy          *Policy   `json:"policy,omitempty"`
	CreatedAt       time.Time `json:"createdAt"`
}

// Store persists accounts, keys and a few named settings.
type Store interface {
	// CreateAccount stores a new account; an existing id is AlreadyExists.
	CreateAccount(ctx context.Context, a Account) error
	// GetAccount returns the account or NotFound.
	GetAccount(ctx context.Context, id string) (Account, error)
	ListAccounts(ctx context.Context) ([]Account, error)
	// CreateKey stores a key; an existing access key id is AlreadyExists and
	// an unknown account NotFound.
	CreateKey(ctx context.Context, k Key) error
	// GetKey returns the key or NotFound.
	GetKey(ctx context.Context, accessKeyID string) (Key, error)
	// ListKeys returns an account's keys ("" = all accounts) ordered by creation.
	ListKeys(ctx context.Context, accountID string) ([]Key, error)
	// DeleteKey removes a key; unknown is NotFound.
	DeleteKey(ctx context.Context, accessKeyID string) error
	// Setting returns a named setting or NotFound; PutSetting upserts it.
	Setting(ctx context.Context, name string) (string, error)
	PutSetting(ctx context.Context, name, value string) error
}

// ProjectID is the Huawei Cloud project id of account: the {project_id}
// of ModelArts's paths and the X-Project-Id header. Like Huawei's, it is 32
// lower-case hex digits; it is derived from the account id, so it needs no
// storage and never changes.
func ProjectID(account string) string {
	sum := sha256.Sum256([]byte("strato project\x00" + account))
	return hex.EncodeToString(sum[:16])
}
