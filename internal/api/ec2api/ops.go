package ec2api

import (
	"context"
	"strings"

	"strato/internal/core/iam"
	"strato/internal/errdefs"
)

// op is one row of the operation table: the EC2 action, the IAM action a
// caller needs, and the handler that decodes, authorizes, calls the core once
// and returns the value to encode.
type op struct {
	name      string
	iamAction string
	handle    func(h *Handler, ctx context.Context, c *call) (any, error)
}

// opTable lists every served action (Incus style: one row per action).
var opTable = []op{
	{name: "RunInstances", iamAction: "ec2:RunInstances", handle: (*Handler).runInstances},
	{name: "DescribeInstances", iamAction: "ec2:DescribeInstances", handle: (*Handler).describeInstances},
	{name: "DescribeInstanceStatus", iamAction: "ec2:DescribeInstanceStatus", handle: (*Handler).describeInstanceStatus},
	{name: "StartInstances", iamAction: "ec2:StartInstances", handle: (*Handler).startInstances},
	{name: "StopInstances", iamAction: "ec2:StopInstances", handle: (*Handler).stopInstances},
	{name: "RebootInstances", iamAction: "ec2:RebootInstances", handle: (*Handler).rebootInstances},
	{name: "TerminateInstances", iamAction: "ec2:TerminateInstances", handle: (*Handler).terminateInstances},
	{name: "ModifyInstanceAttribute", iamAction: "ec2:ModifyInstanceAttribute", handle: (*Handler).modifyInstanceAttribute},
	{name: "DescribeInstanceAttribute", iamAction: "ec2:DescribeInstanceAttribute", handle: (*Handler).describeInstanceAttribute},
	{name: "GetConsoleOutput", iamAction: "ec2:GetConsoleOutput", handle: (*Handler).getConsoleOutput},
	{name: "CreateTags", iamAction: "ec2:CreateTags", handle: (*Handler).createTags},
	{name: "DeleteTags", iamAction: "ec2:DeleteTags", handle: (*Handler).deleteTags},
	{name: "DescribeTags", iamAction: "ec2:DescribeTags", handle: (*Handler).describeTags},
	{name: "DescribeVolumes", iamAction: "ec2:DescribeVolumes", handle: (*Handler).describeVolumes},
	{name: "DescribeImages", iamAction: "ec2:DescribeImages", handle: (*Handler).describeImages},
	{name: "DescribeInstanceTypes", iamAction: "ec2:DescribeInstanceTypes", handle: (*Handler).describeInstanceTypes},
	{name: "DescribeRegions", iamAction: "ec2:DescribeRegions", handle: (*Handler).describeRegions},
	{name: "DescribeAvailabilityZones", iamAction: "ec2:DescribeAvailabilityZones", handle: (*Handler).describeAvailabilityZones},
}

// errDryRun is what a read-only operation answers once a dry run has passed
// authorization (mutating operations let the core say it).
var errDryRun = errdefs.New(errdefs.DryRun, errdefs.ResNone, "", msgDryRun)

// readOnly authorizes a describe call on "*" and ends a dry run.
func (h *Handler) readOnly(c *call) error {
	if err := h.authorize(c, "*"); err != nil {
		return err
	}
	if c.dryRun {
		return errDryRun
	}
	return nil
}

// instanceARN returns the ARN of the caller's instance id ("*" for any).
func (h *Handler) instanceARN(c *call, id string) string {
	return iam.InstanceARN(h.region, c.account(), id)
}

// instanceARNs returns the ARNs of the caller's instances ids.
func (h *Handler) instanceARNs(c *call, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = h.instanceARN(c, id)
	}
	return out
}

// resourceARN returns the ARN of any taggable resource id.
func (h *Handler) resourceARN(c *call, id string) string {
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case "i":
		return h.instanceARN(c, id)
	case "vol":
		return "arn:aws:ec2:" + h.region + ":" + c.account() + ":volume/" + id
	case "ami":
		return "arn:aws:ec2:" + h.region + "::image/" + id
	case "r":
		return "arn:aws:ec2:" + h.region + ":" + c.account() + ":reservation/" + id
	}
	return "arn:aws:ec2:" + h.region + ":" + c.account() + ":" + prefix + "/" + id
}

// imageARN returns an image's ARN (images have no owner account in theirs).
func (h *Handler) imageARN(id string) string {
	return "arn:aws:ec2:" + h.region + "::image/" + id
}
