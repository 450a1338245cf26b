package sagemakerapi

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"strato/internal/core/notebook"
	"strato/internal/errdefs"
)

// SageMaker validates every input member against its shape's constraints
// before anything else and answers all the violations at once:
//
//	1 validation error detected: Value '/nb' at 'notebookInstanceName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*
//
// Several violations are joined with "; " after "N validation errors
// detected: ". A member is named by its lower-camel-case path
// ("tags.1.member.key"); a list of strings is checked as one value, its
// elements' violations reported as "Member must satisfy constraint: [every
// constraint of the element shape]". Patterns are printed as the API model
// spells them (names as seed 000 does, with their leading ^).

// strRule is the constraint set of one string shape of the SageMaker model.
type strRule struct {
	shape   string // the model's shape name, for TestRulesMatchModel
	min     int    // minimum length in UTF-16 code units (0 = none)
	max     int    // maximum length (0 = none)
	pattern string // as SageMaker prints it ("" = none)
	match   func(string) bool
	enum    []string
}

// patternRule returns a rule whose pattern must match the whole value.
func patternRule(shape string, min, max int, pattern string) strRule {
	re := regexp.MustCompile(`^(?:` + pattern + `)$`)
	return strRule{shape: shape, min: min, max: max, pattern: pattern, match: re.MatchString}
}

// enumRule returns a rule for an enumeration.
func enumRule[T ~string](shape string, values []T) strRule {
	enum := make([]string, len(values))
	for i, v := range values {
		enum[i] = string(v)
	}
	return strRule{shape: shape, enum: enum}
}

// intRule is the range of one integer shape.
type intRule struct {
	shape  string
	min    int64
	max    int64
	hasMax bool
}

// listRule is the length range of one list shape.
type listRule struct {
	shape string
	min   int
	max   int // 0 = none
}

