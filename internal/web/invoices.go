package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/billing"
	"github.com/portico-dev/portico/internal/catalog"
)

// invoicesSection is the invoices' key in the page-view counts; the
// invoice pages and their PDFs count as views of it.
const invoicesSection = "/invoices"

// invoiceTab is one status filter tab with its count.
type invoiceTab struct {
	Label, Href string
	Count       int
	Current     bool
}

// invoiceColumn is one header cell of the invoices table; Href is empty
// for a column that does not sort.
type invoiceColumn struct {
	Label, Href, AriaSort, Align string
}

// invoiceBadge is an invoice's status as the customer reads it.
type invoiceBadge struct {
	Label, Class string
}

// invoiceRow is one invoice of the list, formatted.
type invoiceRow struct {
	Href, Number, IssueDate, DueDate string
	Status                           invoiceBadge
	Overdue                          bool
	Total, Paid, Balance             string
}

// invoiceTotal is the footer line of one currency.
type invoiceTotal struct {
	Currency                      string
	Count                         int
	Total, Paid, Balance, Overdue string
	HasOverdue                    bool
}

// invoicesView is everything the invoices page needs.
type invoicesView struct {
	Filter      string
	FilterLabel string
	Tabs        []invoiceTab
	Columns     []invoiceColumn
	Rows        []invoiceRow
	Totals      []invoiceTotal
	AsOf        time.Time
	Stale       bool
	Unavailable bool
	Problem     string // a bad parameter, explained
	ClearHref   string
}

// invoiceTabs are the status filters in the order the tabs show them.
var invoiceTabs = []struct{ filter, label string }{
	{billing.FilterAll, "All"}, {billing.FilterUnpaid, "Unpaid"}, {billing.FilterOverdue, "Overdue"}, {billing.FilterPaid, "Paid"},
}

// invoiceColumns are the list's columns: the sort key ("" = not
// sortable), whether it is a number, and the first direction a click asks
// for (dates and amounts newest/largest first).
var invoiceColumns = []struct {
	label, key string
	right      bool
	descFirst  bool
}{
	{"Invoice", billing.SortNumber, false, false},
	{"Issued", billing.SortIssueDate, false, true},
	{"Due", billing.SortDueDate, false, true},
	{"Status", billing.SortStatus, false, false},
	{"Total", billing.SortTotal, true, true},
	{"Paid", "", true, false},
	{"Balance", billing.SortBalance, true, true},
}

