package billing

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// Date is a calendar day without a time zone: what an ERP's date columns
// hold (an invoice is due on the 31st wherever it is read). The zero Date
// means "no date".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar day of t's wall clock in t's own location.
// The dataset engine hands dates over as midnight UTC of the ERP's day, so
// DateOf gives that day back unchanged.
func DateOf(t time.Time) Date {
	if t.IsZero() {
		return Date{}
	}
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Today returns the calendar day it is at now in loc (the portal's
// configured time zone; nil means UTC). Overdue is decided against it.
func Today(now time.Time, loc *time.Location) Date {
	if loc == nil {
		loc = time.UTC
	}
	return DateOf(now.In(loc))
}

// ParseDate reads a day written YYYY-MM-DD, as date inputs send it. The
// day must exist (2025-02-29 does not) and the year must lie in 1–9999.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil || t.Year() < 1 {
		return Date{}, fmt.Errorf("%q is not a date; write it as YYYY-MM-DD, e.g. 2025-01-31", s)
	}
	y, m, d := t.Date()
	return Date{y, m, d}, nil
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight UTC of d, the form the dataset engine uses.
func (d Date) Time() time.Time {
	if d.IsZero() {
		return time.Time{}
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// String returns d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Format(time.DateOnly)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after o. The
// zero Date sorts before every day.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return cmp.Compare(d.Year, o.Year)
	case d.Month != o.Month:
		return cmp.Compare(int(d.Month), int(o.Month))
	}
	return cmp.Compare(d.Day, o.Day)
}

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is a later day than o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// AddDays returns the day n days after d (before, for negative n).
func (d Date) AddDays(n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// DaysSince returns how many days d is after o (negative when before).
func (d Date) DaysSince(o Date) int {
	return int(d.Time().Sub(o.Time()).Round(time.Hour).Hours() / 24)
}

// MonthRange returns the first and last day of d's month.
func (d Date) MonthRange() (first, last Date) {
	first = Date{d.Year, d.Month, 1}
	return first, DateOf(first.Time().AddDate(0, 1, -1))
}
