package modelartsapi

import (
	"context"
	"net/http"
)

// op is one row of the operation table: the API, method and path (the
// segments after /v1/{project_id}/; "{id}" is the instance id), the IAM
// action a caller needs, and the handler that decodes, validates,
// authorizes, calls the notebook service once and returns the value to
// encode. The DevEnviron action route authorizes "modelarts:devenviron:"
// + the action it is asked for (start, stop).
type op struct {
	name      string // ModelArts's operation name, for logs
	api       api
	method    string
	path      string
	iamAction string
	handle    func(h *Handler, ctx context.Context, c *call) (any, error)
	segs      []string // path split at "/", set by New
}

// opTable lists every served operation (issue 6), one row each.
var opTable = []op{
	// DevEnviron (seed 004).
	{name: "CreateDevEnvironInstance", api: apiDevEnviron, method: http.MethodPost, path: "demanager/instances",
		iamAction: "modelarts:devenviron:create", handle: (*Handler).createInstance},
	{name: "ListDevEnvironInstances", api: apiDevEnviron, method: http.MethodGet, path: "demanager/instances",
		iamAction: "modelarts:devenviron:list", handle: (*Handler).listInstances},
	{name: "ShowDevEnvironInstance", api: apiDevEnviron, method: http.MethodGet, path: "demanager/instances/{id}",
		iamAction: "modelarts:devenviron:get", handle: (*Handler).showInstance},
	{name: "DeleteDevEnvironInstance", api: apiDevEnviron, method: http.MethodDelete, path: "demanager/instances/{id}",
		iamAction: "modelarts:devenviron:delete", handle: (*Handler).deleteInstance},
	{name: "ManageDevEnvironInstance", api: apiDevEnviron, method: http.MethodPost, path: "demanager/instances/{id}/action",
		iamAction: "modelarts:devenviron:{action}", handle: (*Handler).instanceAction},

	// The Notebook API (the SDK's CreateNotebook, ListNotebooks, …).
	{name: "CreateNotebook", api: apiNotebook, method: http.MethodPost, path: "notebooks",
		iamAction: "modelarts:notebook:create", handle: (*Handler).createNotebook},
	{name: "ListNotebooks", api: apiNotebook, method: http.MethodGet, path: "notebooks",
		iamAction: "modelarts:notebook:list", handle: (*Handler).listNotebooks},
	{name: "ShowNotebook", api: apiNotebook, method: http.MethodGet, path: "notebooks/{id}",
		iamAction: "modelarts:notebook:get", handle: (*Handler).showNotebook},
	{name: "DeleteNotebook", api: apiNotebook, method: http.MethodDelete, path: "notebooks/{id}",
		iamAction: "modelarts:notebook:delete", handle: (*Handler).deleteNotebook},
	{name: "StartNotebook", api: apiNotebook, method: http.MethodPost, path: "notebooks/{id}/start",
		iamAction: "modelarts:notebook:start", handle: (*Handler).startNotebook},
	{name: "StopNotebook", api: apiNotebook, method: http.MethodPost, path: "notebooks/{id}/stop",
		iamAction: "modelarts:notebook:stop", handle: (*Handler).stopNotebook},
}
