package memstore

import (
	"context"
	"sync"

	"strato/internal/core/notebook"
	"strato/internal/errdefs"
)

var _ notebook.Store = (*Store)(nil)

// notebookTable holds notebooks and lifecycle configurations. Its zero
// value is empty and ready; it has its own lock, as notebooks never change
// together with instances.
type notebookTable struct {
	mu        sync.Mutex
	notebooks recordList[*notebook.Notebook]
	configs   recordList[*notebook.LifecycleConfig]
}

// recordList keeps records in creation order, keyed by account and name key.
type recordList[T any] struct {
	list []T
}

// recordKind describes how the table reads a record's key and version.
type recordKind[T any] struct {
	res     errdefs.Resource
	noun    string
	key     func(T) (account, name string)
	version func(T) *int64
	clone   func(T) T
}

var (
	notebookKind = recordKind[*notebook.Notebook]{
		res: notebook.ResNotebook, noun: "notebook instance",
		key:     func(n *notebook.Notebook) (string, string) { return n.AccountID, notebook.StoreKey(n.Kind, n.Key()) },
		version: func(n *notebook.Notebook) *int64 { return &n.Version },
		clone:   (*notebook.Notebook).Clone,
	}
	configKind = recordKind[*notebook.LifecycleConfig]{
		res: notebook.ResLifecycleConfig, noun: "lifecycle configuration",
		key:     func(c *notebook.LifecycleConfig) (string, string) { return c.AccountID, notebook.NameKey(c.Name) },
		version: func(c *notebook.LifecycleConfig) *int64 { return &c.Version },
		clone:   (*notebook.LifecycleConfig).Clone,
	}
)

// find returns the index of account's record with store key key, or -1.
func (k recordKind[T]) find(l *recordList[T], account, key string) int {
	for i, r := range l.list {
		if a, n := k.key(r); a == account && n == key {
			return i
		}
	}
	return -1
}

func (k recordKind[T]) create(l *recordList[T], r T) error {
	account, name := k.key(r)
	if account == "" || name == "" {
		return errdefs.Newf(errdefs.InvalidArgument, k.res, "", "%s account or name is empty", k.noun)
	}
	if k.find(l, account, name) >= 0 {
		return errdefs.Newf(errdefs.AlreadyExists, k.res, name, "%s %s already exists", k.noun, name)
	}
	l.list = append(l.list, k.clone(r))
	return nil
}

func (k recordKind[T]) get(l *recordList[T], account, name string) (T, error) {
	i := k.find(l, account, name)
	if i < 0 {
		var zero T
		return zero, errdefs.Newf(errdefs.NotFound, k.res, name, "%s %s does not exist", k.noun, name)
	}
	return k.clone(l.list[i]), nil
}

func (k recordKind[T]) all(l *recordList[T], account string) []T {
	var out []T
	for _, r := range l.list {
		if a, _ := k.key(r); account == "" || a == account {
			out = append(out, k.clone(r))
		}
	}
	return out
}

// at returns the index of the stored record r names, checking its version.
func (k recordKind[T]) at(l *recordList[T], r T) (int, error) {
	account, name := k.key(r)
	i := k.find(l, account, name)
	if i < 0 {
		return -1, errdefs.Newf(errdefs.NotFound, k.res, name, "%s %s does not exist", k.noun, name)
	}
	if *k.version(l.list[i]) != *k.version(r) {
		return -1, errdefs.Newf(errdefs.IncorrectState, k.res, name, "%s %s was changed concurrently", k.noun, name)
	}
	return i, nil
}

func (k recordKind[T]) update(l *recordList[T], r T) error {
	i, err := k.at(l, r)
	if err != nil {
		return err
	}
	c := k.clone(r)
	*k.version(c)++
	l.list[i] = c
	*k.version(r)++
	return nil
}

func (k recordKind[T]) remove(l *recordList[T], r T) error {
	i, err := k.at(l, r)
	if err != nil {
		return err
	}
	l.list = append(l.list[:i:i], l.list[i+1:]...)
	return nil
}

// lockNotebooks checks ctx and locks the table.
func (s *Store) lockNotebooks(ctx context.Context) (*notebookTable, error) {
	if err := ctx.Err(); err != nil {
		return nil, canceled(err)
	}
	t := &s.notebooks
	t.mu.Lock()
	return t, nil
}

