package notebook

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"strato/internal/errdefs"
)

// Huawei Cloud ModelArts's notebooks. ModelArts has two generations of
// notebook API, and Strato serves both: the Notebook API the current SDK
// speaks (KindModelArts: ids are UUIDs, names may repeat) and the older
// DevEnviron API of seed 004 (KindDevEnviron: ids "DE-" + UUID, names are
// unique). Both run as the same workloads as SageMaker's notebook
// instances, through the same Runtime and reconcile loop; the frontend
// (internal/api/modelartsapi) validates the wire rules and words statuses
// and errors as ModelArts does.

// KindDevEnviron is ModelArts's DevEnviron (development environment)
// instances, seed 004.
const KindDevEnviron Kind = "devenviron"

// IsModelArts reports whether kind is one of ModelArts's.
func IsModelArts(kind Kind) bool { return kind == KindModelArts || kind == KindDevEnviron }

// ModelArtsCreateRequest asks for a new ModelArts notebook. The frontend
// has checked the wire rules (name, flavor, image, volume size, auto-stop
// range); the service fills in the rest.
type ModelArtsCreateRequest struct {
	Kind        Kind // KindModelArts or KindDevEnviron
	Name        string
	Description string
	ProfileID   string // DevEnviron's profile_id
	Flavor      string // the instance type the notebook runs as
	ImageID     string
	// VolumeCategory and VolumeSizeGB describe the work volume ("EVS", GB).
	VolumeCategory string
	VolumeSizeGB   int
	// AutoStop, when positive, stops the notebook that long after each start.
	AutoStop time.Duration
}

// ModelArtsARN is the identifier a ModelArts notebook carries in the ARN
// field (logs, the Runtime's bookkeeping); ModelArts has no ARNs of its own.
func ModelArtsARN(region, account string, kind Kind, id string) string {
	return fmt.Sprintf("modelarts:%s:%s:%s/%s", region, account, kind, id)
}

// ModelArtsNotFound is ModelArts's answer for a notebook the caller does
// not have.
func ModelArtsNotFound(id string) *errdefs.Error {
	return errdefs.New(errdefs.NotFound, ResNotebook, id, "The instance does not exist.")
}

// ModelArtsDuplicate is the answer to creating a DevEnviron instance whose
// name is taken.
func ModelArtsDuplicate(name string) *errdefs.Error {
	return errdefs.New(errdefs.AlreadyExists, ResNotebook, name, "The instance already exists.")
}

// StateError is the cause of an IncorrectState error of a user operation:
// the operation and the status the notebook was in, so that a frontend
// can pick its cloud's code for the case.
type StateError struct {
	Op     Op
	From   Status
	Served bool // the notebook had been InService (ModelArts: STARTING, not CREATING)
}

func (e *StateError) Error() string { return fmt.Sprintf("%s refused in status %s", e.Op, e.From) }

