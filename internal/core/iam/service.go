package iam

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"strato/internal/clock"
	"strato/internal/errdefs"
)

// Setting names under which Bootstrap remembers what it made.
const (
	SettingDefaultAccountID   = "default_account_id"
	SettingDefaultAccessKeyID = "default_access_key_id"
)

// DefaultAccountName names the default account unless Options say otherwise.
const DefaultAccountName = "default"

// msgBadCredentials is AWS's wording for an unknown access key.
const msgBadCredentials = "AWS was not able to validate the provided access credentials"

// msgUnauthorized is EC2's wording for a request a policy refuses.
const msgUnauthorized = "You are not authorized to perform this operation."

// Options configure a Service.
type Options struct {
	// AnyMode accepts every access key without checking signatures
	// (for local development and tests): a key of exactly 12 digits names
	// its account, a stored key its own account, any other key the
	// default account; every caller has full rights.
	AnyMode bool
	// DefaultAccountID is the id of the default account. Empty means: keep
	// the one chosen before, or pick 12 random digits on first Bootstrap.
	DefaultAccountID string
	// DefaultAccountName names the default account when Bootstrap creates
	// it ("" = DefaultAccountName).
	DefaultAccountName string
}

// Service manages accounts and access keys and answers who a caller is.
// It is safe for concurrent use.
type Service struct {
	store Store
	clk   clock.Clock
	opts  Options

	bootMu sync.Mutex // serialises Bootstrap

	mu             sync.RWMutex
	defaultAccount string // cached SettingDefaultAccountID
}

// Principal is an authenticated caller.
type Principal struct {
	AccountID   string
	AccessKeyID string
	// Policy limits what the caller may do; nil means the account's full rights.
	Policy *Policy
}

// NewService returns a Service over store.
func NewService(store Store, clk clock.Clock, opts Options) *Service {
	if opts.DefaultAccountName == "" {
		opts.DefaultAccountName = DefaultAccountName
	}
	return &Service{store: store, clk: clk, opts: opts}
}

// AnyMode reports whether every access key is accepted unverified.
func (s *Service) AnyMode() bool { return s.opts.AnyMode }

// Bootstrap makes sure the default account and its root key (no policy:
// full rights) exist, and returns them. It is idempotent: later calls return
// what the first one made, recorded in the settings SettingDefaultAccountID
// and SettingDefaultAccessKeyID. If the root key was deleted, Bootstrap makes
// a new one.
func (s *Service) Bootstrap(ctx context.Context) (Account, Key, error) {
	s.bootMu.Lock()
	defer s.bootMu.Unlock()

	id, err := s.bootstrapAccountID(ctx)
	if err != nil {
		return Account{}, Key{}, err
	}
	acct, err := s.store.GetAccount(ctx, id)
	if errors.Is(err, errdefs.ErrNotFound) {
		acct = Account{ID: id, Name: s.opts.DefaultAccountName, CreatedAt: s.now()}
		err = s.store.CreateAccount(ctx, acct)
		if errors.Is(err, errdefs.ErrAlreadyExists) {
			acct, err = s.store.GetAccount(ctx, id)
		}
	}
	if err != nil {
		return Account{}, Key{}, storeErr("bootstrap: default account", err)
	}
	s.setDefaultAccount(id)

	kid, err := s.store.Setting(ctx, SettingDefaultAccessKeyID)
	switch {
	case err == nil:
		k, err := s.store.GetKey(ctx, kid)
		if err == nil && k.AccountID == id {
			return acct, k, nil
		}
		if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return Account{}, Key{}, storeErr("bootstrap: read root key", err)
		}
	case !errors.Is(err, errdefs.ErrNotFound):
		return Account{}, Key{}, storeErr("bootstrap: read setting", err)
	}

	// Record the key's id before storing the key, so that a crash between
	// the two leaves no live key that the settings do not name.
	k, err := s.createKey(ctx, id, "root key", nil, func(k Key) error {
		return s.store.PutSetting(ctx, SettingDefaultAccessKeyID, k.AccessKeyID)
	})
	if err != nil {
		return Account{}, Key{}, err
	}
	return acct, k, nil
}

// bootstrapAccountID returns the default account id, choosing and recording
// it if need be.
func (s *Service) bootstrapAccountID(ctx context.Context) (string, error) {
	cur, err := s.store.Setting(ctx, SettingDefaultAccountID)
	if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return "", storeErr("bootstrap: read setting", err)
	}
	want := s.opts.DefaultAccountID
	if want != "" && !IsAccountID(want) {
		return "", errdefs.Newf(errdefs.InvalidArgument, errdefs.ResAccount, want,
			"the default account id must be 12 digits, not %q", want)
	}
	if want == "" {
		if err == nil && IsAccountID(cur) {
			return cur, nil
		}
		if want, err = newAccountID(); err != nil {
			return "", err
		}
	}
	if want != cur {
		if err := s.store.PutSetting(ctx, SettingDefaultAccountID, want); err != nil {
			return "", storeErr("bootstrap: write setting", err)
		}
	}
	return want, nil
}

