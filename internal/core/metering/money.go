package metering

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// NanosPerUSD is how many Amount units make a dollar.
const NanosPerUSD = 1_000_000_000

// Amount is an amount of US dollars in nano-dollars (1e-9 USD). Every line
// of a bill is computed exactly (math/big.Rat) and rounded once, half away
// from zero, to an Amount; totals are sums of Amounts, so a bill always adds
// up to the digit. It encodes in JSON as a number with the exact decimal
// digits ("0.000173333"), never through a float.
type Amount int64

// amountOf rounds an exact dollar amount to the nearest nano-dollar, half
// away from zero.
func amountOf(usd *big.Rat) Amount {
	n := new(big.Rat).Mul(usd, big.NewRat(NanosPerUSD, 1))
	num, den := n.Num(), n.Denom()
	neg := num.Sign() < 0
	abs := new(big.Int).Abs(num)
	q, r := new(big.Int).QuoRem(abs, den, new(big.Int))
	if new(big.Int).Lsh(r, 1).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return Amount(q.Int64())
}

// String renders the amount in dollars with up to nine decimals and at
// least two: "0.000173333", "1.50", "0.00", "-0.25".
func (a Amount) String() string {
	sign := ""
	v := int64(a)
	if v < 0 {
		sign, v = "-", -v
	}
	frac := fmt.Sprintf("%09d", v%NanosPerUSD)
	frac = strings.TrimRight(frac, "0")
	for len(frac) < 2 {
		frac += "0"
	}
	return sign + strconv.FormatInt(v/NanosPerUSD, 10) + "." + frac
}

// MarshalJSON writes the amount as a JSON number with its exact digits.
func (a Amount) MarshalJSON() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalJSON reads a JSON number (or a string holding one) exactly; more
// than nine decimals is an error.
func (a *Amount) UnmarshalJSON(b []byte) error {
	v, err := ParseAmount(strings.Trim(string(b), `"`))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

var amountRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]{1,9})?$`)

// ParseAmount reads a dollar amount such as "0.000173333" exactly.
func ParseAmount(s string) (Amount, error) {
	if !amountRE.MatchString(s) {
		return 0, fmt.Errorf("amount %q is not a decimal with at most nine decimals", s)
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	frac += strings.Repeat("0", 9-len(frac))
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > (1<<63-1)/NanosPerUSD-1 {
		return 0, fmt.Errorf("amount %q is out of range", s)
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := w*NanosPerUSD + f
	if neg {
		v = -v
	}
	return Amount(v), nil
}

// Decimal is a non-negative exact decimal read from text, such as a price
// of "0.0104" dollars an hour. It keeps the text it was read from.
type Decimal struct {
	r    *big.Rat
	text string
}

var decimalRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// ParseDecimal reads a non-negative decimal without exponent, e.g. "0.0104".
func ParseDecimal(s string) (Decimal, error) {
	if !decimalRE.MatchString(s) || len(s) > 40 {
		return Decimal{}, fmt.Errorf("%q is not a non-negative decimal number such as 0.0104", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return Decimal{}, fmt.Errorf("%q is not a decimal number", s)
	}
	return Decimal{r: r, text: s}, nil
}

// mustDecimal is ParseDecimal for constants.
func mustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Rat returns a copy of the exact value (zero for the zero Decimal).
func (d Decimal) Rat() *big.Rat {
	if d.r == nil {
		return new(big.Rat)
	}
	return new(big.Rat).Set(d.r)
}

// Equal reports whether d and o are the same number (go-cmp uses it).
func (d Decimal) Equal(o Decimal) bool { return d.Rat().Cmp(o.Rat()) == 0 }

// IsSet reports whether the decimal was read from text.
func (d Decimal) IsSet() bool { return d.r != nil }

// String returns the text the decimal was read from ("0" when unset).
func (d Decimal) String() string {
	if d.r == nil {
		return "0"
	}
	return d.text
}

// MarshalJSON writes the decimal as a JSON number with its exact digits.
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalJSON accepts a JSON string ("0.0104") or a number literal
// (0.0104); either way the digits are read exactly, never through a float.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	v, err := ParseDecimal(strings.Trim(string(b), `"`))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ratDecimal renders an exact rational that has a finite decimal expansion
// (prices are products and sums of decimals) as a Decimal.
func ratDecimal(r *big.Rat) Decimal {
	s := r.FloatString(30)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return Decimal{r: new(big.Rat).Set(r), text: s}
}
