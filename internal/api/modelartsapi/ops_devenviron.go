package modelartsapi

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"strato/internal/core/catalog"
	"strato/internal/core/notebook"
	"strato/internal/errdefs"
)

// The DevEnviron API (seed 004 and the "Development Environment" chapter
// of ModelArts's API reference): /v1/{project_id}/demanager/instances.

// Constant parts of a DevEnviron instance.
const (
	deType        = "Notebook"           // the only de_type
	workPath      = "/home/ma-user/work" // where the work volume is mounted
	storageEVS    = "evs"
	storageOBS    = "obs"
	volumeUnit    = "GB"
	flavorTypeCPU = "CPU" // the catalog's flavors are all CPU flavors
	flavorOnSale  = "onSale"
	provisionType = "Docker"
)

// Request shapes. Pointer fields tell an absent property from a zero one.
type (
	deCreateRequest struct {
		Name        *string          `json:"name"`
		Description *string          `json:"description"`
		ProfileID   *string          `json:"profile_id"`
		Flavor      *string          `json:"flavor"`
		Spec        *deSpecRequest   `json:"spec"`
		Workspace   *deWorkspaceSpec `json:"workspace"`
	}
	deSpecRequest struct {
		Storage  *deStorageRequest  `json:"storage"`
		AutoStop *deAutoStopRequest `json:"auto_stop"`
	}
	deStorageRequest struct {
		Type     *string `json:"type"`
		Location *struct {
			Path       *string `json:"path"`
			VolumeSize *int64  `json:"volume_size"`
		} `json:"location"`
	}
	deAutoStopRequest struct {
		Enable   *bool  `json:"enable"`
		Duration *int64 `json:"duration"` // seconds
		Prompt   *bool  `json:"prompt"`   // accepted, not kept (a console setting)
	}
	deWorkspaceSpec struct {
		ID *string `json:"id"`
	}
	deActionRequest struct {
		Action *string `json:"action"`
	}
)

// Response shapes: the instance object of the API reference ("Table 11"),
// with the members Strato can fill truthfully.
type (
	deInstance struct {
		ID                    string          `json:"id"`
		Name                  string          `json:"name"`
		Description           string          `json:"description"`
		Status                string          `json:"status"`
		CreationTimestamp     string          `json:"creation_timestamp"`      // epoch ms, as a string
		LatestUpdateTimestamp string          `json:"latest_update_timestamp"` // epoch ms, as a string
		Profile               deProfile       `json:"profile"`
		Flavor                string          `json:"flavor"`
		FlavorDetails         deFlavorDetails `json:"flavor_details"`
		Spec                  deSpec          `json:"spec"`
		Workspace             deWorkspace     `json:"workspace"`
	}
	deProfile struct {
		// ID and Name are the profile_id the instance was created with.
		ID         string      `json:"id,omitempty"`
		Name       string      `json:"name,omitempty"`
		DeType     string      `json:"de_type"`
		FlavorType string      `json:"flavor_type"`
		Provision  deProvision `json:"provision"`
	}
	deProvision struct {
		Type string `json:"type"`
	}
	deFlavorDetails struct {
		Name   string          `json:"name"`
		Params *deFlavorParams `json:"params,omitempty"`
		Status string          `json:"status"`
		Type   string          `json:"type"`
	}
	deFlavorParams struct {
		CPU    int    `json:"CPU"`
		GPU    int    `json:"GPU"`
		Memory string `json:"memory"`
	}
	deSpec struct {
		Storage       deStorage         `json:"storage"`
		AutoStop      deAutoStop        `json:"auto_stop"`
		Annotations   map[string]string `json:"annotations"`
		FailedReasons *deFailedReasons  `json:"failed_reasons"` // null unless failed
	}
	deStorage struct {
		Type     string     `json:"type"`
		Location deLocation `json:"location"`
	}
	deLocation struct {
		Path       string `json:"path"`
		VolumeSize int    `json:"volume_size"`
		VolumeUnit string `json:"volume_unit"`
	}
	deAutoStop struct {
		Enable        bool   `json:"enable"`
		Duration      int64  `json:"duration,omitempty"`       // seconds
		StopTimestamp *int64 `json:"stop_timestamp,omitempty"` // epoch ms, while running
		RemainTime    *int64 `json:"remain_time,omitempty"`    // seconds, while running
	}
	deFailedReasons struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	deWorkspace struct {
		ID string `json:"id"`
	}
	deList struct {
		Instances  []deInstance `json:"instances"`
		TotalCount int          `json:"total_count"`
	}
	deDeleted struct {
		InstanceID string `json:"instance_id"`
	}
	deActionResult struct {
		CurrentStatus string `json:"current_status"`
		PreviousState string `json:"previous_state"`
	}
)

