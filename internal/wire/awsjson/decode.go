package awsjson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"strato/internal/errdefs"
)

// Decode maps doc, a JSON object, onto v, a non-nil pointer to a struct, the
// way an AWS JSON 1.1 service reads an input shape:
//
//   - members match the fields' json tag names exactly (case matters, as it
//     does for the service); unknown members are ignored; null is the same as
//     an absent member
//   - string ← string, bool ← true/false, signed integers ← integral numbers
//     in the field's range, float64 ← number
//   - time.Time and Timestamp ← epoch seconds, a number with an optional
//     fraction
//   - []byte ← base64 (standard alphabet, padded)
//   - slices ← arrays, map[string]T ← objects, structs and pointers recursively
//
// An empty doc is "{}". A value whose JSON type does not fit its field is an
// errdefs.InvalidArgument error with Resource ResSerialization; a v that is
// not a pointer to a struct, or a field of a kind this protocol does not
// have, is errdefs.Internal (a bug in the caller).
func Decode(doc []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return internalError(fmt.Errorf("awsjson: Decode needs a non-nil pointer to a struct, got %T", v))
	}
	if len(bytes.TrimSpace(doc)) == 0 {
		doc = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return serializationError("The request body is not well-formed JSON.", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return serializationError("The request body must hold exactly one JSON document.", err)
	}
	if root == nil {
		return nil
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return serializationError("The request body must be a JSON object.", nil)
	}
	return decodeStruct(rv.Elem(), obj)
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	timestampType = reflect.TypeFor[Timestamp]()
	bytesType     = reflect.TypeFor[[]byte]()
)

// decodeValue stores src, a value from encoding/json with UseNumber, in dst.
func decodeValue(dst reflect.Value, src any) error {
	if src == nil {
		return nil // null: the member is absent
	}
	t := dst.Type()
	switch t {
	case timeType, timestampType:
		n, ok := src.(json.Number)
		if !ok {
			return typeError(src, "a Timestamp")
		}
		tm, err := ParseEpochSeconds(string(n))
		if err != nil {
			return serializationError(fmt.Sprintf("'%s' is not a timestamp in epoch seconds.", errdefs.Clip(string(n), 64)), err)
		}
		dst.Set(reflect.ValueOf(tm).Convert(t))
		return nil
	case bytesType:
		s, ok := src.(string)
		if !ok {
			return typeError(src, "a Blob")
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return serializationError("A blob member is not valid base64.", err)
		}
		dst.SetBytes(b)
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem := reflect.New(t.Elem())
		if err := decodeValue(elem.Elem(), src); err != nil {
			return err
		}
		dst.Set(elem)
	case reflect.String:
		s, ok := src.(string)
		if !ok {
			return typeError(src, "String")
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := src.(bool)
		if !ok {
			return typeError(src, "a Boolean")
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := src.(json.Number)
		if !ok {
			return typeError(src, intName(t.Bits()))
		}
		i, err := parseInt(string(n), t.Bits())
		if err != nil {
			return serializationError(fmt.Sprintf("NUMBER_VALUE '%s' can not be converted to %s", errdefs.Clip(string(n), 64), intName(t.Bits())), err)
		}
		dst.SetInt(i)
	case reflect.Float32, reflect.Float64:
		n, ok := src.(json.Number)
		if !ok {
			return typeError(src, "a Double")
		}
		f, err := strconv.ParseFloat(string(n), t.Bits())
		if err != nil {
			return serializationError(fmt.Sprintf("NUMBER_VALUE '%s' can not be converted to a Double", errdefs.Clip(string(n), 64)), err)
		}
		dst.SetFloat(f)
	case reflect.Slice:
		arr, ok := src.([]any)
		if !ok {
			return typeError(src, "a List")
		}
		s := reflect.MakeSlice(t, len(arr), len(arr))
		for i, e := range arr {
			if err := decodeValue(s.Index(i), e); err != nil {
				return err
			}
		}
		dst.Set(s)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return internalError(fmt.Errorf("awsjson: map key type %s is not a string", t.Key()))
		}
		obj, ok := src.(map[string]any)
		if !ok {
			return typeError(src, "a Map")
		}
		m := reflect.MakeMapWithSize(t, len(obj))
		for k, e := range obj {
			ev := reflect.New(t.Elem()).Elem()
			if err := decodeValue(ev, e); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
		}
		dst.Set(m)
	case reflect.Struct:
		obj, ok := src.(map[string]any)
		if !ok {
			return typeError(src, "a Structure")
		}
		return decodeStruct(dst, obj)
	default:
		return internalError(fmt.Errorf("awsjson: cannot decode into %s", t))
	}
	return nil
}

// decodeStruct fills the fields of dst named by obj's members.
func decodeStruct(dst reflect.Value, obj map[string]any) error {
	fields, err := structFields(dst.Type())
	if err != nil {
		return err
	}
	for _, f := range fields {
		src, ok := obj[f.name]
		if !ok {
			continue
		}
		if err := decodeValue(dst.Field(f.index), src); err != nil {
			return err
		}
	}
	return nil
}

// field is one decodable struct field: its member name and index.
type field struct {
	name  string
	index int
}

// fieldCache maps a struct type to its []field.
var fieldCache sync.Map

func structFields(t reflect.Type) ([]field, error) {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field), nil
	}
	var fields []field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name := sf.Name
		if tag, ok := sf.Tag.Lookup("json"); ok {
			n, _, _ := strings.Cut(tag, ",")
			if n == "-" {
				continue
			}
			if n != "" {
				name = n
			}
		}
		if sf.Anonymous {
			return nil, internalError(fmt.Errorf("awsjson: embedded field %s of %s is not supported", sf.Name, t))
		}
		fields = append(fields, field{name: name, index: i})
	}
	fieldCache.Store(t, fields)
	return fields, nil
}

