package notebook

import "strings"

// Resource types in SageMaker ARNs.
const (
	ARNTypeNotebook        = "notebook-instance"
	ARNTypeLifecycleConfig = "notebook-instance-lifecycle-config"
)

// NotebookARN returns the ARN of a notebook instance,
// arn:aws:sagemaker:REGION:ACCOUNT:notebook-instance/NAME. Like SageMaker's,
// it carries the name in lower case.
func NotebookARN(region, account, name string) string {
	return arnOf(region, account, ARNTypeNotebook, name)
}

// LifecycleConfigARN returns the ARN of a lifecycle configuration,
// arn:aws:sagemaker:REGION:ACCOUNT:notebook-instance-lifecycle-config/NAME,
// the name in lower case.
func LifecycleConfigARN(region, account, name string) string {
	return arnOf(region, account, ARNTypeLifecycleConfig, name)
}

func arnOf(region, account, typ, name string) string {
	return "arn:aws:sagemaker:" + region + ":" + account + ":" + typ + "/" + NameKey(name)
}

// ARN is a parsed SageMaker resource ARN.
type ARN struct {
	Partition string // "aws", "aws-cn", …
	Region    string
	AccountID string
	// Type is the resource type ("notebook-instance", …) and Name the rest
	// after its slash.
	Type string
	Name string
}

// ParseARN splits arn:PARTITION:sagemaker:REGION:ACCOUNT:TYPE/NAME. ok is
// false for anything else, including an ARN of another service.
func ParseARN(s string) (a ARN, ok bool) {
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" || !strings.HasPrefix(f[1], "aws") || f[2] != "sagemaker" {
		return ARN{}, false
	}
	typ, name, found := strings.Cut(f[5], "/")
	if !found || typ == "" || name == "" {
		return ARN{}, false
	}
	return ARN{Partition: f[1], Region: f[3], AccountID: f[4], Type: typ, Name: name}, true
}
