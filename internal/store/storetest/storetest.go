// Package storetest is the conformance suite every store implementation
// passes. An implementation's tests call RunInstanceStore, RunIAMStore and
// RunImageStore with a function that opens a fresh, empty store:
//
//	func TestInstanceStore(t *testing.T) {
//		storetest.RunInstanceStore(t, func(t *testing.T) instance.Store {
//			s := mystore.New()
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Besides the interface documentation, the suite holds stores to these
// details, which callers rely on:
//
//   - on success UpdateInstance sets ev.Seq and CreateInstances each
//     events[i].Seq to the sequence number assigned; on failure neither
//     they nor inst.Version change;
//   - the Version given to CreateInstances is stored as is;
//   - a store keeps its own copies: changing an instance after handing it
//     over, or one returned by LoadInstances, does not change the store;
//   - DeleteInstances' deleted events carry the instance's account, the
//     state it was deleted in (From) and a non-zero time;
//   - errors are *errdefs.Error; NotFound and AlreadyExists name the
//     resource (ResInstance, ResAccount, ResAccessKey);
//   - Events refuses a negative limit with InvalidArgument;
//   - UpdateInstanceVolumes writes the instance, its event and the volumes
//     together or not at all, and DeleteInstances leaves the volumes.
//
// Times may come back in another location (UTC) and empty slices and maps
// as nil; the comparisons allow for both, and JSON in a driver handle is
// compared by meaning, not by its bytes.
package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"strato/internal/errdefs"
)

// cmpOpts are the comparison options for everything a store returns.
var cmpOpts = cmp.Options{
	cmpopts.EquateEmpty(),
	// Raw JSON compares by its compacted form: a store may re-encode it.
	// The filter leaves two empty values to EquateEmpty.
	cmp.FilterValues(func(x, y json.RawMessage) bool { return len(x) > 0 || len(y) > 0 },
		cmp.Comparer(func(x, y json.RawMessage) bool {
			var bx, by bytes.Buffer
			if json.Compact(&bx, x) != nil || json.Compact(&by, y) != nil {
				return bytes.Equal(x, y)
			}
			return bytes.Equal(bx.Bytes(), by.Bytes())
		})),
}

// wantErr fails t unless err is an *errdefs.Error of kind k and, when res is
// not ResNone, about res. A zero k wants no error.
func wantErr(t *testing.T, err error, k errdefs.Kind, res errdefs.Resource) {
	t.Helper()
	if k == errdefs.Unknown {
		if err != nil {
			t.Fatalf("err = %v, want nil", err)
		}
		return
	}
	var e *errdefs.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *errdefs.Error of kind %v", err, err, k)
	}
	if e.Kind != k || (res != errdefs.ResNone && e.Resource != res) {
		t.Fatalf("err = %v (kind %v, resource %q), want kind %v, resource %q", err, e.Kind, e.Resource, k, res)
	}
}
