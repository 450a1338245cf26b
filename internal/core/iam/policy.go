package iam

// Policy is an IAM-style policy document:
//
//	{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*"],"Resource":"*"}]}
//
// Action and Resource accept a string or a list of strings, with * and ?
// wildcards; an explicit Deny wins over any Allow; nothing allowed is denied.
type Policy struct {
	Version   string      `json:"Version,omitempty"`
	Statement []Statement `json:"Statement"`
}

// Statement is one rule of a policy.
type Statement struct {
	Sid      string       `json:"Sid,omitempty"`
	Effect   string       `json:"Effect"` // "Allow" or "Deny"
	Action   StringOrList `json:"Action"`
	Resource StringOrList `json:"Resource,omitempty"` // empty means "*"
}

// StringOrList decodes a JSON string or array of strings.
type StringOrList []string
