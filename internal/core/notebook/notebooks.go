package notebook

import (
	"context"
	"slices"

	"strato/internal/errdefs"
)

// CreateNotebook creates a notebook instance, which starts Pending; the
// reconcile loop boots its workload (running the OnCreate and OnStart
// scripts of its lifecycle configuration) and makes it InService, or Failed.
func (s *Service) CreateNotebook(ctx context.Context, account string, req CreateRequest) (*Notebook, error) {
	if !ValidName(req.Name) {
		return nil, invalid(req.Name, "Notebook Instance name %q is not valid: it must match %s and be at most %d characters long.",
			errdefs.Clip(req.Name, 100), NamePattern, MaxNameLen)
	}
	if !ValidInstanceType(req.InstanceType) {
		return nil, invalid(req.InstanceType, "Instance type %q is not a notebook instance type.", errdefs.Clip(req.InstanceType, 100))
	}
	tags, err := mergeTags(NotebookARN(s.cfg.Region, account, req.Name), nil, req.Tags)
	if err != nil {
		return nil, err
	}
	if req.LifecycleConfigName != "" {
		if err := s.configExists(ctx, account, req.LifecycleConfigName); err != nil {
			return nil, err
		}
	}
	now := s.clk.Now()
	nb := &Notebook{
		Name:                       req.Name,
		ARN:                        NotebookARN(s.cfg.Region, account, req.Name),
		AccountID:                  account,
		Status:                     Pending,
		URL:                        s.notebookURL(account, req.Name),
		InstanceType:               req.InstanceType,
		IPAddressType:              req.IPAddressType,
		SubnetID:                   req.SubnetID,
		SecurityGroups:             slices.Clone(req.SecurityGroupIDs),
		RoleARN:                    req.RoleARN,
		KMSKeyID:                   req.KMSKeyID,
		CreationTime:               now,
		LastModifiedTime:           now,
		LifecycleConfigName:        req.LifecycleConfigName,
		DirectInternetAccess:       orDefault(req.DirectInternetAccess, DefaultDirectInternetAccess),
		VolumeSizeInGB:             req.VolumeSizeInGB,
		AcceleratorTypes:           slices.Clone(req.AcceleratorTypes),
		DefaultCodeRepository:      req.DefaultCodeRepository,
		AdditionalCodeRepositories: slices.Clone(req.AdditionalCodeRepositories),
		RootAccess:                 orDefault(req.RootAccess, DefaultRootAccess),
		PlatformIdentifier:         req.PlatformIdentifier,
		MinimumIMDSVersion:         req.MinimumIMDSVersion,
		Tags:                       tags,
		Version:                    1,
	}
	if nb.VolumeSizeInGB == 0 {
		nb.VolumeSizeInGB = DefaultVolumeSizeInGB
	}
	r := notebookRef(account, req.Name)
	unlock := s.locks.Lock(r)
	err = s.store.CreateNotebook(ctx, nb.Clone())
	unlock()
	if err != nil {
		if errdefs.KindOf(err) == errdefs.AlreadyExists {
			return nil, Duplicate(nb.ARN)
		}
		return nil, err
	}
	s.log.Info("notebook created", "notebook", nb.ARN, "instanceType", nb.InstanceType)
	s.kick(r)
	return nb, nil
}

// DescribeNotebook returns one notebook instance.
func (s *Service) DescribeNotebook(ctx context.Context, account, name string) (*Notebook, error) {
	return s.getNotebook(ctx, account, name)
}

// StartNotebook starts a Stopped or Failed notebook instance: it goes
// Pending and the reconcile loop boots its workload again (OnStart runs,
// OnCreate does not), keeping the ML storage volume.
func (s *Service) StartNotebook(ctx context.Context, account, name string) error {
	return s.userTransition(ctx, account, name, OpStart, func(n *Notebook) { n.FailureReason, n.FailedBy = "", "" })
}

// StopNotebook stops an InService notebook instance: it goes Stopping and
// the reconcile loop halts its workload, keeping the ML storage volume.
func (s *Service) StopNotebook(ctx context.Context, account, name string) error {
	return s.userTransition(ctx, account, name, OpStop, nil)
}

// DeleteNotebook deletes a Stopped or Failed notebook instance: it goes
// Deleting and the reconcile loop removes its workload and ML storage
// volume, then the notebook.
func (s *Service) DeleteNotebook(ctx context.Context, account, name string) error {
	return s.userTransition(ctx, account, name, OpDelete, nil)
}

// userTransition applies the user operation op to the SageMaker notebook
// name (see transition).
func (s *Service) userTransition(ctx context.Context, account, name string, op Op, mutate func(*Notebook)) error {
	_, _, err := s.transition(ctx, notebookRef(account, name), op, mutate)
	return err
}

