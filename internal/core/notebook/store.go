package notebook

import "context"

// Store persists notebook instances and lifecycle configurations.
// Implementations live in internal/store/<impl> and pass
// internal/store/storetest's RunNotebookStore.
//
// Notebooks are keyed by (Kind, account, Key()): SageMaker names that
// differ only in case name the same record, ModelArts notebooks are keyed by
// ID. Lifecycle configurations are keyed by (account, NameKey(name)). A store keeps its own copies: changing a
// record after handing it over, or one it returned, does not change the
// store. Errors are *errdefs.Error; NotFound and AlreadyExists carry the
// resource ResNotebook or ResLifecycleConfig (the service rewords them).
type Store interface {
	// CreateNotebook stores a new notebook with the Version it carries. A
	// notebook with the same key is AlreadyExists and nothing is written.
	CreateNotebook(ctx context.Context, nb *Notebook) error
	// GetNotebook returns the notebook of kind and account whose Key() is
	// key (for SageMaker's, a name in any case), or NotFound.
	GetNotebook(ctx context.Context, kind Kind, account, key string) (*Notebook, error)
	// ListNotebooks returns the notebooks of every kind of account ("" =
	// every account) in the order they were created.
	ListNotebooks(ctx context.Context, account string) ([]*Notebook, error)
	// UpdateNotebook replaces the stored notebook whose Version equals
	// nb.Version; on success nb.Version is incremented. A missing notebook
	// is NotFound; a version mismatch is IncorrectState (ResNotebook) and
	// leaves the store unchanged.
	UpdateNotebook(ctx context.Context, nb *Notebook) error
	// DeleteNotebook removes the stored notebook whose Version equals
	// nb.Version, with UpdateNotebook's errors.
	DeleteNotebook(ctx context.Context, nb *Notebook) error

	// CreateLifecycleConfig stores a new lifecycle configuration with the
	// Version it carries; an existing key is AlreadyExists.
	CreateLifecycleConfig(ctx context.Context, c *LifecycleConfig) error
	// GetLifecycleConfig returns the configuration, or NotFound.
	GetLifecycleConfig(ctx context.Context, account, name string) (*LifecycleConfig, error)
	// ListLifecycleConfigs returns the configurations of account ("" = every
	// account) in the order they were created.
	ListLifecycleConfigs(ctx context.Context, account string) ([]*LifecycleConfig, error)
	// UpdateLifecycleConfig replaces the stored configuration whose Version
	// equals c.Version, as UpdateNotebook does.
	UpdateLifecycleConfig(ctx context.Context, c *LifecycleConfig) error
	// DeleteLifecycleConfig removes the stored configuration whose Version
	// equals c.Version, as DeleteNotebook does.
	DeleteLifecycleConfig(ctx context.Context, c *LifecycleConfig) error
}