// failedCode is the code in failed_reasons: ModelArts's "internal service
// or configuration error", the closest of its codes to a workload that
// would not boot or stopped answering.
const failedCode = "ModelArts.6361"

// createInstance: POST /v1/{project_id}/demanager/instances.
func (h *Handler) createInstance(ctx context.Context, c *call) (any, error) {
	var in deCreateRequest
	if err := decodeBody(c.body, &in); err != nil {
		return nil, err
	}
	req, err := h.devEnvironRequest(&in)
	if err != nil {
		return nil, err
	}
	if err := h.authorize(c, c.op.iamAction, "*"); err != nil {
		return nil, err
	}
	nb, err := h.core.CreateModelArts(ctx, c.account(), req)
	if err != nil {
		return nil, err
	}
	return h.deInstance(nb), nil
}

// devEnvironRequest validates a create request in ModelArts's order and
// returns the service's request. The first problem is the answer.
func (h *Handler) devEnvironRequest(in *deCreateRequest) (notebook.ModelArtsCreateRequest, error) {
	var zero notebook.ModelArtsCreateRequest
	if err := checkName(in.Name, maxDevEnvironName); err != nil {
		return zero, err
	}
	if err := checkDescription(in.Description); err != nil {
		return zero, err
	}
	if in.ProfileID == nil || *in.ProfileID == "" {
		return zero, required("profile_id")
	}
	if err := h.checkFlavor(in.Flavor); err != nil {
		return zero, err
	}
	if in.Spec == nil {
		return zero, required("spec")
	}
	st := in.Spec.Storage
	if st == nil {
		return zero, errdefs.New(errdefs.InvalidArgument, resStorage, "", "")
	}
	if st.Type == nil || *st.Type == "" {
		return zero, required("type")
	}
	if !strings.EqualFold(*st.Type, storageEVS) {
		// OBS (and anything else) is a location Strato cannot mount.
		return zero, errdefs.New(errdefs.Unsupported, resLocation, errdefs.Clip(*st.Type, 64), "")
	}
	var size *int64
	if st.Location != nil {
		size = st.Location.VolumeSize
	}
	gb, err := checkVolumeSize(size)
	if err != nil {
		return zero, err
	}
	var autoStop time.Duration
	if as := in.Spec.AutoStop; as != nil && as.Enable != nil && *as.Enable {
		if as.Duration == nil {
			return zero, errdefs.New(errdefs.InvalidArgument, resDurationMissing, "", "")
		}
		if autoStop, err = h.checkDuration(*as.Duration, time.Second, maxDevEnvironAutoStop); err != nil {
			return zero, err
		}
	}
	if in.Workspace != nil {
		if err := checkWorkspace(in.Workspace.ID); err != nil {
			return zero, err
		}
	}
	req := notebook.ModelArtsCreateRequest{
		Kind: notebook.KindDevEnviron, Name: *in.Name, Flavor: *in.Flavor, ImageID: catalog.ModelArtsImageNotebook,
		VolumeCategory: "EVS", VolumeSizeGB: gb, AutoStop: autoStop, ProfileID: *in.ProfileID,
	}
	if in.Description != nil {
		req.Description = *in.Description
	}
	return req, nil
}

