package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"strato/internal/clock"
	"strato/internal/core/iam"
	"strato/internal/store/sqlite"
)

// openIAM opens the data directory's store and identity service.
func openIAM(ctx context.Context, dataDir string) (*iam.Service, func(), error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dataDir, "strato.db"))
	if err != nil {
		return nil, nil, err
	}
	s := iam.NewService(st, clock.Real{}, iam.Options{DefaultAccountName: "default"})
	if _, _, err := s.Bootstrap(ctx); err != nil {
		st.Close()
		return nil, nil, err
	}
	return s, func() { st.Close() }, nil
}

// shellQuote quotes v for a POSIX shell when it needs it.
func shellQuote(v string) string {
	if v != "" && strings.IndexFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=+@%", r))
	}) < 0 {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

func cmdEnv(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("env", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", ".strato", "data directory of the server")
	addr := fs.String("addr", "", "endpoint to print (default: where the server last listened, else 127.0.0.1:8773)")
	region := fs.String("region", "", "region to print (default: the server's, else us-east-1)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, closeFn, err := openIAM(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer closeFn()
	k, err := s.DefaultKey(ctx)
	if err != nil {
		return err
	}
	endpoint := readServed(*dataDir, "endpoint")
	if *region == "" {
		*region = readServed(*dataDir, "region")
	}
	if *region == "" {
		*region = "us-east-1"
	}
	if *addr != "" {
		endpoint = "http://" + strings.TrimPrefix(*addr, "http://")
	}
	if endpoint == "" {
		endpoint = "http://127.0.0.1:8773"
	}
	// The AWS SDKs and CLIs read AWS_*; Huawei Cloud's SDK reads the
	// HUAWEICLOUD_SDK_* credentials (its endpoint is set in code: the same
	// URL). The project id is the account's ModelArts project.
	for _, kv := range [][2]string{
		{"AWS_ENDPOINT_URL", endpoint},
		{"AWS_ACCESS_KEY_ID", k.AccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", k.SecretAccessKey},
		{"AWS_REGION", *region},
		{"AWS_DEFAULT_REGION", *region},
		{"HUAWEICLOUD_SDK_AK", k.AccessKeyID},
		{"HUAWEICLOUD_SDK_SK", k.SecretAccessKey},
		{"HUAWEICLOUD_SDK_PROJECT_ID", iam.ProjectID(k.AccountID)},
	} {
		fmt.Fprintf(stdout, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	return nil
}

func cmdKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: strato key create|list|delete [flags]")
	}
	fs := flag.NewFlagSet("key "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", ".strato", "data directory of the server")
	account := fs.String("account", "", "account id (default: the default account)")
	policyFile := fs.String("policy", "", "create: file with an IAM-style policy document (default: full rights)")
	desc := fs.String("description", "", "create: what the key is for")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	s, closeFn, err := openIAM(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer closeFn()
	if *account == "" {
		def, err := s.DefaultKey(ctx)
		if err != nil {
			return err
		}
		*account = def.AccountID
	}
	switch args[0] {
	case "create":
		var pol *iam.Policy
		if *policyFile != "" {
			b, err := os.ReadFile(*policyFile)
			if err != nil {
				return err
			}
			if pol, err = iam.ParsePolicy(b); err != nil {
				return fmt.Errorf("%s: %w", *policyFile, err)
			}
		}
		k, err := s.CreateKey(ctx, *account, *desc, pol)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "export AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\n", shellQuote(k.AccessKeyID), shellQuote(k.SecretAccessKey))
		return nil
	case "list":
		keys, err := s.ListKeys(ctx, *account)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACCESS KEY\tACCOUNT\tPOLICY\tCREATED\tDESCRIPTION")
		for _, k := range keys {
			pol := "full"
			if k.Policy != nil {
				pol = "custom"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.AccessKeyID, k.AccountID, pol, k.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), k.Description)
		}
		return tw.Flush()
	case "delete":
		if fs.NArg() != 1 {
			return fmt.Errorf("usage: strato key delete [flags] ACCESS_KEY_ID")
		}
		return s.DeleteKey(ctx, fs.Arg(0))
	}
	return fmt.Errorf("unknown key command %q (create, list or delete)", args[0])
}

func cmdAccount(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: strato account create|list [flags]")
	}
	fs := flag.NewFlagSet("account "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", ".strato", "data directory of the server")
	name := fs.String("name", "", "create: the account's name")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	s, closeFn, err := openIAM(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer closeFn()
	switch args[0] {
	case "create":
		if *name == "" {
			return fmt.Errorf("account create needs --name")
		}
		a, err := s.CreateAccount(ctx, *name)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, a.ID)
		return nil
	case "list":
		accts, err := s.ListAccounts(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACCOUNT\tNAME\tCREATED")
		for _, a := range accts {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", a.ID, a.Name, a.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"))
		}
		return tw.Flush()
	}
	return fmt.Errorf("unknown account command %q (create or list)", args[0])
}
