package billing

import (
	"fmt"
	"slices"
	"strings"

	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/dataset"
)

// TimeEntry is one entry of time worked for the customer.
type TimeEntry struct {
	ID          string
	Customer    string
	ProjectID   string // "" for time billed to the customer directly
	Date        Date
	Hours       Decimal
	Description string
	Person      string
	Billable    bool
	// Row is the entry's row in the snapshot, so a grid built on the same
	// snapshot can be matched to entries.
	Row int
}

// ReadTimeEntries reads a time_entries snapshot (already scoped), newest
// first.
func ReadTimeEntries(snap *dataset.Snapshot) ([]TimeEntry, error) {
	r, err := newRowReader(snap, catalog.RoleTimeEntries)
	if err != nil {
		return nil, err
	}
	out := make([]TimeEntry, 0, snap.Len())
	for row := range snap.Len() {
		e := TimeEntry{ID: r.text(row, "id"), Customer: r.text(row, "customer"), ProjectID: r.text(row, "project_id"),
			Date: r.date(row, "date"), Description: r.text(row, "description"), Person: r.text(row, "person"),
			Billable: r.boolean(row, "billable"), Row: row}
		if e.Hours, _, err = r.decimal(row, "hours"); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	SortTimeEntries(out)
	return out, nil
}

// SortTimeEntries orders entries newest day first, then by id, highest
// first, so the order never depends on the ERP's row order.
func SortTimeEntries(list []TimeEntry) {
	slices.SortStableFunc(list, func(a, b TimeEntry) int {
		if c := b.Date.Compare(a.Date); c != 0 {
			return c
		}
		return compareIDs(b.ID, a.ID)
	})
}

// BillableFilter narrows time entries by billability.
type BillableFilter string

// Billable filters.
const (
	BillableAll BillableFilter = ""
	BillableYes BillableFilter = "yes"
	BillableNo  BillableFilter = "no"
)

// TimeEntryFilter narrows the time entries shown. The zero filter shows
// every entry.
type TimeEntryFilter struct {
	ProjectID string // "" = every project
	// From and To bound the entry's day, both inclusive; a zero Date
	// leaves that side open.
	From, To Date
	Billable BillableFilter
}

// FilterError is a filter parameter that cannot be used, with a message
// for the person who typed it (the page shows it next to the field).
type FilterError struct {
	Field   string // the parameter: "from", "to", "billable", "status", "sort"
	Message string
}

func (e *FilterError) Error() string { return e.Field + ": " + e.Message }

// ParseTimeEntryFilter reads a filter as a form sends it: a project id,
// two days written YYYY-MM-DD (either may be empty) and billable ("",
// "all", "yes" or "no"). Days are calendar days, the same in every time
// zone, as the ERP records them; one far in the future is fine (it
// matches nothing yet). A start after the end is an error rather than an
// empty list that would look like missing data.
func ParseTimeEntryFilter(projectID, from, to, billable string) (TimeEntryFilter, error) {
	f := TimeEntryFilter{ProjectID: strings.TrimSpace(projectID)}
	var err error
	if s := strings.TrimSpace(from); s != "" {
		if f.From, err = ParseDate(s); err != nil {
			return TimeEntryFilter{}, &FilterError{Field: "from", Message: "the start date " + err.Error()}
		}
	}
	if s := strings.TrimSpace(to); s != "" {
		if f.To, err = ParseDate(s); err != nil {
			return TimeEntryFilter{}, &FilterError{Field: "to", Message: "the end date " + err.Error()}
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.From.After(f.To) {
		return TimeEntryFilter{}, &FilterError{Field: "to", Message: fmt.Sprintf(
			"the start date %s is after the end date %s; the range runs from the earlier day to the later one, both included, so swap them", f.From, f.To)}
	}
	switch strings.ToLower(strings.TrimSpace(billable)) {
	case "", "all":
	case "yes", "true", "1":
		f.Billable = BillableYes
	case "no", "false", "0":
		f.Billable = BillableNo
	default:
		return TimeEntryFilter{}, &FilterError{Field: "billable", Message: fmt.Sprintf("%q is not a choice; use yes, no or all", billable)}
	}
	return f, nil
}

// Match reports whether an entry passes the filter.
func (f TimeEntryFilter) Match(e TimeEntry) bool {
	if f.ProjectID != "" && e.ProjectID != f.ProjectID {
		return false
	}
	if !f.From.IsZero() && e.Date.Before(f.From) {
		return false
	}
	if !f.To.IsZero() && e.Date.After(f.To) {
		return false
	}
	switch f.Billable {
	case BillableYes:
		return e.Billable
	case BillableNo:
		return !e.Billable
	}
	return true
}

// FilterTimeEntries returns the entries that pass the filter, in order.
func FilterTimeEntries(list []TimeEntry, f TimeEntryFilter) []TimeEntry {
	out := make([]TimeEntry, 0, len(list))
	for _, e := range list {
		if f.Match(e) {
			out = append(out, e)
		}
	}
	return out
}

// HoursTotal adds up time entries.
type HoursTotal struct {
	Entries     int
	Hours       Decimal
	Billable    Decimal
	NonBillable Decimal
}

// SumHours adds up the hours of entries.
func SumHours(list []TimeEntry) HoursTotal {
	var t HoursTotal
	for _, e := range list {
		t.Entries++
		t.Hours += e.Hours
		if e.Billable {
			t.Billable += e.Hours
		} else {
			t.NonBillable += e.Hours
		}
	}
	return t
}