// typeError is the service's answer to a JSON value of the wrong type.
func typeError(src any, want string) error {
	switch v := src.(type) {
	case map[string]any:
		return serializationError("Start of structure or map found where not expected.", nil)
	case []any:
		return serializationError("Start of list found where not expected", nil)
	case string:
		return serializationError("STRING_VALUE can not be converted to "+want, nil)
	case json.Number:
		return serializationError("NUMBER_VALUE can not be converted to "+want, nil)
	case bool:
		if v {
			return serializationError("TRUE_VALUE can not be converted to "+want, nil)
		}
		return serializationError("FALSE_VALUE can not be converted to "+want, nil)
	}
	return serializationError("The request body does not fit the operation's input.", nil)
}

// intName names an integer type the way the service's messages do.
func intName(bits int) string {
	if bits > 32 {
		return "a Long"
	}
	return "an Integer"
}

// parseInt reads an integral JSON number ("5", "5.0", "5e2") that fits in
// bits.
func parseInt(s string, bits int) (int64, error) {
	if i, err := strconv.ParseInt(s, 10, bits); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	limit := math.Ldexp(1, bits-1)
	if f != math.Trunc(f) || f < -limit || f >= limit {
		return 0, fmt.Errorf("%s is not an integer of %d bits", s, bits)
	}
	return int64(f), nil
}

// maxEpochSeconds is 9999-12-31T23:59:59Z: later times are not timestamps a
// client means.
const maxEpochSeconds = 253402300799

// ParseEpochSeconds reads a JSON 1.1 timestamp, a decimal number of seconds
// since the Unix epoch with an optional fraction or exponent ("1700000000",
// "1700000000.123", "1.7e9"), to the nanosecond where the digits allow.
func ParseEpochSeconds(s string) (time.Time, error) {
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.Abs(f) > maxEpochSeconds {
			return time.Time{}, fmt.Errorf("awsjson: bad timestamp %q", s)
		}
		sec, frac := math.Modf(f)
		nsec := math.Round(frac*1e6) * 1e3 // float64 holds about microseconds at this size
		return time.Unix(int64(sec), int64(nsec)).UTC(), nil
	}
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(digits, ".")
	if whole == "" || !allDigits(whole) || !allDigits(frac) || len(whole) > 12 {
		return time.Time{}, fmt.Errorf("awsjson: bad timestamp %q", s)
	}
	sec, _ := strconv.ParseInt(whole, 10, 64)
	if sec > maxEpochSeconds {
		return time.Time{}, fmt.Errorf("awsjson: timestamp %q is out of range", s)
	}
	if len(frac) > 9 {
		frac = frac[:9]
	}
	var nsec int64
	if frac != "" {
		nsec, _ = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
	}
	if neg {
		sec, nsec = -sec, -nsec
	}
	return time.Unix(sec, nsec).UTC(), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func internalError(err error) *errdefs.Error {
	return &errdefs.Error{Kind: errdefs.Internal, Public: "an internal error occurred", Err: err}
}
