package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// cmdLock locks (lock) or unlocks an instance for security reasons through
// the running server's admin API: PUT or DELETE
// /strato/v1/instances/{id}/locks/security. Only the operator (a
// full-rights key of the default account, as `strato env` prints it) may.
func cmdLock(ctx context.Context, lock bool, args []string, stdout, stderr io.Writer) error {
	name := "lock"
	if !lock {
		name = "unlock"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: strato %s INSTANCE-ID\n\n%s an instance of any account for security reasons (operator only).\n",
			name, strings.ToUpper(name[:1])+name[1:])
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) == "" {
		fs.Usage()
		return errors.New("give exactly one instance id")
	}
	c, err := newAdminClient()
	if err != nil {
		return err
	}
	method := http.MethodPut
	if !lock {
		method = http.MethodDelete
	}
	var out struct {
		InstanceID     string `json:"instanceId"`
		OperationLocks []struct {
			LockReason string `json:"lockReason"`
		} `json:"operationLocks"`
	}
	if err := c.do(ctx, method, "instances/"+url.PathEscape(fs.Arg(0))+"/locks/security", nil, nil, &out); err != nil {
		return err
	}
	var reasons []string
	for _, l := range out.OperationLocks {
		reasons = append(reasons, l.LockReason)
	}
	if len(reasons) == 0 {
		reasons = []string{"none"}
	}
	fmt.Fprintf(stdout, "%s: locks: %s\n", out.InstanceID, strings.Join(reasons, ","))
	return nil
}