// The rules of the members this frontend reads (botocore's SageMaker model).
var (
	ruleNotebookName        = strRule{shape: "NotebookInstanceName", max: notebook.MaxNameLen, pattern: notebook.NamePattern, match: notebook.MatchesNamePattern}
	ruleLifecycleConfigName = strRule{shape: "NotebookInstanceLifecycleConfigName", max: notebook.MaxNameLen, pattern: notebook.NamePattern, match: notebook.MatchesNamePattern}
	ruleInstanceType        = enumRule("InstanceType", notebook.InstanceTypes)
	ruleSubnetID            = patternRule("SubnetId", 0, 32, `[-0-9a-zA-Z]+`)
	ruleSecurityGroupID     = patternRule("SecurityGroupId", 0, 32, `[-0-9a-zA-Z]+`)
	ruleIPAddressType       = enumRule("IPAddressType", notebook.IPAddressTypes)
	ruleRoleARN             = patternRule("RoleArn", 20, 2048, `arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`)
	ruleKMSKeyID            = patternRule("KmsKeyId", 0, 2048, `[a-zA-Z0-9:/_-]*`)
	ruleTagKey              = patternRule("TagKey", 1, 128, `([\p{L}\p{Z}\p{N}_.:/=+\-@]*)`)
	ruleTagValue            = patternRule("TagValue", 0, 256, `([\p{L}\p{Z}\p{N}_.:/=+\-@]*)`)
	ruleDirectInternet      = enumRule("DirectInternetAccess", notebook.DirectInternetAccessValues)
	ruleAcceleratorType     = enumRule("NotebookInstanceAcceleratorType", notebook.AcceleratorTypes)
	ruleCodeRepository      = patternRule("CodeRepositoryNameOrUrl", 1, 1024, `https://([^/]+)/?(.*)$|^[a-zA-Z0-9](-*[a-zA-Z0-9])*`)
	ruleRootAccess          = enumRule("RootAccess", notebook.RootAccessValues)
	rulePlatformIdentifier  = patternRule("PlatformIdentifier", 0, 20, "("+strings.Join(notebook.PlatformIdentifiers, "|")+")")
	ruleIMDSVersion         = patternRule("MinimumInstanceMetadataServiceVersion", 0, 1, strings.Join(notebook.IMDSVersions, "|"))
	ruleNextToken           = patternRule("NextToken", 0, 8192, `.*`)
	ruleSortKey             = enumRule("NotebookInstanceSortKey", []notebook.SortKey{notebook.SortByName, notebook.SortByCreationTime, notebook.SortByStatus})
	ruleSortOrder           = enumRule("NotebookInstanceSortOrder", []notebook.SortOrder{notebook.Ascending, notebook.Descending})
	ruleNameContains        = patternRule("NotebookInstanceNameContains", 0, 63, `[a-zA-Z0-9-]+`)
	ruleStatus              = enumRule("NotebookInstanceStatus", notebook.Statuses)
	ruleCodeRepoContains    = patternRule("CodeRepositoryContains", 0, 1024, `[a-zA-Z0-9-]+`)
	ruleConfigSortKey       = enumRule("NotebookInstanceLifecycleConfigSortKey", []notebook.SortKey{notebook.SortByName, notebook.SortByCreationTime, notebook.SortByLastModifiedTime})
	ruleConfigSortOrder     = enumRule("NotebookInstanceLifecycleConfigSortOrder", []notebook.SortOrder{notebook.Ascending, notebook.Descending})
	ruleConfigNameContains  = patternRule("NotebookInstanceLifecycleConfigNameContains", 0, 63, `[a-zA-Z0-9-]+`)
	ruleHookContent         = patternRule("NotebookInstanceLifecycleConfigContent", 1, 16384, `[\S\s]+`)
	ruleResourceARN         = patternRule("ResourceArn", 0, 256, `arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+`)

	ruleVolumeSize        = intRule{shape: "NotebookInstanceVolumeSizeInGB", min: 5, max: 16384, hasMax: true}
	ruleMaxResults        = intRule{shape: "MaxResults", min: 1, max: 100, hasMax: true}
	ruleSessionExpiration = intRule{shape: "SessionExpirationDurationInSeconds", min: 1800, max: 43200, hasMax: true}
	ruleListTagsMax       = intRule{shape: "ListTagsMaxResults", min: 50}

	listSecurityGroups = listRule{shape: "SecurityGroupIds", max: 5}
	listTags           = listRule{shape: "TagList", max: 50}
	listCodeRepos      = listRule{shape: "AdditionalCodeRepositoryNamesOrUrls", max: 3}
	listAccelerators   = listRule{shape: "NotebookInstanceAcceleratorTypes"}
	listHooks          = listRule{shape: "NotebookInstanceLifecycleConfigList", max: 1}
	listTagKeys        = listRule{shape: "TagKeyList", min: 1, max: 50}
)

// violated returns the constraints of r that s breaks, in SageMaker's order.
func (r strRule) violated(s string) []string {
	var out []string
	n := utf16Len(s)
	if r.max > 0 && n > r.max {
		out = append(out, "Member must have length less than or equal to "+strconv.Itoa(r.max))
	}
	if n < r.min {
		out = append(out, "Member must have length greater than or equal to "+strconv.Itoa(r.min))
	}
	if r.match != nil && !r.match(s) {
		out = append(out, "Member must satisfy regular expression pattern: "+r.pattern)
	}
	if r.enum != nil && !slices.Contains(r.enum, s) {
		out = append(out, "Member must satisfy enum value set: ["+strings.Join(r.enum, ", ")+"]")
	}
	return out
}

// all returns every constraint of r, for a list element's message.
func (r strRule) all() []string {
	var out []string
	if r.max > 0 {
		out = append(out, "Member must have length less than or equal to "+strconv.Itoa(r.max))
	}
	if r.min > 0 {
		out = append(out, "Member must have length greater than or equal to "+strconv.Itoa(r.min))
	}
	if r.match != nil {
		out = append(out, "Member must satisfy regular expression pattern: "+r.pattern)
	}
	if r.enum != nil {
		out = append(out, "Member must satisfy enum value set: ["+strings.Join(r.enum, ", ")+"]")
	}
	return out
}

