package imds

import (
	"encoding/json"
	"time"
)

// Role is the IAM role of an instance profile, as EC2's metadata service
// hands it to the instance: iam/info names the profile, and
// iam/security-credentials/NAME serves the role's credentials, which the
// AWS SDKs' default credential chain picks up.
type Role struct {
	// Name is the role's name, the entry under iam/security-credentials/.
	Name string
	// InstanceProfileARN and InstanceProfileID are served in iam/info.
	InstanceProfileARN string
	InstanceProfileID  string
	// AccessKeyID, SecretAccessKey and Token are the credentials; Token
	// may be empty (long-lived keys).
	AccessKeyID     string
	SecretAccessKey string
	Token           string
}

// CredentialsTTL is the validity the service states for role credentials.
// They are served afresh with every request, so an SDK that refreshes them
// before Expiration, as the SDKs do, always holds valid ones.
const CredentialsTTL = 6 * time.Hour

// iamTime is the form of the timestamps in iam/*.
const iamTime = "2006-01-02T15:04:05Z"

// roleEntries returns the metadata paths of role, served at request time.
func roleEntries(role *Role) map[string]func(now time.Time) string {
	if role == nil || role.Name == "" {
		return nil
	}
	info := func(now time.Time) string {
		return marshal(struct {
			Code               string
			LastUpdated        string
			InstanceProfileArn string
			InstanceProfileId  string
		}{"Success", now.UTC().Format(iamTime), role.InstanceProfileARN, role.InstanceProfileID})
	}
	creds := func(now time.Time) string {
		return marshal(struct {
			Code            string
			LastUpdated     string
			Type            string
			AccessKeyId     string
			SecretAccessKey string
			Token           string
			Expiration      string
		}{"Success", now.UTC().Format(iamTime), "AWS-HMAC", role.AccessKeyID, role.SecretAccessKey, role.Token,
			now.Add(CredentialsTTL).UTC().Format(iamTime)})
	}
	return map[string]func(time.Time) string{
		"iam/info":                              info,
		"iam/security-credentials/" + role.Name: creds,
	}
}

func marshal(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic("imds: " + err.Error()) // plain strings always marshal
	}
	return string(b)
}