// transition applies the user operation op to the notebook r names under
// its operation lock, in one store write, and kicks its worker. It returns
// the status the notebook was in and the notebook after the change.
func (s *Service) transition(ctx context.Context, r ref, op Op, mutate func(*Notebook)) (Status, *Notebook, error) {
	unlock := s.locks.Lock(r)
	defer unlock()
	cur, err := s.get(ctx, r)
	if errdefs.KindOf(err) == errdefs.NotFound {
		if IsModelArts(r.nb) {
			return "", nil, ModelArtsNotFound(r.name)
		}
		return "", nil, NotFound(r.name)
	}
	if err != nil {
		return "", nil, err
	}
	next, ok := NextFor(cur.Kind, op, cur.Status)
	if !ok {
		return cur.Status, nil, refuse(op, cur)
	}
	from := cur.Status
	cur.Status, cur.Issued = next, ""
	cur.LastModifiedTime = s.clk.Now()
	if mutate != nil {
		mutate(cur)
	}
	if err := s.save(ctx, cur); err != nil {
		return from, nil, err
	}
	s.log.Info("notebook status", "notebook", cur.ARN, "op", op, "from", from, "to", next)
	s.kick(r)
	return from, cur, nil
}

// UpdateNotebook changes a Stopped notebook instance. It goes Updating and
// then, once the reconcile loop has recorded the change, Stopped again; the
// workload takes the new settings at its next boot. The ML storage volume
// may only grow.
func (s *Service) UpdateNotebook(ctx context.Context, account string, req UpdateRequest) error {
	r := notebookRef(account, req.Name)
	unlock := s.locks.Lock(r)
	defer unlock()
	cur, err := s.getNotebook(ctx, account, req.Name)
	if err != nil {
		return err
	}
	next, ok := Next(OpUpdate, cur.Status)
	if !ok {
		return refuse(OpUpdate, cur)
	}
	if err := s.applyUpdate(ctx, cur, req); err != nil {
		return err
	}
	cur.Status, cur.Issued = next, ""
	cur.LastModifiedTime = s.clk.Now()
	if err := s.save(ctx, cur); err != nil {
		return err
	}
	s.log.Info("notebook status", "notebook", cur.ARN, "op", OpUpdate, "from", Stopped, "to", next)
	s.kick(r)
	return nil
}

// applyUpdate checks req against nb and applies it to nb.
func (s *Service) applyUpdate(ctx context.Context, nb *Notebook, req UpdateRequest) error {
	for _, c := range []struct {
		set          bool
		disassociate bool
		member       string
	}{
		{req.LifecycleConfigName != nil, req.DisassociateLifecycleConfig, "LifecycleConfigName"},
		{req.DefaultCodeRepository != nil, req.DisassociateDefaultCodeRepository, "DefaultCodeRepository"},
		{req.AdditionalCodeRepositories != nil, req.DisassociateAdditionalCodeRepositories, "AdditionalCodeRepositories"},
		{req.AcceleratorTypes != nil, req.DisassociateAcceleratorTypes, "AcceleratorTypes"},
	} {
		if c.set && c.disassociate {
			return invalid(nb.ARN, "Cannot both set %s and disassociate it for Notebook Instance (%s).", c.member, nb.ARN)
		}
	}
	if req.InstanceType != nil && !ValidInstanceType(*req.InstanceType) {
		return invalid(*req.InstanceType, "Instance type %q is not a notebook instance type.", errdefs.Clip(*req.InstanceType, 100))
	}
	if req.VolumeSizeInGB != nil && *req.VolumeSizeInGB < nb.VolumeSizeInGB {
		return VolumeShrink(nb.ARN, nb.VolumeSizeInGB, *req.VolumeSizeInGB)
	}
	if req.LifecycleConfigName != nil {
		if err := s.configExists(ctx, nb.AccountID, *req.LifecycleConfigName); err != nil {
			return err
		}
	}
	setIf(&nb.InstanceType, req.InstanceType)
	setIf(&nb.IPAddressType, req.IPAddressType)
	setIf(&nb.PlatformIdentifier, req.PlatformIdentifier)
	setIf(&nb.RoleARN, req.RoleARN)
	setIf(&nb.LifecycleConfigName, req.LifecycleConfigName)
	setIf(&nb.VolumeSizeInGB, req.VolumeSizeInGB)
	setIf(&nb.DefaultCodeRepository, req.DefaultCodeRepository)
	setIf(&nb.RootAccess, req.RootAccess)
	setIf(&nb.MinimumIMDSVersion, req.MinimumIMDSVersion)
	if req.AdditionalCodeRepositories != nil {
		nb.AdditionalCodeRepositories = slices.Clone(*req.AdditionalCodeRepositories)
	}
	if req.AcceleratorTypes != nil {
		nb.AcceleratorTypes = slices.Clone(*req.AcceleratorTypes)
	}
	if req.DisassociateLifecycleConfig {
		nb.LifecycleConfigName = ""
	}
	if req.DisassociateDefaultCodeRepository {
		nb.DefaultCodeRepository = ""
	}
	if req.DisassociateAdditionalCodeRepositories {
		nb.AdditionalCodeRepositories = nil
	}
	if req.DisassociateAcceleratorTypes {
		nb.AcceleratorTypes = nil
	}
	return nil
}

// configExists checks that account has the lifecycle configuration name,
// for a notebook that is to use it.
func (s *Service) configExists(ctx context.Context, account, name string) error {
	_, err := s.store.GetLifecycleConfig(ctx, account, name)
	if errdefs.KindOf(err) == errdefs.NotFound {
		return LifecycleConfigMissing(LifecycleConfigARN(s.cfg.Region, account, name))
	}
	return err
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
