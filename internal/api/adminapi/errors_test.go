package adminapi

import (
	"testing"

	"strato/internal/errdefs"
)

func TestErrorTableCoversEveryKind(t *testing.T) {
	for _, k := range errdefs.Kinds {
		if _, ok := errorTable[k]; !ok {
			t.Errorf("kind %v has no row in the admin error table", k)
		}
	}
}
