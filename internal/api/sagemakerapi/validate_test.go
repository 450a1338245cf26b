package sagemakerapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/notebook"
)

const (
	patName     = "^[a-zA-Z0-9](-*[a-zA-Z0-9])*"
	patID       = "[-0-9a-zA-Z]+"
	patRole     = `arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`
	patTag      = `([\p{L}\p{Z}\p{N}_.:/=+\-@]*)`
	patRepo     = `https://([^/]+)/?(.*)$|^[a-zA-Z0-9](-*[a-zA-Z0-9])*`
	patContains = "[a-zA-Z0-9-]+"
	patARN      = "arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+"
)

// one is the message of a single violation.
func one(value, path, constraint string) string {
	return "1 validation error detected: " + violation(value, path, constraint)
}

func violation(value, path, constraint string) string {
	if value == "" {
		return "Value at '" + path + "' failed to satisfy constraint: " + constraint
	}
	return "Value " + value + " at '" + path + "' failed to satisfy constraint: " + constraint
}

// many is the message of several violations.
func many(vs ...string) string {
	return fmt.Sprintf("%d validation errors detected: %s", len(vs), strings.Join(vs, "; "))
}

func enumSet(values []string) string {
	return "Member must satisfy enum value set: [" + strings.Join(values, ", ") + "]"
}

