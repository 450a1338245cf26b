package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestClientToken: RunInstances with the same ClientToken is idempotent; the
// same token with different parameters is IdempotentParameterMismatch.
func TestClientToken(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)

	in := func(typ types.InstanceType) *ec2.RunInstancesInput {
		return withLaunchDefaults(&ec2.RunInstancesInput{
			ClientToken:  aws.String("e2e-token-1"),
			InstanceType: typ,
			UserData:     userData(idleGuest),
		})
	}
	first, err := c.RunInstances(t.Context(), in(types.InstanceTypeT3Micro))
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	again, err := c.RunInstances(t.Context(), in(types.InstanceTypeT3Micro))
	if err != nil {
		t.Fatalf("RunInstances with the same token: %v", err)
	}
	id1, id2 := aws.ToString(first.Instances[0].InstanceId), aws.ToString(again.Instances[0].InstanceId)
	if id1 != id2 {
		t.Errorf("same ClientToken gave two instances: %s and %s", id1, id2)
	}
	if a, b := aws.ToString(first.ReservationId), aws.ToString(again.ReservationId); a != b {
		t.Errorf("same ClientToken gave two reservations: %s and %s", a, b)
	}
	if got := aws.ToString(describe(t, c, id1).ClientToken); got != "e2e-token-1" {
		t.Errorf("DescribeInstances ClientToken %q, want e2e-token-1", got)
	}

	_, err = c.RunInstances(t.Context(), in(types.InstanceTypeM5Large))
	wantAPIError(t, err, "IdempotentParameterMismatch", 400)

	// Only one instance exists.
	out, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{})
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	if ids := instanceIDs(out); len(ids) != 1 {
		t.Errorf("DescribeInstances lists %v, want only %s", ids, id1)
	}
	// The idempotent instance is a normal one.
	waitRunning(t, c, id1)
}
