package notebook

import "strings"

// MaxNameLen is the longest notebook instance or lifecycle configuration
// name (seed 000).
const MaxNameLen = 63

// NamePattern is the pattern names must match in full, as SageMaker prints
// it in its validation messages (seed 000).
const NamePattern = "^[a-zA-Z0-9](-*[a-zA-Z0-9])*"

// ValidName reports whether s is a valid notebook instance or lifecycle
// configuration name: 1 to MaxNameLen letters, digits and hyphens, starting
// and ending with a letter or digit (NamePattern matched in full).
func ValidName(s string) bool {
	return len(s) <= MaxNameLen && MatchesNamePattern(s)
}

// MatchesNamePattern reports whether s matches NamePattern in full, whatever
// its length.
func MatchesNamePattern(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// NameKey is the identity of a name: SageMaker ARNs carry names in lower
// case, so two names that differ only in case name the same resource.
func NameKey(name string) string { return strings.ToLower(name) }

// Enumerations of the SageMaker API model, in its order.
var (
	DirectInternetAccessValues = []string{"Enabled", "Disabled"}
	RootAccessValues           = []string{"Enabled", "Disabled"}
	IPAddressTypes             = []string{"ipv4", "dualstack"}
	AcceleratorTypes           = []string{"ml.eia1.medium", "ml.eia1.large", "ml.eia1.xlarge",
		"ml.eia2.medium", "ml.eia2.large", "ml.eia2.xlarge"}
	// PlatformIdentifiers are the alternatives of the model's
	// PlatformIdentifier pattern.
	PlatformIdentifiers = []string{"notebook-al1-v1", "notebook-al2-v1", "notebook-al2-v2",
		"notebook-al2-v3", "notebook-al2023-v1"}
	// IMDSVersions are the values of MinimumInstanceMetadataServiceVersion.
	IMDSVersions = []string{"1", "2"}
)

var instanceTypeSet = func() map[string]bool {
	m := make(map[string]bool, len(InstanceTypes))
	for _, t := range InstanceTypes {
		m[t] = true
	}
	return m
}()

// ValidInstanceType reports whether t is one of InstanceTypes.
func ValidInstanceType(t string) bool { return instanceTypeSet[t] }
