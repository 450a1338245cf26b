package notebook

import (
	"context"
	"encoding/base64"
	"slices"

	"strato/internal/errdefs"
)

// CreateLifecycleConfig creates a lifecycle configuration.
func (s *Service) CreateLifecycleConfig(ctx context.Context, account string, req LifecycleConfigRequest) (*LifecycleConfig, error) {
	arn := LifecycleConfigARN(s.cfg.Region, account, req.Name)
	if !ValidName(req.Name) {
		return nil, invalid(req.Name, "Notebook Instance Lifecycle Config name %q is not valid: it must match %s and be at most %d characters long.",
			errdefs.Clip(req.Name, 100), NamePattern, MaxNameLen)
	}
	if err := checkHooks(arn, req.OnCreate, req.OnStart); err != nil {
		return nil, err
	}
	tags, err := mergeTags(arn, nil, req.Tags)
	if err != nil {
		return nil, err
	}
	now := s.clk.Now()
	c := &LifecycleConfig{
		Name: req.Name, ARN: arn, AccountID: account,
		OnCreate: slices.Clone(req.OnCreate), OnStart: slices.Clone(req.OnStart),
		CreationTime: now, LastModifiedTime: now, Tags: tags, Version: 1,
	}
	r := configRef(account, req.Name)
	unlock := s.locks.Lock(r)
	err = s.store.CreateLifecycleConfig(ctx, c.Clone())
	unlock()
	if err != nil {
		if errdefs.KindOf(err) == errdefs.AlreadyExists {
			return nil, LifecycleConfigExists(arn)
		}
		return nil, err
	}
	s.log.Info("notebook lifecycle configuration created", "config", arn)
	return c, nil
}

// DescribeLifecycleConfig returns one lifecycle configuration.
func (s *Service) DescribeLifecycleConfig(ctx context.Context, account, name string) (*LifecycleConfig, error) {
	return s.getConfig(ctx, account, name, "describe")
}

// UpdateLifecycleConfig replaces the scripts of a lifecycle configuration
// (a nil list is left as it is). Notebooks that use it run the new scripts
// at their next boot.
func (s *Service) UpdateLifecycleConfig(ctx context.Context, account string, req LifecycleConfigRequest) error {
	unlock := s.locks.Lock(configRef(account, req.Name))
	defer unlock()
	c, err := s.getConfig(ctx, account, req.Name, "update")
	if err != nil {
		return err
	}
	if err := checkHooks(c.ARN, req.OnCreate, req.OnStart); err != nil {
		return err
	}
	if req.OnCreate != nil {
		c.OnCreate = slices.Clone(req.OnCreate)
	}
	if req.OnStart != nil {
		c.OnStart = slices.Clone(req.OnStart)
	}
	c.LastModifiedTime = s.clk.Now()
	return s.saveConfig(ctx, c)
}

// DeleteLifecycleConfig deletes a lifecycle configuration. Like SageMaker,
// it does not refuse a configuration that notebooks use: they boot without
// it from then on.
func (s *Service) DeleteLifecycleConfig(ctx context.Context, account, name string) error {
	unlock := s.locks.Lock(configRef(account, name))
	defer unlock()
	c, err := s.getConfig(ctx, account, name, "delete")
	if err != nil {
		return err
	}
	if err := s.store.DeleteLifecycleConfig(ctx, c); err != nil {
		if errdefs.KindOf(err) == errdefs.NotFound {
			return LifecycleConfigNotFound("delete", c.ARN)
		}
		return err
	}
	s.log.Info("notebook lifecycle configuration deleted", "config", c.ARN)
	return nil
}

// getConfig returns the caller's configuration, or SageMaker's answer for
// verb on a missing one.
func (s *Service) getConfig(ctx context.Context, account, name, verb string) (*LifecycleConfig, error) {
	c, err := s.store.GetLifecycleConfig(ctx, account, name)
	if errdefs.KindOf(err) == errdefs.NotFound {
		return nil, LifecycleConfigNotFound(verb, LifecycleConfigARN(s.cfg.Region, account, name))
	}
	return c, err
}

// saveConfig writes a changed configuration (a copy of the stored record
// taken under its operation lock): one store transaction.
func (s *Service) saveConfig(ctx context.Context, next *LifecycleConfig) error {
	if err := s.store.UpdateLifecycleConfig(ctx, next); err != nil {
		if errdefs.KindOf(err) == errdefs.IncorrectState {
			return conflict(next.ARN, err)
		}
		return err
	}
	return nil
}

// checkHooks checks that every script is base64 (the frontend checks the
// length: at most 16384 characters). Line breaks, as base64(1) writes them,
// are allowed; an empty Content is no script.
func checkHooks(arn string, lists ...[]Hook) error {
	for i, hooks := range lists {
		for _, h := range hooks {
			if h.Content == "" {
				continue
			}
			if !isBase64(h.Content) {
				which := "OnCreate"
				if i == 1 {
					which = "OnStart"
				}
				return invalid(arn, "The %s script of Notebook Instance Lifecycle Config (%s) is not valid base64 content.", which, arn)
			}
		}
	}
	return nil
}

// isBase64 reports whether s is base64 (standard alphabet, padded or not;
// line breaks ignored).
func isBase64(s string) bool {
	if _, err := base64.StdEncoding.DecodeString(s); err == nil {
		return true
	}
	_, err := base64.RawStdEncoding.DecodeString(s)
	return err == nil
}