// DefaultKey returns the root key of the default account made by Bootstrap.
func (s *Service) DefaultKey(ctx context.Context) (Key, error) {
	kid, err := s.store.Setting(ctx, SettingDefaultAccessKeyID)
	if errors.Is(err, errdefs.ErrNotFound) {
		return Key{}, errdefs.New(errdefs.NotFound, errdefs.ResAccessKey, "", "there is no default access key; bootstrap has not run")
	}
	if err != nil {
		return Key{}, storeErr("read setting", err)
	}
	k, err := s.store.GetKey(ctx, kid)
	if err != nil {
		return Key{}, storeErr("read default key", err)
	}
	return k, nil
}

// Lookup returns the caller an access key stands for and its secret. An
// unknown key is Unauthenticated (ResAccessKey). In AnyMode every key is
// accepted with an empty secret and full rights; see Options.AnyMode.
func (s *Service) Lookup(ctx context.Context, accessKeyID string) (Principal, string, error) {
	k, err := s.store.GetKey(ctx, accessKeyID)
	if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return Principal{}, "", storeErr("read access key", err)
	}
	if s.opts.AnyMode {
		p := Principal{AccessKeyID: accessKeyID}
		switch {
		case err == nil:
			p.AccountID = k.AccountID
		case IsAccountID(accessKeyID):
			p.AccountID = accessKeyID
		default:
			if p.AccountID, err = s.defaultAccountID(ctx); err != nil {
				return Principal{}, "", err
			}
		}
		return p, "", nil
	}
	if err != nil {
		return Principal{}, "", &errdefs.Error{Kind: errdefs.Unauthenticated, Resource: errdefs.ResAccessKey,
			ID: accessKeyID, Public: msgBadCredentials, Err: fmt.Errorf("iam: unknown access key %q", accessKeyID)}
	}
	return Principal{AccountID: k.AccountID, AccessKeyID: k.AccessKeyID, Policy: k.Policy}, k.SecretAccessKey, nil
}

func (s *Service) defaultAccountID(ctx context.Context) (string, error) {
	s.mu.RLock()
	id := s.defaultAccount
	s.mu.RUnlock()
	if id != "" {
		return id, nil
	}
	id, err := s.store.Setting(ctx, SettingDefaultAccountID)
	if errors.Is(err, errdefs.ErrNotFound) {
		return "", &errdefs.Error{Kind: errdefs.Internal, Public: "an internal error occurred",
			Err: errors.New("iam: no default account; Bootstrap has not run")}
	}
	if err != nil {
		return "", storeErr("read setting", err)
	}
	s.setDefaultAccount(id)
	return id, nil
}

func (s *Service) setDefaultAccount(id string) {
	s.mu.Lock()
	s.defaultAccount = id
	s.mu.Unlock()
}

// GetAccount returns an account or NotFound.
func (s *Service) GetAccount(ctx context.Context, id string) (Account, error) {
	a, err := s.store.GetAccount(ctx, id)
	if err != nil {
		return Account{}, storeErr("read account", err)
	}
	return a, nil
}

// ListAccounts returns every account.
func (s *Service) ListAccounts(ctx context.Context) ([]Account, error) {
	as, err := s.store.ListAccounts(ctx)
	if err != nil {
		return nil, storeErr("list accounts", err)
	}
	return as, nil
}

// CreateAccount creates an account with a new random 12-digit id.
func (s *Service) CreateAccount(ctx context.Context, name string) (Account, error) {
	if err := checkText("account name", name, 1, 128); err != nil {
		return Account{}, err
	}
	for range maxIDAttempts {
		id, err := newAccountID()
		if err != nil {
			return Account{}, err
		}
		a := Account{ID: id, Name: name, CreatedAt: s.now()}
		err = s.store.CreateAccount(ctx, a)
		if errors.Is(err, errdefs.ErrAlreadyExists) {
			continue
		}
		if err != nil {
			return Account{}, storeErr("create account", err)
		}
		return a, nil
	}
	return Account{}, errdefs.Wrap(errors.New("iam: could not find a free account id"), "an internal error occurred")
}

