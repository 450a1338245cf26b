// Package imds serves the EC2 instance metadata service, IMDSv1 and IMDSv2,
// as a plain http.Handler. The sandbox shim serves it inside each guest's
// network namespace at 169.254.169.254:80, so that the usual in-guest tools
// (curl, the AWS CLI and SDKs, ec2-metadata, cloud-init, busybox wget) learn
// which instance they run on.
//
// The handler follows the behaviour of EC2's service:
//
//   - PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds
//     (1..21600) returns a session token as text and echoes the TTL header.
//     A missing or bad TTL is 400; a request carrying X-Forwarded-For is 403,
//     since tokens are not handed out through proxies.
//   - A GET with X-aws-ec2-metadata-token is served when the token is valid
//     and is 401 when it is not (unknown, tampered with or expired). Without
//     a token it is served unless Options.TokensRequired is set (IMDSv2
//     "required"), then it is 401.
//   - / lists the versions, /latest/ the categories, /latest/meta-data/ and
//     every directory below it their entries one per line (directories end
//     in "/"); a leaf returns its value. /latest/user-data is the raw user
//     data and /latest/dynamic/instance-identity/document the JSON identity
//     document. The dated versions are served as aliases of latest.
//   - With Options.Role, iam/info and iam/security-credentials/NAME serve
//     an instance profile's role and its credentials, as the SDKs' default
//     credential chain reads them.
//   - Unknown paths are 404 and methods other than GET and HEAD (PUT for the
//     token) are 405, with EC2's small XHTML error pages.
//
// Tokens are HMAC-signed with a key drawn at random for each handler and
// carry their expiry, so no table of tokens is kept; time comes from the
// injected clock.
package imds

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"strato/internal/clock"
)

// The headers of the IMDSv2 session protocol.
const (
	TokenHeader    = "X-Aws-Ec2-Metadata-Token"
	TokenTTLHeader = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"
)

// MaxTokenTTL is the longest session a token may have (six hours).
const MaxTokenTTL = 21600 * time.Second

// IdentityDocumentVersion is the version field of the identity document.
const IdentityDocumentVersion = "2017-09-30"

// versions are the metadata versions EC2 lists at /, oldest first.
var versions = []string{
	"1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15",
	"2008-02-01", "2008-09-01", "2009-04-04", "2011-01-01", "2011-05-01",
	"2012-01-12", "2014-02-25", "2014-11-05", "2015-10-20", "2016-04-01",
	"2016-06-30", "2016-09-02", "2018-03-28", "2018-08-17", "2018-09-24",
	"2019-10-01", "2020-10-27", "2021-01-03", "2021-03-23", "2021-07-15",
	"2022-09-24", "latest",
}

// Options tune the handler. The zero value is usable.
type Options struct {
	// Clock tells the time for token expiry; nil means the wall clock.
	Clock clock.Clock
	// TokensRequired refuses requests without a session token (IMDSv2
	// "required"). When false (EC2's "optional", the default) they are
	// served as IMDSv1.
	TokensRequired bool
	// Logger receives one debug record per refused request; nil discards.
	Logger *slog.Logger
	// Role, when set, is the instance profile's role: iam/info and
	// iam/security-credentials/ serve it, with timestamps of the request.
	Role *Role
}

// Identity holds the fields of the instance identity document. Empty fields
// are filled from the metadata where it has them (instance-id, ami-id,
// instance-type, placement/availability-zone, placement/region, local-ipv4);
// an empty Architecture is the host's, and a zero PendingTime is the time New
// was called.
type Identity struct {
	AccountID               string
	Architecture            string // "x86_64" or "arm64"
	AvailabilityZone        string
	ImageID                 string
	InstanceID              string
	InstanceType            string
	KernelID                string // empty is null
	RamdiskID               string // empty is null
	PendingTime             time.Time
	PrivateIP               netip.Addr
	Region                  string
	BillingProducts         []string // nil is null
	DevpayProductCodes      []string // nil is null
	MarketplaceProductCodes []string // nil is null
}

