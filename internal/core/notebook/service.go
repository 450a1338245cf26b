package notebook

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"strato/internal/clock"
	"strato/internal/errdefs"
)

// Defaults of Config.
const (
	DefaultRegion         = "us-east-1"
	DefaultEndpoint       = "http://127.0.0.1:8773"
	DefaultResyncInterval = 5 * time.Second
	DefaultPollInterval   = time.Second
	// DefaultURLWindow is how long a presigned URL may be opened after it
	// is issued: SageMaker's URLs are valid for 5 minutes (the API
	// reference of CreatePresignedNotebookInstanceUrl); the session it
	// opens lasts SessionExpirationDurationInSeconds.
	DefaultURLWindow = 5 * time.Minute
)

// Config wires a Service. Store, Runtime and Clock are required.
type Config struct {
	Store   Store
	Runtime Runtime
	Clock   clock.Clock
	Logger  *slog.Logger

	// Region goes into the ARNs (default DefaultRegion).
	Region string
	// Endpoint is the base URL of presigned notebook URLs, where the
	// notebook proxy is served: a URL is Endpoint + SessionPath + token
	// (default DefaultEndpoint).
	Endpoint string
	// SigningKey signs presigned URLs, session tokens and page tokens
	// (HMAC-SHA256). Empty means 32 random bytes: tokens then do not
	// survive a restart of the daemon.
	SigningKey []byte
	// URLWindow is how long a presigned URL may be opened (default
	// DefaultURLWindow).
	URLWindow time.Duration
	// ResyncInterval is how often the loop re-examines every notebook that
	// is not Stopped or Failed (default DefaultResyncInterval).
	ResyncInterval time.Duration
	// PollInterval is how often a worker asks the Runtime about a
	// notebook whose workload is busy (default DefaultPollInterval).
	PollInterval time.Duration
}

// Service is the notebook instance service. It implements the Core
// interface of internal/api/sagemakerapi.
type Service struct {
	cfg   Config
	log   *slog.Logger
	clk   clock.Clock
	store Store
	rt    Runtime
	key   []byte
	base  string // Endpoint without a trailing slash
	host  string // Endpoint's host[:port], for Notebook.URL

	locks keyedMutex // one operation lock per notebook or configuration

	wmu     sync.Mutex
	working map[ref]*worker // the worker of each notebook that has one
	ctx     context.Context // the reconcile loop's; nil before Open
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// New checks the config, applies defaults and returns a Service. Call Open
// before using it.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Runtime == nil || cfg.Clock == nil {
		return nil, errors.New("notebook: store, runtime and clock are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("notebook: endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if len(cfg.SigningKey) == 0 {
		cfg.SigningKey = make([]byte, 32)
		if _, err := rand.Read(cfg.SigningKey); err != nil {
			return nil, fmt.Errorf("notebook: signing key: %w", err)
		}
	}
	if cfg.URLWindow <= 0 {
		cfg.URLWindow = DefaultURLWindow
	}
	if cfg.ResyncInterval <= 0 {
		cfg.ResyncInterval = DefaultResyncInterval
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	return &Service{
		cfg: cfg, log: cfg.Logger, clk: cfg.Clock, store: cfg.Store, rt: cfg.Runtime,
		key:  append([]byte(nil), cfg.SigningKey...),
		base: strings.TrimRight(cfg.Endpoint, "/"), host: u.Host,
		working: map[ref]*worker{},
	}, nil
}

// Open resumes the work of every notebook the store holds in a transitional
// status (Pending, Stopping, Updating, Deleting), rechecks the InService
// ones, and starts the reconcile loop.
func (s *Service) Open(ctx context.Context) error {
	nbs, err := s.store.ListNotebooks(ctx, "")
	if err != nil {
		return fmt.Errorf("notebook: load notebooks: %w", err)
	}
	s.wmu.Lock()
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wmu.Unlock()
	for _, nb := range nbs {
		if watched(nb.Status) {
			s.kick(refOf(nb))
		}
	}
	s.wg.Add(1)
	go s.loop()
	return nil
}

// Close stops the reconcile loop and waits for its workers. Workloads keep
// running; a service opened on the same store resumes their notebooks.
func (s *Service) Close() {
	s.wmu.Lock()
	cancel := s.cancel
	s.wmu.Unlock()
	if cancel != nil {
		cancel()
	}
	s.wg.Wait()
}

// getNotebook returns the caller's notebook, or SageMaker's RecordNotFound.
func (s *Service) getNotebook(ctx context.Context, account, name string) (*Notebook, error) {
	nb, err := s.store.GetNotebook(ctx, KindSageMaker, account, name)
	if errdefs.KindOf(err) == errdefs.NotFound {
		return nil, NotFound(name)
	}
	return nb, err
}

// save writes a changed notebook (next, a copy of the stored record taken
// under its operation lock): one store transaction.
func (s *Service) save(ctx context.Context, next *Notebook) error {
	if err := s.store.UpdateNotebook(ctx, next); err != nil {
		if errdefs.KindOf(err) == errdefs.IncorrectState {
			return conflict(next.ARN, err)
		}
		return err
	}
	return nil
}

// notebookURL is the URL a notebook reports (SageMaker's Url: host and
// path, no scheme): where the proxy serves the notebooks, followed by the
// notebook's account and name. Opening it needs a presigned URL.
func (s *Service) notebookURL(account, name string) string {
	return s.host + strings.TrimSuffix(SessionPath, "/") + "/" + account + "/" + NameKey(name)
}

// conflict is the error of a write that lost a version race. Only this
// service writes records, under their operation locks, so a conflict means
// a second daemon on the same store: an internal error, not the caller's.
func conflict(arn string, err error) error {
	return &errdefs.Error{Kind: errdefs.Internal, Public: "an internal error occurred",
		Err: fmt.Errorf("%s changed concurrently: %w", arn, err)}
}
