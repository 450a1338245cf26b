package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestServeFlags: what `strato serve`'s configuration flags change for a
// user: --region, --terminated-retention and --max-instances.
func TestServeFlags(t *testing.T) {
	t.Parallel()

	t.Run("region", func(t *testing.T) {
		t.Parallel()
		s := StartServer(t, Options{Args: []string{"--region", "eu-west-1"}})
		if s.Region != "eu-west-1" {
			// `eval "$(strato env)"` must point clients at the region served.
			t.Errorf("strato env: AWS_REGION=%s for a server started with --region eu-west-1, want eu-west-1", s.Region)
			s.Region = "eu-west-1"
		}
		c := s.Client(t)
		out, err := c.DescribeAvailabilityZones(t.Context(), &ec2.DescribeAvailabilityZonesInput{})
		if err != nil {
			t.Fatalf("DescribeAvailabilityZones: %v", err)
		}
		for _, z := range out.AvailabilityZones {
			if !strings.HasPrefix(aws.ToString(z.ZoneName), "eu-west-1") {
				t.Errorf("zone %s in a server for eu-west-1", aws.ToString(z.ZoneName))
			}
		}
		in := launch(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})
		if in.Placement == nil || !strings.HasPrefix(aws.ToString(in.Placement.AvailabilityZone), "eu-west-1") {
			t.Errorf("instance placed in %+v, want a zone of eu-west-1", in.Placement)
		}
	})

	t.Run("terminated retention", func(t *testing.T) {
		t.Parallel()
		s := StartServer(t, Options{Args: []string{"--terminated-retention", "2s"}})
		c := s.Client(t)
		id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})
		terminate(t, c, id)
		waitTerminated(t, c, id)
		checkState(t, "right after termination", ptr(stateOf(t, c, id)), types.InstanceStateNameTerminated, codeTerminated)

		deadline := time.Now().Add(30 * time.Second)
		for {
			_, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
			if apiErrorCode(err) == "InvalidInstanceID.NotFound" {
				break
			}
			if err != nil {
				t.Fatalf("DescribeInstances %s: %v", id, err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s is still described 30s after termination with --terminated-retention 2s", id)
			}
			time.Sleep(250 * time.Millisecond)
		}
		out, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{})
		if err != nil {
			t.Fatalf("DescribeInstances: %v", err)
		}
		if slices.Contains(instanceIDs(out), id) {
			t.Errorf("%s is gone by id but still listed", id)
		}
	})

	t.Run("max instances", func(t *testing.T) {
		t.Parallel()
		s := StartServer(t, Options{Args: []string{"--max-instances", "2"}})
		c := s.Client(t)
		_, err := c.RunInstances(t.Context(), withLaunchDefaults(&ec2.RunInstancesInput{MinCount: aws.Int32(3), MaxCount: aws.Int32(3)}))
		wantAPIError(t, err, "InstanceLimitExceeded", 400)
		id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})
		launch(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})
		_, err = c.RunInstances(t.Context(), withLaunchDefaults(&ec2.RunInstancesInput{UserData: userData(idleGuest)}))
		wantAPIError(t, err, "InstanceLimitExceeded", 400)

		// A terminated instance no longer counts.
		terminate(t, c, id)
		waitTerminated(t, c, id)
		launch(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})
	})
}