// identityDocument is the wire form, in EC2's (alphabetical) field order.
type identityDocument struct {
	AccountID               string   `json:"accountId"`
	Architecture            string   `json:"architecture"`
	AvailabilityZone        string   `json:"availabilityZone"`
	BillingProducts         []string `json:"billingProducts"`
	DevpayProductCodes      []string `json:"devpayProductCodes"`
	MarketplaceProductCodes []string `json:"marketplaceProductCodes"`
	ImageID                 string   `json:"imageId"`
	InstanceID              string   `json:"instanceId"`
	InstanceType            string   `json:"instanceType"`
	KernelID                *string  `json:"kernelId"`
	PendingTime             string   `json:"pendingTime"`
	PrivateIP               *string  `json:"privateIp"`
	RamdiskID               *string  `json:"ramdiskId"`
	Region                  string   `json:"region"`
	Version                 string   `json:"version"`
}

// handler serves one instance's metadata. It is immutable after New.
type handler struct {
	meta     *node
	userData []byte // nil when the instance has none
	document []byte
	tokens   *tokens
	clock    clock.Clock
	required bool
	log      *slog.Logger
}

// New returns the metadata service of one instance. meta maps paths under
// latest/meta-data (e.g. "instance-id", "placement/availability-zone",
// "network/interfaces/macs/02:00:00:00:00:01/local-ipv4s") to values;
// directories are implied by the paths, and a path ending in "/" declares a
// directory that may stay empty. A path that is both a value and a directory
// is served as the directory. userData is served as is (nil or
// empty: the instance has none). New copies its arguments.
func New(meta map[string]string, userData []byte, identity Identity, opts Options) http.Handler {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	var role *Role
	if opts.Role != nil {
		r := *opts.Role
		role = &r
	}
	h := &handler{
		meta:     buildTree(meta, roleEntries(role), opts.Logger),
		tokens:   newTokens(),
		clock:    opts.Clock,
		required: opts.TokensRequired,
		log:      opts.Logger,
	}
	if len(userData) > 0 {
		h.userData = bytes.Clone(userData)
	}
	h.document = identityJSON(fillIdentity(identity, meta, opts.Clock))
	return h
}

// fillIdentity completes id from the metadata and defaults.
func fillIdentity(id Identity, meta map[string]string, c clock.Clock) Identity {
	fill := func(f *string, key string) {
		if *f == "" {
			*f = meta[key]
		}
	}
	fill(&id.InstanceID, "instance-id")
	fill(&id.ImageID, "ami-id")
	fill(&id.InstanceType, "instance-type")
	fill(&id.AvailabilityZone, "placement/availability-zone")
	fill(&id.Region, "placement/region")
	if id.Region == "" {
		id.Region = regionOf(id.AvailabilityZone)
	}
	if !id.PrivateIP.IsValid() {
		id.PrivateIP, _ = netip.ParseAddr(meta["local-ipv4"])
	}
	if id.Architecture == "" {
		id.Architecture = archOf(runtime.GOARCH)
	}
	if id.PendingTime.IsZero() {
		id.PendingTime = c.Now()
	}
	return id
}

// archOf names a Go architecture the way EC2 does.
func archOf(goarch string) string {
	switch goarch {
	case "amd64":
		return "x86_64"
	case "386":
		return "i386"
	default:
		return goarch // arm64 is "arm64" in both
	}
}

// regionOf derives a region from an availability zone ("us-east-1a" →
// "us-east-1").
func regionOf(az string) string {
	return strings.TrimRightFunc(az, func(r rune) bool { return r >= 'a' && r <= 'z' })
}

