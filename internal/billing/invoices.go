package billing

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/dataset"
)

// InvoiceStatus is what an invoice's ERP status means to the customer.
// Only paid and unpaid invoices exist here: drafts, cancelled invoices and
// invoices whose status the configuration does not map are dropped when
// the rows are read, so no list, lookup, count or total can include them.
type InvoiceStatus string

// Invoice statuses.
const (
	Paid   InvoiceStatus = "paid"
	Unpaid InvoiceStatus = "unpaid"
)

// Invoice is one invoice the customer may see.
type Invoice struct {
	ID        string // the id in its URL (/invoices/{id})
	Number    string
	Customer  string // the ERP customer key
	Status    InvoiceStatus
	ERPStatus string // the ERP's own status value, as returned
	IssueDate Date
	DueDate   Date // zero when the ERP gives none; such an invoice is never overdue
	Currency  string
	ProjectID string // "" when the dataset has no project_id or the invoice none

	// Amounts, all in Currency. Without a subtotal column, Subtotal is
	// Total − Tax; without a tax column, Tax is zero.
	Subtotal, Tax, Total Decimal
	// AmountPaid is what was paid. A paid invoice whose ERP amount is lower
	// than its total (many ERPs only set the status) reads as paid in full.
	AmountPaid Decimal
	// Balance is what is still due: Total − AmountPaid for an unpaid
	// invoice, never below zero; zero for a paid one.
	Balance Decimal

	// PartiallyPaid is an unpaid invoice with a payment on it.
	PartiallyPaid bool
	// Overdue is an unpaid invoice whose due date is before today (due
	// today is not overdue); DaysOverdue counts the days since.
	Overdue     bool
	DaysOverdue int

	// Row is the invoice's row in the snapshot it was read from.
	Row int
}

// Amount returns d in the invoice's currency.
func (i Invoice) Amount(d Decimal) Money { return Money{Amount: d, Currency: i.Currency} }

// settle applies the status rules for the day today.
func (i *Invoice) settle(today Date) {
	i.PartiallyPaid, i.Overdue, i.DaysOverdue = false, false, 0
	switch i.Status {
	case Paid:
		if i.AmountPaid < i.Total {
			i.AmountPaid = i.Total
		}
		i.Balance = 0
	default:
		i.Balance = max(i.Total-i.AmountPaid, 0)
		i.PartiallyPaid = i.AmountPaid > 0
		if !i.DueDate.IsZero() && !today.IsZero() && i.DueDate.Before(today) {
			i.Overdue = true
			i.DaysOverdue = today.DaysSince(i.DueDate)
		}
	}
}

// InvoiceSet is the invoices of one snapshot that the customer may see.
type InvoiceSet struct {
	// Invoices are the paid and unpaid invoices, newest first.
	Invoices []Invoice
	// Unmapped lists the ERP status values no category maps, sorted; their
	// invoices are hidden. It is for the operator's log, never for pages.
	Unmapped []string
}

// ReadInvoices reads an invoices snapshot (already scoped to the account)
// and applies the status rules for the day today. Draft and cancelled
// invoices are dropped, and so are invoices whose status is mapped to
// nothing: an unknown status might be a draft or a void, and showing it as
// owed (or as paid) would be wrong either way, so it is hidden until the
// configuration maps it. Rows without an id are dropped, since they could
// not be opened.
func ReadInvoices(snap *dataset.Snapshot, statuses catalog.StatusMap, today Date) (*InvoiceSet, error) {
	r, err := newRowReader(snap, catalog.RoleInvoices)
	if err != nil {
		return nil, err
	}
	set := &InvoiceSet{}
	unmapped := map[string]bool{}
	for row := range snap.Len() {
		raw := r.text(row, "status")
		cat, ok := statuses.Category(raw)
		switch {
		case !ok:
			unmapped[raw] = true
			continue
		case cat == catalog.StatusPaid, cat == catalog.StatusUnpaid:
		default:
			continue // draft, cancelled
		}
		inv := Invoice{
			ID: r.text(row, "id"), Number: r.text(row, "number"), Customer: r.text(row, "customer"),
			Status: InvoiceStatus(cat), ERPStatus: raw, IssueDate: r.date(row, "issue_date"), DueDate: r.date(row, "due_date"),
			Currency: strings.ToUpper(strings.TrimSpace(r.text(row, "currency"))), ProjectID: r.text(row, "project_id"), Row: row,
		}
		if inv.ID == "" {
			continue
		}
		var hasSub, hasTax bool
		for _, f := range []struct {
			name string
			to   *Decimal
			has  *bool
		}{{"total", &inv.Total, nil}, {"amount_paid", &inv.AmountPaid, nil}, {"subtotal", &inv.Subtotal, &hasSub}, {"tax", &inv.Tax, &hasTax}} {
			d, ok, err := r.decimal(row, f.name)
			if err != nil {
				return nil, err
			}
			*f.to = d
			if f.has != nil {
				*f.has = ok
			}
		}
		if !hasSub {
			inv.Subtotal = inv.Total - inv.Tax
		}
		inv.settle(today)
		set.Invoices = append(set.Invoices, inv)
	}
	SortInvoices(set.Invoices, InvoiceSort{})
	set.Unmapped = sortedKeys(unmapped)
	return set, nil
}

