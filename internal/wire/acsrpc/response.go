package acsrpc

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"strato/internal/errdefs"
)

// Format is a response format, chosen by the Format parameter.
type Format string

// The formats; JSON is the default.
const (
	JSON Format = "JSON"
	XML  Format = "XML"
)

// Content types of the formats.
const (
	ContentTypeJSON = "application/json;charset=utf-8"
	ContentTypeXML  = "text/xml;charset=utf-8"
)

// RequestIDHeader carries the request id, as Alibaba Cloud's gateway sends it.
const RequestIDHeader = "X-Acs-Request-Id"

// ParseFormat reads the Format parameter: JSON (the default when empty) or
// XML, in any letter case. Anything else is InvalidParameter.Format.
func ParseFormat(s string) (Format, error) {
	switch strings.ToUpper(s) {
	case "", "JSON":
		return JSON, nil
	case "XML":
		return XML, nil
	}
	return JSON, errdefs.New(errdefs.InvalidArgument, ResFormat, clip(s), "Specified parameter format is not valid.")
}

// xmlHeader starts every XML document.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>`

// WriteResponse writes a 200 answer: v with RequestId added as its first
// member. In JSON, v must encode to an object; in XML, it is the content of
// the <{action}Response> root element, so its fields carry xml tags and
// lists are written as Alibaba does (<Instances><Instance>…</Instance>
// </Instances>).
func WriteResponse(w http.ResponseWriter, f Format, action, requestID string, v any) error {
	var body []byte
	var err error
	if f == XML {
		body, err = xmlDocument(action+"Response", requestID, v)
	} else {
		body, err = jsonDocument(requestID, v)
	}
	if err != nil {
		return fmt.Errorf("acsrpc: encode %s response: %w", action, err)
	}
	write(w, f, http.StatusOK, requestID, body)
	return nil
}

// ErrorBody is Alibaba Cloud's error document.
type ErrorBody struct {
	RequestId string `json:"RequestId" xml:"RequestId"`
	HostId    string `json:"HostId" xml:"HostId"`
	Code      string `json:"Code" xml:"Code"`
	Message   string `json:"Message" xml:"Message"`
	Recommend string `json:"Recommend" xml:"Recommend"`
}

// WriteError writes an error document: JSON {"RequestId","HostId","Code",
// "Message","Recommend"}, or XML <Error> with the same members.
func WriteError(w http.ResponseWriter, f Format, status int, e ErrorBody) {
	var body []byte
	if f == XML {
		var b bytes.Buffer
		b.WriteString(xmlHeader)
		_ = xml.NewEncoder(&b).EncodeElement(e, xml.StartElement{Name: xml.Name{Local: "Error"}})
		body = b.Bytes()
	} else {
		body, _ = json.Marshal(e) // a struct of strings always encodes
	}
	write(w, f, status, e.RequestId, body)
}

func write(w http.ResponseWriter, f Format, status int, requestID string, body []byte) {
	h := w.Header()
	if f == XML {
		h.Set("Content-Type", ContentTypeXML)
	} else {
		h.Set("Content-Type", ContentTypeJSON)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if requestID != "" {
		h.Set(RequestIDHeader, requestID)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// jsonDocument encodes v and puts "RequestId" first.
func jsonDocument(requestID string, v any) ([]byte, error) {
	id, _ := json.Marshal(requestID)
	if v == nil {
		return append(append([]byte(`{"RequestId":`), id...), '}'), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(b) < 2 || b[0] != '{' {
		return nil, fmt.Errorf("%T does not encode to a JSON object", v)
	}
	out := make([]byte, 0, len(b)+len(id)+16)
	out = append(out, `{"RequestId":`...)
	out = append(out, id...)
	if len(b) > 2 {
		out = append(out, ',')
	}
	return append(out, b[1:]...), nil
}

// xmlDocument encodes v as the content of <root> and puts <RequestId> first.
func xmlDocument(root, requestID string, v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xmlHeader)
	start := xml.StartElement{Name: xml.Name{Local: root}}
	if v == nil {
		v = struct{}{}
	}
	var inner bytes.Buffer
	if err := xml.NewEncoder(&inner).EncodeElement(v, start); err != nil {
		return nil, err
	}
	doc := inner.Bytes()
	open := bytes.IndexByte(doc, '>') + 1 // <root> has no attributes
	if open <= 0 {
		return nil, fmt.Errorf("%T did not encode to an element", v)
	}
	b.Write(doc[:open])
	b.WriteString("<RequestId>")
	_ = xml.EscapeText(&b, []byte(requestID))
	b.WriteString("</RequestId>")
	b.Write(doc[open:])
	return b.Bytes(), nil
}