func identityJSON(id Identity) []byte {
	nullable := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	var ip *string
	if id.PrivateIP.IsValid() {
		ip = nullable(id.PrivateIP.String())
	}
	doc := identityDocument{
		AccountID:               id.AccountID,
		Architecture:            id.Architecture,
		AvailabilityZone:        id.AvailabilityZone,
		BillingProducts:         slices.Clone(id.BillingProducts),
		DevpayProductCodes:      slices.Clone(id.DevpayProductCodes),
		MarketplaceProductCodes: slices.Clone(id.MarketplaceProductCodes),
		ImageID:                 id.ImageID,
		InstanceID:              id.InstanceID,
		InstanceType:            id.InstanceType,
		KernelID:                nullable(id.KernelID),
		PendingTime:             id.PendingTime.UTC().Format("2006-01-02T15:04:05Z"),
		PrivateIP:               ip,
		RamdiskID:               nullable(id.RamdiskID),
		Region:                  id.Region,
		Version:                 IdentityDocumentVersion,
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic("imds: identity document does not marshal: " + err.Error()) // plain strings always do
	}
	return b
}

// node is a directory or a value of the metadata tree.
type node struct {
	value    string
	dynamic  func(now time.Time) string // a value made at request time
	children map[string]*node           // non-nil for a directory
}

func (n *node) isDir() bool { return n.children != nil }

// listing is a directory's entries, sorted, directories with a trailing "/".
func (n *node) listing() string {
	names := slices.Sorted(maps.Keys(n.children))
	for i, name := range names {
		if n.children[name].isDir() {
			names[i] += "/"
		}
	}
	return strings.Join(names, "\n")
}

// buildTree turns the flat map into a tree, with the values of dynamic
// made at request time (they override meta's).
func buildTree(meta map[string]string, dynamic map[string]func(time.Time) string, log *slog.Logger) *node {
	root := &node{children: map[string]*node{}}
	meta = maps.Clone(meta)
	if meta == nil {
		meta = map[string]string{}
	}
	for k := range dynamic {
		meta[k] = ""
	}
	for _, key := range slices.Sorted(maps.Keys(meta)) {
		parts := splitPath(key)
		if len(parts) == 0 {
			log.Warn("imds: ignoring metadata with an empty path", "value", meta[key])
			continue
		}
		dir := root
		for _, p := range parts[:len(parts)-1] {
			child := dir.children[p]
			if child == nil {
				child = &node{children: map[string]*node{}}
				dir.children[p] = child
			} else if !child.isDir() {
				log.Warn("imds: metadata path is both a value and a directory; serving the directory", "path", p)
				child.children = map[string]*node{}
			}
			dir = child
		}
		last := parts[len(parts)-1]
		if strings.HasSuffix(key, "/") {
			// "iam/" declares a directory, possibly empty.
			if existing := dir.children[last]; existing == nil || !existing.isDir() {
				dir.children[last] = &node{children: map[string]*node{}}
			}
			continue
		}
		if existing := dir.children[last]; existing != nil && existing.isDir() {
			log.Warn("imds: metadata path is both a value and a directory; serving the directory", "path", key)
			continue
		}
		dir.children[last] = &node{value: meta[key], dynamic: dynamic[key]}
	}
	return root
}

// splitPath splits a slash-separated path, dropping empty segments.
func splitPath(p string) []string {
	return slices.DeleteFunc(strings.Split(p, "/"), func(s string) bool { return s == "" })
}

// lookup finds the node at path segments below n.
func (n *node) lookup(parts []string) *node {
	for _, p := range parts {
		if !n.isDir() {
			return nil
		}
		n = n.children[p]
		if n == nil {
			return nil
		}
	}
	return n
}

// Versions returns the metadata versions listed at /, oldest first, ending
// with "latest". Each of them is served with the same content as "latest".
func Versions() []string { return slices.Clone(versions) }

// version reports whether v is a metadata version this service serves.
func version(v string) bool { return slices.Contains(versions, v) }

// parseTTL reads a token TTL header value: a plain decimal number of
// seconds from 1 to 21600.
func parseTTL(s string) (time.Duration, bool) {
	if s == "" || len(s) > 5 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || time.Duration(n)*time.Second > MaxTokenTTL {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}
