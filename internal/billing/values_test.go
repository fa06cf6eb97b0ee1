package billing

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestDecimalFromFloat(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{"two places come back exact", 1234.56, "1234.56"},
		{"a classic float trap", 0.1 + 0.2, "0.30"},
		{"negative", -17.5, "-17.50"},
		{"four places", 0.3333, "0.3333"},
		{"beyond four places rounds half away from zero", 2.00005, "2.0001"},
		{"hours from seconds", 1200.0 / 3600.0, "0.3333"},
		{"large but exact", 899_999_999_999.99, "899999999999.99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := DecimalFromFloat(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e12, -1e15} {
		if _, err := DecimalFromFloat(bad); err == nil {
			t.Errorf("DecimalFromFloat(%v) succeeded", bad)
		}
	}
	if _, err := DecimalFromFloat(1e12); !errors.Is(err, ErrDecimalRange) {
		t.Errorf("1e12: error %v, want ErrDecimalRange", err)
	}
}

func TestDecimalSumsAreExact(t *testing.T) {
	var sum Decimal
	for range 1000 {
		d, _ := DecimalFromFloat(0.01)
		sum += d
	}
	if sum.String() != "10.00" {
		t.Errorf("1000 × 0.01 = %s", sum)
	}
	var f float64
	for range 1000 {
		f += 0.01
	}
	if f == 10 {
		t.Log("float64 happened to be exact here")
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"1234.5", "1234.50", false},
		{" -0.25 ", "-0.25", false},
		{"+7", "7.00", false},
		{".5", "0.50", false},
		{"5.", "5.00", false},
		{"0.00005", "0.0001", false},
		{"0.00004", "0.00", false},
		{"-1.23456", "-1.2346", false},
		{"000000000000001", "1.00", false},
		{"", "", true},
		{"-", "", true},
		{".", "", true},
		{"1,234.50", "", true},
		{"1e3", "", true},
		{"12a", "", true},
		{"1.2.3", "", true},
		{"1000000000000", "", true},
	}
	for _, tt := range tests {
		d, err := ParseDecimal(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseDecimal(%q) = %s, want an error", tt.in, d)
			}
			continue
		}
		if err != nil || d.String() != tt.want {
			t.Errorf("ParseDecimal(%q) = %s, %v; want %s", tt.in, d, err, tt.want)
		}
	}
}

func TestDecimalFormatting(t *testing.T) {
	d := func(s string) Decimal { return dec(t, s) }
	tests := []struct {
		name, got, want string
	}{
		{"fixed rounds half away from zero", d("2.345").Fixed(2), "2.35"},
		{"fixed rounds negatives away from zero", d("-2.345").Fixed(2), "-2.35"},
		{"fixed pads", d("3").Fixed(3), "3.000"},
		{"fixed to whole", d("2.5").Fixed(0), "3"},
		{"format groups thousands", d("1234567.891").Format(2), "1,234,567.89"},
		{"format small", d("999.999").Format(2), "1,000.00"},
		{"format negative", d("-1234.5").Format(2), "-1,234.50"},
		{"format zero places", d("120000").Format(0), "120,000"},
		{"string keeps two places", d("12.5").String(), "12.50"},
		{"string keeps significant places", d("0.125").String(), "0.125"},
		{"string of zero", Decimal(0).String(), "0.00"},
		{"rounding to a negative zero reads zero", d("-0.004").Fixed(2), "0.00"},
		{"NewDecimal cents", NewDecimal(12345, 2).String(), "123.45"},
		{"NewDecimal beyond four places", NewDecimal(-123456, 5).String(), "-1.2346"},
		{"money in euros", Money{Amount: d("1234.5"), Currency: "EUR"}.String(), "EUR 1,234.50"},
		{"money in yen", Money{Amount: d("120000"), Currency: "JPY"}.String(), "JPY 120,000"},
		{"money in dinars", Money{Amount: d("1.2345"), Currency: "kwd"}.String(), "kwd 1.235"},
		{"money without a currency", Money{Amount: d("5")}.String(), "5.00"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if got := d("1.5").Float64(); got != 1.5 {
		t.Errorf("Float64 = %v", got)
	}
	if d("-1").Sign() != -1 || Decimal(0).Sign() != 0 || d("1").Sign() != 1 {
		t.Error("Sign")
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"2025-01-31", "2025-01-31", false},
		{" 2024-02-29 ", "2024-02-29", false},
		{"9999-12-31", "9999-12-31", false},
		{"2025-02-29", "", true},
		{"2025-13-01", "", true},
		{"31/01/2025", "", true},
		{"2025-1-5", "", true},
		{"0000-01-01", "", true},
		{"yesterday", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		d, err := ParseDate(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseDate(%q) = %v, want an error", tt.in, d)
			}
			continue
		}
		if err != nil || d.String() != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v", tt.in, d, err)
		}
	}
}

func TestToday(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	newYork, _ := time.LoadLocation("America/New_York")
	auckland, _ := time.LoadLocation("Pacific/Auckland")
	now := time.Date(2025, 2, 28, 23, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		loc  *time.Location
		want string
	}{
		{"UTC", time.UTC, "2025-02-28"},
		{"nil means UTC", nil, "2025-02-28"},
		{"Berlin is already in March", berlin, "2025-03-01"},
		{"New York is still in February", newYork, "2025-02-28"},
		{"Auckland", auckland, "2025-03-01"},
	}
	for _, tt := range tests {
		if got := Today(now, tt.loc).String(); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	if got := day(t, "2024-02-10").AddDays(20).String(); got != "2024-03-01" {
		t.Errorf("AddDays = %s", got)
	}
	// Across a daylight-saving change days still count whole.
	if n := day(t, "2025-04-01").DaysSince(day(t, "2025-03-20")); n != 12 {
		t.Errorf("DaysSince = %d", n)
	}
	first, last := day(t, "2024-02-15").MonthRange()
	if first.String() != "2024-02-01" || last.String() != "2024-02-29" {
		t.Errorf("MonthRange = %s..%s", first, last)
	}
	if !(Date{}).Before(day(t, "0001-01-01")) || !(Date{}).IsZero() || (Date{}).String() != "" || !(Date{}).Time().IsZero() {
		t.Error("zero Date")
	}
	if got := DateOf(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)); got != day(t, "2025-03-01") {
		t.Errorf("DateOf = %v", got)
	}
}
