package modelartsapi

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/notebook"
)

func TestStatusWord(t *testing.T) {
	tests := []struct {
		name           string
		status         notebook.Status
		served         bool
		failedBy       notebook.Op
		wantDevEnviron string
		wantNotebook   string
	}{
		{"first boot", notebook.Pending, false, "", "CREATING", "CREATING"},
		{"later boot", notebook.Pending, true, "", "STARTING", "STARTING"},
		{"running", notebook.InService, true, "", "RUNNING", "RUNNING"},
		{"stopping", notebook.Stopping, true, "", "STOPPING", "STOPPING"},
		{"stopped", notebook.Stopped, true, "", "STOPPED", "STOPPED"},
		{"deleting", notebook.Deleting, true, "", "DELETING", "DELETING"},
		{"first boot failed", notebook.Failed, false, notebook.OpBootFailed, "ERROR", "CREATE_FAILED"},
		{"later boot failed", notebook.Failed, true, notebook.OpBootFailed, "ERROR", "START_FAILED"},
		{"lost while running", notebook.Failed, true, notebook.OpLost, "ERROR", "ERROR"},
		{"failed, cause unknown", notebook.Failed, true, "", "ERROR", "ERROR"},
		{"a SageMaker status", notebook.Updating, true, "", "ERROR", "ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb := &notebook.Notebook{Status: tt.status, Served: tt.served, FailedBy: tt.failedBy}
			got := []string{statusWord(apiDevEnviron, nb), statusWord(apiNotebook, nb)}
			if d := cmp.Diff(got, []string{tt.wantDevEnviron, tt.wantNotebook}); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
			if !devEnvironStatuses[got[0]] || !notebookStatuses[got[1]] {
				t.Errorf("%v: a word the list filters refuse", got)
			}
		})
	}
}
