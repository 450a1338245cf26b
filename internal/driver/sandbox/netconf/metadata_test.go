package netconf_test

import (
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"strato/internal/driver/sandbox/imds"
	"strato/internal/driver/sandbox/netconf"
)

// TestMetadataServiceFromGuestTools puts the pieces together as the shim
// does: an attached guest, the metadata service served from a listener on
// 169.254.169.254:80 inside its namespace, and curl run inside the guest's
// namespace using IMDSv2 exactly as documented for EC2.
func TestMetadataServiceFromGuestTools(t *testing.T) {
	requireRoot(t)
	for _, tool := range []string{"nsenter", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	n := newNet(t)
	ensureBridge(t, n)
	pid := newGuest(t)
	a := attach(t, n, pid, "i-0feedfacecafe0001", 11)

	meta := imds.Standard(imds.StandardInput{
		InstanceID: "i-0feedfacecafe0001", AvailabilityZone: "us-west-2a",
		PrivateIP: a.Addr.Addr(), MAC: a.MAC,
	})
	ln, err := netconf.ListenInNetns(pid, "169.254.169.254:80")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: imds.New(meta, []byte("hello"), imds.Identity{}, imds.Options{TokensRequired: true})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	script := `set -e
TOKEN=$(curl -sf -m 20 -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")
curl -sf -m 20 -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/instance-id; echo
curl -sf -m 20 -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/mac; echo
curl -sf -m 20 -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/user-data; echo
curl -s -m 20 -o /dev/null -w '%{http_code}' http://169.254.169.254/latest/meta-data/instance-id`
	out, err := exec.Command("nsenter", "-t", strconv.Itoa(pid), "-n", "sh", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("curl in the guest: %v\n%s", err, out)
	}
	want := "i-0feedfacecafe0001\n" + a.MAC.String() + "\nhello\n401"
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("curl in the guest printed\n%s\nwant\n%s", got, want)
	}
}