// listInstances: GET /v1/{project_id}/demanager/instances.
func (h *Handler) listInstances(ctx context.Context, c *call) (any, error) {
	q := c.query
	switch dt := q.Get("de_type"); {
	case !q.Has("de_type"):
		return nil, required("de_type")
	case dt != deType:
		return nil, badValue("de_type")
	}
	if pt := q.Get("provision_type"); pt != "" && pt != provisionType {
		return nil, badValue("provision_type")
	}
	status := q.Get("status")
	if status != "" && !devEnvironStatuses[status] {
		return nil, badValue("status")
	}
	sortBy := cmp.Or(q.Get("sortby"), "name")
	if sortBy != "name" && sortBy != "creation_timestamp" {
		return nil, errdefs.New(errdefs.InvalidArgument, resSort, "", "")
	}
	order := cmp.Or(q.Get("order"), "asc")
	if order != "asc" && order != "desc" {
		return nil, badValue("order")
	}
	offset, err := queryInt(c, "offset", 0)
	if err != nil {
		return nil, err
	}
	limit, err := queryInt(c, "limit", 0) // 0 = all
	if err != nil {
		return nil, err
	}
	if err := checkWorkspace(queryPtr(q, "workspace_id")); err != nil {
		return nil, err
	}
	if err := h.authorize(c, c.op.iamAction, "*"); err != nil {
		return nil, err
	}
	all, err := h.core.ListModelArts(ctx, notebook.KindDevEnviron, c.account())
	if err != nil {
		return nil, err
	}
	var hits []*notebook.Notebook
	for _, nb := range all {
		if status == "" || statusWord(apiDevEnviron, nb) == status {
			hits = append(hits, nb)
		}
	}
	slices.SortStableFunc(hits, func(a, b *notebook.Notebook) int {
		r := 0
		if sortBy == "name" {
			r = strings.Compare(a.Name, b.Name)
		} else {
			r = a.CreationTime.Compare(b.CreationTime)
		}
		if order == "desc" {
			r = -r
		}
		return r
	})
	out := deList{Instances: []deInstance{}, TotalCount: len(hits)}
	for _, nb := range page(hits, offset, limit) {
		out.Instances = append(out.Instances, h.deInstance(nb))
	}
	return out, nil
}

// showInstance: GET /v1/{project_id}/demanager/instances/{instance_id}.
func (h *Handler) showInstance(ctx context.Context, c *call) (any, error) {
	if err := h.authorize(c, c.op.iamAction, h.resource(c, notebook.KindDevEnviron, c.id)); err != nil {
		return nil, err
	}
	nb, err := h.core.GetModelArts(ctx, notebook.KindDevEnviron, c.account(), c.id)
	if err != nil {
		return nil, err
	}
	return h.deInstance(nb), nil
}

// deleteInstance: DELETE /v1/{project_id}/demanager/instances/{instance_id};
// a running instance must be stopped first (ModelArts.6304).
func (h *Handler) deleteInstance(ctx context.Context, c *call) (any, error) {
	if err := h.authorize(c, c.op.iamAction, h.resource(c, notebook.KindDevEnviron, c.id)); err != nil {
		return nil, err
	}
	if _, _, err := h.core.DeleteModelArts(ctx, notebook.KindDevEnviron, c.account(), c.id); err != nil {
		return nil, err
	}
	return deDeleted{InstanceID: c.id}, nil
}