// CreateKey creates an access key for an account: an AKIA-style id and a
// 40-character secret from crypto/rand. policy limits the key's rights; nil
// means the account's full rights. The returned Key is the only time the
// secret is shown.
func (s *Service) CreateKey(ctx context.Context, accountID, description string, policy *Policy) (Key, error) {
	if err := checkText("description", description, 0, 256); err != nil {
		return Key{}, err
	}
	if policy != nil {
		if err := policy.Validate(); err != nil {
			return Key{}, err
		}
	}
	return s.createKey(ctx, accountID, description, policy, nil)
}

// maxIDAttempts bounds retries on (astronomically unlikely) id collisions.
const maxIDAttempts = 5

// createKey generates and stores a key; before, if set, runs before each
// store attempt with the key about to be stored.
func (s *Service) createKey(ctx context.Context, accountID, description string, policy *Policy, before func(Key) error) (Key, error) {
	for range maxIDAttempts {
		id, err := randomString(keyIDAlphabet, 16)
		if err != nil {
			return Key{}, err
		}
		secret, err := randomString(secretAlphabet, 40)
		if err != nil {
			return Key{}, err
		}
		k := Key{AccessKeyID: "AKIA" + id, SecretAccessKey: secret, AccountID: accountID,
			Description: description, Policy: policy, CreatedAt: s.now()}
		if before != nil {
			if err := before(k); err != nil {
				return Key{}, storeErr("create key", err)
			}
		}
		err = s.store.CreateKey(ctx, k)
		if errors.Is(err, errdefs.ErrAlreadyExists) {
			continue
		}
		if err != nil {
			return Key{}, storeErr("create key", err)
		}
		return k, nil
	}
	return Key{}, errdefs.Wrap(errors.New("iam: could not find a free access key id"), "an internal error occurred")
}

// ListKeys returns an account's keys ("" = every account's) in creation
// order, without their secrets.
func (s *Service) ListKeys(ctx context.Context, accountID string) ([]Key, error) {
	ks, err := s.store.ListKeys(ctx, accountID)
	if err != nil {
		return nil, storeErr("list keys", err)
	}
	for i := range ks {
		ks[i].SecretAccessKey = ""
	}
	return ks, nil
}

// DeleteKey deletes an access key; an unknown key is NotFound.
func (s *Service) DeleteKey(ctx context.Context, accessKeyID string) error {
	if err := s.store.DeleteKey(ctx, accessKeyID); err != nil {
		return storeErr("delete key", err)
	}
	return nil
}

// Authorize returns nil when the principal may perform action on resource,
// and a PermissionDenied error otherwise. See Policy.Allows.
func (p Principal) Authorize(action, resource string) error {
	if p.Policy.Allows(action, resource) {
		return nil
	}
	return &errdefs.Error{Kind: errdefs.PermissionDenied, ID: action, Public: msgUnauthorized,
		Err: fmt.Errorf("iam: the policy of key %s does not allow %s on %s", p.AccessKeyID, action, resource)}
}

func (s *Service) now() time.Time { return s.clk.Now().UTC() }

// IsAccountID reports whether s is a 12-digit account id.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

const (
	digits         = "0123456789"
	keyIDAlphabet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// newAccountID returns 12 random digits, the first not zero (so the id
// survives tools that read it as a number).
func newAccountID() (string, error) {
	first, err := randomString(digits[1:], 1)
	if err != nil {
		return "", err
	}
	rest, err := randomString(digits, 11)
	if err != nil {
		return "", err
	}
	return first + rest, nil
}

// randomString returns n characters drawn uniformly from alphabet with
// crypto/rand.
func randomString(alphabet string, n int) (string, error) {
	limit := 256 - 256%len(alphabet) // reject bytes that would bias the draw
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2+8)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", errdefs.Wrap(fmt.Errorf("iam: random: %w", err), "an internal error occurred")
		}
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out = append(out, alphabet[int(b)%len(alphabet)])
			if len(out) == n {
				break
			}
		}
	}
	return string(out), nil
}

// checkText validates a short human-readable string.
func checkText(what, s string, minLen, maxLen int) error {
	if len(s) < minLen {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "", "the %s must not be empty", what)
	}
	if len(s) > maxLen {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "", "the %s is longer than %d bytes", what, maxLen)
	}
	if !utf8.ValidString(s) {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "", "the %s is not valid UTF-8", what)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "", "the %s contains control characters", what)
		}
	}
	return nil
}

// storeErr passes the store's *errdefs.Error through and wraps anything
// else as Internal.
func storeErr(op string, err error) error {
	var e *errdefs.Error
	if errors.As(err, &e) {
		return err
	}
	return &errdefs.Error{Kind: errdefs.Internal, Public: "an internal error occurred", Err: fmt.Errorf("iam: %s: %w", op, err)}
}
