package main

import (
	"flag"
	"io"
	"runtime"
	"testing"
)

func TestCapacityFlags(t *testing.T) {
	parse := func(args ...string) (*serveConfig, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		c := serveFlags(fs)
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		return c, c.validate()
	}
	c, err := parse()
	if err != nil {
		t.Fatal(err)
	}
	if c.capacityVCPUs != overcommit*runtime.NumCPU() || c.capacityMemoryMiB < overcommit {
		t.Errorf("defaults = %d vCPUs, %d MiB", c.capacityVCPUs, c.capacityMemoryMiB)
	}
	if c, err = parse("--capacity-vcpus", "4", "--capacity-memory-mib", "0"); err != nil || c.capacityVCPUs != 4 || c.capacityMemoryMiB != 0 {
		t.Errorf("explicit = %+v, %v", c, err)
	}
	if _, err := parse("--capacity-vcpus", "-1"); err == nil {
		t.Error("a negative capacity was accepted")
	}
}
