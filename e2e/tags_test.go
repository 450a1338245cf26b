package e2e

import (
	"maps"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestTags: tags given at launch, CreateTags, DeleteTags, DescribeTags and the
// tag:KEY / tag-key filters of DescribeInstances.
func TestTags(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)

	web := launch(t, c, &ec2.RunInstancesInput{
		UserData: userData(idleGuest),
		TagSpecifications: []types.TagSpecification{{
			ResourceType: types.ResourceTypeInstance,
			Tags:         []types.Tag{{Key: aws.String("Name"), Value: aws.String("web")}, {Key: aws.String("env"), Value: aws.String("test")}},
		}},
	})
	webID := aws.ToString(web.InstanceId)
	if got := tagMap(web.Tags); !maps.Equal(got, map[string]string{"Name": "web", "env": "test"}) {
		t.Errorf("RunInstances returned tags %v, want Name=web env=test", got)
	}
	db := launch(t, c, &ec2.RunInstancesInput{
		UserData: userData(idleGuest),
		TagSpecifications: []types.TagSpecification{{
			ResourceType: types.ResourceTypeInstance,
			Tags:         []types.Tag{{Key: aws.String("Name"), Value: aws.String("db")}},
		}},
	})
	dbID := aws.ToString(db.InstanceId)

	if got := tagMap(describe(t, c, webID).Tags); !maps.Equal(got, map[string]string{"Name": "web", "env": "test"}) {
		t.Errorf("DescribeInstances tags %v, want Name=web env=test", got)
	}

	if _, err := c.CreateTags(t.Context(), &ec2.CreateTagsInput{
		Resources: []string{webID, dbID},
		Tags:      []types.Tag{{Key: aws.String("owner"), Value: aws.String("me")}, {Key: aws.String("env"), Value: aws.String("prod")}},
	}); err != nil {
		t.Fatalf("CreateTags: %v", err)
	}
	if _, err := c.DeleteTags(t.Context(), &ec2.DeleteTagsInput{
		Resources: []string{dbID},
		Tags:      []types.Tag{{Key: aws.String("owner")}},
	}); err != nil {
		t.Fatalf("DeleteTags: %v", err)
	}
	// A value given to DeleteTags must match: env=nope deletes nothing.
	if _, err := c.DeleteTags(t.Context(), &ec2.DeleteTagsInput{
		Resources: []string{webID},
		Tags:      []types.Tag{{Key: aws.String("env"), Value: aws.String("nope")}},
	}); err != nil {
		t.Fatalf("DeleteTags env=nope: %v", err)
	}

	want := map[string]map[string]string{
		webID: {"Name": "web", "env": "prod", "owner": "me"},
		dbID:  {"Name": "db", "env": "prod"},
	}
	for id, tags := range want {
		if got := tagMap(describe(t, c, id).Tags); !maps.Equal(got, tags) {
			t.Errorf("%s: tags %v, want %v", id, got, tags)
		}
		out, err := c.DescribeTags(t.Context(), &ec2.DescribeTagsInput{
			Filters: []types.Filter{{Name: aws.String("resource-id"), Values: []string{id}}},
		})
		if err != nil {
			t.Fatalf("DescribeTags resource-id=%s: %v", id, err)
		}
		got := map[string]string{}
		for _, d := range out.Tags {
			if aws.ToString(d.ResourceId) != id || d.ResourceType != types.ResourceTypeInstance {
				t.Errorf("DescribeTags resource-id=%s returned %s (%s)", id, aws.ToString(d.ResourceId), d.ResourceType)
			}
			got[aws.ToString(d.Key)] = aws.ToString(d.Value)
		}
		if !maps.Equal(got, tags) {
			t.Errorf("DescribeTags %s: %v, want %v", id, got, tags)
		}
	}

	filter := func(name string, values ...string) []string {
		t.Helper()
		out, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{
			Filters: []types.Filter{{Name: aws.String(name), Values: values}},
		})
		if err != nil {
			t.Fatalf("DescribeInstances %s=%v: %v", name, values, err)
		}
		return instanceIDs(out)
	}
	for _, tc := range []struct {
		name   string
		values []string
		want   []string
	}{
		{"tag:Name", []string{"web"}, []string{webID}},
		{"tag:Name", []string{"web", "db"}, sorted(webID, dbID)},
		{"tag:Name", []string{"nobody"}, nil},
		{"tag:owner", []string{"me"}, []string{webID}},
		{"tag-key", []string{"owner"}, []string{webID}},
		{"tag-key", []string{"env"}, sorted(webID, dbID)},
	} {
		if got := filter(tc.name, tc.values...); !slices.Equal(got, tc.want) {
			t.Errorf("DescribeInstances %s=%v: %v, want %v", tc.name, tc.values, got, tc.want)
		}
	}

	out, err := c.DescribeTags(t.Context(), &ec2.DescribeTagsInput{
		Filters: []types.Filter{{Name: aws.String("key"), Values: []string{"Name"}}},
	})
	if err != nil {
		t.Fatalf("DescribeTags key=Name: %v", err)
	}
	if len(out.Tags) != 2 {
		t.Errorf("DescribeTags key=Name: %d tags, want 2", len(out.Tags))
	}

	_, err = c.CreateTags(t.Context(), &ec2.CreateTagsInput{
		Resources: []string{"i-0123456789abcdef0"},
		Tags:      []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}},
	})
	wantAPIError(t, err, "InvalidInstanceID.NotFound", 400)
}

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// instanceIDs lists the ids of a DescribeInstances page, sorted.
func instanceIDs(out *ec2.DescribeInstancesOutput) []string {
	var ids []string
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			ids = append(ids, aws.ToString(in.InstanceId))
		}
	}
	slices.Sort(ids)
	return ids
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}