// Find returns the invoice with that id. Another customer's invoice is
// not in a scoped set, and a draft is not in any set, so both give
// ErrNotFound exactly as an id that never existed does.
func (s *InvoiceSet) Find(id string) (Invoice, error) {
	if id != "" {
		for _, inv := range s.Invoices {
			if inv.ID == id {
				return inv, nil
			}
		}
	}
	return Invoice{}, ErrNotFound
}

// Invoice status filters, as the invoices page offers them.
const (
	FilterAll     = "all"
	FilterPaid    = "paid"
	FilterUnpaid  = "unpaid"
	FilterOverdue = "overdue"
)

// InvoiceFilters lists the status filters in the order tabs show them.
var InvoiceFilters = []string{FilterAll, FilterPaid, FilterUnpaid, FilterOverdue}

// ParseInvoiceFilter reads a status filter; "" is all. Anything else is
// an error saying what is accepted.
func ParseInvoiceFilter(s string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if v == "" {
		return FilterAll, nil
	}
	if slices.Contains(InvoiceFilters, v) {
		return v, nil
	}
	return "", &FilterError{Field: "status", Message: fmt.Sprintf("%q is not a status filter; use all, paid, unpaid or overdue", s)}
}

// InvoiceMatches reports whether an invoice passes a status filter (one that
// ParseInvoiceFilter accepted): overdue invoices are also unpaid.
func InvoiceMatches(inv Invoice, filter string) bool {
	switch filter {
	case FilterPaid:
		return inv.Status == Paid
	case FilterUnpaid:
		return inv.Status == Unpaid
	case FilterOverdue:
		return inv.Overdue
	}
	return true
}

// InvoiceCounts are how many invoices each status filter shows.
type InvoiceCounts struct {
	All, Paid, Unpaid, Overdue int
}

// CountInvoices counts invoices per status filter.
func CountInvoices(list []Invoice) InvoiceCounts {
	var c InvoiceCounts
	for _, inv := range list {
		c.All++
		if inv.Status == Paid {
			c.Paid++
		} else {
			c.Unpaid++
		}
		if inv.Overdue {
			c.Overdue++
		}
	}
	return c
}

// CurrencyTotal adds up the invoices of one currency. Amounts in
// different currencies are never added together.
type CurrencyTotal struct {
	Currency     string
	Count        int     // invoices
	Total        Decimal // sum of totals
	Paid         Decimal // sum of amounts paid
	Balance      Decimal // sum of balances due
	Overdue      Decimal // sum of the balances of overdue invoices
	OverdueCount int
}

// Money returns d in the total's currency.
func (t CurrencyTotal) Money(d Decimal) Money { return Money{Amount: d, Currency: t.Currency} }

// Totals adds up invoices per currency, sorted by currency code.
func Totals(list []Invoice) []CurrencyTotal {
	at := map[string]int{}
	var out []CurrencyTotal
	for _, inv := range list {
		i, ok := at[inv.Currency]
		if !ok {
			i = len(out)
			at[inv.Currency] = i
			out = append(out, CurrencyTotal{Currency: inv.Currency})
		}
		t := &out[i]
		t.Count++
		t.Total += inv.Total
		t.Paid += inv.AmountPaid
		t.Balance += inv.Balance
		if inv.Overdue {
			t.Overdue += inv.Balance
			t.OverdueCount++
		}
	}
	slices.SortFunc(out, func(a, b CurrencyTotal) int { return strings.Compare(a.Currency, b.Currency) })
	return out
}

// Invoice sort keys.
const (
	SortIssueDate = "issue_date"
	SortDueDate   = "due_date"
	SortNumber    = "number"
	SortTotal     = "total"
	SortBalance   = "balance"
	SortStatus    = "status"
)

var invoiceSortKeys = []string{SortIssueDate, SortDueDate, SortNumber, SortTotal, SortBalance, SortStatus}

// InvoiceSort is the order of an invoice list: one key, then newest issue
// date, then number. The zero InvoiceSort is newest first.
type InvoiceSort struct {
	Key  string // one of the Sort… keys; "" = issue date
	Desc bool
}

