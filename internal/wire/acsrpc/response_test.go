package acsrpc

import (
	"encoding/json"
	"encoding/xml"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type testIDs struct {
	InstanceIdSet []string `json:"InstanceIdSet" xml:"InstanceIdSet"`
}

type testResponse struct {
	InstanceIdSets testIDs `json:"InstanceIdSets" xml:"InstanceIdSets"`
	TotalCount     int     `json:"TotalCount" xml:"TotalCount"`
}

func TestWriteResponse(t *testing.T) {
	v := testResponse{InstanceIdSets: testIDs{InstanceIdSet: []string{"i-a", "i-<b>"}}, TotalCount: 2}
	tests := []struct {
		name   string
		format Format
		v      any
		want   string
		ct     string
	}{
		{"json", JSON, v, `{"RequestId":"R-1","InstanceIdSets":{"InstanceIdSet":["i-a","i-\u003cb\u003e"]},"TotalCount":2}`, ContentTypeJSON},
		{"json, nothing but the request id", JSON, nil, `{"RequestId":"R-1"}`, ContentTypeJSON},
		{"json, empty struct", JSON, struct{}{}, `{"RequestId":"R-1"}`, ContentTypeJSON},
		{"xml", XML, v, `<?xml version="1.0" encoding="UTF-8"?><RunInstancesResponse><RequestId>R-1</RequestId>` +
			`<InstanceIdSets><InstanceIdSet>i-a</InstanceIdSet><InstanceIdSet>i-&lt;b&gt;</InstanceIdSet></InstanceIdSets>` +
			`<TotalCount>2</TotalCount></RunInstancesResponse>`, ContentTypeXML},
		{"xml, nothing but the request id", XML, nil,
			`<?xml version="1.0" encoding="UTF-8"?><RunInstancesResponse><RequestId>R-1</RequestId></RunInstancesResponse>`, ContentTypeXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := WriteResponse(w, tt.format, "RunInstances", "R-1", tt.v); err != nil {
				t.Fatal(err)
			}
			got := []string{w.Body.String(), w.Header().Get("Content-Type"), w.Header().Get(RequestIDHeader)}
			if d := cmp.Diff(got, []string{tt.want, tt.ct, "R-1"}); d != "" {
				t.Errorf("response (-got +want):\n%s", d)
			}
			if w.Code != 200 {
				t.Errorf("status %d", w.Code)
			}
		})
	}
	if err := WriteResponse(httptest.NewRecorder(), JSON, "X", "R", []string{"not an object"}); err == nil {
		t.Error("a non-object JSON response was accepted")
	}
}

// TestWriteErrorShapes: the documents parse back into the members the SDK
// reads (RequestId, HostId, Code, Message, Recommend).
func TestWriteErrorShapes(t *testing.T) {
	e := ErrorBody{RequestId: "R-1", HostId: "127.0.0.1:8773", Code: "InvalidInstanceId.NotFound",
		Message: "The specified InstanceId does not exist.", Recommend: "https://example/x?a=1&b=2"}
	for _, f := range []Format{JSON, XML} {
		w := httptest.NewRecorder()
		WriteError(w, f, 404, e)
		var got ErrorBody
		var err error
		if f == JSON {
			err = json.Unmarshal(w.Body.Bytes(), &got)
		} else {
			var x struct {
				XMLName xml.Name
				ErrorBody
			}
			err = xml.Unmarshal(w.Body.Bytes(), &x)
			if x.XMLName.Local != "Error" {
				t.Errorf("XML root %q, want Error", x.XMLName.Local)
			}
			got = x.ErrorBody
		}
		if err != nil || w.Code != 404 {
			t.Fatalf("%s: status %d, %v\n%s", f, w.Code, err, w.Body)
		}
		if d := cmp.Diff(got, e); d != "" {
			t.Errorf("%s error (-got +want):\n%s", f, d)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"": JSON, "JSON": JSON, "json": JSON, "XML": XML, "xml": XML} {
		if got, err := ParseFormat(in); got != want || err != nil {
			t.Errorf("ParseFormat(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("YAML"); err == nil {
		t.Error("YAML accepted")
	}
}
