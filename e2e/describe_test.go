package e2e

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestDescribe: MinCount/MaxCount, DescribeInstances' filters and pages, and
// DescribeInstanceStatus with and without IncludeAllInstances.
func TestDescribe(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)

	run, err := c.RunInstances(t.Context(), withLaunchDefaults(&ec2.RunInstancesInput{
		MinCount: aws.Int32(6), MaxCount: aws.Int32(6), UserData: userData(idleGuest),
	}))
	if err != nil {
		t.Fatalf("RunInstances MinCount=MaxCount=6: %v", err)
	}
	if len(run.Instances) != 6 {
		t.Fatalf("RunInstances returned %d instances, want 6", len(run.Instances))
	}
	var small []string
	for i, in := range run.Instances {
		small = append(small, aws.ToString(in.InstanceId))
		if got := aws.ToInt32(in.AmiLaunchIndex); got != int32(i) {
			t.Errorf("instance %d: AmiLaunchIndex %d", i, got)
		}
	}
	big := launchRunning(t, c, &ec2.RunInstancesInput{InstanceType: types.InstanceTypeM5Large, UserData: userData(idleGuest)})
	waitRunning(t, c, small...)
	all := sorted(append(slices.Clone(small), big)...)

	// Pages of at most 5 instances cover all 7 exactly once.
	var seen []string
	pages := 0
	p := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("DescribeInstances page %d: %v", pages+1, err)
		}
		pages++
		ids := instanceIDs(page)
		if len(ids) > 5 {
			t.Errorf("page %d has %d instances, MaxResults was 5", pages, len(ids))
		}
		seen = append(seen, ids...)
		if pages > 10 {
			t.Fatal("more than 10 pages for 7 instances")
		}
	}
	slices.Sort(seen)
	if !slices.Equal(seen, all) || pages < 2 {
		t.Errorf("paged DescribeInstances saw %v in %d pages, want %v in 2", seen, pages, all)
	}

	// Reservation: the six share one.
	out, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: small})
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	if len(out.Reservations) != 1 || aws.ToString(out.Reservations[0].ReservationId) != aws.ToString(run.ReservationId) {
		t.Errorf("the six instances of one RunInstances are in %d reservations, want 1 (%s)", len(out.Reservations), aws.ToString(run.ReservationId))
	}

	stopped := small[0]
	stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{stopped}})
	waitStopped(t, c, stopped)
	zone := aws.ToString(describe(t, c, big).Placement.AvailabilityZone)

	filter := func(filters ...types.Filter) []string {
		t.Helper()
		out, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{Filters: filters})
		if err != nil {
			t.Fatalf("DescribeInstances %s: %v", showFilters(filters), err)
		}
		return instanceIDs(out)
	}
	f := func(name string, values ...string) types.Filter {
		return types.Filter{Name: aws.String(name), Values: values}
	}
	running := sorted(slices.DeleteFunc(slices.Clone(all), func(id string) bool { return id == stopped })...)
	var inZone []string
	for _, id := range all {
		if aws.ToString(describe(t, c, id).Placement.AvailabilityZone) == zone {
			inZone = append(inZone, id)
		}
	}
	for _, tc := range []struct {
		filters []types.Filter
		want    []string
	}{
		{[]types.Filter{f("instance-type", "m5.large")}, []string{big}},
		{[]types.Filter{f("instance-type", "t3.micro", "m5.large")}, all},
		{[]types.Filter{f("instance-state-name", "running")}, running},
		{[]types.Filter{f("instance-state-name", "stopped")}, []string{stopped}},
		{[]types.Filter{f("instance-state-code", strconv.Itoa(codeStopped))}, []string{stopped}},
		{[]types.Filter{f("image-id", imageEBS)}, all},
		{[]types.Filter{f("image-id", imageInstanceStore)}, nil},
		{[]types.Filter{f("instance-id", big, stopped)}, sorted(big, stopped)},
		{[]types.Filter{f("availability-zone", zone)}, inZone},
		{[]types.Filter{f("instance-type", "t3.micro"), f("instance-state-name", "running")}, sorted(small[1:]...)},
	} {
		if got := filter(tc.filters...); !slices.Equal(got, tc.want) {
			t.Errorf("DescribeInstances %s: %v, want %v", showFilters(tc.filters), got, tc.want)
		}
	}

	// DescribeInstanceStatus lists running instances unless asked for all.
	status := func(all bool) map[string]types.InstanceStateName {
		t.Helper()
		got := map[string]types.InstanceStateName{}
		p := ec2.NewDescribeInstanceStatusPaginator(c, &ec2.DescribeInstanceStatusInput{IncludeAllInstances: aws.Bool(all)})
		for p.HasMorePages() {
			page, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatalf("DescribeInstanceStatus IncludeAllInstances=%v: %v", all, err)
			}
			for _, st := range page.InstanceStatuses {
				name := types.InstanceStateName("")
				if st.InstanceState != nil {
					name = st.InstanceState.Name
				}
				got[aws.ToString(st.InstanceId)] = name
			}
		}
		return got
	}
	if got := status(false); len(got) != len(running) || got[stopped] != "" {
		t.Errorf("DescribeInstanceStatus: %v, want the %d running instances only", got, len(running))
	}
	if got := status(true); len(got) != len(all) || got[stopped] != types.InstanceStateNameStopped {
		t.Errorf("DescribeInstanceStatus IncludeAllInstances: %v, want all %d with %s stopped", got, len(all), stopped)
	}
}

func showFilters(fs []types.Filter) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, aws.ToString(f.Name)+"="+strings.Join(f.Values, ","))
	}
	return strings.Join(parts, " ")
}
