package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestCLIWalkthrough runs the README's walkthrough (scripts/walkthrough.sh)
// with the `aws` command line in the environment `strato env` prints, as a
// user who typed `eval "$(strato env)"` would.
func TestCLIWalkthrough(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	out := runWalkthrough(t, s, "walkthrough.sh")
	for _, want := range []string{"files: saved at stop", "walkthrough: OK"} {
		if !strings.Contains(out, want) {
			t.Errorf("walkthrough output lacks %q", want)
		}
	}

	// What the CLI did is what the SDK sees.
	id := regexp.MustCompile(`\bi-[0-9a-f]{8,17}\b`).FindString(out)
	if id == "" {
		t.Fatal("no instance id in the walkthrough's output")
	}
	checkState(t, "the walkthrough's instance", ptr(stateOf(t, s.Client(t), id)), types.InstanceStateNameTerminated, codeTerminated)
}

// TestCLINotebookWalkthrough runs the README's SageMaker walkthrough
// (scripts/notebook-walkthrough.sh) with the `aws` command line.
func TestCLINotebookWalkthrough(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	out := runWalkthrough(t, s, "notebook-walkthrough.sh")
	for _, want := range []string{"first boot:\nstarted", "second boot:\nstarted", "notebook walkthrough: OK"} {
		if !strings.Contains(out, want) {
			t.Errorf("notebook walkthrough output lacks %q", want)
		}
	}
}

// runWalkthrough runs scripts/NAME in the environment `strato env` prints,
// as a user who typed `eval "$(strato env)"` would, and returns its output.
func runWalkthrough(t *testing.T, s *Server, name string) string {
	t.Helper()
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		t.Fatalf("the aws command line is not on PATH (%v); scripts/setup installs it (apt-get install awscli)", err)
	}
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	hasDefaultRegion := false
	for _, v := range s.Env {
		env = append(env, v.Name+"="+v.Value)
		hasDefaultRegion = hasDefaultRegion || v.Name == "AWS_DEFAULT_REGION"
	}
	if !hasDefaultRegion {
		t.Errorf("strato env prints no AWS_DEFAULT_REGION: aws CLI v1 reads only that (not AWS_REGION), so `eval \"$(strato env)\"; aws ec2 …` fails with \"You must specify a region\"; the rest of this test runs with it set")
		env = append(env, "AWS_DEFAULT_REGION="+s.Region)
	}
	// No profile or credentials of the machine's user leak in.
	home := t.TempDir()
	env = append(env,
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
	)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	script := filepath.Join(repoRoot, "scripts", name)
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Env = env
	cmd.Dir = t.TempDir()
	started := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("%s (aws at %s) took %v:\n%s", script, awsPath, time.Since(started).Round(time.Second), out)
	if err != nil {
		t.Fatalf("%s failed: %v", name, err)
	}
	return string(out)
}
