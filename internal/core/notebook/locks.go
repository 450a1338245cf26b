package notebook

import (
	"context"
	"sync"
)

// ref names a record: an account and a name key. kind separates notebooks
// from lifecycle configurations, which may share names.
type ref struct {
	kind    byte // refNotebook or refConfig
	nb      Kind // a notebook's kind
	account string
	name    string // the record's key: NameKey of the name, or a ModelArts ID
}

const (
	refNotebook byte = 'n'
	refConfig   byte = 'c'
	refName     byte = 'm' // a name of a kind whose names are unique but not keys
)

// notebookRef names the SageMaker notebook name of account.
func notebookRef(account, name string) ref {
	return ref{refNotebook, KindSageMaker, account, NameKey(name)}
}
func configRef(account, name string) ref {
	return ref{refConfig, KindSageMaker, account, NameKey(name)}
}

// refOf names nb.
func refOf(nb *Notebook) ref { return ref{refNotebook, nb.Kind, nb.AccountID, nb.Key()} }

// get reads the notebook r names.
func (s *Service) get(ctx context.Context, r ref) (*Notebook, error) {
	return s.store.GetNotebook(ctx, r.nb, r.account, r.name)
}

// keyedMutex is a set of mutexes addressed by ref, created on demand and
// dropped when nobody holds or waits for them: the operation locks.
type keyedMutex struct {
	mu sync.Mutex
	m  map[ref]*keyedEntry
}

type keyedEntry struct {
	mu   sync.Mutex
	refs int
}

// Lock locks key and returns the function that unlocks it.
func (k *keyedMutex) Lock(key ref) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[ref]*keyedEntry{}
	}
	e := k.m[key]
	if e == nil {
		e = &keyedEntry{}
		k.m[key] = e
	}
	e.refs++
	k.mu.Unlock()
	e.mu.Lock()
	return func() {
		k.mu.Lock()
		e.refs--
		if e.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
		e.mu.Unlock()
	}
}
