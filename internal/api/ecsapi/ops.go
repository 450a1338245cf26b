package ecsapi

import "context"

// op is one row of the operation table: the ECS action, the RAM action a
// caller needs, and the handler that decodes, authorizes, calls the core
// once and returns the value to encode.
type op struct {
	name      string
	ramAction string
	handle    func(h *Handler, ctx context.Context, c *call) (any, error)
}

// opTable lists every served action (Incus style: one row per action).
var opTable = []op{
	{name: "RunInstances", ramAction: "ecs:RunInstances", handle: (*Handler).runInstances},
	{name: "CreateInstance", ramAction: "ecs:CreateInstance", handle: (*Handler).createInstance},
	{name: "DescribeInstances", ramAction: "ecs:DescribeInstances", handle: (*Handler).describeInstances},
	{name: "DescribeInstanceStatus", ramAction: "ecs:DescribeInstanceStatus", handle: (*Handler).describeInstanceStatus},
	{name: "DescribeInstanceAttribute", ramAction: "ecs:DescribeInstanceAttribute", handle: (*Handler).describeInstanceAttribute},
	{name: "DescribeDisks", ramAction: "ecs:DescribeDisks", handle: (*Handler).describeDisks},
	{name: "StartInstance", ramAction: "ecs:StartInstance", handle: (*Handler).startInstance},
	{name: "StartInstances", ramAction: "ecs:StartInstances", handle: (*Handler).startInstances},
	{name: "StopInstance", ramAction: "ecs:StopInstance", handle: (*Handler).stopInstance},
	{name: "StopInstances", ramAction: "ecs:StopInstances", handle: (*Handler).stopInstances},
	{name: "RebootInstance", ramAction: "ecs:RebootInstance", handle: (*Handler).rebootInstance},
	{name: "DeleteInstance", ramAction: "ecs:DeleteInstance", handle: (*Handler).deleteInstance},
	{name: "DeleteInstances", ramAction: "ecs:DeleteInstances", handle: (*Handler).deleteInstances},
	{name: "ModifyInstanceAttribute", ramAction: "ecs:ModifyInstanceAttribute", handle: (*Handler).modifyInstanceAttribute},
	{name: "GetInstanceConsoleOutput", ramAction: "ecs:GetInstanceConsoleOutput", handle: (*Handler).getInstanceConsoleOutput},
	{name: "TagResources", ramAction: "ecs:TagResources", handle: (*Handler).tagResources},
	{name: "UntagResources", ramAction: "ecs:UntagResources", handle: (*Handler).untagResources},
	{name: "ListTagResources", ramAction: "ecs:ListTagResources", handle: (*Handler).listTagResources},
	{name: "DescribeImages", ramAction: "ecs:DescribeImages", handle: (*Handler).describeImages},
	{name: "DescribeRegions", ramAction: "ecs:DescribeRegions", handle: (*Handler).describeRegions},
	{name: "DescribeZones", ramAction: "ecs:DescribeZones", handle: (*Handler).describeZones},
	{name: "DescribeInstanceTypes", ramAction: "ecs:DescribeInstanceTypes", handle: (*Handler).describeInstanceTypes},
}

// instanceARN is the RAM resource of the caller's instance id.
func (h *Handler) instanceARN(c *call, id string) string {
	return "acs:ecs:" + h.region + ":" + c.account() + ":instance/" + id
}

// instanceARNs are the RAM resources of ids.
func (h *Handler) instanceARNs(c *call, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = h.instanceARN(c, id)
	}
	return out
}

// readOnly authorizes a describe call and ends a dry run.
func (h *Handler) readOnly(c *call) error {
	if err := h.authorize(c, "*"); err != nil {
		return err
	}
	if c.dryRun {
		return errDryRun
	}
	return nil
}
