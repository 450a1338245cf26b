package errdefs

import (
	"errors"
	"fmt"
	"testing"
)

func TestIsAndAs(t *testing.T) {
	cause := errors.New("disk on fire")
	e := &Error{Kind: NotFound, Resource: ResInstance, ID: "i-1", Public: "The instance ID 'i-1' does not exist", Err: cause}
	wrapped := fmt.Errorf("stop: %w", e)
	if !errors.Is(wrapped, ErrNotFound) || !errors.Is(wrapped, &Error{Kind: NotFound, Resource: ResInstance}) {
		t.Error("errors.Is by kind (and kind+resource) failed")
	}
	if errors.Is(wrapped, &Error{Kind: NotFound, Resource: ResImage}) || errors.Is(wrapped, ErrInternal) {
		t.Error("errors.Is matched another resource or kind")
	}
	if !errors.Is(wrapped, cause) {
		t.Error("the cause is not reachable with errors.Is")
	}
	if KindOf(wrapped) != NotFound || KindOf(nil) != Unknown || KindOf(cause) != Internal {
		t.Error("KindOf")
	}
	if got := As(cause); got.Kind != Internal || got.Public == "" || got.Public == cause.Error() {
		t.Errorf("As(foreign) = %+v: must be Internal with a generic public message", got)
	}
	if Wrap(nil, "x") != nil || Wrap(wrapped, "x") != e {
		t.Error("Wrap")
	}
	for _, k := range Kinds {
		if k.String() == "" || k.String()[:4] == "kind" {
			t.Errorf("kind %d has no name", k)
		}
	}
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"abcdefghijk", 10, "abcdefghij..."},
		{"ééééé", 3, "é..."}, // never cuts a rune in half
	} {
		if got := Clip(tc.in, tc.max); got != tc.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestIndexAndRow(t *testing.T) {
	type row struct {
		k    Key
		code string
	}
	idx := Index([]row{
		{Key{NotFound, ResNone}, "NotFound"},
		{Key{NotFound, ResImage}, "ImageNotFound"},
	}, func(r row) Key { return r.k })
	for _, tc := range []struct {
		e    *Error
		want string
		ok   bool
	}{
		{&Error{Kind: NotFound, Resource: ResImage}, "ImageNotFound", true},
		{&Error{Kind: NotFound, Resource: ResInstance}, "NotFound", true}, // the kind's default row
		{&Error{Kind: Internal}, "", false},
	} {
		got, ok := Row(idx, tc.e)
		if got.code != tc.want || ok != tc.ok {
			t.Errorf("Row(%v/%q) = %q, %v; want %q, %v", tc.e.Kind, tc.e.Resource, got.code, ok, tc.want, tc.ok)
		}
	}
}
