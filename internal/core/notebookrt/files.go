package notebookrt

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"strato/internal/core/notebook"
	"strato/internal/core/pki"
	"strato/internal/driver"
)

// Guest files Strato adds to a notebook instance, besides MetadataFile.
const (
	guestDir             = "/opt/strato"
	jupyterDir           = guestDir + "/jupyter"
	JupyterCertFile      = jupyterDir + "/tls.crt"
	JupyterKeyFile       = jupyterDir + "/tls.key"
	JupyterConfigFile    = jupyterDir + "/jupyter_notebook_config.py"
	jupyterExtensionFile = jupyterDir + "/strato_localhost.py"
	// CAFile is the CA of the certificate that AWS's endpoint names are
	// served with in the guest; the boot script adds it to the system's
	// trust store.
	CAFile = guestDir + "/ca.pem"
)

// jupyterConfig is the notebook server's extra configuration, which loads
// jupyterExtension: as on SageMaker, requests from inside the instance
// (localhost) need no token and find the server's API at the root
// (https://localhost:8443/api/sessions, what an idle check reads) as well
// as under the base URL, where Strato's proxy serves it; everything from
// outside, the proxy included, still needs the server's token. The server
// does not trust X-Forwarded-For (NotebookApp.trust_xheaders stays off), so
// remote_ip is the peer's address.
const jupyterConfig = `# Strato: the notebook server as SageMaker's answers inside the instance.
import sys

sys.path.insert(0, "` + jupyterDir + `")
from strato_localhost import LocalhostLoginHandler  # noqa: E402

c.NotebookApp.login_handler_class = LocalhostLoginHandler
c.NotebookApp.nbserver_extensions = {"strato_localhost": True}
`

// jupyterExtension is the server extension jupyterConfig loads.
const jupyterExtension = `"""Strato: requests from localhost need no token, and reach the server's
API at the root (https://localhost:8443/api/...) as well as under its base
URL, as on SageMaker."""
import re

from notebook.auth.login import LoginHandler
from notebook.base.handlers import IPythonHandler
from notebook.utils import url_path_join

LOCAL = ("127.0.0.1", "::1")


class LocalhostLoginHandler(LoginHandler):
    @classmethod
    def get_user(cls, handler):
        if handler.request.remote_ip in LOCAL:
            return "localhost"
        return super().get_user(handler)


class RootAlias(IPythonHandler):
    """Sends localhost's requests outside the base URL to the same path under it."""

    def prepare(self):
        if self.request.remote_ip not in LOCAL:
            self.send_error(404)
            return
        base = self.settings["base_url"]
        self.redirect(url_path_join(base, self.request.uri.lstrip("/")), status=307)


def load_jupyter_server_extension(app):
    base = app.web_app.settings["base_url"]
    if base != "/":
        app.web_app.add_handlers(".*$", [(r"(?!%s).*" % re.escape(base), RootAlias)])
`

// jupyterCertValidity is how long a notebook server's certificate holds.
const jupyterCertValidity = 100 * 365 * 24 * time.Hour

// serverCert is the notebook server's TLS certificate and key, derived from
// the runtime's key and the notebook's incarnation, so that the daemon
// pins it without keeping it.
func (r *Runtime) serverCert(nb *notebook.Notebook) (certPEM, keyPEM []byte, pin string, err error) {
	m := hmac.New(sha256.New, r.cfg.Key)
	m.Write([]byte("jupyter-tls\x00" + incarnation(nb)))
	certPEM, keyPEM, err = pki.SelfSigned(m.Sum(nil), []string{"localhost"}, nb.CreationTime, jupyterCertValidity)
	if err != nil {
		return nil, nil, "", err
	}
	pin, err = pki.Pin(certPEM)
	return certPEM, keyPEM, pin, err
}

// pinPrefix starts the fragment of a server URL that pins its certificate.
const pinPrefix = "pin-sha256="

// ServerURL is the URL of a notebook server at addr: HTTPS on
// JupyterPort, its token as the URL's password and the SHA-256 of its
// certificate's public key (pki.Pin) in the fragment.
func ServerURL(addr, token, pin string) string {
	u := url.URL{Scheme: "https", User: url.UserPassword("", token), Host: fmt.Sprintf("%s:%d", addr, JupyterPort),
		Fragment: pinPrefix + pin}
	return u.String()
}

// ParseServerURL splits a ServerURL into the server's base URL (scheme and
// host), its token and its pin.
func ParseServerURL(s string) (base *url.URL, token, pin string, err error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, "", "", err
	}
	token, _ = u.User.Password()
	pin, ok := strings.CutPrefix(u.Fragment, pinPrefix)
	if !ok || pin == "" {
		return nil, "", "", fmt.Errorf("notebook server URL without a certificate pin")
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, token, pin, nil
}

// ServiceHostnames are the AWS endpoint names of region that a notebook
// guest resolves to Strato's API (served over TLS there): SageMaker's
// (both of its names) and EC2's, the services this endpoint serves.
func ServiceHostnames(region string) []string {
	return []string{
		"api.sagemaker." + region + ".amazonaws.com",
		"sagemaker." + region + ".amazonaws.com",
		"ec2." + region + ".amazonaws.com",
	}
}

// guestFiles are the files of nb's guest.
func (r *Runtime) guestFiles(nb *notebook.Notebook) ([]driver.File, error) {
	cert, key, _, err := r.serverCert(nb)
	if err != nil {
		return nil, err
	}
	files := []driver.File{
		{Path: JupyterCertFile, Mode: 0o444, Data: cert},
		{Path: JupyterKeyFile, Mode: 0o400, Data: key},
		{Path: JupyterConfigFile, Mode: 0o444, Data: []byte(jupyterConfig)},
		{Path: jupyterExtensionFile, Mode: 0o444, Data: []byte(jupyterExtension)},
	}
	if !layoutOf(nb).aws {
		return files, nil // ModelArts's guests: no SageMaker metadata, no AWS names
	}
	files = append(files, driver.File{Path: MetadataFile, Mode: 0o444, Data: ResourceMetadata(nb.ARN, nb.Name)})
	if len(r.cfg.CACert) > 0 {
		files = append(files, driver.File{Path: CAFile, Mode: 0o444, Data: r.cfg.CACert})
	}
	return files, nil
}

// apiHostsAddr is the guest address that AWS's endpoint names resolve to:
// the driver's TLS forward, when it is on HTTPS's port and there is a CA
// for the guest to trust.
func (r *Runtime) apiHostsAddr() string {
	if len(r.cfg.CACert) == 0 || r.cfg.Region == "" {
		return ""
	}
	ap, err := netip.ParseAddrPort(r.cfg.GuestAPITLSAddr)
	if err != nil || ap.Port() != 443 {
		return ""
	}
	return ap.Addr().String()
}

// role is the instance profile role of nb's guest: its execution role's
// name with the guest key, "" when there are no credentials.
func roleFor(nb *notebook.Notebook, id, secret string) *driver.Role {
	name := nb.RoleARN[strings.LastIndexByte(nb.RoleARN, '/')+1:]
	if name == "" || id == "" {
		return nil
	}
	return &driver.Role{
		Name:               name,
		InstanceProfileARN: fmt.Sprintf("arn:aws:iam::%s:instance-profile/%s", nb.AccountID, name),
		AccessKeyID:        id,
		SecretAccessKey:    secret,
	}
}
