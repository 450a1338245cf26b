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
		started        bool
		failedBy       notebook.Op
		wantDevEnviron string
		wantNotebook   string
	}{
		{"first boot", notebook.Pending, false, false, "", "CREATING", "CREATING"},
		{"later boot", notebook.Pending, true, false, "", "STARTING", "STARTING"},
		{"running", notebook.InService, true, false, "", "RUNNING", "RUNNING"},
		{"stopping", notebook.Stopping, true, false, "", "STOPPING", "STOPPING"},
		{"stopped", notebook.Stopped, true, false, "", "STOPPED", "STOPPED"},
		{"deleting", notebook.Deleting, true, false, "", "DELETING", "DELETING"},
		{"first boot failed", notebook.Failed, false, false, notebook.OpBootFailed, "ERROR", "CREATE_FAILED"},
		{"later boot failed", notebook.Failed, true, false, notebook.OpBootFailed, "ERROR", "START_FAILED"},
		{"lost while running", notebook.Failed, true, false, notebook.OpLost, "ERROR", "ERROR"},
		{"failed, cause unknown", notebook.Failed, true, false, "", "ERROR", "ERROR"},
		{"a SageMaker status", notebook.Updating, true, false, "", "ERROR", "ERROR"},
		{"started again after a failed creation", notebook.Pending, false, true, "", "STARTING", "STARTING"},
		{"that start failed too", notebook.Failed, false, true, notebook.OpBootFailed, "ERROR", "START_FAILED"},
		{"failed creation, lost cause", notebook.Failed, false, false, notebook.OpLost, "ERROR", "ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb := &notebook.Notebook{Status: tt.status, Served: tt.served, Started: tt.started, FailedBy: tt.failedBy}
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
