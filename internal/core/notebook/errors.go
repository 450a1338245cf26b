package notebook

import (
	"strings"

	"strato/internal/errdefs"
)

// Resources of notebook errors, for the frontends' error tables.
const (
	// ResNotebook is a notebook instance.
	ResNotebook errdefs.Resource = "notebook-instance"
	// ResLifecycleConfig is a notebook instance lifecycle configuration.
	ResLifecycleConfig errdefs.Resource = "notebook-instance-lifecycle-config"
	// ResTaggedResource is a resource named by ARN in a tagging call that
	// names no notebook instance or lifecycle configuration of the caller.
	ResTaggedResource errdefs.Resource = "sagemaker-resource"
)

// Resources lists the resources above, for tests that every frontend maps them.
var Resources = []errdefs.Resource{ResNotebook, ResLifecycleConfig, ResTaggedResource}

// ResSession is a presigned notebook URL or session token that
// OpenSession refuses. Only the notebook proxy sees it, never a frontend, so
// it is not in Resources.
const ResSession errdefs.Resource = "notebook-session"

// The constructors below return errors with SageMaker's wording in Public
// and the resource's ARN (or name) in ID, so that the service and every
// frontend agree on them.

// NotFound is SageMaker's answer for a notebook instance the caller does
// not have: ValidationException "RecordNotFound".
func NotFound(name string) *errdefs.Error {
	return errdefs.New(errdefs.NotFound, ResNotebook, name, "RecordNotFound")
}

// Duplicate is the answer to creating a notebook instance whose name is taken.
func Duplicate(arn string) *errdefs.Error {
	return errdefs.Newf(errdefs.AlreadyExists, ResNotebook, arn, "Cannot create a duplicate Notebook Instance (%s)", arn)
}

// TransitionError is the answer to an operation the notebook's status does
// not allow: the notebook is in from, the operation needs one of allowed and
// would move it to to.
func TransitionError(arn string, from Status, allowed []Status, to Status) *errdefs.Error {
	names := make([]string, len(allowed))
	for i, s := range allowed {
		names[i] = string(s)
	}
	return errdefs.Newf(errdefs.IncorrectState, ResNotebook, arn,
		"Status (%s) not in ([%s]). Unable to transition to (%s) for Notebook Instance (%s)",
		from, strings.Join(names, ", "), to, arn)
}

// LifecycleConfigNotFound is the answer to an operation (verb: "describe",
// "update", "delete") on a lifecycle configuration the caller does not have.
func LifecycleConfigNotFound(verb, arn string) *errdefs.Error {
	return errdefs.Newf(errdefs.NotFound, ResLifecycleConfig, arn,
		"Unable to %s Notebook Instance Lifecycle Config '%s'. (Details: Notebook Instance Lifecycle Config does not exist.)", verb, arn)
}

// LifecycleConfigExists is the answer to creating a lifecycle configuration
// whose name is taken.
func LifecycleConfigExists(arn string) *errdefs.Error {
	return errdefs.Newf(errdefs.AlreadyExists, ResLifecycleConfig, arn,
		"Unable to create Notebook Instance Lifecycle Config %s. (Details: Notebook Instance Lifecycle Config already exists.)", arn)
}

// TaggedResourceNotFound is the answer to a tagging call on an ARN that
// names nothing the caller has.
func TaggedResourceNotFound(arn string) *errdefs.Error {
	return errdefs.New(errdefs.NotFound, ResTaggedResource, arn, "Resource does not exist")
}

// LifecycleConfigMissing is the answer to creating or updating a notebook
// instance with a lifecycle configuration (ARN arn) the caller does not
// have. SageMaker answers ValidationException; its exact wording is not
// documented, so this follows LifecycleConfigNotFound's.
func LifecycleConfigMissing(arn string) *errdefs.Error {
	return errdefs.Newf(errdefs.NotFound, ResLifecycleConfig, arn,
		"Notebook Instance Lifecycle Config '%s' does not exist.", arn)
}

// VolumeShrink is the answer to an update that would make the ML storage
// volume smaller: SageMaker lets a volume grow only (the API reference of
// UpdateNotebookInstance's VolumeSizeInGB).
func VolumeShrink(arn string, from, to int) *errdefs.Error {
	return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, arn,
		"Cannot decrease the volume size of Notebook Instance (%s) from %d GB to %d GB: the ML storage volume can only grow.", arn, from, to)
}

// InvalidPageToken is the answer to a NextToken this service did not issue
// for the same query.
func InvalidPageToken() *errdefs.Error {
	return errdefs.New(errdefs.InvalidArgument, errdefs.ResPageToken, "", "Invalid pagination token.")
}

// invalid is a ValidationException about a request member.
func invalid(id, format string, args ...any) *errdefs.Error {
	return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, id, format, args...)
}