// CreateNotebook stores a copy of a new notebook; see notebook.Store.
func (s *Store) CreateNotebook(ctx context.Context, nb *notebook.Notebook) error {
	if nb == nil {
		return errdefs.New(errdefs.InvalidArgument, notebook.ResNotebook, "", "notebook is nil")
	}
	t, err := s.lockNotebooks(ctx)
	if err != nil {
		return err
	}
	defer t.mu.Unlock()
	return notebookKind.create(&t.notebooks, nb)
}

// GetNotebook returns a copy of the notebook, or NotFound.
func (s *Store) GetNotebook(ctx context.Context, kind notebook.Kind, account, key string) (*notebook.Notebook, error) {
	t, err := s.lockNotebooks(ctx)
	if err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	return notebookKind.get(&t.notebooks, account, notebook.StoreKey(kind, key))
}

// ListNotebooks returns copies of account's notebooks ("" = all) in
// creation order.
func (s *Store) ListNotebooks(ctx context.Context, account string) ([]*notebook.Notebook, error) {
	t, err := s.lockNotebooks(ctx)
	if err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	return notebookKind.all(&t.notebooks, account), nil
}

// UpdateNotebook replaces the stored notebook whose version equals
// nb.Version and increments nb.Version; see notebook.Store.
func (s *Store) UpdateNotebook(ctx context.Context, nb *notebook.Notebook) error {
	if nb == nil {
		return errdefs.New(errdefs.InvalidArgument, notebook.ResNotebook, "", "notebook is nil")
	}
	t, err := s.lockNotebooks(ctx)
	if err != nil {
		return err
	}
	defer t.mu.Unlock()
	return notebookKind.update(&t.notebooks, nb)
}

// DeleteNotebook removes the stored notebook whose version equals
// nb.Version.
func (s *Store) DeleteNotebook(ctx context.Context, nb *notebook.Notebook) error {
	if nb == nil {
		return errdefs.New(errdefs.InvalidArgument, notebook.ResNotebook, "", "notebook is nil")
	}
	t, err := s.lockNotebooks(ctx)
	if err != nil {
		return err
	}
	defer t.mu.Unlock()
	return notebookKind.remove(&t.notebooks, nb)
}

// CreateLifecycleConfig stores a copy of a new lifecycle configuration.
func (s *Store) CreateLifecycleConfig(ctx context.Context, c *notebook.LifecycleConfig) error {
	if c == nil {
		return errdefs.New(errdefs.InvalidArgument, notebook.ResLifecycleConfig, "", "lifecycle configuration is nil")
	}
	t, err := s.lockNotebooks(ctx)
	if err != nil {
		return err
	}
	defer t.mu.Unlock()
	return configKind.create(&t.configs, c)
}

// GetLifecycleConfig returns a copy of the configuration, or NotFound.
func (s *Store) GetLifecycleConfig(ctx context.Context, account, name string) (*notebook.LifecycleConfig, error) {
	t, err := s.lockNotebooks(ctx)
	if err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	return configKind.get(&t.configs, account, notebook.NameKey(name))
}

// ListLifecycleConfigs returns copies of account's configurations ("" =
// all) in creation order.
func (s *Store) ListLifecycleConfigs(ctx context.Context, account string) ([]*notebook.LifecycleConfig, error) {
	t, err := s.lockNotebooks(ctx)
	if err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	return configKind.all(&t.configs, account), nil
}

// UpdateLifecycleConfig replaces the stored configuration whose version
// equals c.Version and increments c.Version.
func (s *Store) UpdateLifecycleConfig(ctx context.Context, c *notebook.LifecycleConfig) error {
	if c == nil {
		return errdefs.New(errdefs.InvalidArgument, notebook.ResLifecycleConfig, "", "lifecycle configuration is nil")
	}
	t, err := s.lockNotebooks(ctx)
	if err != nil {
		return err
	}
	defer t.mu.Unlock()
	return configKind.update(&t.configs, c)
}

// DeleteLifecycleConfig removes the stored configuration whose version
// equals c.Version.
func (s *Store) DeleteLifecycleConfig(ctx context.Context, c *notebook.LifecycleConfig) error {
	if c == nil {
		return errdefs.New(errdefs.InvalidArgument, notebook.ResLifecycleConfig, "", "lifecycle configuration is nil")
	}
	t, err := s.lockNotebooks(ctx)
	if err != nil {
		return err
	}
	defer t.mu.Unlock()
	return configKind.remove(&t.configs, c)
}
