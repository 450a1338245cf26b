package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"strato/internal/api/notebookproxy"
	"strato/internal/clock"
	"strato/internal/core/iam"
	"strato/internal/core/instance"
	"strato/internal/core/notebook"
	"strato/internal/core/notebookrt"
	"strato/internal/core/pki"
	"strato/internal/driver"
	"strato/internal/store/sqlite"
)

// Settings that keep notebook secrets across restarts: the key that signs
// presigned URLs and the key that derives each notebook server's token
// (running servers keep theirs across a restart of the daemon).
const (
	settingNotebookSigningKey = "notebook-signing-key"
	settingNotebookServerKey  = "notebook-server-key"
	// settingGuestCA is the CA whose certificates guests trust for AWS's
	// endpoint names (JSON: the certificate and key, PEM), made once.
	settingGuestCA = "guest-ca"
)

// guestCAName names the guest CA in its certificate.
const guestCAName = "Strato guest CA"

// guestAPICertValidity is how long the certificate of AWS's endpoint names
// in guests holds; a new one is issued at every start of the daemon.
const guestAPICertValidity = 365 * 24 * time.Hour

// persistentKey returns the 32-byte key stored under name, making it once.
func persistentKey(ctx context.Context, st *sqlite.Store, name string) ([]byte, error) {
	v, err := st.Setting(ctx, name)
	if err == nil {
		return hex.DecodeString(v)
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if err := st.PutSetting(ctx, name, hex.EncodeToString(k)); err != nil {
		return nil, err
	}
	return k, nil
}

// persistentCA returns the guest CA kept in the store, making it once.
func persistentCA(ctx context.Context, st *sqlite.Store, now time.Time) (*pki.CA, error) {
	type stored struct {
		Cert string `json:"cert"`
		Key  string `json:"key"`
	}
	if v, err := st.Setting(ctx, settingGuestCA); err == nil {
		var s stored
		if err := json.Unmarshal([]byte(v), &s); err != nil {
			return nil, fmt.Errorf("stored guest CA: %w", err)
		}
		return pki.ParseCA([]byte(s.Cert), []byte(s.Key))
	}
	ca, err := pki.NewCA(guestCAName, now)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(stored{Cert: string(ca.CertPEM()), Key: string(ca.KeyPEM())})
	if err != nil {
		return nil, err
	}
	if err := st.PutSetting(ctx, settingGuestCA, string(b)); err != nil {
		return nil, err
	}
	return ca, nil
}

// guestAPITLS is the certificate with which the driver serves the API to
// notebook guests under AWS's endpoint names of region, issued by ca.
func guestAPITLS(ca *pki.CA, region string, now time.Time) (*driver.TLSCert, error) {
	cert, key, err := ca.Issue(notebookrt.ServiceHostnames(region), nil, now, guestAPICertValidity)
	if err != nil {
		return nil, err
	}
	return &driver.TLSCert{CertPEM: cert, KeyPEM: key}, nil
}

// guestKeys hands notebook guests an access key of their account, made
// once per account and kept (its description says what it is for).
type guestKeys struct {
	ids *iam.Service
	mu  *sync.Mutex // one key per account, also when notebooks boot at once
}

const guestKeyDescription = "notebook instances: used inside notebooks to call this endpoint"

func (g guestKeys) GuestKey(ctx context.Context, account string) (string, string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	keys, err := g.ids.ListKeys(ctx, account)
	if err != nil {
		return "", "", err
	}
	for _, k := range keys {
		if k.Description == guestKeyDescription {
			// A listing leaves secrets out; the lookup has it.
			_, secret, err := g.ids.Lookup(ctx, k.AccessKeyID)
			if err != nil {
				return "", "", err
			}
			return k.AccessKeyID, secret, nil
		}
	}
	k, err := g.ids.CreateKey(ctx, account, guestKeyDescription, nil)
	if err != nil {
		return "", "", err
	}
	return k.AccessKeyID, k.SecretAccessKey, nil
}

// newNotebooks builds the notebook service over the instance engine's
// sagemaker scope. endpoint is the server's base URL (presigned URLs point
// there).
// ca, when not nil, is the CA of the API's TLS certificate in guests.
func newNotebooks(ctx context.Context, st *sqlite.Store, insts *instance.Service, ids *iam.Service, drv driver.Driver,
	clk clock.Clock, log *slog.Logger, region, endpoint string, ca *pki.CA) (*notebook.Service, error) {
	serverKey, err := persistentKey(ctx, st, settingNotebookServerKey)
	if err != nil {
		return nil, fmt.Errorf("notebook server key: %w", err)
	}
	signingKey, err := persistentKey(ctx, st, settingNotebookSigningKey)
	if err != nil {
		return nil, fmt.Errorf("notebook signing key: %w", err)
	}
	cfg := notebookrt.Config{
		Instances:   insts.Scope(instance.OriginSageMaker),
		ModelArts:   insts.Scope(instance.OriginModelArts),
		Probe:       notebookproxy.Probe,
		Credentials: guestKeys{ids: ids, mu: &sync.Mutex{}},
		GuestAPIURL: drv.Capabilities().GuestAPIURL,
		Region:      region,
		Key:         serverKey,
	}
	if ca != nil {
		cfg.GuestAPITLSAddr, cfg.CACert = drv.Capabilities().GuestAPITLSAddr, ca.CertPEM()
	}
	rt, err := notebookrt.New(cfg)
	if err != nil {
		return nil, err
	}
	return notebook.New(notebook.Config{Store: st, Runtime: rt, Clock: clk, Logger: log,
		Region: region, Endpoint: endpoint, SigningKey: signingKey})
}

// guestAPIEndpoint is the address notebook guests' API calls are forwarded
// to: the listen address, when it is a literal one.
func guestAPIEndpoint(addr string) string {
	if ap, err := netip.ParseAddrPort(addr); err == nil && ap.Port() != 0 {
		return ap.String()
	}
	return ""
}
