package modelartsapi

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"strato/internal/core/catalog"
	"strato/internal/core/notebook"
	"strato/internal/errdefs"
)

// The Notebook API (/v1/{project_id}/notebooks): the shapes of the SDK's
// NotebookCreateRequest and NotebookResp (services/modelarts/v1/model).

// Constant parts of a notebook.
const (
	categoryEVS      = "EVS"
	ownershipManaged = "MANAGED"
	volumeMounted    = "MOUNTED"
	imageBuiltIn     = "BUILD_IN"
	archX86          = "X86_64"
	leaseTiming      = "TIMING"
	featureNotebook  = "NOTEBOOK"
)

// billingItems: Strato meters a notebook's storage while it exists and its
// compute while it runs.
var billingItems = []string{"STORAGE", "COMPUTE"}

// List paging of the Notebook API. The reference lists limit values
// [10,20,50]; Strato accepts any limit from 1 to maxListLimit.
const (
	defaultListLimit = 10
	maxListLimit     = 1000
)

// Request shapes.
type (
	nbCreateRequest struct {
		Name        *string          `json:"name"`
		Description *string          `json:"description"`
		Flavor      *string          `json:"flavor"`
		ImageID     *string          `json:"image_id"`
		Volume      *nbVolumeRequest `json:"volume"`
		WorkspaceID *string          `json:"workspace_id"`
		Lease       *nbLeaseRequest  `json:"lease"`
		Duration    *int64           `json:"duration"` // ms; wins over lease.duration
	}
	nbVolumeRequest struct {
		Category  *string `json:"category"`
		Ownership *string `json:"ownership"`
		Capacity  *int64  `json:"capacity"` // GB
	}
	nbLeaseRequest struct {
		Duration *int64  `json:"duration"` // ms
		Type     *string `json:"type"`
	}
)

// Response shapes.
type (
	nbNotebook struct {
		ID           string   `json:"id"`
		Name         string   `json:"name"`
		Description  string   `json:"description"`
		Status       string   `json:"status"`
		Flavor       string   `json:"flavor"`
		Image        nbImage  `json:"image"`
		Volume       nbVolume `json:"volume"`
		Lease        nbLease  `json:"lease"`
		URL          string   `json:"url,omitempty"`         // while running
		FailReason   string   `json:"fail_reason,omitempty"` // when failed
		WorkspaceID  string   `json:"workspace_id"`
		Feature      string   `json:"feature"`
		BillingItems []string `json:"billing_items"`
	}
	nbImage struct {
		ID   string `json:"id"`
		Name string `json:"name,omitempty"`
		Type string `json:"type"`
		Arch string `json:"arch"`
	}
	nbVolume struct {
		Category  string `json:"category"`
		Ownership string `json:"ownership"`
		Capacity  int    `json:"capacity"`
		MountPath string `json:"mount_path"`
		Status    string `json:"status"`
	}
	nbLease struct {
		CreateAt *int64 `json:"create_at,omitempty"` // ms: the start that began the lease
		Duration *int64 `json:"duration,omitempty"`  // ms
		Enable   bool   `json:"enable"`
		Type     string `json:"type,omitempty"`
		UpdateAt *int64 `json:"update_at,omitempty"` // ms
	}
	nbList struct {
		Current int          `json:"current"`
		Data    []nbNotebook `json:"data"`
		Pages   int          `json:"pages"`
		Size    int          `json:"size"`
		Total   int          `json:"total"`
	}
)

// createNotebook: POST /v1/{project_id}/notebooks (CreateNotebook).
func (h *Handler) createNotebook(ctx context.Context, c *call) (any, error) {
	var in nbCreateRequest
	if err := decodeBody(c.body, &in); err != nil {
		return nil, err
	}
	req, err := h.notebookRequest(&in)
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
	return h.nbNotebook(nb), nil
}

