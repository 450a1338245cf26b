package memstore

import (
	"testing"

	"strato/internal/core/catalog"
	"strato/internal/core/iam"
	"strato/internal/core/instance"
	"strato/internal/core/notebook"
	"strato/internal/store/storetest"
)

func TestInstanceStore(t *testing.T) {
	storetest.RunInstanceStore(t, func(t *testing.T) instance.Store { return New() })
}

func TestIAMStore(t *testing.T) {
	storetest.RunIAMStore(t, func(t *testing.T) iam.Store { return New() })
}

func TestImageStore(t *testing.T) {
	storetest.RunImageStore(t, func(t *testing.T) catalog.ImageStore { return New() })
}

func TestNotebookStore(t *testing.T) {
	storetest.RunNotebookStore(t, func(t *testing.T) notebook.Store { return New() })
}
