// Package e2e tests a built strato binary the way a user meets it: it starts
// `strato serve` on a free loopback port with a fresh data directory, reads
// the credentials from `strato env`, and talks to it only through the
// official aws-sdk-go-v2 EC2 client and the `aws` command line.
//
// It is a separate module so the server's own build stays lean, and it
// cannot import the server's internal packages.
//
// Run it with a binary built by scripts/test:
//
//	cd e2e && STRATO_BIN=../bin/strato go test -count=1 ./...
//
// Without STRATO_BIN, TestMain builds ../cmd/strato once into a temporary
// directory.
package e2e
