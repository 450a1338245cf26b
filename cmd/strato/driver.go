package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"

	"strato/internal/clock"
	"strato/internal/driver"
	"strato/internal/driver/process"
	"strato/internal/driver/sandbox"
	"strato/internal/driver/sandbox/image"
	"strato/internal/driver/sandbox/netconf"
)

// Driver names for --driver.
const (
	driverAuto    = "auto"
	driverSandbox = sandbox.Name
	driverProcess = process.Name
)

// newDriver builds the driver --driver names. "auto" picks the sandbox
// driver where this host can run it (root, namespaces, cgroups) and says
// why not otherwise, falling back to the process driver.
func newDriver(c *serveConfig, privCIDR netip.Prefix, images *image.Store, clk clock.Clock, log *slog.Logger) (driver.Driver, error) {
	name := c.driver
	if name == driverAuto {
		name = driverSandbox
		if err := sandbox.Probe(); err != nil {
			log.Warn("sandbox driver unavailable on this host; instances run as plain processes without isolation",
				"reason", err.Error())
			name = driverProcess
		}
	}
	switch name {
	case driverProcess:
		return process.New(process.Config{DataDir: filepath.Join(c.dataDir, "driver"), Clock: clk, Logger: log})
	case driverSandbox:
		gw := privCIDR.Masked().Addr().Next() // the address the clouds reserve for the VPC router
		net := &sandbox.Network{Bridge: c.bridge, Gateway: netip.PrefixFrom(gw, privCIDR.Bits())}
		dataDir, err := filepath.Abs(c.dataDir)
		if err != nil {
			return nil, err
		}
		d, err := sandbox.New(sandbox.Config{
			DataDir:  filepath.Join(dataDir, "sandbox"),
			HideDirs: []string{dataDir}, // the database and its keys

			Images:                 images,
			Network:                net,
			MetadataTokensRequired: c.imdsTokens == "required",
			Clock:                  clk,
			Logger:                 log,
		})
		if err != nil {
			return nil, err
		}
		if c.nat {
			ok, reason, err := netconf.EnableNAT(netconf.Bridge{Name: net.Bridge, Gateway: net.Gateway})
			switch {
			case err != nil:
				log.Warn("outbound NAT for instances failed", "err", err)
			case !ok:
				log.Warn("no outbound NAT for instances", "reason", reason)
			default:
				log.Info("outbound NAT for instances", "network", privCIDR.Masked().String())
			}
		}
		caps := d.Capabilities()
		log.Info("sandbox driver", "bridge", net.Bridge, "gateway", net.Gateway.String(),
			"isolation", caps.Isolation, "hibernate", caps.Hibernate, "hibernate_note", caps.HibernateNote)
		return d, nil
	default:
		return nil, fmt.Errorf("--driver: unknown driver %q (want auto, sandbox or process)", c.driver)
	}
}

// validateDriverFlags checks the driver flags before anything starts.
func (c *serveConfig) validateDriverFlags() error {
	switch c.driver {
	case driverAuto, driverSandbox, driverProcess:
	default:
		return fmt.Errorf("--driver: unknown driver %q (want auto, sandbox or process)", c.driver)
	}
	if c.bridge == "" || len(c.bridge) > 15 {
		return errors.New("--bridge: an interface name of 1 to 15 characters is needed")
	}
	switch c.imdsTokens {
	case "optional", "required":
	default:
		return fmt.Errorf("--imds-tokens: %q is not optional or required", c.imdsTokens)
	}
	return nil
}
