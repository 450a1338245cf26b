package modelartsapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"strato/internal/errdefs"
)

// Wire limits (ModelArts's API reference).
const (
	maxDevEnvironName = 64  // DevEnviron instance names
	maxNotebookName   = 128 // Notebook API names
	maxDescription    = 512
	minVolumeGB       = 5
	maxVolumeGB       = 4096
	defaultVolumeGB   = 5
	// maxDevEnvironAutoStop is the DevEnviron's longest auto stop (24 h,
	// spec.auto_stop.duration in seconds).
	maxDevEnvironAutoStop = 24 * time.Hour
	// maxLease is the Notebook API's longest lease (72 h, in ms).
	maxLease = 72 * time.Hour
	// defaultLease is the Notebook API's lease when none is asked for.
	defaultLease = time.Hour
)

// descriptionForbidden are the characters a description must not contain.
const descriptionForbidden = "&<>\"'/"

// workspaceDefault is the only workspace: ModelArts's default one.
const workspaceDefault = "0"

// required is ModelArts.6335 for the property name.
func required(name string) *errdefs.Error {
	return errdefs.New(errdefs.InvalidArgument, resRequired, name, "")
}

// badValue is ModelArts.6336 for the property name.
func badValue(name string) *errdefs.Error {
	return errdefs.New(errdefs.InvalidArgument, resValue, name, "")
}

// badPayload is ModelArts.6400 with detail.
func badPayload(detail string) *errdefs.Error {
	return errdefs.New(errdefs.InvalidArgument, resPayload, detail, "")
}

// decodeBody decodes the JSON body into v, a struct of pointer fields so
// that absent and null properties read nil. Malformed JSON, a value of the
// wrong type and trailing data are ModelArts.6400; unknown properties are
// ignored, as the SDK sends many Strato does not use.
func decodeBody(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badPayload("(the body is empty)")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return payloadError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badPayload("(unexpected data after the JSON document)")
	}
	return nil
}

// payloadError words a decoding error without echoing Go's text.
func payloadError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return badPayload(fmt.Sprintf("('%s' must be of the '%s' type)", errdefs.Clip(te.Field, 128), jsonType(te.Type)))
	case errors.As(err, &te):
		return badPayload(fmt.Sprintf("(the body must be a JSON %s)", jsonType(te.Type)))
	case errors.As(err, &se):
		return badPayload(fmt.Sprintf("(malformed JSON at offset %d)", se.Offset))
	}
	return badPayload("(malformed JSON)")
}

// jsonType names the JSON type of a Go type.
func jsonType(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return "value"
}

// checkName validates a required instance name: at most max characters,
// letters, digits, "-" and "_".
func checkName(name *string, max int) error {
	if name == nil || *name == "" {
		return required("name")
	}
	if len(*name) > max {
		return badValue("name")
	}
	for _, r := range *name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return errdefs.New(errdefs.InvalidArgument, resCharacter, string(r), "")
		}
	}
	return nil
}

// checkDescription validates an optional description: at most 512
// characters, none of &<>"'/.
func checkDescription(d *string) error {
	if d == nil {
		return nil
	}
	if len([]rune(*d)) > maxDescription {
		return badValue("description")
	}
	if i := strings.IndexAny(*d, descriptionForbidden); i >= 0 {
		return errdefs.New(errdefs.InvalidArgument, resCharacter, (*d)[i:i+1], "")
	}
	return nil
}

// checkFlavor validates a required flavor against the catalog.
func (h *Handler) checkFlavor(flavor *string) error {
	if flavor == nil || *flavor == "" {
		return required("flavor")
	}
	if _, ok := h.catalog.ModelArtsFlavor(*flavor); !ok {
		return errdefs.New(errdefs.InvalidArgument, resFlavor, errdefs.Clip(*flavor, 128), "")
	}
	return nil
}

// checkWorkspace allows only the default workspace ("0"; nil or "" mean it).
func checkWorkspace(id *string) error {
	if id == nil || *id == "" || *id == workspaceDefault {
		return nil
	}
	return errdefs.New(errdefs.NotFound, resWorkspace, errdefs.Clip(*id, 64), "")
}

// checkVolumeSize validates an EVS size in GB (nil = the default).
func checkVolumeSize(gb *int64) (int, error) {
	if gb == nil {
		return defaultVolumeGB, nil
	}
	if *gb < minVolumeGB || *gb > maxVolumeGB {
		return 0, errdefs.Newf(errdefs.InvalidArgument, resVolumeSize, strconv.FormatInt(*gb, 10),
			"The evs volume size ranges from %d GB to %d GB.", minVolumeGB, maxVolumeGB)
	}
	return int(*gb), nil
}

// checkDuration validates an auto-stop length v counted in unit, which must
// lie between the handler's smallest auto stop and max: ModelArts.6349,
// whose message states the range in unit.
func (h *Handler) checkDuration(v int64, unit, max time.Duration) (time.Duration, error) {
	lo := int64((h.minAutoStop + unit - 1) / unit) // rounded up
	hi := int64(max / unit)
	if v < lo || v > hi {
		return 0, errdefs.Newf(errdefs.InvalidArgument, resDuration, strconv.FormatInt(v, 10),
			"The 'duration' parameter is incorrect. The value ranges from %d to %d.", lo, hi)
	}
	return time.Duration(v) * unit, nil
}

// queryInt reads a non-negative integer query parameter (def when absent).
func queryInt(c *call, name string, def int) (int, error) {
	s := c.query.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, badValue(name)
	}
	return n, nil
}

// millis is t in milliseconds since the epoch, ModelArts's timestamps.
func millis(t time.Time) int64 { return t.UnixMilli() }