// notebookRequest validates a create request and returns the service's
// request. The first problem is the answer.
func (h *Handler) notebookRequest(in *nbCreateRequest) (notebook.ModelArtsCreateRequest, error) {
	var zero notebook.ModelArtsCreateRequest
	if err := checkName(in.Name, maxNotebookName); err != nil {
		return zero, err
	}
	if err := checkDescription(in.Description); err != nil {
		return zero, err
	}
	if err := h.checkFlavor(in.Flavor); err != nil {
		return zero, err
	}
	if in.ImageID == nil || *in.ImageID == "" {
		return zero, required("image_id")
	}
	if _, ok := h.catalog.ModelArtsImage(*in.ImageID); !ok {
		return zero, errdefs.New(errdefs.NotFound, resImage, errdefs.Clip(*in.ImageID, 64), "")
	}
	gb := defaultVolumeGB
	if v := in.Volume; v != nil { // the SDK sends "volume": null when unset
		if v.Category == nil || *v.Category == "" {
			return zero, required("category")
		}
		if *v.Category != categoryEVS {
			// OBS, OBSFS, EFS: storage Strato cannot mount.
			return zero, errdefs.New(errdefs.Unsupported, resLocation, errdefs.Clip(*v.Category, 64), "")
		}
		if v.Ownership != nil && *v.Ownership != "" && *v.Ownership != ownershipManaged {
			return zero, badValue("ownership") // DEDICATED is for EFS only
		}
		var err error
		if gb, err = checkVolumeSize(v.Capacity); err != nil {
			return zero, err
		}
	}
	lease := defaultLease
	ms := in.Duration
	if ms == nil && in.Lease != nil {
		if t := in.Lease.Type; t != nil && *t != "" && !strings.EqualFold(*t, leaseTiming) {
			return zero, badValue("type") // IDLE leases are not served
		}
		ms = in.Lease.Duration
	}
	if ms != nil {
		var err error
		if lease, err = h.checkDuration(*ms, time.Millisecond, maxLease); err != nil {
			return zero, err
		}
	}
	if err := checkWorkspace(in.WorkspaceID); err != nil {
		return zero, err
	}
	req := notebook.ModelArtsCreateRequest{
		Kind: notebook.KindModelArts, Name: *in.Name, Flavor: *in.Flavor, ImageID: *in.ImageID,
		VolumeCategory: categoryEVS, VolumeSizeGB: gb, AutoStop: lease,
	}
	if in.Description != nil {
		req.Description = *in.Description
	}
	return req, nil
}

// listNotebooks: GET /v1/{project_id}/notebooks (ListNotebooks). offset
// is read as a page index from 0 (the answer's "current" is a page number);
// whether ModelArts counts pages or items is not documented.
func (h *Handler) listNotebooks(ctx context.Context, c *call) (any, error) {
	q := c.query
	limit, err := queryInt(c, "limit", defaultListLimit)
	if err != nil || limit < 1 || limit > maxListLimit {
		return nil, badValue("limit")
	}
	offset, err := queryInt(c, "offset", 0)
	if err != nil {
		return nil, err
	}
	status := q.Get("status")
	if status != "" && !notebookStatuses[status] {
		return nil, badValue("status")
	}
	sortKey := q.Get("sort_key")
	if sortKey == "" {
		sortKey = "create_at"
	}
	if sortKey != "name" && sortKey != "create_at" {
		return nil, errdefs.New(errdefs.InvalidArgument, resSort, "", "")
	}
	desc := true
	switch dir := q.Get("sort_dir"); strings.ToUpper(dir) {
	case "", "DESC":
	case "ASC":
		desc = false
	default:
		return nil, badValue("sort_dir")
	}
	if err := checkWorkspace(queryPtr(q, "workspace_id")); err != nil {
		return nil, err
	}
	name := q.Get("name")
	if err := h.authorize(c, c.op.iamAction, "*"); err != nil {
		return nil, err
	}
	all, err := h.core.ListModelArts(ctx, notebook.KindModelArts, c.account())
	if err != nil {
		return nil, err
	}
	var hits []*notebook.Notebook
	for _, nb := range all {
		if (status == "" || statusWord(apiNotebook, nb) == status) && strings.Contains(nb.Name, name) {
			hits = append(hits, nb)
		}
	}
	slices.SortStableFunc(hits, func(a, b *notebook.Notebook) int {
		r := 0
		if sortKey == "name" {
			r = strings.Compare(a.Name, b.Name)
		} else {
			r = a.CreationTime.Compare(b.CreationTime)
		}
		if desc {
			r = -r
		}
		return r
	})
	out := nbList{Current: offset, Data: []nbNotebook{}, Pages: (len(hits) + limit - 1) / limit, Size: limit, Total: len(hits)}
	start := len(hits)
	if offset < (len(hits)+limit-1)/limit {
		start = offset * limit
	}
	for _, nb := range page(hits, start, limit) {
		out.Data = append(out.Data, h.nbNotebook(nb))
	}
	return out, nil
}

