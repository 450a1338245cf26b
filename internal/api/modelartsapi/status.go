package modelartsapi

import "strato/internal/core/notebook"

// api is one of the two notebook APIs this package serves.
type api int

const (
	// apiDevEnviron is /v1/{project_id}/demanager/instances (seed 004).
	apiDevEnviron api = iota + 1
	// apiNotebook is /v1/{project_id}/notebooks (the SDK's Notebook API).
	apiNotebook
)

// kind is the notebook kind the API serves.
func (a api) kind() notebook.Kind {
	if a == apiDevEnviron {
		return notebook.KindDevEnviron
	}
	return notebook.KindModelArts
}

// Status words, as ModelArts spells them.
const (
	wordCreating     = "CREATING"
	wordCreateFailed = "CREATE_FAILED"
	wordStarting     = "STARTING"
	wordStartFailed  = "START_FAILED"
	wordRunning      = "RUNNING"
	wordStopping     = "STOPPING"
	wordStopped      = "STOPPED"
	wordDeleting     = "DELETING"
	wordError        = "ERROR"
)

// statusWord is the one place that words a notebook's status for API a.
// The service's statuses are SageMaker's; ModelArts tells a first boot
// (CREATING) from a later one (STARTING), and the Notebook API tells a
// failed creation (CREATE_FAILED) and a failed start (START_FAILED) from a
// notebook that failed while running (ERROR). The DevEnviron API documents
// no failure word besides those of its list filter; Strato answers ERROR
// for every failure there. A status ModelArts notebooks never reach
// (Updating is SageMaker's) is ERROR too.
func statusWord(a api, nb *notebook.Notebook) string {
	switch nb.Status {
	case notebook.Pending:
		if nb.Served || nb.Started {
			return wordStarting
		}
		return wordCreating
	case notebook.InService:
		return wordRunning
	case notebook.Stopping:
		return wordStopping
	case notebook.Stopped:
		return wordStopped
	case notebook.Deleting:
		return wordDeleting
	case notebook.Failed:
		switch {
		case a == apiDevEnviron:
			return wordError
		case nb.FailedBy != notebook.OpBootFailed:
			return wordError
		case nb.Served || nb.Started:
			return wordStartFailed
		}
		return wordCreateFailed
	}
	return wordError
}

// devEnvironStatuses are the values the DevEnviron list accepts in its
// status filter: the documented enum, and the words Strato answers that it
// lacks (DELETING, ERROR).
var devEnvironStatuses = map[string]bool{
	"CREATING": true, "CREATE_FAILED": true, "STARTING": true, "RESTARTING": true, "START_FAILED": true,
	"RUNNING": true, "STOPPING": true, "STOPPED": true, "UNAVAILABLE": true, "DELETED": true,
	"RESIZING": true, "RESIZE_FAILED": true, wordDeleting: true, wordError: true,
}

// notebookStatuses are the Notebook API's status enum (NotebookRespStatus),
// the values its list accepts in the status filter.
var notebookStatuses = map[string]bool{
	"INIT": true, "CREATING": true, "STARTING": true, "STOPPING": true, "DELETING": true, "RUNNING": true,
	"STOPPED": true, "SNAPSHOTTING": true, "CREATE_FAILED": true, "START_FAILED": true, "DELETE_FAILED": true,
	"ERROR": true, "DELETED": true, "FROZEN": true,
}
