package metering

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"slices"
	"strings"
)

// defaultPriceFile is the built-in price catalog. A user's file (strato
// serve --prices FILE) has the same format and overrides it key by key.
//
//go:embed prices.json
var defaultPriceFile []byte

// HoursPerMonth defines a GB-month for storage prices: 730 hours, as AWS's
// price calculator counts a month. A 1 GiB volume kept for 730 hours costs
// exactly one GB-month price.
const HoursPerMonth = 730

// Platforms a price file may name.
const (
	PlatformLinux   = "linux"
	PlatformWindows = "windows"
)

// PriceFile is the JSON format of a price catalog. Prices are decimal
// strings (or number literals; either is read exactly) in US dollars:
//
//	{
//	  "currency": "USD",
//	  "default_hourly": "0.10",                       // a type not listed below
//	  "instance_types": {"t3.micro": "0.0104"},       // per hour, Linux
//	  "platforms": {"windows": {"multiplier": "1", "extra_hourly_per_vcpu": "0.0046"}},
//	  "storage": {"gb_month": "0.08"},                // per GiB and 730 hours
//	  "reservation": {"multiplier": "1"}              // KeepCharging: times the compute price
//	}
//
// A platform's hourly price for a type is
// instance_types[type] × multiplier + extra_hourly_per_vcpu × vCPUs.
type PriceFile struct {
	Currency      string                  `json:"currency,omitempty"`
	DefaultHourly *Decimal                `json:"default_hourly,omitempty"`
	InstanceTypes map[string]Decimal      `json:"instance_types,omitempty"`
	Platforms     map[string]PlatformRule `json:"platforms,omitempty"`
	Storage       *StorageRule            `json:"storage,omitempty"`
	Reservation   *ReservationRule        `json:"reservation,omitempty"`
}

// PlatformRule prices a platform relative to the Linux price of a type.
type PlatformRule struct {
	Multiplier         *Decimal `json:"multiplier,omitempty"`
	ExtraHourlyPerVCPU *Decimal `json:"extra_hourly_per_vcpu,omitempty"`
}

// StorageRule prices volumes.
type StorageRule struct {
	GBMonth *Decimal `json:"gb_month,omitempty"`
}

// ReservationRule prices a stopped instance that keeps its resources
// (Alibaba ECS StoppedMode=KeepCharging).
type ReservationRule struct {
	Multiplier *Decimal `json:"multiplier,omitempty"`
}

// Prices is a resolved, validated price catalog. It is read-only.
type Prices struct {
	defaultHourly Decimal
	types         map[string]Decimal
	platforms     map[string]platformPrice
	storageGBMo   Decimal
	reserveMult   Decimal
}

type platformPrice struct {
	mult, perVCPU Decimal
}

// DefaultPrices returns the built-in catalog.
func DefaultPrices() *Prices {
	p, err := LoadPrices(nil)
	if err != nil {
		panic(fmt.Sprintf("metering: built-in prices: %v", err))
	}
	return p
}

// LoadPrices returns the built-in catalog with the user's price file (JSON,
// nil for none) laid over it: every price the file names replaces the
// built-in one, the rest stay. The file is validated strictly: unknown
// fields, a currency other than USD, negative or malformed numbers and
// unknown platforms are errors.
func LoadPrices(override []byte) (*Prices, error) {
	base, err := ParsePriceFile(defaultPriceFile)
	if err != nil {
		return nil, fmt.Errorf("built-in prices: %w", err)
	}
	if override != nil {
		user, err := ParsePriceFile(override)
		if err != nil {
			return nil, err
		}
		base.merge(user)
	}
	return base.resolve()
}

// ParsePriceFile decodes and checks one price file.
func ParsePriceFile(b []byte) (*PriceFile, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f PriceFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("price file: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("price file: data after the JSON object")
	}
	if f.Currency != "" && f.Currency != "USD" {
		return nil, fmt.Errorf("price file: currency %q: only USD is supported", f.Currency)
	}
	for name := range f.InstanceTypes {
		if strings.TrimSpace(name) == "" {
			return nil, errors.New("price file: an instance type name is empty")
		}
	}
	for name := range f.Platforms {
		if name != PlatformLinux && name != PlatformWindows {
			return nil, fmt.Errorf("price file: unknown platform %q (linux or windows)", name)
		}
	}
	return &f, nil
}