// showInvoices serves /invoices: the customer's invoices under a status
// filter, sortable, with totals per currency.
func (s *Server) showInvoices(w http.ResponseWriter, r *http.Request) {
	book := s.book(r)
	if !book.Configured(catalog.RoleInvoices) {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	status := http.StatusOK
	v := &invoicesView{ClearHref: "/invoices"}
	q := r.URL.Query()
	filter, ferr := billing.ParseInvoiceFilter(q.Get("status"))
	sort, serr := billing.ParseInvoiceSort(q.Get("sort"))
	for _, err := range []error{ferr, serr} {
		var fe *billing.FilterError
		if errors.As(err, &fe) {
			// Show the page with the problem explained and the default for
			// that parameter, like the grid: the customer carries on from
			// there.
			status = http.StatusBadRequest
			v.Problem = strings.TrimSpace(v.Problem + " " + fe.Message + ".")
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if ferr != nil {
		filter = billing.FilterAll
	}
	if serr != nil {
		sort, _ = billing.ParseInvoiceSort("")
	}
	s.recordView(r, invoicesSection)
	v.Filter = filter
	list, err := book.Invoices(r.Context(), billing.InvoiceQuery{Status: filter, Sort: sort})
	switch {
	case errors.Is(err, billing.ErrNotConfigured):
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	case errors.Is(err, billing.ErrUnavailable):
		s.Log.Warn("invoices unavailable", "request_id", requestID(r), "err", err)
		v.Unavailable = true
		if status == http.StatusOK {
			status = http.StatusServiceUnavailable
		}
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.logBookProblems(r, book)
	for _, t := range invoiceTabs {
		v.Tabs = append(v.Tabs, invoiceTab{Label: t.label, Href: invoicesHref(t.filter, sort), Current: t.filter == filter})
		if t.filter == filter {
			v.FilterLabel = t.label
		}
	}
	for _, c := range invoiceColumns {
		col := invoiceColumn{Label: c.label, AriaSort: "none", Align: "left"}
		if c.right {
			col.Align = "right"
		}
		if c.key != "" {
			next := billing.InvoiceSort{Key: c.key, Desc: c.descFirst}
			if sort.Key == c.key {
				col.AriaSort = "ascending"
				if sort.Desc {
					col.AriaSort = "descending"
				}
				next.Desc = !sort.Desc
			}
			col.Href = invoicesHref(filter, next)
		}
		v.Columns = append(v.Columns, col)
	}
	if list != nil {
		c := list.Counts
		counts := map[string]int{billing.FilterAll: c.All, billing.FilterUnpaid: c.Unpaid, billing.FilterOverdue: c.Overdue, billing.FilterPaid: c.Paid}
		for i := range v.Tabs {
			v.Tabs[i].Count = counts[invoiceTabs[i].filter]
		}
		for _, inv := range list.Invoices {
			v.Rows = append(v.Rows, invoiceRow{
				Href: invoiceHref(inv.ID), Number: inv.Number, IssueDate: dateText(inv.IssueDate), DueDate: dateText(inv.DueDate),
				Status: badgeOf(inv), Overdue: inv.Overdue,
				Total: inv.Amount(inv.Total).String(), Paid: inv.Amount(inv.AmountPaid).String(), Balance: inv.Amount(inv.Balance).String(),
			})
		}
		for _, t := range list.Totals {
			v.Totals = append(v.Totals, invoiceTotal{Currency: t.Currency, Count: t.Count,
				Total: t.Money(t.Total).String(), Paid: t.Money(t.Paid).String(), Balance: t.Money(t.Balance).String(),
				Overdue: t.Money(t.Overdue).String(), HasOverdue: t.OverdueCount > 0})
		}
		f := book.Freshness()
		v.AsOf, v.Stale = f.AsOf, f.Stale
	}
	s.page(w, r, status, "invoices", &view{Title: "Invoices", Data: v})
}

// invoicesHref is the list's address for a filter and a sort, leaving out
// the defaults so the plain address stays plain.
func invoicesHref(filter string, sort billing.InvoiceSort) string {
	vals := url.Values{}
	if filter != "" && filter != billing.FilterAll {
		vals.Set("status", filter)
	}
	if s := sort.String(); s != "-"+billing.SortIssueDate {
		vals.Set("sort", s)
	}
	if e := vals.Encode(); e != "" {
		return "/invoices?" + e
	}
	return "/invoices"
}

// invoiceHref is an invoice's page; ids come from the ERP, so they are
// escaped as one path segment.
func invoiceHref(id string) string { return "/invoices/" + url.PathEscape(id) }

// dateText shows a day as YYYY-MM-DD (as the PDF does), or a dash.
func dateText(d billing.Date) string {
	if d.IsZero() {
		return "—"
	}
	return d.String()
}

// badgeOf says an invoice's status in words: overdue wins over partially
// paid, since it is what needs acting on.
func badgeOf(inv billing.Invoice) invoiceBadge {
	switch {
	case inv.Status == billing.Paid:
		return invoiceBadge{"Paid", "status-paid"}
	case inv.Overdue:
		return invoiceBadge{"Overdue", "status-overdue"}
	case inv.PartiallyPaid:
		return invoiceBadge{"Partially paid", "status-partial"}
	}
	return invoiceBadge{"Unpaid", "status-unpaid"}
}

// logBookProblems tells the operator about stale data and ERP statuses
// the configuration does not map (their invoices are hidden).
func (s *Server) logBookProblems(r *http.Request, book *billing.Book) {
	if f := book.Freshness(); f.Stale && f.Err != nil {
		s.Log.Warn("invoices: showing saved data", "request_id", requestID(r), "err", f.Err)
	}
	if u := book.Unmapped()[catalog.RoleInvoices]; len(u) > 0 {
		s.Log.Warn("invoices: ERP statuses mapped to nothing are hidden; map them in [dataset.statuses]", "statuses", u)
	}
}

// invoiceDetailView is the invoice page.
type invoiceDetailView struct {
	Number, Customer, IssueDate, DueDate string
	Currency                             string
	Status                               invoiceBadge
	DaysOverdue                          int
	Lines                                []invoiceLineRow
	LinesConfigured                      bool
	Subtotal, Tax, Total, Paid, Balance  string
	HasTax                               bool
	PDFHref                              string
	AsOf                                 time.Time
	Stale                                bool
}

// invoiceLineRow is one line, formatted.
type invoiceLineRow struct {
	Description, Quantity, UnitPrice, Amount string
}

// showInvoiceOrPDF serves /invoices/{id} and /invoices/{id}.pdf: a mux
// pattern cannot put a wildcard and a literal suffix in one segment.
func (s *Server) showInvoiceOrPDF(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	if id, ok := strings.CutSuffix(file, ".pdf"); ok {
		s.invoicePDF(w, r, id)
		return
	}
	s.showInvoice(w, r, file)
}

// loadInvoice finds an invoice the account may see. Every id it cannot
// see (another customer's, a draft's, a cancelled invoice's, malformed or
// unknown) gets the same 404 page; ok is false when an answer was sent.
func (s *Server) loadInvoice(w http.ResponseWriter, r *http.Request, id string) (*billing.Book, *billing.InvoiceDetail, bool) {
	book := s.book(r)
	if !book.Configured(catalog.RoleInvoices) {
		s.errorPage(w, r, http.StatusNotFound, "")
		return nil, nil, false
	}
	d, err := book.Invoice(r.Context(), id)
	switch {
	case errors.Is(err, billing.ErrNotFound), errors.Is(err, billing.ErrNotConfigured):
		s.errorPage(w, r, http.StatusNotFound, "")
		return nil, nil, false
	case errors.Is(err, billing.ErrUnavailable):
		s.Log.Warn("invoice unavailable", "request_id", requestID(r), "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "Invoices are unavailable right now: we could not reach the system that holds them. Everything else in the portal works; try again in a minute.")
		return nil, nil, false
	case err != nil:
		s.serverError(w, r, err)
		return nil, nil, false
	}
	s.logBookProblems(r, book)
	return book, d, true
}

// showInvoice renders one invoice with its lines and amounts.
func (s *Server) showInvoice(w http.ResponseWriter, r *http.Request, id string) {
	book, d, ok := s.loadInvoice(w, r, id)
	if !ok {
		return
	}
	s.recordView(r, invoicesSection)
	v := invoiceDetailView{
		Number: d.Number, Customer: s.customerName(r.Context(), d.Customer),
		IssueDate: dateText(d.IssueDate), DueDate: dateText(d.DueDate), Currency: d.Currency,
		Status: badgeOf(d.Invoice), DaysOverdue: d.DaysOverdue, LinesConfigured: d.LinesConfigured,
		Subtotal: d.Amount(d.Subtotal).String(), Tax: d.Amount(d.Tax).String(), Total: d.Amount(d.Total).String(),
		Paid: d.Amount(d.AmountPaid).String(), Balance: d.Amount(d.Balance).String(), HasTax: d.Tax != 0,
		PDFHref: invoiceHref(d.ID) + ".pdf",
	}
	for _, l := range d.Lines {
		v.Lines = append(v.Lines, formatLine(l, d.Currency))
	}
	f := book.Freshness()
	v.AsOf, v.Stale = f.AsOf, f.Stale
	w.Header().Set("Cache-Control", "no-store")
	s.page(w, r, http.StatusOK, "invoice", &view{Title: "Invoice " + d.Number, Data: v})
}

// formatLine formats a line for the page and the PDF alike: the quantity
// with the decimals it has, the unit price with at least the currency's,
// the amount with the currency's.
func formatLine(l billing.Line, currency string) invoiceLineRow {
	places := billing.CurrencyDecimals(currency)
	return invoiceLineRow{
		Description: l.Description,
		Quantity:    l.Quantity.Format(decimalsOf(l.Quantity, 0)),
		UnitPrice:   l.UnitPrice.Format(decimalsOf(l.UnitPrice, places)),
		Amount:      l.Amount.Format(places),
	}
}

// decimalsOf is how many decimals d needs (up to four), at least least.
func decimalsOf(d billing.Decimal, least int) int {
	n := 4
	for n > least && int64(d)%pow10i(4-n+1) == 0 {
		n--
	}
	return n
}

func pow10i(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// customerName is the portal's display name for an ERP customer key, or
// the key itself.
func (s *Server) customerName(ctx context.Context, key string) string {
	if c, err := s.Store.CustomerByKey(ctx, key); err == nil && strings.TrimSpace(c.DisplayName) != "" {
		return c.DisplayName
	}
	return key
}
