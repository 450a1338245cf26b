package awsquery

import (
	"bytes"
	"encoding"
	"encoding/xml"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// This file is a fast path for encoding/xml's marshalling of the common
// subset that EC2 response shapes use: element fields with names, "a>b"
// parent chains and omitempty; strings, booleans, numbers, []byte, pointers,
// slices, arrays, nested structs and encoding.TextMarshaler values such as
// time.Time. Its output is byte-for-byte what encoding/xml produces (the
// tests compare them). A type that uses anything else (attributes,
// chardata, innerxml, namespaces, XMLName on a nested type, embedded
// structs, interfaces, xml.Marshaler, pointer-receiver text marshalers) is
// encoded by encoding/xml itself.

type planKind uint8

const (
	kString planKind = iota + 1
	kBool
	kInt
	kUint
	kFloat
	kBytes // []byte or [N]byte
	kText  // encoding.TextMarshaler with a value receiver
	kTime  // time.Time, a TextMarshaler with a faster path
	kPtr
	kSlice // slice or array of anything but bytes
	kStruct
)

// typePlan says how to encode values of one type.
type typePlan struct {
	kind       planKind
	elem       *typePlan // kPtr, kSlice
	fields     []fieldPlan
	hasXMLName bool // kStruct: names its own element, which the fast path does not do
}

// fieldPlan is one element-producing field of a struct.
type fieldPlan struct {
	index     int
	name      string
	parents   []string
	omitEmpty bool
	plan      *typePlan
	nilable   bool // pointer: parents are not opened for a nil value
}

var (
	planCache sync.Map // reflect.Type → *typePlan, or errUnsupported
	typeTime  = reflect.TypeFor[time.Time]()
	typeText  = reflect.TypeFor[encoding.TextMarshaler]()
	typeXMLM  = reflect.TypeFor[xml.Marshaler]()
	typeName  = reflect.TypeFor[xml.Name]()
)

// errUnsupported marks types left to encoding/xml.
var errUnsupported = errors.New("awsquery: type needs encoding/xml")

// planFor returns the plan of t, or errUnsupported.
func planFor(t reflect.Type) (*typePlan, error) {
	if p, ok := planCache.Load(t); ok {
		if p, ok := p.(*typePlan); ok {
			return p, nil
		}
		return nil, errUnsupported
	}
	c := compiler{seen: map[reflect.Type]*typePlan{}}
	p, err := c.compile(t)
	if err == nil && p.kind != kStruct {
		err = errUnsupported
	}
	if err != nil {
		planCache.Store(t, err)
		return nil, err
	}
	planCache.Store(t, p)
	return p, nil
}

type compiler struct {
	seen map[reflect.Type]*typePlan
}

func (c *compiler) compile(t reflect.Type) (*typePlan, error) {
	if p, ok := c.seen[t]; ok {
		return p, nil
	}
	if t.Implements(typeXMLM) || reflect.PointerTo(t).Implements(typeXMLM) {
		return nil, errUnsupported
	}
	if t == typeTime {
		return c.add(t, &typePlan{kind: kTime}), nil
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		if t.Implements(typeText) {
			return c.add(t, &typePlan{kind: kText}), nil
		}
		if reflect.PointerTo(t).Implements(typeText) {
			return nil, errUnsupported // depends on addressability
		}
	}
	switch t.Kind() {
	case reflect.String:
		return c.add(t, &typePlan{kind: kString}), nil
	case reflect.Bool:
		return c.add(t, &typePlan{kind: kBool}), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return c.add(t, &typePlan{kind: kInt}), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return c.add(t, &typePlan{kind: kUint}), nil
	case reflect.Float32, reflect.Float64:
		return c.add(t, &typePlan{kind: kFloat}), nil
	case reflect.Pointer:
		p := c.add(t, &typePlan{kind: kPtr})
		e, err := c.compile(t.Elem())
		if err != nil {
			return nil, err
		}
		p.elem = e
		return p, nil
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return c.add(t, &typePlan{kind: kBytes}), nil
		}
		p := c.add(t, &typePlan{kind: kSlice})
		e, err := c.compile(t.Elem())
		if err != nil {
			return nil, err
		}
		p.elem = e
		return p, nil
	case reflect.Struct:
		return c.compileStruct(t)
	}
	return nil, errUnsupported
}

