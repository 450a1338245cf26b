package memstore

import (
	"testing"

	"strato/internal/core/iam"
	"strato/internal/core/instance"
	"strato/internal/store/storetest"
)

func TestInstanceStore(t *testing.T) {
	storetest.RunInstanceStore(t, func(t *testing.T) instance.Store { return New() })
}

func TestIAMStore(t *testing.T) {
	storetest.RunIAMStore(t, func(t *testing.T) iam.Store { return New() })
}