// merge lays o over f.
func (f *PriceFile) merge(o *PriceFile) {
	if o.DefaultHourly != nil {
		f.DefaultHourly = o.DefaultHourly
	}
	if f.InstanceTypes == nil {
		f.InstanceTypes = map[string]Decimal{}
	}
	maps.Copy(f.InstanceTypes, o.InstanceTypes)
	if f.Platforms == nil {
		f.Platforms = map[string]PlatformRule{}
	}
	for name, r := range o.Platforms {
		cur := f.Platforms[name]
		if r.Multiplier != nil {
			cur.Multiplier = r.Multiplier
		}
		if r.ExtraHourlyPerVCPU != nil {
			cur.ExtraHourlyPerVCPU = r.ExtraHourlyPerVCPU
		}
		f.Platforms[name] = cur
	}
	if o.Storage != nil && o.Storage.GBMonth != nil {
		f.Storage = &StorageRule{GBMonth: o.Storage.GBMonth}
	}
	if o.Reservation != nil && o.Reservation.Multiplier != nil {
		f.Reservation = &ReservationRule{Multiplier: o.Reservation.Multiplier}
	}
}

// resolve checks that every price is there and builds Prices.
func (f *PriceFile) resolve() (*Prices, error) {
	if f.DefaultHourly == nil {
		return nil, errors.New("price file: default_hourly is required")
	}
	if f.Storage == nil || f.Storage.GBMonth == nil {
		return nil, errors.New("price file: storage.gb_month is required")
	}
	p := &Prices{
		defaultHourly: *f.DefaultHourly,
		types:         maps.Clone(f.InstanceTypes),
		platforms:     map[string]platformPrice{},
		storageGBMo:   *f.Storage.GBMonth,
		reserveMult:   mustDecimal("1"),
	}
	if f.Reservation != nil && f.Reservation.Multiplier != nil {
		p.reserveMult = *f.Reservation.Multiplier
	}
	for _, name := range []string{PlatformLinux, PlatformWindows} {
		pp := platformPrice{mult: mustDecimal("1"), perVCPU: mustDecimal("0")}
		if r, ok := f.Platforms[name]; ok {
			if r.Multiplier != nil {
				pp.mult = *r.Multiplier
			}
			if r.ExtraHourlyPerVCPU != nil {
				pp.perVCPU = *r.ExtraHourlyPerVCPU
			}
		}
		p.platforms[name] = pp
	}
	return p, nil
}

// Hourly returns the price of an hour of compute of instanceType on
// platform ("" is linux) with vcpus virtual CPUs, and whether the type has
// its own price (false: default_hourly was used).
func (p *Prices) Hourly(instanceType, platform string, vcpus int) (*big.Rat, bool) {
	base, known := p.types[instanceType]
	if !known {
		base = p.defaultHourly
	}
	pp, ok := p.platforms[normPlatform(platform)]
	if !ok {
		pp = p.platforms[PlatformLinux]
	}
	r := new(big.Rat).Mul(base.Rat(), pp.mult.Rat())
	extra := new(big.Rat).Mul(pp.perVCPU.Rat(), big.NewRat(int64(max(vcpus, 1)), 1))
	return r.Add(r, extra), known
}

// ReservationHourly is the hourly price of a kept reservation
// (KeepCharging): the compute price times reservation.multiplier.
func (p *Prices) ReservationHourly(instanceType, platform string, vcpus int) *big.Rat {
	h, _ := p.Hourly(instanceType, platform, vcpus)
	return h.Mul(h, p.reserveMult.Rat())
}

// StorageGBMonth is the price of one GiB kept for HoursPerMonth hours.
func (p *Prices) StorageGBMonth() *big.Rat { return p.storageGBMo.Rat() }

// File returns the resolved catalog in the price file format (for display).
func (p *Prices) File() PriceFile {
	f := PriceFile{Currency: "USD", InstanceTypes: maps.Clone(p.types), Platforms: map[string]PlatformRule{}}
	dh, gb, rm := p.defaultHourly, p.storageGBMo, p.reserveMult
	f.DefaultHourly, f.Storage, f.Reservation = &dh, &StorageRule{GBMonth: &gb}, &ReservationRule{Multiplier: &rm}
	for _, name := range slices.Sorted(maps.Keys(p.platforms)) {
		pp := p.platforms[name]
		f.Platforms[name] = PlatformRule{Multiplier: &pp.mult, ExtraHourlyPerVCPU: &pp.perVCPU}
	}
	return f
}

// normPlatform maps the log's platform ("" for Linux/UNIX) to a price key.
func normPlatform(p string) string {
	if p == "" {
		return PlatformLinux
	}
	return strings.ToLower(p)
}