// ParseInvoiceSort reads "issue_date" or "-due_date" style sorts; "" is
// newest first.
func ParseInvoiceSort(s string) (InvoiceSort, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return InvoiceSort{Key: SortIssueDate, Desc: true}, nil
	}
	key, desc := strings.CutPrefix(t, "-")
	if !slices.Contains(invoiceSortKeys, key) {
		return InvoiceSort{}, &FilterError{Field: "sort", Message: fmt.Sprintf("%q is not a sort; use %s, with - in front for descending", s, strings.Join(invoiceSortKeys, ", "))}
	}
	return InvoiceSort{Key: key, Desc: desc}, nil
}

// String returns the sort as ParseInvoiceSort reads it.
func (s InvoiceSort) String() string {
	if s.Key == "" {
		return "-" + SortIssueDate
	}
	if s.Desc {
		return "-" + s.Key
	}
	return s.Key
}

// SortInvoices sorts in place, stably, by s; ties fall to the newest issue
// date, then the highest number, then the id, so the order never depends
// on the ERP's row order. Totals and balances of different currencies are
// compared as numbers, which is only an order, never a sum.
func SortInvoices(list []Invoice, s InvoiceSort) {
	if s.Key == "" {
		s = InvoiceSort{Key: SortIssueDate, Desc: true}
	}
	slices.SortStableFunc(list, func(a, b Invoice) int {
		var c int
		switch s.Key {
		case SortIssueDate:
			c = a.IssueDate.Compare(b.IssueDate)
		case SortDueDate:
			c = a.DueDate.Compare(b.DueDate)
		case SortNumber:
			c = compareIDs(a.Number, b.Number)
		case SortTotal:
			c = cmp.Compare(int64(a.Total), int64(b.Total))
		case SortBalance:
			c = cmp.Compare(int64(a.Balance), int64(b.Balance))
		case SortStatus:
			c = cmp.Compare(statusRank(a), statusRank(b))
		}
		if s.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		if c = b.IssueDate.Compare(a.IssueDate); c != 0 {
			return c
		}
		if c = compareIDs(b.Number, a.Number); c != 0 {
			return c
		}
		return compareIDs(a.ID, b.ID)
	})
}

// statusRank orders overdue, then other unpaid, then paid invoices.
func statusRank(i Invoice) int {
	switch {
	case i.Overdue:
		return 0
	case i.Status == Unpaid:
		return 1
	}
	return 2
}

// Line is one line of an invoice.
type Line struct {
	InvoiceID   string
	Customer    string
	Description string
	Quantity    Decimal
	UnitPrice   Decimal
	Amount      Decimal
	key         string // the dataset's key, for a stable order
	Row         int
}

// ReadLines reads an invoice_lines snapshot (already scoped).
func ReadLines(snap *dataset.Snapshot) ([]Line, error) {
	r, err := newRowReader(snap, catalog.RoleInvoiceLines)
	if err != nil {
		return nil, err
	}
	keyIdx := -1
	if _, i, ok := snap.Spec.Column(snap.Spec.KeyColumn); ok {
		keyIdx = i
	}
	lines := make([]Line, 0, snap.Len())
	for row := range snap.Len() {
		l := Line{InvoiceID: r.text(row, "invoice_id"), Customer: r.text(row, "customer"), Description: r.text(row, "description"), Row: row}
		if keyIdx >= 0 {
			l.key = r.textAt(row, keyIdx)
		}
		for _, f := range []struct {
			name string
			to   *Decimal
		}{{"quantity", &l.Quantity}, {"unit_price", &l.UnitPrice}, {"amount", &l.Amount}} {
			d, _, err := r.decimal(row, f.name)
			if err != nil {
				return nil, err
			}
			*f.to = d
		}
		lines = append(lines, l)
	}
	return lines, nil
}

// LinesOf returns the lines of an invoice, in the dataset's key order. A
// line must name the invoice's id and carry its customer: a line the SQL
// joined to another customer is never shown under this invoice.
func LinesOf(lines []Line, inv Invoice) []Line {
	var out []Line
	for _, l := range lines {
		if l.InvoiceID == inv.ID && l.Customer == inv.Customer {
			out = append(out, l)
		}
	}
	slices.SortStableFunc(out, func(a, b Line) int { return compareIDs(a.key, b.key) })
	return out
}

// InvoiceDetail is an invoice with its lines.
type InvoiceDetail struct {
	Invoice
	Lines []Line
	// LinesConfigured is false when no dataset has the invoice_lines role,
	// so the page can say lines are not available rather than "no lines".
	LinesConfigured bool
}
