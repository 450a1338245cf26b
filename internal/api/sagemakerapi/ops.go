package sagemakerapi

import "context"

// op is one row of the operation table: the SageMaker operation, the IAM
// action a caller needs, and the handler that decodes, validates, authorizes,
// calls the notebook service once and returns the value to encode (nil for
// an empty body).
type op struct {
	name      string
	iamAction string
	handle    func(h *Handler, ctx context.Context, c *call) (any, error)
}

// opTable lists every served operation (issue 4), one row each.
var opTable = []op{
	{name: "CreateNotebookInstance", iamAction: "sagemaker:CreateNotebookInstance", handle: (*Handler).createNotebookInstance},
	{name: "DescribeNotebookInstance", iamAction: "sagemaker:DescribeNotebookInstance", handle: (*Handler).describeNotebookInstance},
	{name: "ListNotebookInstances", iamAction: "sagemaker:ListNotebookInstances", handle: (*Handler).listNotebookInstances},
	{name: "StartNotebookInstance", iamAction: "sagemaker:StartNotebookInstance", handle: (*Handler).startNotebookInstance},
	{name: "StopNotebookInstance", iamAction: "sagemaker:StopNotebookInstance", handle: (*Handler).stopNotebookInstance},
	{name: "UpdateNotebookInstance", iamAction: "sagemaker:UpdateNotebookInstance", handle: (*Handler).updateNotebookInstance},
	{name: "DeleteNotebookInstance", iamAction: "sagemaker:DeleteNotebookInstance", handle: (*Handler).deleteNotebookInstance},
	{name: "CreatePresignedNotebookInstanceUrl", iamAction: "sagemaker:CreatePresignedNotebookInstanceUrl", handle: (*Handler).createPresignedNotebookInstanceURL},
	{name: "CreateNotebookInstanceLifecycleConfig", iamAction: "sagemaker:CreateNotebookInstanceLifecycleConfig", handle: (*Handler).createLifecycleConfig},
	{name: "DescribeNotebookInstanceLifecycleConfig", iamAction: "sagemaker:DescribeNotebookInstanceLifecycleConfig", handle: (*Handler).describeLifecycleConfig},
	{name: "ListNotebookInstanceLifecycleConfigs", iamAction: "sagemaker:ListNotebookInstanceLifecycleConfigs", handle: (*Handler).listLifecycleConfigs},
	{name: "UpdateNotebookInstanceLifecycleConfig", iamAction: "sagemaker:UpdateNotebookInstanceLifecycleConfig", handle: (*Handler).updateLifecycleConfig},
	{name: "DeleteNotebookInstanceLifecycleConfig", iamAction: "sagemaker:DeleteNotebookInstanceLifecycleConfig", handle: (*Handler).deleteLifecycleConfig},
	{name: "AddTags", iamAction: "sagemaker:AddTags", handle: (*Handler).addTags},
	{name: "DeleteTags", iamAction: "sagemaker:DeleteTags", handle: (*Handler).deleteTags},
	{name: "ListTags", iamAction: "sagemaker:ListTags", handle: (*Handler).listTags},
}