// instanceAction: POST /v1/{project_id}/demanager/instances/{instance_id}/action
// with {"action": "start" | "stop"} (seed 004).
func (h *Handler) instanceAction(ctx context.Context, c *call) (any, error) {
	var in deActionRequest
	if err := decodeBody(c.body, &in); err != nil {
		return nil, err
	}
	if in.Action == nil || *in.Action == "" {
		return nil, required("action")
	}
	action := *in.Action
	if action != "start" && action != "stop" {
		// The API reference documents no code for an unknown action;
		// ModelArts.6336 ("'{}' property value is incorrect.") fits it.
		return nil, badValue("action")
	}
	iamAction := strings.Replace(c.op.iamAction, "{action}", action, 1)
	if err := h.authorize(c, iamAction, h.resource(c, notebook.KindDevEnviron, c.id)); err != nil {
		return nil, err
	}
	var prev notebook.Status
	var nb *notebook.Notebook
	var err error
	if action == "start" {
		prev, nb, err = h.core.StartModelArts(ctx, notebook.KindDevEnviron, c.account(), c.id, 0)
	} else {
		prev, nb, err = h.core.StopModelArts(ctx, notebook.KindDevEnviron, c.account(), c.id)
	}
	if err != nil {
		return nil, err
	}
	before := *nb
	before.Status = prev
	return deActionResult{CurrentStatus: statusWord(apiDevEnviron, nb), PreviousState: statusWord(apiDevEnviron, &before)}, nil
}

// deInstance encodes a notebook as a DevEnviron instance.
func (h *Handler) deInstance(nb *notebook.Notebook) deInstance {
	status := statusWord(apiDevEnviron, nb)
	out := deInstance{
		ID: nb.ID, Name: nb.Name, Description: nb.Description, Status: status,
		CreationTimestamp:     strconv.FormatInt(millis(nb.CreationTime), 10),
		LatestUpdateTimestamp: strconv.FormatInt(millis(nb.LastModifiedTime), 10),
		Profile:               deProfile{ID: nb.ProfileID, Name: nb.ProfileID, DeType: deType, FlavorType: flavorTypeCPU, Provision: deProvision{Type: provisionType}},
		Flavor:                nb.InstanceType,
		FlavorDetails:         deFlavorDetails{Name: nb.InstanceType, Status: flavorOnSale, Type: flavorTypeCPU},
		Spec: deSpec{
			Storage: deStorage{Type: storageEVS, Location: deLocation{Path: workPath, VolumeSize: nb.VolumeSizeInGB, VolumeUnit: volumeUnit}},
		},
		Workspace: deWorkspace{ID: workspaceDefault},
	}
	if f, ok := h.catalog.ModelArtsFlavor(nb.InstanceType); ok {
		out.FlavorDetails.Params = &deFlavorParams{CPU: f.VCPUs, Memory: strconv.FormatInt(f.MemoryMiB/1024, 10) + "GiB"}
	}
	if a := nb.AutoStop; a != nil {
		out.Spec.AutoStop = deAutoStop{Enable: true, Duration: int64(a.Duration / time.Second)}
		if nb.Status == notebook.InService {
			at := millis(a.At())
			remain := int64(max(a.At().Sub(h.clock.Now()), 0) / time.Second)
			out.Spec.AutoStop.StopTimestamp, out.Spec.AutoStop.RemainTime = &at, &remain
		}
	}
	u := h.core.ModelArtsURL(nb)
	out.Spec.Annotations = map[string]string{"target_domain": targetDomain(u), "url": ""}
	if nb.Status == notebook.InService {
		out.Spec.Annotations["url"] = u
	}
	if nb.Status == notebook.Failed {
		out.Spec.FailedReasons = &deFailedReasons{Code: failedCode, Message: nb.FailureReason}
	}
	return out
}

// targetDomain is the scheme and host of a notebook URL.
func targetDomain(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

// page returns the items from offset, at most limit of them (0 = all).
func page[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return nil
	}
	items = items[offset:]
	if limit > 0 && limit < len(items) {
		items = items[:limit]
	}
	return items
}

// queryPtr is a query parameter, nil when absent.
func queryPtr(q url.Values, name string) *string {
	if !q.Has(name) {
		return nil
	}
	v := q.Get(name)
	return &v
}
