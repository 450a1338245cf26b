package iam

import (
	"context"
	"errors"
	"sync"

	"strato/internal/errdefs"
)

// memStore is a minimal in-memory Store for the tests of this package.
type memStore struct {
	mu       sync.Mutex
	accounts map[string]Account
	keys     map[string]Key
	order    []string // key ids in creation order
	settings map[string]string

	// failNext, when set, is returned by the next call.
	failNext error
	calls    int
}

var _ Store = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{accounts: map[string]Account{}, keys: map[string]Key{}, settings: map[string]string{}}
}

func (m *memStore) fail() error {
	m.calls++
	err := m.failNext
	m.failNext = nil
	return err
}

func (m *memStore) CreateAccount(_ context.Context, a Account) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail(); err != nil {
		return err
	}
	if _, ok := m.accounts[a.ID]; ok {
		return errdefs.Newf(errdefs.AlreadyExists, errdefs.ResAccount, a.ID, "account %s already exists", a.ID)
	}
	m.accounts[a.ID] = a
	return nil
}

func (m *memStore) GetAccount(_ context.Context, id string) (Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail(); err != nil {
		return Account{}, err
	}
	a, ok := m.accounts[id]
	if !ok {
		return Account{}, errdefs.Newf(errdefs.NotFound, errdefs.ResAccount, id, "account %s does not exist", id)
	}
	return a, nil
}

func (m *memStore) ListAccounts(context.Context) ([]Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail(); err != nil {
		return nil, err
	}
	var out []Account
	for _, a := range m.accounts {
		out = append(out, a)
	}
	return out, nil
}

func (m *memStore) CreateKey(_ context.Context, k Key) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail(); err != nil {
		return err
	}
	if _, ok := m.accounts[k.AccountID]; !ok {
		return errdefs.Newf(errdefs.NotFound, errdefs.ResAccount, k.AccountID, "account %s does not exist", k.AccountID)
	}
	if _, ok := m.keys[k.AccessKeyID]; ok {
		return errdefs.Newf(errdefs.AlreadyExists, errdefs.ResAccessKey, k.AccessKeyID, "key exists")
	}
	m.keys[k.AccessKeyID] = k
	m.order = append(m.order, k.AccessKeyID)
	return nil
}

func (m *memStore) GetKey(_ context.Context, id string) (Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail(); err != nil {
		return Key{}, err
	}
	k, ok := m.keys[id]
	if !ok {
		return Key{}, errdefs.Newf(errdefs.NotFound, errdefs.ResAccessKey, id, "access key %s does not exist", id)
	}
	return k, nil
}

func (m *memStore) ListKeys(_ context.Context, accountID string) ([]Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail(); err != nil {
		return nil, err
	}
	var out []Key
	for _, id := range m.order {
		if k, ok := m.keys[id]; ok && (accountID == "" || k.AccountID == accountID) {
			out = append(out, k)
		}
	}
	return out, nil
}

func (m *memStore) DeleteKey(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail(); err != nil {
		return err
	}
	if _, ok := m.keys[id]; !ok {
		return errdefs.Newf(errdefs.NotFound, errdefs.ResAccessKey, id, "access key %s does not exist", id)
	}
	delete(m.keys, id)
	return nil
}

func (m *memStore) Setting(_ context.Context, name string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail(); err != nil {
		return "", err
	}
	v, ok := m.settings[name]
	if !ok {
		return "", errdefs.Newf(errdefs.NotFound, errdefs.ResNone, name, "setting %s is not set", name)
	}
	return v, nil
}

func (m *memStore) PutSetting(_ context.Context, name, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail(); err != nil {
		return err
	}
	m.settings[name] = value
	return nil
}

var errDisk = errors.New("disk on fire")
