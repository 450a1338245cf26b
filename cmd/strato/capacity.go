package main

import (
	"bufio"
	"errors"
	"flag"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// overcommit is how many times the machine's vCPUs and memory the default
// capacity offers: guests are processes that mostly idle, so the defaults
// are generous; set --capacity-* to model a real host.
const overcommit = 64

// fallbackMemoryMiB is the machine memory assumed when /proc/meminfo is
// unreadable.
const fallbackMemoryMiB = 16 * 1024

// capacityFlags registers --capacity-vcpus and --capacity-memory-mib.
func capacityFlags(fs *flag.FlagSet, c *serveConfig) {
	vcpus, mem := defaultCapacity()
	fs.IntVar(&c.capacityVCPUs, "capacity-vcpus", vcpus,
		"vCPUs the host offers to instances of every API (0 = unlimited); default: 64 × the machine's CPUs")
	fs.Int64Var(&c.capacityMemoryMiB, "capacity-memory-mib", mem,
		"memory (MiB) the host offers to instances of every API (0 = unlimited); default: 64 × the machine's memory")
}

func (c *serveConfig) validateCapacity() error {
	if c.capacityVCPUs < 0 || c.capacityMemoryMiB < 0 {
		return errors.New("--capacity-vcpus and --capacity-memory-mib must not be negative")
	}
	return nil
}

// defaultCapacity is overcommit × the machine's CPUs and memory.
func defaultCapacity() (vcpus int, memoryMiB int64) {
	return overcommit * runtime.NumCPU(), overcommit * machineMemoryMiB()
}

// machineMemoryMiB reads MemTotal from /proc/meminfo.
func machineMemoryMiB() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return fallbackMemoryMiB
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest) // "16318428 kB"
		if len(fields) == 2 && fields[1] == "kB" {
			if kb, err := strconv.ParseInt(fields[0], 10, 64); err == nil && kb > 0 {
				return kb / 1024
			}
		}
	}
	return fallbackMemoryMiB
}