func (c *compiler) add(t reflect.Type, p *typePlan) *typePlan {
	c.seen[t] = p
	return p
}

func (c *compiler) compileStruct(t reflect.Type) (*typePlan, error) {
	p := c.add(t, &typePlan{kind: kStruct})
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Name == "XMLName" {
			p.hasXMLName = true
		}
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			return nil, errUnsupported
		}
		if !f.IsExported() || f.Name == "XMLName" {
			continue
		}
		tag := f.Tag.Get("xml")
		if tag == "-" {
			continue
		}
		name, flags, _ := strings.Cut(tag, ",")
		fp := fieldPlan{index: i}
		if flags != "" {
			for _, fl := range strings.Split(flags, ",") {
				if fl != "omitempty" {
					return nil, errUnsupported // attr, chardata, innerxml, any, …
				}
				fp.omitEmpty = true
			}
		}
		if strings.ContainsAny(name, " \t") {
			return nil, errUnsupported // namespace
		}
		if name == "" {
			name = f.Name
		}
		if strings.Contains(name, ">") {
			parts := strings.Split(name, ">")
			for _, s := range parts {
				if s == "" {
					return nil, errUnsupported
				}
			}
			fp.parents = parts[:len(parts)-1]
			name = parts[len(parts)-1]
		}
		fp.name = name
		if f.Type.Kind() == reflect.Interface || f.Type == typeName {
			return nil, errUnsupported
		}
		fp.nilable = f.Type.Kind() == reflect.Pointer
		fpl, err := c.compile(f.Type)
		if err != nil {
			return nil, err
		}
		if namesItself(fpl, 0) {
			return nil, errUnsupported
		}
		fp.plan = fpl
		p.fields = append(p.fields, fp)
	}
	return p, nil
}

// namesItself reports whether values of p are structs that carry XMLName.
func namesItself(p *typePlan, depth int) bool {
	for ; p != nil && depth < 32; depth++ {
		switch p.kind {
		case kStruct:
			return p.hasXMLName
		case kPtr, kSlice:
			p = p.elem
		default:
			return false
		}
	}
	return false
}

// appendBody appends the children of v's element: through the fast path
// when v's type allows, else through encoding/xml.
func appendBody(b []byte, v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return b, nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() == reflect.Struct {
		if p, err := planFor(rv.Type()); err == nil {
			w := xmlWriter{b: b}
			err := w.structFields(p, rv)
			return w.b, err
		}
	}
	return appendStd(b, v)
}

// appendStd appends the children of v's element as encoding/xml renders them.
func appendStd(b []byte, v any) ([]byte, error) {
	buf := bytes.NewBuffer(b)
	mark := buf.Len()
	enc := xml.NewEncoder(buf)
	if err := enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: "x"}}); err != nil {
		return b, err
	}
	if err := enc.Close(); err != nil {
		return b, err
	}
	out := buf.Bytes()
	if len(out) == mark { // a nil pointer encodes as nothing
		return out, nil
	}
	// out[mark:] is <x …>inner</x>; attribute values cannot contain '>'.
	open := bytes.IndexByte(out[mark:], '>')
	const closeTag = "</x>"
	if open < 0 || !bytes.HasSuffix(out, []byte(closeTag)) {
		return b, fmt.Errorf("awsquery: unexpected encoding of %T", v)
	}
	n := copy(out[mark:], out[mark+open+1:len(out)-len(closeTag)])
	return out[:mark+n], nil
}

// xmlWriter appends XML to a byte slice.
type xmlWriter struct {
	b     []byte
	stack []string // scratch for parent chains
}