// showNotebook: GET /v1/{project_id}/notebooks/{id} (ShowNotebook).
func (h *Handler) showNotebook(ctx context.Context, c *call) (any, error) {
	if err := h.authorize(c, c.op.iamAction, h.resource(c, notebook.KindModelArts, c.id)); err != nil {
		return nil, err
	}
	nb, err := h.core.GetModelArts(ctx, notebook.KindModelArts, c.account(), c.id)
	if err != nil {
		return nil, err
	}
	return h.nbNotebook(nb), nil
}

// deleteNotebook: DELETE /v1/{project_id}/notebooks/{id} (DeleteNotebook);
// the answer is the notebook, DELETING. A running notebook may be deleted.
func (h *Handler) deleteNotebook(ctx context.Context, c *call) (any, error) {
	if err := h.authorize(c, c.op.iamAction, h.resource(c, notebook.KindModelArts, c.id)); err != nil {
		return nil, err
	}
	_, nb, err := h.core.DeleteModelArts(ctx, notebook.KindModelArts, c.account(), c.id)
	if err != nil {
		return nil, err
	}
	return h.nbNotebook(nb), nil
}

// startNotebook: POST /v1/{project_id}/notebooks/{id}/start?duration=ms
// (StartNotebook); the answer is the notebook, STARTING. A duration sets
// the lease's new length; the lease runs from now either way.
func (h *Handler) startNotebook(ctx context.Context, c *call) (any, error) {
	var lease time.Duration
	if s := c.query.Get("duration"); s != "" {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, badValue("duration")
		}
		if lease, err = h.checkDuration(ms, time.Millisecond, maxLease); err != nil {
			return nil, err
		}
	}
	if t := c.query.Get("type"); t != "" && !strings.EqualFold(t, leaseTiming) {
		return nil, badValue("type")
	}
	if err := h.authorize(c, c.op.iamAction, h.resource(c, notebook.KindModelArts, c.id)); err != nil {
		return nil, err
	}
	_, nb, err := h.core.StartModelArts(ctx, notebook.KindModelArts, c.account(), c.id, lease)
	if err != nil {
		return nil, err
	}
	return h.nbNotebook(nb), nil
}

// stopNotebook: POST /v1/{project_id}/notebooks/{id}/stop (StopNotebook);
// the answer is the notebook, STOPPING.
func (h *Handler) stopNotebook(ctx context.Context, c *call) (any, error) {
	if err := h.authorize(c, c.op.iamAction, h.resource(c, notebook.KindModelArts, c.id)); err != nil {
		return nil, err
	}
	_, nb, err := h.core.StopModelArts(ctx, notebook.KindModelArts, c.account(), c.id)
	if err != nil {
		return nil, err
	}
	return h.nbNotebook(nb), nil
}

// nbNotebook encodes a notebook as the Notebook API's NotebookResp.
func (h *Handler) nbNotebook(nb *notebook.Notebook) nbNotebook {
	out := nbNotebook{
		ID: nb.ID, Name: nb.Name, Description: nb.Description, Status: statusWord(apiNotebook, nb),
		Flavor: nb.InstanceType,
		Image:  nbImage{ID: nb.ImageID, Type: imageBuiltIn, Arch: archX86},
		Volume: nbVolume{Category: categoryEVS, Ownership: ownershipManaged, Capacity: nb.VolumeSizeInGB,
			MountPath: workPath, Status: volumeMounted},
		WorkspaceID: workspaceDefault, Feature: featureNotebook, BillingItems: billingItems,
	}
	if nb.VolumeCategory != "" {
		out.Volume.Category = nb.VolumeCategory
	}
	if im, ok := h.catalog.ModelArtsImage(nb.ImageID); ok {
		out.Image.Name = im.Name
	} else if nb.ImageID == catalog.ModelArtsImageNotebook {
		out.Image.Name = catalog.ModelArtsImageName
	}
	if a := nb.AutoStop; a != nil {
		since, d := millis(a.Since), a.Duration.Milliseconds()
		out.Lease = nbLease{CreateAt: &since, Duration: &d, Enable: true, Type: leaseTiming, UpdateAt: &since}
	}
	if nb.Status == notebook.InService {
		out.URL = h.core.ModelArtsURL(nb)
	}
	if nb.Status == notebook.Failed {
		out.FailReason = nb.FailureReason
	}
	return out
}
