package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"strato/internal/api/adminapi"
	"strato/internal/core/catalog"
	"strato/internal/driver/sandbox/image"
)

const imageUsage = `usage:
  strato image import NAME ROOTFS.tar   import a root filesystem (tar, plain or gzip); prints the image id
  strato image list                     your imported images
  strato image delete IMAGE-ID          deregister an image (instances launched from it keep it)

flags (anywhere on the line):
  --data-dir DIR   the server's data directory, for its endpoint and default key
                   when AWS_ENDPOINT_URL and the AWS_* keys are not set (default .strato)`

// cmdImage imports, lists and deregisters images through the running
// server's admin API.
func cmdImage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, imageUsage)
		return errors.New("image: no subcommand given (import, list or delete)")
	}
	sub := args[0]
	fs := flag.NewFlagSet("image "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, imageUsage) }
	dataDir := fs.String("data-dir", ".strato", "data directory of the server")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "data-dir" })
	want := map[string]int{"import": 2, "list": 0, "delete": 1}
	n, ok := want[sub]
	if !ok {
		fmt.Fprintln(stderr, imageUsage)
		return fmt.Errorf("image: unknown subcommand %q (import, list or delete)", sub)
	}
	if len(pos) != n {
		fmt.Fprintln(stderr, imageUsage)
		return fmt.Errorf("image %s takes %d argument(s), got %d", sub, n, len(pos))
	}
	c, err := imageClient(ctx, *dataDir, explicit)
	if err != nil {
		return err
	}
	switch sub {
	case "import":
		return imageImport(ctx, c, pos[0], pos[1], stdout)
	case "list":
		return imageList(ctx, c, stdout)
	default:
		var out map[string]string
		if err := c.do(ctx, http.MethodDelete, "images/"+url.PathEscape(pos[0]), nil, nil, &out); err != nil {
			return err
		}
		fmt.Fprintln(stdout, out["imageId"], out["state"])
		return nil
	}
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments, which it returns in order.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// imageClient reaches the server: with the environment `strato env` prints
// unless --data-dir was given, else with the data directory's endpoint
// and default key.
func imageClient(ctx context.Context, dataDir string, explicit bool) (*adminClient, error) {
	if !explicit && os.Getenv("AWS_ENDPOINT_URL") != "" {
		return newAdminClient()
	}
	if _, err := os.Stat(filepath.Join(dataDir, "strato.db")); err != nil {
		return nil, fmt.Errorf("no server data in %s (%v): pass --data-dir, or set AWS_ENDPOINT_URL and keys with eval \"$(strato env)\"", dataDir, err)
	}
	endpoint := readServed(dataDir, "endpoint")
	if endpoint == "" {
		return nil, fmt.Errorf("%s records no endpoint: has strato serve run with it?", dataDir)
	}
	ids, closeFn, err := openIAM(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	k, err := ids.DefaultKey(ctx)
	if err != nil {
		return nil, err
	}
	region := readServed(dataDir, "region")
	if region == "" {
		region = "us-east-1"
	}
	return &adminClient{endpoint: strings.TrimRight(endpoint, "/"), region: region, http: &http.Client{},
		creds: aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}}, nil
}

// imageJSON is an image as the admin API shows it.
type imageJSON struct {
	ImageID      string    `json:"imageId"`
	Name         string    `json:"name"`
	State        string    `json:"state"`
	CreationDate time.Time `json:"creationDate"`
	Digest       string    `json:"digest"`
	SizeBytes    int64     `json:"sizeBytes"`
}

// imageImport uploads the archive at path, streaming it: the signature
// covers its SHA-256, computed in a first pass over the file.
func imageImport(ctx context.Context, c *adminClient, name, path string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	hash := hex.EncodeToString(h.Sum(nil))
	u := c.endpoint + adminapi.Prefix + "images?" + url.Values{"name": {name}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, io.NopCloser(f))
	if err != nil {
		return err
	}
	req.ContentLength = fi.Size()
	req.Header.Set("Content-Type", "application/x-tar")
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := v4.NewSigner().SignHTTP(ctx, c.creds, req, hash, adminapi.Service, c.region, time.Now()); err != nil {
		return err
	}
	c.http.Timeout = 0 // an upload takes as long as it takes; ctx still ends it
	var im imageJSON
	if err := c.send(req, &im); err != nil {
		return err
	}
	fmt.Fprintln(stdout, im.ImageID)
	return nil
}

func imageList(ctx context.Context, c *adminClient, stdout io.Writer) error {
	var out struct {
		Images []imageJSON `json:"images"`
	}
	if err := c.do(ctx, http.MethodGet, "images", nil, nil, &out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE ID\tNAME\tSTATE\tSIZE\tCREATED\tDIGEST")
	for _, im := range out.Images {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\tsha256:%s\n", im.ImageID, im.Name, im.State, humanBytes(im.SizeBytes),
			im.CreationDate.UTC().Format("2006-01-02T15:04:05Z"), im.Digest)
	}
	return tw.Flush()
}

// humanBytes renders a size in binary units: "512 B", "1.5 MiB".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// imageImporter adapts the sandbox driver's image store to the catalog's
// Importer: imported archives become root filesystems any driver that boots
// KindRootFS images can use.
type imageImporter struct{ store *image.Store }

var _ catalog.Importer = imageImporter{}

func (i imageImporter) Import(ctx context.Context, name string, r io.Reader) (catalog.ImportedRootFS, error) {
	im, err := i.store.Import(ctx, name, r)
	if err != nil {
		return catalog.ImportedRootFS{}, err
	}
	return catalog.ImportedRootFS{Dir: im.Dir, Digest: im.Digest, Bytes: im.Bytes}, nil
}

func (i imageImporter) Remove(ctx context.Context, dir string) error { return i.store.Remove(ctx, dir) }

// pruneImages removes the imported root filesystems that no image record
// names: what an import leaves when the daemon dies between unpacking and
// recording. Deregistered images keep their records, and so their files.
// Directories are matched by their id, not their full path, so a data
// directory that moved loses nothing.
func pruneImages(ctx context.Context, images *image.Store, st catalog.ImageStore, log *slog.Logger) error {
	recorded, err := st.ListImages(ctx, "")
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, im := range recorded {
		if im.RootFS != "" {
			keep[filepath.Base(filepath.Dir(im.RootFS))] = true
		}
	}
	onDisk, err := images.List()
	if err != nil {
		return err
	}
	for _, im := range onDisk {
		if keep[filepath.Base(filepath.Dir(im.Dir))] {
			continue
		}
		log.Warn("removing an imported root filesystem that no image names (an interrupted import)", "dir", im.Dir, "name", im.Name)
		if err := images.Remove(ctx, im.Dir); err != nil {
			return err
		}
	}
	return nil
}
