package notebook

import (
	"context"
	"encoding/json"
	"time"

	"strato/internal/errdefs"
)

// SessionPath is the path under Config.Endpoint where the notebook proxy
// serves notebooks: a presigned URL is Endpoint + SessionPath + token.
const SessionPath = "/strato/notebooks/"

// Token kinds.
const (
	tokenURL     = "url"     // in a presigned URL: opens a session within URLWindow
	tokenSession = "session" // held by the browser for the session's length
)

// sessionClaims is the payload of presigned-URL and session tokens.
type sessionClaims struct {
	Version int    `json:"v"`
	Kind    string `json:"k"`
	Account string `json:"a"`
	NB      Kind   `json:"b,omitempty"` // the notebook's kind
	Name    string `json:"n"`           // the notebook's Key()
	// Created is the notebook's CreationTime (Unix nanoseconds): a token
	// does not open a notebook deleted and created again under its name.
	Created int64 `json:"c"`
	// Expires is the end of the session (Unix nanoseconds).
	Expires int64 `json:"e"`
	// OpenBy is when a URL token stops opening sessions (Unix nanoseconds).
	OpenBy int64 `json:"o,omitempty"`
}

const sessionPurpose = "strato notebook session"

// PresignedURL returns a URL that opens the notebook's Jupyter server for a
// session of the given length (0 = DefaultSessionExpiration):
// Endpoint + SessionPath + token, the token an opaque, signed blob naming
// the account, the notebook and the session's end. Like SageMaker, it
// answers for a notebook in any status (the page then says it is not
// running) and the URL must be opened within URLWindow (5 minutes).
func (s *Service) PresignedURL(ctx context.Context, account, name string, session time.Duration) (string, error) {
	if session < 0 {
		return "", invalid(name, "SessionExpirationDurationInSeconds must be positive.")
	}
	if session == 0 {
		session = DefaultSessionExpiration
	}
	nb, err := s.getNotebook(ctx, account, name)
	if err != nil {
		return "", err
	}
	return s.presign(nb, session), nil
}

// presign returns a presigned URL of nb for a session of the given length.
func (s *Service) presign(nb *Notebook, session time.Duration) string {
	now := s.clk.Now()
	c := sessionClaims{
		Version: 1, Kind: tokenURL, Account: nb.AccountID, NB: nb.Kind, Name: nb.Key(),
		Created: nb.CreationTime.UnixNano(),
		Expires: now.Add(session).UnixNano(), OpenBy: now.Add(s.cfg.URLWindow).UnixNano(),
	}
	return s.base + SessionPath + s.sealClaims(c)
}

// OpenSession checks a token of a presigned URL (within URLWindow of its
// issue) or of a session (SessionToken) and returns the notebook it opens,
// the URL where its server answers and the end of the session. The notebook
// must be InService and its server Ready. Errors carry the resource
// ResSession: Unauthenticated for a token that is not valid or has expired,
// NotFound for a notebook that no longer exists, IncorrectState for one that
// is not InService.
func (s *Service) OpenSession(ctx context.Context, token string) (nb *Notebook, runtimeURL string, expires time.Time, err error) {
	c, err := s.readClaims(token, "")
	if err != nil {
		return nil, "", time.Time{}, err
	}
	nb, err = s.store.GetNotebook(ctx, c.NB, c.Account, c.Name)
	if err != nil || nb.CreationTime.UnixNano() != c.Created {
		if err == nil || errdefs.KindOf(err) == errdefs.NotFound {
			return nil, "", time.Time{}, errdefs.New(errdefs.NotFound, ResSession, c.Name, "The notebook instance does not exist.")
		}
		return nil, "", time.Time{}, err
	}
	if nb.Status != InService {
		return nil, "", time.Time{}, errdefs.Newf(errdefs.IncorrectState, ResSession, nb.ARN,
			"The notebook instance %s is %s, not InService.", nb.Name, nb.Status)
	}
	st, err := s.rt.Check(ctx, nb.Clone())
	if err != nil {
		return nil, "", time.Time{}, err
	}
	if st.Phase != Ready || st.URL == "" {
		return nil, "", time.Time{}, errdefs.Newf(errdefs.IncorrectState, ResSession, nb.ARN,
			"The notebook server of %s is not answering.", nb.Name)
	}
	return nb, st.URL, time.Unix(0, c.Expires), nil
}

// SessionToken exchanges the token of a presigned URL, while it may still
// be opened, for a session token: same notebook, same end, no URLWindow.
// The proxy hands it to the browser (a cookie) after OpenSession accepted
// the URL, so that the session outlives the URL's window.
func (s *Service) SessionToken(token string) (string, error) {
	c, err := s.readClaims(token, tokenURL)
	if err != nil {
		return "", err
	}
	c.Kind, c.OpenBy = tokenSession, 0
	return s.sealClaims(c), nil
}

func (s *Service) sealClaims(c sessionClaims) string {
	b, _ := json.Marshal(c) // strings and integers
	return s.seal(sessionPurpose, b)
}

// readClaims checks a token's signature and times; kind "" accepts both
// kinds.
func (s *Service) readClaims(token, kind string) (sessionClaims, error) {
	var c sessionClaims
	bad := errdefs.New(errdefs.Unauthenticated, ResSession, "", "The notebook URL is not valid.")
	b, err := s.open(sessionPurpose, token)
	if err != nil {
		return c, bad
	}
	if err := json.Unmarshal(b, &c); err != nil || c.Version != 1 || c.Account == "" || c.Name == "" ||
		(c.Kind != tokenURL && c.Kind != tokenSession) || (kind != "" && c.Kind != kind) {
		return c, bad
	}
	now := s.clk.Now().UnixNano()
	if now >= c.Expires || c.Kind == tokenURL && now >= c.OpenBy {
		return c, errdefs.New(errdefs.Unauthenticated, ResSession, c.Name, "The notebook URL has expired.")
	}
	return c, nil
}
