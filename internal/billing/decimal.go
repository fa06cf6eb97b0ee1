package billing

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Decimal is an exact decimal number with four decimal places, stored as
// an integer count of ten-thousandths: money, hours and quantities. Sums
// and differences are exact (0.1 + 0.2 is 0.3), which float64 is not.
// Four places hold every ISO 4217 currency's minor unit and the hours of
// time entries recorded in seconds closely enough that totals read right
// at two places. Values read from the ERP must lie within ±900 billion.
type Decimal int64

// DecimalScale is the number of Decimal units in one.
const DecimalScale = 10000

// maxDecimalAbs bounds what is read from the ERP: within it, float64 holds
// every value with four places exactly (2^53 ≈ 9.007e15 units), and
// thousands of values can be added without overflowing int64.
const maxDecimalAbs = 9e15

// ErrDecimalRange is returned for a number too large to hold exactly.
var ErrDecimalRange = errors.New("billing: number out of range (at most ±900 billion)")

// NewDecimal returns units × 10^-scale, rounded half away from zero to
// four places; NewDecimal(12345, 2) is 123.45.
func NewDecimal(units int64, scale int) Decimal {
	switch {
	case scale == 4:
		return Decimal(units)
	case scale < 4:
		for range 4 - scale {
			units *= 10
		}
		return Decimal(units)
	}
	div := int64(1)
	for range scale - 4 {
		div *= 10
	}
	q, r := units/div, units%div
	if 2*abs64(r) >= div {
		if units < 0 {
			q--
		} else {
			q++
		}
	}
	return Decimal(q)
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// DecimalFromFloat converts a number as the dataset engine holds it,
// rounded half away from zero to four places. Rounding recovers the exact
// decimal the ERP stored (12.34 comes back as exactly 12.34). NaN and
// infinities are errors, as are numbers beyond ±900 billion.
func DecimalFromFloat(f float64) (Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("billing: %v is not a number", f)
	}
	v := math.Round(f * DecimalScale)
	if math.Abs(v) > maxDecimalAbs {
		return 0, ErrDecimalRange
	}
	return Decimal(v), nil
}

// ParseDecimal reads a plain decimal such as "1234.5", "-0.25" or "7";
// digits beyond the fourth place are rounded half away from zero.
// Thousands separators and exponents are refused.
func ParseDecimal(s string) (Decimal, error) {
	t := strings.TrimSpace(s)
	neg := false
	switch {
	case strings.HasPrefix(t, "-"):
		neg, t = true, t[1:]
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	}
	whole, frac, _ := strings.Cut(t, ".")
	if whole == "" && frac == "" || !allDigits(whole) || !allDigits(frac) {
		return 0, fmt.Errorf("billing: %q is not a decimal number", s)
	}
	if len(strings.TrimLeft(whole, "0")) > 12 {
		return 0, ErrDecimalRange
	}
	var units int64
	for _, c := range whole {
		units = units*10 + int64(c-'0')
	}
	for i := range 4 {
		units *= 10
		if i < len(frac) {
			units += int64(frac[i] - '0')
		}
	}
	if len(frac) > 4 && frac[4] >= '5' {
		units++
	}
	if units > maxDecimalAbs {
		return 0, ErrDecimalRange
	}
	if neg {
		units = -units
	}
	return Decimal(units), nil
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Round returns d rounded half away from zero to places decimals (0 to 4).
func (d Decimal) Round(places int) Decimal {
	places = min(max(places, 0), 4)
	step := int64(1)
	for range 4 - places {
		step *= 10
	}
	u := int64(d)
	q, r := u/step, u%step
	if 2*abs64(r) >= step {
		if u < 0 {
			q--
		} else {
			q++
		}
	}
	return Decimal(q * step)
}

// Fixed formats d with exactly places decimals (0 to 4), rounded half
// away from zero, without grouping: "1234.50". It is what exports and
// machine-readable attributes want.
func (d Decimal) Fixed(places int) string { return d.format(places, false) }

// Format formats d with exactly places decimals (0 to 4), rounded half
// away from zero, with thousands grouped by commas: "1,234.50".
func (d Decimal) Format(places int) string { return d.format(places, true) }

// String formats d with at least two decimals and at most four, dropping
// trailing zeros beyond the second: "12.50", "0.3333", "-3.00".
func (d Decimal) String() string {
	places := 4
	for places > 2 && int64(d)%pow10(4-places+1) == 0 {
		places--
	}
	return d.format(places, false)
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

func (d Decimal) format(places int, group bool) string {
	places = min(max(places, 0), 4)
	u := int64(d.Round(places))
	neg := u < 0
	if neg {
		u = -u
	}
	whole, frac := u/DecimalScale, u%DecimalScale
	w := strconv.FormatInt(whole, 10)
	if group && len(w) > 3 {
		var b strings.Builder
		lead := len(w) % 3
		if lead > 0 {
			b.WriteString(w[:lead])
		}
		for i := lead; i < len(w); i += 3 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(w[i : i+3])
		}
		w = b.String()
	}
	s := w
	if places > 0 {
		f := strconv.FormatInt(frac+DecimalScale, 10)[1:] // four digits with leading zeros
		s += "." + f[:places]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Float64 returns d as a float, for charts and ratios; never for money
// arithmetic.
func (d Decimal) Float64() float64 { return float64(d) / DecimalScale }

// Sign returns -1, 0 or +1.
func (d Decimal) Sign() int {
	switch {
	case d < 0:
		return -1
	case d > 0:
		return 1
	}
	return 0
}

// currencyDecimals are the ISO 4217 currencies whose minor unit is not
// two decimals; every other code (and an unknown one) uses two.
var currencyDecimals = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

// CurrencyDecimals returns how many decimals amounts in an ISO 4217
// currency are shown with: 0 for JPY, 3 for KWD, 2 for EUR and for any
// code it does not know.
func CurrencyDecimals(code string) int {
	if n, ok := currencyDecimals[strings.ToUpper(strings.TrimSpace(code))]; ok {
		return n
	}
	return 2
}

// Money is an amount in a currency. Amounts in different currencies are
// never added together; totals come per currency (see CurrencyTotal).
type Money struct {
	Amount   Decimal
	Currency string // ISO 4217 code as the ERP gives it; may be empty
}

// String formats the amount with the currency's decimals, grouped, after
// its code: "EUR 1,234.50", "JPY 120,000". Without a currency code it is
// the number alone.
func (m Money) String() string {
	n := m.Amount.Format(CurrencyDecimals(m.Currency))
	if m.Currency == "" {
		return n
	}
	return m.Currency + " " + n
}