// create returns a valid CreateNotebookInstance body with the given members
// replaced (nil deletes a member).
func create(t *testing.T, members map[string]any) string {
	t.Helper()
	body := map[string]any{"NotebookInstanceName": "nb-1", "InstanceType": "ml.t3.medium", "RoleArn": testRole}
	for k, v := range members {
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestValidation(t *testing.T) {
	long := strings.Repeat("a", 64)
	tags51 := make([]map[string]string, 51)
	for i := range tags51 {
		tags51[i] = map[string]string{"Key": fmt.Sprint("k", i), "Value": "v"}
	}
	sgMember := "Member must satisfy constraint: [Member must have length less than or equal to 32, Member must satisfy regular expression pattern: " + patID + "]"
	repoMember := "Member must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: " + patRepo + "]"
	tagKeyMember := "Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: " + patTag + "]"
	bigContent := strings.Repeat("A", 16385)
	tests := []struct {
		name      string
		operation string
		body      func(t *testing.T) string
		want      string
	}{
		// CreateNotebookInstance, member by member in the model's order.
		{"create without required members", "CreateNotebookInstance", func(t *testing.T) string { return `{}` }, many(
			violation("null", "notebookInstanceName", "Member must not be null"),
			violation("null", "instanceType", "Member must not be null"),
			violation("null", "roleArn", "Member must not be null"))},
		{"name with a slash (a real SageMaker answer)", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"NotebookInstanceName": "/testtest"})
		}, "1 validation error detected: Value '/testtest' at 'notebookInstanceName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*"},
		{"name of 64 characters", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"NotebookInstanceName": long})
		}, one("'"+long+"'", "notebookInstanceName", "Member must have length less than or equal to 63")},
		{"name too long and malformed", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"NotebookInstanceName": long + "_"})
		}, many(violation("'"+long+"_'", "notebookInstanceName", "Member must have length less than or equal to 63"),
			violation("'"+long+"_'", "notebookInstanceName", "Member must satisfy regular expression pattern: "+patName))},
		{"empty name", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"NotebookInstanceName": ""})
		}, one("''", "notebookInstanceName", "Member must satisfy regular expression pattern: "+patName)},
		{"name ending in a hyphen", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"NotebookInstanceName": "nb-"})
		}, one("'nb-'", "notebookInstanceName", "Member must satisfy regular expression pattern: "+patName)},
		{"unknown instance type", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"InstanceType": "t3.micro"})
		}, one("'t3.micro'", "instanceType", enumSet(notebook.InstanceTypes))},
		{"subnet id", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"SubnetId": "subnet_1" + strings.Repeat("x", 30)})
		}, many(violation("'subnet_1"+strings.Repeat("x", 30)+"'", "subnetId", "Member must have length less than or equal to 32"),
			violation("'subnet_1"+strings.Repeat("x", 30)+"'", "subnetId", "Member must satisfy regular expression pattern: "+patID))},
		{"six security groups", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"SecurityGroupIds": []string{"a", "b", "c", "d", "e", "f"}})
		}, one("'[a, b, c, d, e, f]'", "securityGroupIds", "Member must have length less than or equal to 5")},
		{"malformed security group", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"SecurityGroupIds": []string{"sg-1", "sg 2"}})
		}, one("'[sg-1, sg 2]'", "securityGroupIds", sgMember)},
		{"ip address type", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"IpAddressType": "ipv6"})
		}, one("'ipv6'", "ipAddressType", "Member must satisfy enum value set: [ipv4, dualstack]")},
		{"role that is not a role ARN", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"RoleArn": "arn:aws:iam::123456789012:user/ana"})
		}, one("'arn:aws:iam::123456789012:user/ana'", "roleArn", "Member must satisfy regular expression pattern: "+patRole)},
		{"short role", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"RoleArn": "role"})
		}, many(violation("'role'", "roleArn", "Member must have length greater than or equal to 20"),
			violation("'role'", "roleArn", "Member must satisfy regular expression pattern: "+patRole))},
		{"kms key", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"KmsKeyId": "key id"})
		}, one("'key id'", "kmsKeyId", "Member must satisfy regular expression pattern: [a-zA-Z0-9:/_-]*")},
		{"51 tags", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"Tags": tags51})
		}, one("", "tags", "Member must have length less than or equal to 50")},
		{"tag without key or value", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"Tags": []map[string]string{{"Key": "ok", "Value": "ok"}, {}}})
		}, many(violation("null", "tags.2.member.key", "Member must not be null"), violation("null", "tags.2.member.value", "Member must not be null"))},
		{"bad tag key and value", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"Tags": []map[string]string{{"Key": "", "Value": strings.Repeat("v", 257)}, {"Key": "a!", "Value": "b#"}}})
		}, many(violation("''", "tags.1.member.key", "Member must have length greater than or equal to 1"),
			violation("'"+strings.Repeat("v", 257)+"'", "tags.1.member.value", "Member must have length less than or equal to 256"),
			violation("'a!'", "tags.2.member.key", "Member must satisfy regular expression pattern: "+patTag),
			violation("'b#'", "tags.2.member.value", "Member must satisfy regular expression pattern: "+patTag))},
		{"unicode tag is fine, 129 letters is not", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"Tags": []map[string]string{{"Key": "équipe", "Value": "données 1"}, {"Key": strings.Repeat("é", 129), "Value": ""}}})
		}, one("'"+strings.Repeat("é", 129)+"'", "tags.2.member.key", "Member must have length less than or equal to 128")},
		{"lifecycle config name", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"LifecycleConfigName": "on_start"})
		}, one("'on_start'", "lifecycleConfigName", "Member must satisfy regular expression pattern: "+patName)},
		{"direct internet access", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"DirectInternetAccess": "enabled"})
		}, one("'enabled'", "directInternetAccess", "Member must satisfy enum value set: [Enabled, Disabled]")},
		{"volume of 4 GB", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"VolumeSizeInGB": 4})
		}, one("'4'", "volumeSizeInGB", "Member must have value greater than or equal to 5")},
		{"volume of 16385 GB", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"VolumeSizeInGB": 16385})
		}, one("'16385'", "volumeSizeInGB", "Member must have value less than or equal to 16384")},
		{"accelerator type", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"AcceleratorTypes": []string{"ml.eia3.medium"}})
		}, one("'[ml.eia3.medium]'", "acceleratorTypes", "Member must satisfy constraint: ["+enumSet(notebook.AcceleratorTypes)+"]")},
		{"code repositories", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"DefaultCodeRepository": "http://x/y", "AdditionalCodeRepositories": []string{"a", "b", "c", "d"}})
		}, many(violation("'http://x/y'", "defaultCodeRepository", "Member must satisfy regular expression pattern: "+patRepo),
			violation("'[a, b, c, d]'", "additionalCodeRepositories", "Member must have length less than or equal to 3"))},
		{"empty additional code repository", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"AdditionalCodeRepositories": []string{""}})
		}, one("'[]'", "additionalCodeRepositories", repoMember)},
		{"root access, platform and IMDS", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"RootAccess": "On", "PlatformIdentifier": "notebook-al3-v1",
				"InstanceMetadataServiceConfiguration": map[string]string{"MinimumInstanceMetadataServiceVersion": "3"}})
		}, many(violation("'On'", "rootAccess", "Member must satisfy enum value set: [Enabled, Disabled]"),
			violation("'notebook-al3-v1'", "platformIdentifier", "Member must satisfy regular expression pattern: (notebook-al1-v1|notebook-al2-v1|notebook-al2-v2|notebook-al2-v3|notebook-al2023-v1)"),
			violation("'3'", "instanceMetadataServiceConfiguration.minimumInstanceMetadataServiceVersion", "Member must satisfy regular expression pattern: 1|2"))},
		{"IMDS configuration without its version", "CreateNotebookInstance", func(t *testing.T) string {
			return create(t, map[string]any{"InstanceMetadataServiceConfiguration": map[string]string{}})
		}, one("null", "instanceMetadataServiceConfiguration.minimumInstanceMetadataServiceVersion", "Member must not be null")},

		// The name-only operations.
		{"describe without a name", "DescribeNotebookInstance", func(t *testing.T) string { return `{}` },
			one("null", "notebookInstanceName", "Member must not be null")},
		{"start with a bad name", "StartNotebookInstance", func(t *testing.T) string { return `{"NotebookInstanceName":"a b"}` },
			one("'a b'", "notebookInstanceName", "Member must satisfy regular expression pattern: "+patName)},
		{"stop with an empty body", "StopNotebookInstance", func(t *testing.T) string { return `` },
			one("null", "notebookInstanceName", "Member must not be null")},
		{"delete with a long name", "DeleteNotebookInstance", func(t *testing.T) string { return `{"NotebookInstanceName":"` + long + `"}` },
			one("'"+long+"'", "notebookInstanceName", "Member must have length less than or equal to 63")},

		// UpdateNotebookInstance.
		{"update without a name", "UpdateNotebookInstance", func(t *testing.T) string { return `{"VolumeSizeInGB":0,"InstanceType":"x"}` },
			many(violation("null", "notebookInstanceName", "Member must not be null"), violation("'x'", "instanceType", enumSet(notebook.InstanceTypes)),
				violation("'0'", "volumeSizeInGB", "Member must have value greater than or equal to 5"))},
		{"update with bad members", "UpdateNotebookInstance", func(t *testing.T) string {
			return `{"NotebookInstanceName":"nb","RoleArn":"x","AcceleratorTypes":["gpu"],"IpAddressType":"","RootAccess":"yes"}`
		}, many(violation("''", "ipAddressType", "Member must satisfy enum value set: [ipv4, dualstack]"),
			violation("'x'", "roleArn", "Member must have length greater than or equal to 20"),
			violation("'x'", "roleArn", "Member must satisfy regular expression pattern: "+patRole),
			violation("'[gpu]'", "acceleratorTypes", "Member must satisfy constraint: ["+enumSet(notebook.AcceleratorTypes)+"]"),
			violation("'yes'", "rootAccess", "Member must satisfy enum value set: [Enabled, Disabled]"))},

		// ListNotebookInstances.
		{"list: max results 0", "ListNotebookInstances", func(t *testing.T) string { return `{"MaxResults":0}` },
			one("'0'", "maxResults", "Member must have value greater than or equal to 1")},
		{"list: max results 101", "ListNotebookInstances", func(t *testing.T) string { return `{"MaxResults":101}` },
			one("'101'", "maxResults", "Member must have value less than or equal to 100")},
		{"list: sort and status", "ListNotebookInstances", func(t *testing.T) string {
			return `{"SortBy":"LastModifiedTime","SortOrder":"asc","StatusEquals":"Running"}`
		}, many(violation("'LastModifiedTime'", "sortBy", "Member must satisfy enum value set: [Name, CreationTime, Status]"),
			violation("'asc'", "sortOrder", "Member must satisfy enum value set: [Ascending, Descending]"),
			violation("'Running'", "statusEquals", "Member must satisfy enum value set: [Pending, InService, Stopping, Stopped, Failed, Deleting, Updating]"))},
		{"list: contains filters", "ListNotebookInstances", func(t *testing.T) string {
			return `{"NameContains":"","NotebookInstanceLifecycleConfigNameContains":"a_b","DefaultCodeRepositoryContains":"a/b","AdditionalCodeRepositoryEquals":""}`
		}, many(violation("''", "nameContains", "Member must satisfy regular expression pattern: "+patContains),
			violation("'a_b'", "notebookInstanceLifecycleConfigNameContains", "Member must satisfy regular expression pattern: "+patName),
			violation("'a/b'", "defaultCodeRepositoryContains", "Member must satisfy regular expression pattern: "+patContains),
			violation("''", "additionalCodeRepositoryEquals", "Member must have length greater than or equal to 1"),
			violation("''", "additionalCodeRepositoryEquals", "Member must satisfy regular expression pattern: "+patRepo))},
		{"list: next token too long", "ListNotebookInstances", func(t *testing.T) string {
			return `{"NextToken":"` + strings.Repeat("t", 8193) + `"}`
		}, one(quote(strings.Repeat("t", 8193)), "nextToken", "Member must have length less than or equal to 8192")},
		{"list: name contains too long", "ListNotebookInstances", func(t *testing.T) string { return `{"NameContains":"` + long + `"}` },
			one("'"+long+"'", "nameContains", "Member must have length less than or equal to 63")},

		// CreatePresignedNotebookInstanceUrl.
		{"presigned: session too short", "CreatePresignedNotebookInstanceUrl", func(t *testing.T) string {
			return `{"NotebookInstanceName":"nb","SessionExpirationDurationInSeconds":1799}`
		}, one("'1799'", "sessionExpirationDurationInSeconds", "Member must have value greater than or equal to 1800")},
		{"presigned: session too long, no name", "CreatePresignedNotebookInstanceUrl", func(t *testing.T) string {
			return `{"SessionExpirationDurationInSeconds":43201}`
		}, many(violation("null", "notebookInstanceName", "Member must not be null"),
			violation("'43201'", "sessionExpirationDurationInSeconds", "Member must have value less than or equal to 43200"))},

		// Lifecycle configurations.
		{"config without a name", "CreateNotebookInstanceLifecycleConfig", func(t *testing.T) string { return `{}` },
			one("null", "notebookInstanceLifecycleConfigName", "Member must not be null")},
		{"config with two OnCreate hooks", "CreateNotebookInstanceLifecycleConfig", func(t *testing.T) string {
			return `{"NotebookInstanceLifecycleConfigName":"c","OnCreate":[{"Content":"YQ=="},{"Content":"Yg=="}]}`
		}, one("", "onCreate", "Member must have length less than or equal to 1")},
		{"config with empty content", "CreateNotebookInstanceLifecycleConfig", func(t *testing.T) string {
			return `{"NotebookInstanceLifecycleConfigName":"c","OnStart":[{"Content":""}]}`
		}, many(violation("''", "onStart.1.member.content", "Member must have length greater than or equal to 1"),
			violation("''", "onStart.1.member.content", "Member must satisfy regular expression pattern: [\\S\\s]+"))},
		{"config with a script of 16385 characters", "UpdateNotebookInstanceLifecycleConfig", func(t *testing.T) string {
			return `{"NotebookInstanceLifecycleConfigName":"c","OnStart":[{"Content":"` + bigContent + `"}]}`
		}, one(quote(bigContent), "onStart.1.member.content", "Member must have length less than or equal to 16384")},
		{"config with bad tags", "CreateNotebookInstanceLifecycleConfig", func(t *testing.T) string {
			return `{"NotebookInstanceLifecycleConfigName":"c","Tags":[{"Key":"k"}]}`
		}, one("null", "tags.1.member.value", "Member must not be null")},
		{"describe config with a bad name", "DescribeNotebookInstanceLifecycleConfig", func(t *testing.T) string {
			return `{"NotebookInstanceLifecycleConfigName":"-c"}`
		}, one("'-c'", "notebookInstanceLifecycleConfigName", "Member must satisfy regular expression pattern: "+patName)},
		{"delete config without a name", "DeleteNotebookInstanceLifecycleConfig", func(t *testing.T) string { return `{}` },
			one("null", "notebookInstanceLifecycleConfigName", "Member must not be null")},
		{"list configs", "ListNotebookInstanceLifecycleConfigs", func(t *testing.T) string {
			return `{"MaxResults":200,"SortBy":"Status","NameContains":"a b"}`
		}, many(violation("'200'", "maxResults", "Member must have value less than or equal to 100"),
			violation("'Status'", "sortBy", "Member must satisfy enum value set: [Name, CreationTime, LastModifiedTime]"),
			violation("'a b'", "nameContains", "Member must satisfy regular expression pattern: "+patContains))},

		// Tags.
		{"add tags without members", "AddTags", func(t *testing.T) string { return `{}` },
			many(violation("null", "resourceArn", "Member must not be null"), violation("null", "tags", "Member must not be null"))},
		{"add tags to an empty ARN (a real SageMaker answer)", "AddTags", func(t *testing.T) string { return `{"ResourceArn":"","Tags":[]}` },
			"1 validation error detected: Value '' at 'resourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+"},
		{"add tags to an EC2 ARN", "AddTags", func(t *testing.T) string {
			return `{"ResourceArn":"arn:aws:ec2:us-east-1:123456789012:instance/i-1","Tags":[{"Key":"a","Value":"b"}]}`
		}, one("'arn:aws:ec2:us-east-1:123456789012:instance/i-1'", "resourceArn", "Member must satisfy regular expression pattern: "+patARN)},
		{"delete no tag keys", "DeleteTags", func(t *testing.T) string { return `{"ResourceArn":"` + nbARN + `","TagKeys":[]}` },
			one("'[]'", "tagKeys", "Member must have length greater than or equal to 1")},
		{"delete a bad tag key", "DeleteTags", func(t *testing.T) string { return `{"ResourceArn":"` + nbARN + `","TagKeys":["ok","no!"]}` },
			one("'[ok, no!]'", "tagKeys", tagKeyMember)},
		{"delete tags without keys", "DeleteTags", func(t *testing.T) string { return `{"ResourceArn":"` + nbARN + `"}` },
			one("null", "tagKeys", "Member must not be null")},
		{"list tags: 49 results", "ListTags", func(t *testing.T) string { return `{"ResourceArn":"` + nbARN + `","MaxResults":49}` },
			one("'49'", "maxResults", "Member must have value greater than or equal to 50")},
		{"list tags: ARN too long", "ListTags", func(t *testing.T) string {
			return `{"ResourceArn":"` + nbARN + strings.Repeat("x", 256) + `"}`
		}, one(quote(nbARN+strings.Repeat("x", 256)), "resourceArn", "Member must have length less than or equal to 256")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core := &fakeCore{}
			w := do(t, newTestHandler(t, core), tt.operation, tt.body(t))
			e := parseError(t, w)
			got := []any{w.Code, e.Type, e.Message}
			want := []any{400, "ValidationException", tt.want}
			if d := cmp.Diff(got, want); d != "" {
				t.Errorf("response (-got +want):\n%s", d)
			}
			if c := core.lastCall(); c != nil {
				t.Errorf("the notebook service was called: %+v", *c)
			}
		})
	}
}

func TestQuoteClipsLongValues(t *testing.T) {
	got := quote(strings.Repeat("x", 5000))
	if len(got) > maxEchoedValue+8 || !strings.HasSuffix(got, "...'") {
		t.Errorf("quote of 5000 bytes = %d bytes ending %q", len(got), got[len(got)-5:])
	}
	if quote("a\xffb") != "'a\uFFFDb'" {
		t.Errorf("invalid UTF-8 is not replaced: %q", quote("a\xffb"))
	}
}

func TestUTF16Len(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "é": 1, "😀": 2, "a😀b": 4} {
		if got := utf16Len(s); got != want {
			t.Errorf("utf16Len(%q) = %d, want %d", s, got, want)
		}
	}
}
