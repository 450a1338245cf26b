package instance

import (
	"context"

	"strato/internal/errdefs"
)

var errTodo = errdefs.New(errdefs.Unsupported, errdefs.ResNone, "", "not implemented yet")

// Service is the instance lifecycle engine (stub signatures; being implemented).
type Service struct{}

// Run launches instances for account.
func (s *Service) Run(ctx context.Context, account string, req RunRequest) (*Reservation, error) {
	return nil, errTodo
}

// Describe lists the account's instances matching q (copies), with the next page token.
func (s *Service) Describe(ctx context.Context, account string, q Query) ([]*Instance, string, error) {
	return nil, "", errTodo
}

// Get returns one instance of the account (a copy) or NotFound.
func (s *Service) Get(ctx context.Context, account, id string) (*Instance, error) {
	return nil, errTodo
}

// Start starts stopped instances; all ids are checked before any changes.
func (s *Service) Start(ctx context.Context, account string, ids []string, dryRun bool) ([]StateChange, error) {
	return nil, errTodo
}

// Stop stops running instances; all ids are checked before any changes.
func (s *Service) Stop(ctx context.Context, account string, ids []string, req StopRequest) ([]StateChange, error) {
	return nil, errTodo
}

// Reboot restarts running instances in place.
func (s *Service) Reboot(ctx context.Context, account string, ids []string, dryRun bool) error {
	return errTodo
}

// Terminate terminates instances.
func (s *Service) Terminate(ctx context.Context, account string, ids []string, dryRun bool) ([]StateChange, error) {
	return nil, errTodo
}

// Modify changes attributes of one instance.
func (s *Service) Modify(ctx context.Context, account, id string, a Attributes, dryRun bool) error {
	return errTodo
}

// CreateTags adds or overwrites tags on resources (instances, volumes).
func (s *Service) CreateTags(ctx context.Context, account string, resourceIDs []string, tags []Tag, dryRun bool) error {
	return errTodo
}

// DeleteTags removes tags from resources.
func (s *Service) DeleteTags(ctx context.Context, account string, resourceIDs []string, tags []TagRef, dryRun bool) error {
	return errTodo
}

// DescribeTags lists tags of the account's resources.
func (s *Service) DescribeTags(ctx context.Context, account string, filters []TagFilter, maxResults int, nextToken string) ([]TagDescription, string, error) {
	return nil, "", errTodo
}

// ConsoleOutput returns the instance's console tail.
func (s *Service) ConsoleOutput(ctx context.Context, account, id string) (ConsoleOutput, error) {
	return ConsoleOutput{}, errTodo
}