func (w *xmlWriter) start(name string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

func (w *xmlWriter) end(name string) {
	w.b = append(w.b, '<', '/')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

// structFields writes the children of struct value v (marshalStruct).
func (w *xmlWriter) structFields(p *typePlan, v reflect.Value) error {
	base := len(w.stack)
	defer func() { w.stack = w.stack[:base] }()
	for i := range p.fields {
		f := &p.fields[i]
		fv := v.Field(f.index)
		w.trim(base, f.parents)
		if len(f.parents) > len(w.stack)-base && !(f.nilable && fv.IsNil()) {
			for _, name := range f.parents[len(w.stack)-base:] {
				w.start(name)
				w.stack = append(w.stack, name)
			}
		}
		if err := w.value(f.plan, fv, f.name, f.omitEmpty); err != nil {
			return err
		}
	}
	w.trim(base, nil)
	return nil
}

// trim closes the open parents that parents does not share.
func (w *xmlWriter) trim(base int, parents []string) {
	open := w.stack[base:]
	split := 0
	for split < len(parents) && split < len(open) && parents[split] == open[split] {
		split++
	}
	for i := len(open) - 1; i >= split; i-- {
		w.end(open[i])
	}
	w.stack = w.stack[:base+split]
}

// value writes v as element(s) named name (marshalValue).
func (w *xmlWriter) value(p *typePlan, v reflect.Value, name string, omitEmpty bool) error {
	if omitEmpty && isEmpty(v) {
		return nil
	}
	for p.kind == kPtr {
		if v.IsNil() {
			return nil
		}
		p, v = p.elem, v.Elem()
	}
	switch p.kind {
	case kSlice:
		for i, n := 0, v.Len(); i < n; i++ {
			if err := w.value(p.elem, v.Index(i), name, omitEmpty); err != nil {
				return err
			}
		}
		return nil
	case kStruct:
		w.start(name)
		if err := w.structFields(p, v); err != nil {
			return err
		}
		w.end(name)
		return nil
	}
	w.start(name)
	switch p.kind {
	case kString:
		w.b = appendEscaped(w.b, v.String())
	case kBool:
		w.b = strconv.AppendBool(w.b, v.Bool())
	case kInt:
		w.b = strconv.AppendInt(w.b, v.Int(), 10)
	case kUint:
		w.b = strconv.AppendUint(w.b, v.Uint(), 10)
	case kFloat:
		w.b = strconv.AppendFloat(w.b, v.Float(), 'g', -1, v.Type().Bits())
	case kBytes:
		if v.Kind() == reflect.Slice {
			w.b = appendEscaped(w.b, string(v.Bytes()))
		} else {
			bs := make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(bs), v)
			w.b = appendEscaped(w.b, string(bs))
		}
	case kTime:
		var t time.Time
		if v.CanAddr() {
			t = *(*time.Time)(v.Addr().UnsafePointer())
		} else {
			t = v.Interface().(time.Time)
		}
		var err error
		if w.b, err = t.AppendText(w.b); err != nil {
			return err
		}
	case kText:
		text, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return err
		}
		w.b = appendEscaped(w.b, string(text))
	default:
		return fmt.Errorf("awsquery: no encoder for %s", v.Type())
	}
	w.end(name)
	return nil
}

// isEmpty is encoding/xml's isEmptyValue.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// appendEscaped appends s escaped exactly as encoding/xml escapes text.
func appendEscaped(b []byte, s string) []byte {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '<' && c != '>' && c != '&' && c != '\'' && c != '"' {
			i++
			continue
		}
		break
	}
	if i == len(s) {
		return append(b, s...)
	}
	b = append(b, s[:i]...)
	last := i
	for i < len(s) {
		r, width := utf8.DecodeRuneInString(s[i:])
		i += width
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !inCharacterRange(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
				break
			}
			continue
		}
		b = append(b, s[last:i-width]...)
		b = append(b, esc...)
		last = i
	}
	return append(b, s[last:]...)
}

func inCharacterRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