// utf16Len is the length SageMaker's constraints count: UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r > 0xFFFF {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// maxEchoedValue bounds how much of a client's value goes back in a message.
const maxEchoedValue = 1024

// quote renders a value as the messages do: 'value'.
func quote(s string) string {
	if len(s) > maxEchoedValue {
		s = errdefs.Clip(s, maxEchoedValue)
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return "'" + s + "'"
}

// violations collects an input's constraint violations.
type violations struct {
	msgs []string
}

// add records one violation of member path; value is rendered ("'x'",
// "null") or "" for a value the message leaves out (a list of structures).
func (v *violations) add(value, path, constraint string) {
	if value == "" {
		v.msgs = append(v.msgs, "Value at '"+path+"' failed to satisfy constraint: "+constraint)
		return
	}
	v.msgs = append(v.msgs, "Value "+value+" at '"+path+"' failed to satisfy constraint: "+constraint)
}

// null records a missing required member.
func (v *violations) null(path string) { v.add("null", path, "Member must not be null") }

// str checks a string member.
func (v *violations) str(path string, s *string, required bool, r strRule) {
	if s == nil {
		if required {
			v.null(path)
		}
		return
	}
	for _, c := range r.violated(*s) {
		v.add(quote(*s), path, c)
	}
}

// integer checks an integer member.
func (v *violations) integer(path string, n *int32, required bool, r intRule) {
	if n == nil {
		if required {
			v.null(path)
		}
		return
	}
	val := quote(strconv.FormatInt(int64(*n), 10))
	if r.hasMax && int64(*n) > r.max {
		v.add(val, path, "Member must have value less than or equal to "+strconv.FormatInt(r.max, 10))
	}
	if int64(*n) < r.min {
		v.add(val, path, "Member must have value greater than or equal to "+strconv.FormatInt(r.min, 10))
	}
}

// strList checks a list of strings as one value.
func (v *violations) strList(path string, l []string, required bool, lr listRule, member strRule) {
	if l == nil {
		if required {
			v.null(path)
		}
		return
	}
	val := quote("[" + strings.Join(l, ", ") + "]")
	v.length(val, path, len(l), lr)
	for _, s := range l {
		if len(member.violated(s)) > 0 {
			v.add(val, path, "Member must satisfy constraint: ["+strings.Join(member.all(), ", ")+"]")
			return
		}
	}
}

// length checks the number of elements of a list of n; the elements of a
// list of structures are checked by the caller, member by member.
func (v *violations) length(val, path string, n int, lr listRule) {
	if lr.max > 0 && n > lr.max {
		v.add(val, path, "Member must have length less than or equal to "+strconv.Itoa(lr.max))
	}
	if n < lr.min {
		v.add(val, path, "Member must have length greater than or equal to "+strconv.Itoa(lr.min))
	}
}

// tags checks a list of tags.
func (v *violations) tags(path string, tags []tagShape, required bool) {
	if tags == nil {
		if required {
			v.null(path)
		}
		return
	}
	v.length("", path, len(tags), listTags)
	for i, t := range tags {
		p := path + "." + strconv.Itoa(i+1) + ".member."
		v.str(p+"key", t.Key, true, ruleTagKey)
		v.str(p+"value", t.Value, true, ruleTagValue)
	}
}

// hooks checks a lifecycle script list.
func (v *violations) hooks(path string, hooks []hookShape) {
	if hooks == nil {
		return
	}
	v.length("", path, len(hooks), listHooks)
	for i, hk := range hooks {
		v.str(path+"."+strconv.Itoa(i+1)+".member.content", hk.Content, false, ruleHookContent)
	}
}

// imds checks InstanceMetadataServiceConfiguration.
func (v *violations) imds(path string, c *imdsShape) {
	if c == nil {
		return
	}
	v.str(path+".minimumInstanceMetadataServiceVersion", c.MinimumInstanceMetadataServiceVersion, true, ruleIMDSVersion)
}

// err returns the violations as SageMaker's ValidationException, or nil.
func (v *violations) err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, "", "1 validation error detected: "+v.msgs[0])
	}
	return errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, "",
		fmt.Sprintf("%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; ")))
}
