package ec2api

import (
	"context"
	"encoding/base64"
	"slices"
	"sort"
	"strings"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
	"strato/internal/wire/awsquery"
)

// instanceAttributes is EC2's InstanceAttributeName enum.
var instanceAttributes = []string{
	"instanceType", "kernel", "ramdisk", "userData", "disableApiTermination",
	"instanceInitiatedShutdownBehavior", "rootDeviceName", "blockDeviceMapping",
	"productCodes", "sourceDestCheck", "groupSet", "ebsOptimized", "sriovNetSupport",
	"enaSupport", "enclaveOptions", "disableApiStop",
}

// unknownAttribute reports an attribute name outside the enum.
func unknownAttribute(name string) error {
	return invalidValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", name)
}

// unsupportedAttribute reports an attribute Strato cannot change.
func unsupportedAttribute(name string) error {
	return errdefs.Newf(errdefs.Unsupported, errdefs.ResParameter, name, "Modifying the attribute '%s' is not supported.", name)
}

// structuredAttrs maps ModifyInstanceAttribute's structured parameters
// (Name.Value, or a list prefix) to the attribute they change.
var structuredAttrs = map[string]string{
	"DisableApiStop.Value":                    "disableApiStop",
	"DisableApiTermination.Value":             "disableApiTermination",
	"InstanceType.Value":                      "instanceType",
	"UserData.Value":                          "userData",
	"InstanceInitiatedShutdownBehavior.Value": "instanceInitiatedShutdownBehavior",
	"SourceDestCheck.Value":                   "sourceDestCheck",
	"Kernel.Value":                            "kernel",
	"Ramdisk.Value":                           "ramdisk",
	"EbsOptimized.Value":                      "ebsOptimized",
	"SriovNetSupport.Value":                   "sriovNetSupport",
	"EnaSupport.Value":                        "enaSupport",
	"GroupId.":                                "groupSet",
	"BlockDeviceMapping.":                     "blockDeviceMapping",
}

// decodeModify reads ModifyInstanceAttribute: exactly one attribute, either
// as its structured parameter (DisableApiStop.Value=true) or as the legacy
// Attribute/Value pair.
func decodeModify(p awsquery.Params) (instance.Attributes, error) {
	var a instance.Attributes
	given := map[string]string{} // attribute → raw value
	for k := range p.Values {
		for param, attr := range structuredAttrs {
			if k == param || (strings.HasSuffix(param, ".") && strings.HasPrefix(k, param)) {
				given[attr] = p.String(k)
			}
		}
	}
	if has(p, "Attribute") {
		attr := p.String("Attribute")
		if !slices.Contains(instanceAttributes, attr) {
			return a, unknownAttribute(attr)
		}
		if !has(p, "Value") {
			return a, missing("Value")
		}
		given[attr] = p.String("Value")
	}
	switch len(given) {
	case 0:
		return a, combination("No attributes specified.")
	case 1:
	default:
		names := make([]string, 0, len(given))
		for n := range given {
			names = append(names, n)
		}
		sort.Strings(names)
		return a, combination("Fields for multiple attribute types specified: %s", strings.Join(names, ", "))
	}
	for attr, v := range given {
		switch attr {
		case "disableApiStop", "disableApiTermination":
			b, err := parseBool(v, attr)
			if err != nil {
				return a, err
			}
			if attr == "disableApiStop" {
				a.DisableAPIStop = &b
			} else {
				a.DisableAPITermination = &b
			}
		case "instanceType":
			if v == "" {
				return a, invalidValue("Value () for parameter instanceType is invalid.")
			}
			a.InstanceType = &v
		case "userData":
			b, err := userData(v)
			if err != nil {
				return a, err
			}
			a.UserData = &b
		case "instanceInitiatedShutdownBehavior":
			if v != "stop" && v != "terminate" {
				return a, invalidValue("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values are 'stop' and 'terminate'.", v)
			}
			a.ShutdownBehavior = &v
		default:
			return a, unsupportedAttribute(attr)
		}
	}
	return a, nil
}