// CreateModelArts creates a ModelArts notebook, which boots at once: it is
// Pending (CREATING) until its server answers.
func (s *Service) CreateModelArts(ctx context.Context, account string, req ModelArtsCreateRequest) (*Notebook, error) {
	if !IsModelArts(req.Kind) {
		return nil, fmt.Errorf("notebook: %q is not a ModelArts kind", req.Kind)
	}
	if req.Name == "" || req.Flavor == "" || req.ImageID == "" {
		return nil, invalid(req.Name, "name, flavor and image are required.")
	}
	id := uuid.NewString()
	if req.Kind == KindDevEnviron {
		id = "DE-" + id
	}
	now := s.clk.Now()
	nb := &Notebook{
		Kind: req.Kind, ID: id, Name: req.Name, AccountID: account,
		ARN:          ModelArtsARN(s.cfg.Region, account, req.Kind, id),
		Status:       Pending,
		InstanceType: req.Flavor, ImageID: req.ImageID, Description: req.Description, ProfileID: req.ProfileID,
		VolumeCategory: req.VolumeCategory, VolumeSizeInGB: req.VolumeSizeGB,
		CreationTime: now, LastModifiedTime: now, Version: 1,
	}
	if nb.VolumeSizeInGB == 0 {
		nb.VolumeSizeInGB = DefaultVolumeSizeInGB
	}
	if req.AutoStop > 0 {
		nb.AutoStop = &AutoStop{Duration: req.AutoStop, Since: now}
	}
	r := refOf(nb)
	if req.Kind == KindDevEnviron {
		// DevEnviron names are unique: check and create under a lock on
		// the name, so two creates of one name cannot both pass.
		unlock := s.locks.Lock(ref{refName, req.Kind, account, req.Name})
		defer unlock()
		all, err := s.store.ListNotebooks(ctx, account)
		if err != nil {
			return nil, err
		}
		for _, o := range all {
			if o.Kind == req.Kind && o.Name == req.Name {
				return nil, ModelArtsDuplicate(req.Name)
			}
		}
	}
	unlock := s.locks.Lock(r)
	err := s.store.CreateNotebook(ctx, nb.Clone())
	unlock()
	if err != nil {
		return nil, err
	}
	s.log.Info("notebook created", "notebook", nb.ARN, "name", nb.Name, "flavor", nb.InstanceType)
	s.kick(r)
	return nb, nil
}

// GetModelArts returns the caller's ModelArts notebook of kind with id.
func (s *Service) GetModelArts(ctx context.Context, kind Kind, account, id string) (*Notebook, error) {
	nb, err := s.store.GetNotebook(ctx, kind, account, id)
	if errdefs.KindOf(err) == errdefs.NotFound {
		return nil, ModelArtsNotFound(id)
	}
	return nb, err
}

// ListModelArts returns the caller's ModelArts notebooks of kind in the
// order they were created; the frontend filters, sorts and pages.
func (s *Service) ListModelArts(ctx context.Context, kind Kind, account string) ([]*Notebook, error) {
	all, err := s.store.ListNotebooks(ctx, account)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, nb := range all {
		if nb.Kind == kind {
			out = append(out, nb)
		}
	}
	return out, nil
}

// StartModelArts starts a stopped or failed ModelArts notebook. Its
// auto-stop, when it has one, runs again from now; autoStop, when positive,
// sets a new length (and turns auto-stop on). It returns the status the
// notebook was in and the notebook as it is now.
func (s *Service) StartModelArts(ctx context.Context, kind Kind, account, id string, autoStop time.Duration) (Status, *Notebook, error) {
	return s.transition(ctx, ref{refNotebook, kind, account, id}, OpStart, func(n *Notebook) {
		n.FailureReason, n.FailedBy, n.Started = "", "", true
		if autoStop > 0 {
			n.AutoStop = &AutoStop{Duration: autoStop}
		}
		if n.AutoStop != nil {
			n.AutoStop.Since = s.clk.Now()
		}
	})
}

// StopModelArts stops a running ModelArts notebook; its work volume stays.
func (s *Service) StopModelArts(ctx context.Context, kind Kind, account, id string) (Status, *Notebook, error) {
	return s.transition(ctx, ref{refNotebook, kind, account, id}, OpStop, nil)
}

// DeleteModelArts deletes a ModelArts notebook and its work volume.
func (s *Service) DeleteModelArts(ctx context.Context, kind Kind, account, id string) (Status, *Notebook, error) {
	return s.transition(ctx, ref{refNotebook, kind, account, id}, OpDelete, nil)
}

// ModelArtsURL returns an authenticated URL of a ModelArts notebook's
// server: a presigned URL (see PresignedURL) for a session of
// DefaultSessionExpiration, to be opened within URLWindow.
func (s *Service) ModelArtsURL(nb *Notebook) string {
	return s.presign(nb, DefaultSessionExpiration)
}
