package billing

import (
	"context"
	"errors"

	"github.com/portico-dev/portico/internal/catalog"
)

// How many recent rows the dashboard lists.
const (
	RecentInvoices    = 5
	RecentTimeEntries = 10
)

// Summary is the dashboard's view of the client-portal sections. A
// section is nil when no dataset has its role, or when its data is
// unavailable (then its role is listed in Unavailable).
type Summary struct {
	Today       Date
	Projects    *ProjectSummary
	Invoices    *InvoiceSummary
	Time        *TimeSummary
	Unavailable []catalog.Role
}

// ProjectSummary counts projects.
type ProjectSummary struct {
	Active int
	All    int
}

// InvoiceSummary is the customer's open invoices and the latest ones.
type InvoiceSummary struct {
	// Open adds up the unpaid invoices per currency: count, balance due,
	// and the overdue part (Overdue, OverdueCount).
	Open []CurrencyTotal
	// OpenCount and OverdueCount count across currencies (counts add up;
	// amounts never do).
	OpenCount, OverdueCount int
	// Recent are the newest invoices, paid or not.
	Recent []Invoice
}

// TimeSummary is hours this month and last month, and the latest entries.
type TimeSummary struct {
	ThisMonth, LastMonth HoursTotal
	Recent               []TimeEntry
}

// Summary reads every configured section for the dashboard. A section
// whose data is unavailable is left out and named in Unavailable, so the
// others still show; any other error is returned.
func (b *Book) Summary(ctx context.Context) (*Summary, error) {
	s := &Summary{Today: b.today}
	skip := func(role catalog.Role, err error) (bool, error) {
		switch {
		case err == nil:
			return false, nil
		case errors.Is(err, ErrNotConfigured):
			return true, nil
		case errors.Is(err, ErrUnavailable):
			s.Unavailable = append(s.Unavailable, role)
			return true, nil
		}
		return true, err
	}

	projects, err := b.Projects(ctx)
	if stop, err := skip(catalog.RoleProjects, err); err != nil {
		return nil, err
	} else if !stop {
		ps := &ProjectSummary{All: len(projects)}
		for _, p := range projects {
			if p.Active {
				ps.Active++
			}
		}
		s.Projects = ps
	}

	invoices, err := b.Invoices(ctx, InvoiceQuery{})
	if stop, err := skip(catalog.RoleInvoices, err); err != nil {
		return nil, err
	} else if !stop {
		is := &InvoiceSummary{}
		var open []Invoice
		for _, inv := range invoices.Invoices {
			if inv.Status == Unpaid {
				open = append(open, inv)
				is.OpenCount++
				if inv.Overdue {
					is.OverdueCount++
				}
			}
		}
		is.Open = Totals(open)
		is.Recent = invoices.Invoices[:min(RecentInvoices, len(invoices.Invoices))]
		s.Invoices = is
	}

	entries, err := b.TimeEntries(ctx, TimeEntryFilter{})
	if stop, err := skip(catalog.RoleTimeEntries, err); err != nil {
		return nil, err
	} else if !stop {
		first, last := b.today.MonthRange()
		prevFirst, prevLast := first.AddDays(-1).MonthRange()
		s.Time = &TimeSummary{
			ThisMonth: SumHours(FilterTimeEntries(entries.Entries, TimeEntryFilter{From: first, To: last})),
			LastMonth: SumHours(FilterTimeEntries(entries.Entries, TimeEntryFilter{From: prevFirst, To: prevLast})),
			Recent:    entries.Entries[:min(RecentTimeEntries, len(entries.Entries))],
		}
	}
	return s, nil
}
