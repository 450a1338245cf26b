#!/bin/sh
# Lifecycle benchmark of real sandboxed instances (needs root: sandbox driver).
#
# Prints RunInstances → running and StopInstances → stopped latency (median,
# p90, p99; client-side and from the server's log) over 100 instances of a guest
# that exits at once on SIGTERM, and the daemon's RSS with 200 running
# instances. Figures only: nothing is asserted about them.
#
#     bench/lifecycle.sh [extra go test flags]
#
# Set STRATO_BIN to a built strato binary to skip the build. Takes about a
# minute or two on a 2-core machine.
set -eu
cd "$(dirname "$0")/../e2e"
exec go test -run '^$' -bench Lifecycle -benchtime 1x -count 1 "$@" ./...
