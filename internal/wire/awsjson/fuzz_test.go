package awsjson

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"strato/internal/errdefs"
)

// FuzzDecode feeds arbitrary documents to ReadRequest and Decode: they never
// panic, and every failure is a client error of this package's resources.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"Name":"nb","Size":5,"When":1700000000.5,"Data":"aGk=","Names":["a"]}`,
		`{"Hooks":[{"Content":"ZWNobw=="},{}],"Labels":{"a":"b"},"Nested":{"Content":null}}`,
		`{"Size":1e400}`, `{"When":-1e-400}`, `{"Big":-9223372036854775808}`, `{"Data":"===="}`,
		`{"Name":"\ud800"}`, `{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, "{\"Name\":\"\x00\"}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "http://127.0.0.1/", strings.NewReader(body))
		r.Header.Set(TargetHeader, "SageMaker.ListTags")
		r.Header.Set("Content-Type", ContentType)
		req, err := ReadRequest(r, "SageMaker", 1<<16)
		if err != nil {
			checkClientError(t, body, err)
			return
		}
		var s sample
		if err := req.Decode(&s); err != nil {
			checkClientError(t, body, err)
		}
	})
}

func checkClientError(t *testing.T, body string, err error) {
	t.Helper()
	var e *errdefs.Error
	if !errors.As(err, &e) || e.Kind != errdefs.InvalidArgument || e.Public == "" {
		t.Fatalf("body %q: error %#v is not a client error with a message", body, err)
	}
	switch e.Resource {
	case ResSerialization, ResBodyTooLarge, ResContentType:
	default:
		t.Fatalf("body %q: unexpected resource %q", body, e.Resource)
	}
}
