// Command strato runs the Strato compute cloud and administers it.
//
//	strato serve   [flags]   run the API server and the instance engine
//	strato env     [flags]   print the default account's credentials as shell exports
//	strato key     create|list|delete [flags]
//	strato account create|list [flags]
//	strato bill    [--from T] [--to T] [--output table|json|csv]
//	strato usage   [--from T] [--to T] [--instance ID] [--output table|json|csv]
//	strato image   import NAME ROOTFS.tar | list | delete IMAGE-ID
//	strato lock    INSTANCE-ID   (operator) lock an instance for security reasons
//	strato unlock  INSTANCE-ID
//	strato version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"strato/internal/driver/sandbox/shim"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	shim.MaybeRun() // a re-executed strato binary holding an instance (sandbox driver)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "strato:", err)
		}
		os.Exit(2)
	}
}

const usage = `usage: strato <command> [flags]

commands:
  serve     run the API server (EC2 Query API, ECS RPC API) and the instance engine
  env       print export lines for the default account's access key
  key       create, list or delete access keys (create|list|delete)
  account   create or list accounts (create|list)
  whoami    ask the running server (AWS_ENDPOINT_URL) whose credentials these are
  bill      the running server's bill of your account (--from, --to, --output table|json|csv)
  usage     the usage behind the bill, with its segments (--instance ID for one instance)
  image     import a root filesystem as an image (import NAME ROOTFS.tar), list or delete yours
  lock      (operator) lock an instance for security reasons: no start, stop, reboot or change
  unlock    (operator) remove an instance's security lock
  version   print the version

Run 'strato <command> -h' for a command's flags.
`

// run dispatches a command line; it is main without the process exit.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return cmdServe(ctx, rest, stdout, stderr)
	case "env":
		return cmdEnv(ctx, rest, stdout, stderr)
	case "key":
		return cmdKey(ctx, rest, stdout, stderr)
	case "account":
		return cmdAccount(ctx, rest, stdout, stderr)
	case "whoami":
		return cmdWhoami(ctx, rest, stdout, stderr)
	case "bill":
		return cmdBill(ctx, rest, stdout, stderr)
	case "usage":
		return cmdUsage(ctx, rest, stdout, stderr)
	case "image": // image.go
		return cmdImage(ctx, rest, stdout, stderr)
	case "lock", "unlock": // lock.go
		return cmdLock(ctx, cmd == "lock", rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "strato", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