// parseBool parses an attribute's boolean value.
func parseBool(v, name string) (bool, error) {
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, invalidValue("Value (%s) for parameter %s is invalid. Expected 'true' or 'false'.", v, name)
}

// modifyInstanceAttribute changes one attribute: ModifyInstanceAttribute.
func (h *Handler) modifyInstanceAttribute(ctx context.Context, c *call) (any, error) {
	id, err := singleInstanceID(c.params)
	if err != nil {
		return nil, err
	}
	attrs, err := decodeModify(c.params)
	if err != nil {
		return nil, err
	}
	if err := h.authorize(c, h.instanceARN(c, id)); err != nil {
		return nil, err
	}
	if err := h.core.Modify(ctx, c.account(), id, attrs, c.dryRun); err != nil {
		return nil, err
	}
	return returnResponse{Return: true}, nil
}

// describeInstanceAttribute reports one attribute: DescribeInstanceAttribute.
func (h *Handler) describeInstanceAttribute(ctx context.Context, c *call) (any, error) {
	id, err := singleInstanceID(c.params)
	if err != nil {
		return nil, err
	}
	attr := c.params.String("Attribute")
	if attr == "" {
		return nil, missing("Attribute")
	}
	if !slices.Contains(instanceAttributes, attr) {
		return nil, unknownAttribute(attr)
	}
	if err := h.authorize(c, h.instanceARN(c, id)); err != nil {
		return nil, err
	}
	if c.dryRun {
		return nil, errDryRun
	}
	inst, err := h.core.Get(ctx, c.account(), id)
	if err != nil {
		return nil, err
	}
	return encodeAttribute(inst, attr), nil
}

// encodeAttribute renders attr of inst as EC2's InstanceAttribute.
func encodeAttribute(inst *instance.Instance, attr string) describeInstanceAttributeResponse {
	out := describeInstanceAttributeResponse{InstanceID: inst.ID}
	str := func(s string) *xmlAttrValue {
		if s == "" {
			return &xmlAttrValue{}
		}
		return &xmlAttrValue{Value: &s}
	}
	switch attr {
	case "disableApiStop":
		out.DisableAPIStop = &xmlAttrBool{Value: inst.DisableAPIStop}
	case "disableApiTermination":
		out.DisableAPITermination = &xmlAttrBool{Value: inst.DisableAPITermination}
	case "instanceType":
		out.InstanceType = str(inst.InstanceType)
	case "userData":
		if len(inst.UserData) == 0 {
			out.UserData = &xmlAttrValue{}
		} else {
			out.UserData = str(base64.StdEncoding.EncodeToString(inst.UserData))
		}
	case "instanceInitiatedShutdownBehavior":
		b := inst.ShutdownBehavior
		if b == "" {
			b = "stop"
		}
		out.ShutdownBehavior = str(b)
	case "kernel":
		out.Kernel = &xmlAttrValue{}
	case "ramdisk":
		out.Ramdisk = &xmlAttrValue{}
	case "rootDeviceName":
		out.RootDeviceName = str(inst.RootDeviceName)
	case "sriovNetSupport":
		out.SriovNetSupport = &xmlAttrValue{}
	case "sourceDestCheck":
		out.SourceDestCheck = &xmlAttrBool{Value: true}
	case "ebsOptimized":
		out.EBSOptimized = &xmlAttrBool{Value: false}
	case "enaSupport":
		out.ENASupport = &xmlAttrBool{Value: true}
	case "enclaveOptions":
		out.EnclaveOptions = &xmlEnclaveOptions{Enabled: false}
	case "blockDeviceMapping":
		l := list(encodeBlockDevices(inst))
		out.BlockDeviceMapping = &l
	case "productCodes":
		l := list[xmlProductCode](nil)
		out.ProductCodes = &l
	case "groupSet":
		l := list[xmlGroup](nil)
		out.Groups = &l
	}
	return out
}
