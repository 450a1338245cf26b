package sagemakerapi

import (
	"encoding/json"
	"testing"

	"strato/internal/core/notebook"
)

// emptyOutput are the operations that answer an empty body.
var emptyOutput = map[string]bool{
	"StartNotebookInstance": true, "StopNotebookInstance": true, "UpdateNotebookInstance": true,
	"DeleteNotebookInstance": true, "UpdateNotebookInstanceLifecycleConfig": true,
	"DeleteNotebookInstanceLifecycleConfig": true, "DeleteTags": true,
}

// FuzzHandler posts arbitrary signed bodies to every operation (and to
// unknown ones) and requires a well-formed answer that is never a server
// error: bad input is always the client's fault.
func FuzzHandler(f *testing.F) {
	for _, c := range opCases() {
		f.Add(c.operation, c.body)
	}
	for _, s := range [][2]string{
		{"CreateNotebookInstance", `{"NotebookInstanceName":"/x","InstanceType":5,"Tags":[{"Key":null}],"VolumeSizeInGB":1e99}`},
		{"ListNotebookInstances", `{"CreationTimeAfter":-1e308,"MaxResults":-2147483648,"NextToken":"\u0000"}`},
		{"AddTags", `{"ResourceArn":"arn:aws:sagemaker:x:123456789012:\ud800","Tags":[{"Key":"😀","Value":"\u2028"}]}`},
		{"DeleteTags", `{"TagKeys":[null,1]}`},
		{"CreateNotebookInstanceLifecycleConfig", `{"NotebookInstanceLifecycleConfigName":"c","OnStart":[null,{"Content":{}}]}`},
		{"UnknownOp", `{}`},
		{"", `{`},
		{"Describe.Notebook", `null`},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, operation, body string) {
		core := &fakeCore{notebook: goldenNotebook(), notebooks: []*notebook.Notebook{goldenNotebook(), failedNotebook()},
			config: goldenConfig(), configs: []*notebook.LifecycleConfig{goldenConfig()},
			tags: []notebook.Tag{{Key: body, Value: operation}}, url: body, next: operation}
		w := do(t, newTestHandler(t, core), operation, body)
		if w.Code >= 500 {
			t.Fatalf("status %d for %s %q:\n%s", w.Code, operation, body, w.Body.String())
		}
		if w.Code == 200 {
			if w.Body.Len() == 0 {
				if !emptyOutput[operation] {
					t.Fatalf("empty body from %s", operation)
				}
				return
			}
			if !json.Valid(w.Body.Bytes()) {
				t.Fatalf("malformed JSON from %s %q: %s", operation, body, w.Body.String())
			}
			return
		}
		var e apiError
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Type == "" || e.Message == "" {
			t.Fatalf("bad error document (%d) for %s %q: %s", w.Code, operation, body, w.Body.String())
		}
	})
}
