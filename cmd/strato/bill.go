package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"strato/internal/core/metering"
)

// reportFlags are the flags `strato bill` and `strato usage` share.
type reportFlags struct {
	from, to, output, instance string
}

func parseReportFlags(name string, args []string, stderr io.Writer, withInstance bool) (*reportFlags, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &reportFlags{}
	fs.StringVar(&f.from, "from", "", "start of the window, RFC 3339 or YYYY-MM-DD (UTC) (default: start of the current month, UTC)")
	fs.StringVar(&f.to, "to", "", "end of the window (exclusive), RFC 3339 or YYYY-MM-DD (UTC) (default: now)")
	fs.StringVar(&f.output, "output", "table", "table, json or csv")
	if withInstance {
		fs.StringVar(&f.instance, "instance", "", "only this instance (and its volumes)")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%s takes no arguments, got %q", name, fs.Args())
	}
	switch f.output {
	case "table", "json", "csv":
	default:
		return nil, fmt.Errorf("--output must be table, json or csv, not %q", f.output)
	}
	for _, p := range []*string{&f.from, &f.to} {
		t, err := parseWhen(*p)
		if err != nil {
			return nil, err
		}
		if !t.IsZero() {
			*p = t.UTC().Format(time.RFC3339Nano)
		}
	}
	return f, nil
}

// parseWhen reads an RFC 3339 time or a date (midnight UTC); "" is zero.
func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2026-11-01T00:00:00Z) nor a date (2026-11-01)", s)
}

// query is the admin API query of the flags; empty values are left to the
// server's defaults.
func (f *reportFlags) query() url.Values {
	q := url.Values{}
	for name, v := range map[string]string{"from": f.from, "to": f.to, "instance": f.instance} {
		if v != "" {
			q.Set(name, v)
		}
	}
	return q
}

// cmdBill prints the caller's bill: `strato bill --from … --to … --output table|json|csv`.
func cmdBill(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return cmdReport(ctx, "bill", args, stdout, stderr, false)
}

// cmdUsage prints the caller's usage with its segments, optionally of one
// instance: `strato usage --from … --to … [--instance ID]`.
func cmdUsage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return cmdReport(ctx, "usage", args, stdout, stderr, true)
}

func cmdReport(ctx context.Context, name string, args []string, stdout, stderr io.Writer, usage bool) error {
	f, err := parseReportFlags(name, args, stderr, usage)
	if err != nil {
		return err
	}
	c, err := newAdminClient()
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := c.do(ctx, http.MethodGet, name, f.query(), nil, &raw); err != nil {
		return err
	}
	return printReport(stdout, raw, f.output, usage)
}

// printReport writes a report the admin API answered: json as the server
// sent it (one document whose "lines" carry resource_id, kind, seconds and
// amount), csv one row per line, table for people.
func printReport(w io.Writer, raw json.RawMessage, output string, usage bool) error {
	if output == "json" {
		var buf bytes.Buffer
		if err := json.Indent(&buf, raw, "", "  "); err != nil {
			return fmt.Errorf("the server's answer is not JSON: %w", err)
		}
		buf.WriteByte('\n')
		_, err := w.Write(buf.Bytes())
		return err
	}
	var rep metering.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		return fmt.Errorf("decode the server's report: %w", err)
	}
	if output == "csv" {
		return writeCSV(w, rep)
	}
	return writeTable(w, rep, usage)
}

// csvHeader names the columns of --output csv.
var csvHeader = []string{"resource_id", "instance_id", "kind", "api", "instance_type", "platform", "size_gib",
	"starts", "used_seconds", "seconds", "gb_seconds", "rate", "rate_unit", "amount"}

func writeCSV(w io.Writer, rep metering.Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, l := range rep.Lines {
		used, _ := l.UsedSeconds.MarshalJSON()
		if err := cw.Write([]string{l.ResourceID, l.InstanceID, string(l.Kind), l.API, l.InstanceType, l.Platform,
			itoaOmit(int64(l.SizeGiB)), strconv.Itoa(l.Starts), string(used), strconv.FormatInt(l.Seconds, 10),
			itoaOmit(l.GBSeconds), l.Rate.String(), l.RateUnit, l.Amount.String()}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func itoaOmit(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func writeTable(w io.Writer, rep metering.Report, usage bool) error {
	const stamp = "2006-01-02T15:04:05Z"
	what := "Bill"
	if usage {
		what = "Usage"
	}
	fmt.Fprintf(w, "%s of account %s from %s to %s (%s)\n\n", what, rep.AccountID,
		rep.From.UTC().Format(stamp), rep.To.UTC().Format(stamp), rep.Currency)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tKIND\tWHAT\tSTARTS\tUSED s\tBILLED s\tGB-s\tRATE\tAMOUNT")
	for _, l := range rep.Lines {
		detail := l.InstanceType + " " + l.Platform
		starts := strconv.Itoa(l.Starts)
		if l.Kind == metering.KindStorage {
			detail = fmt.Sprintf("%d GiB of %s", l.SizeGiB, l.InstanceID)
			starts = "-"
		} else if l.Kind == metering.KindReservation {
			starts = "-"
		}
		used, _ := l.UsedSeconds.MarshalJSON()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s/%s\t%s\n", l.ResourceID, l.Kind, strings.TrimSpace(detail),
			starts, used, l.Seconds, dashIfZero(l.GBSeconds), l.Rate, l.RateUnit, l.Amount)
	}
	if len(rep.Lines) == 0 {
		fmt.Fprintln(tw, "(no usage in this window)")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "compute\t%s\n", rep.Totals.Compute)
	fmt.Fprintf(tw, "reservation\t%s\n", rep.Totals.Reservation)
	fmt.Fprintf(tw, "storage\t%s\n", rep.Totals.Storage)
	fmt.Fprintf(tw, "total\t%s %s\n", rep.Totals.Total, rep.Currency)
	if err := tw.Flush(); err != nil {
		return err
	}
	s := rep.Savings
	fmt.Fprintf(w, "\nHad every instance run for its whole life in the window: %s; charged for compute and reservations: %s; stopping saved %s.\n",
		s.IfAlwaysRunning, s.Actual, s.StoppingSaved)
	if usage && len(rep.Segments) > 0 {
		fmt.Fprintln(w, "\nSegments:")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "RESOURCE\tKIND\tINSTANCE\tSTART\tEND")
		for _, seg := range rep.Segments {
			end := "(open)"
			if !seg.Open() {
				end = seg.End.UTC().Format(time.RFC3339Nano)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", seg.ResourceID, seg.Kind, seg.InstanceID, seg.Start.UTC().Format(time.RFC3339Nano), end)
		}
		return tw.Flush()
	}
	return nil
}

func dashIfZero(n int64) string {
	if n == 0 {
		return "-"
	}
	return strconv.FormatInt(n, 10)
}
