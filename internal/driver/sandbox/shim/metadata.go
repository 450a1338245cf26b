package shim

import (
	"net/http"

	"strato/internal/driver/sandbox/imds"
)

// metadataHandler serves the instance metadata service of this instance.
func (s *server) metadataHandler() http.Handler {
	m := s.cfg.Metadata
	return imds.New(m.Meta, s.cfg.UserData, imds.Identity{AccountID: m.AccountID, PendingTime: m.LaunchTime},
		imds.Options{TokensRequired: m.TokensRequired, Logger: s.log, Role: m.Role})
}
