package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/billing"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/customerdata"
	"github.com/portico-dev/portico/internal/dataset"

	"github.com/portico-dev/portico/internal/store"
)

// dashboardData is what the customer's home page shows until the dataset
// sections arrive: who they are, what they can see, and their sign-in.
type dashboardData struct {
	Customers    []store.Customer
	AllCustomers bool
	Sessions     int
	Inventory    *inventoryFigures
	Billing      *billingFigures
}

// billingFigures are the client-portal sections of the overview. A
// section is nil when the portal does not have it; Unavailable is set for
// a configured section whose data could not be read.
type billingFigures struct {
	Projects *projectFigures
	Invoices *invoiceFigures
	Time     *timeFigures
	AsOf     time.Time
	Stale    bool
}

// projectFigures count the customer's projects.
type projectFigures struct {
	Active, All string
	Unavailable bool
}

// invoiceFigures are the open invoices (per currency) and the latest ones.
type invoiceFigures struct {
	OpenCount, OverdueCount string
	Open                    []invoiceTotal
	Recent                  []invoiceRow
	Unavailable             bool
}

// timeFigures are hours this month and last month and the latest entries.
type timeFigures struct {
	ThisMonth, LastMonth string
	Recent               []entryRow
	Unavailable          bool
}

// inventoryFigures summarise the customer's stock for the overview.
type inventoryFigures struct {
	Title       string
	Lines       string
	Units       string
	UnitsLabel  string
	AsOf        time.Time
	Stale       bool
	Unavailable bool
	Customers   int
}

// showDashboard renders the customer's home page.
func (s *Server) showDashboard(w http.ResponseWriter, r *http.Request) {
	s.recordView(r, sectionOverview)
	a := stateOf(r).account
	d := dashboardData{AllCustomers: a.AllCustomers}
	for _, key := range a.Scope {
		c, err := s.Store.CustomerByKey(r.Context(), key)
		if err != nil {
			c = &store.Customer{Key: key, DisplayName: key}
		}
		d.Customers = append(d.Customers, *c)
	}
	sessions, err := s.Store.ListSessions(r.Context(), store.KindCustomer, a.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Sessions = len(sessions)
	if spec, ok := s.Data.Inventory(); ok && s.hasSection(r, customerdata.SectionOf(spec)) {
		d.Inventory = s.inventoryFigures(r, a, spec)
	}
	d.Billing = s.billingFigures(r)
	s.page(w, r, http.StatusOK, "dashboard", &view{Title: "Overview", Notice: noticeFrom(r), Data: d})
}

// inventoryFigures counts the scope's stock lines and adds up the first
// quantity column. An unreachable ERP shows as "unavailable", never as zero.
func (s *Server) inventoryFigures(r *http.Request, a *store.Account, spec *dataset.Spec) *inventoryFigures {
	f := &inventoryFigures{Title: spec.Title}
	snap, err := s.Data.Snapshot(r.Context(), a, spec, false)
	if snap == nil {
		s.Log.Warn("overview: inventory unavailable", "err", err, "request_id", requestID(r))
		f.Unavailable = true
		return f
	}
	f.AsOf, f.Stale = snap.AsOf, snap.Stale
	f.Lines = formatCount(snap.Len())
	qty := -1
	for i, c := range spec.Columns {
		n := strings.ToLower(c.Name + " " + c.Label)
		if c.Numeric() && (strings.Contains(n, "qty") || strings.Contains(n, "quantity")) {
			qty = i
			break
		}
	}
	if qty >= 0 {
		var sum float64
		for row := range snap.Len() {
			if c := snap.Cell(row, qty); !c.Null {
				sum += c.Num
			}
		}
		col := spec.Columns[qty]
		// A big total reads as a whole number; fractions of a unit only
		// matter, and only fit the tile, when the total is small.
		format := "#,##0.###"
		if sum >= 1000 || sum <= -1000 {
			format = "#,##0"
		}
		f.Units = dataset.Cell{Num: sum}.Display(dataset.Column{Type: dataset.Number, Format: format})
		f.UnitsLabel = col.Label
	}
	return f
}

// billingFigures reads the client-portal sections the portal has for the
// overview. A failing source marks its sections unavailable; it never
// fails the page.
func (s *Server) billingFigures(r *http.Request) *billingFigures {
	book := s.book(r)
	has := func(role catalog.Role) bool { return book.Configured(role) }
	if !has(catalog.RoleProjects) && !has(catalog.RoleInvoices) && !has(catalog.RoleTimeEntries) {
		return nil
	}
	f := &billingFigures{}
	sum, err := book.Summary(r.Context())
	if err != nil {
		s.Log.Warn("overview: billing unavailable", "err", err, "request_id", requestID(r))
		sum = &billing.Summary{}
	} else if len(sum.Unavailable) > 0 {
		s.Log.Warn("overview: sections unavailable", "roles", sum.Unavailable, "request_id", requestID(r))
	}
	if has(catalog.RoleProjects) {
		f.Projects = &projectFigures{Unavailable: true}
		if p := sum.Projects; p != nil {
			f.Projects = &projectFigures{Active: formatCount(p.Active), All: formatCount(p.All)}
		}
	}
	if has(catalog.RoleInvoices) {
		f.Invoices = &invoiceFigures{Unavailable: true}
		if is := sum.Invoices; is != nil {
			inv := &invoiceFigures{OpenCount: formatCount(is.OpenCount), OverdueCount: formatCount(is.OverdueCount)}
			for _, t := range is.Open {
				inv.Open = append(inv.Open, invoiceTotal{Currency: t.Currency, Count: t.Count,
					Total: t.Money(t.Total).String(), Paid: t.Money(t.Paid).String(), Balance: t.Money(t.Balance).String(),
					Overdue: t.Money(t.Overdue).String(), HasOverdue: t.OverdueCount > 0})
			}
			for _, i := range is.Recent {
				inv.Recent = append(inv.Recent, invoiceRow{
					Href: invoiceHref(i.ID), Number: i.Number, IssueDate: dateText(i.IssueDate), DueDate: dateText(i.DueDate),
					Status: badgeOf(i), Overdue: i.Overdue,
					Total: i.Amount(i.Total).String(), Paid: i.Amount(i.AmountPaid).String(), Balance: i.Amount(i.Balance).String(),
				})
			}
			f.Invoices = inv
		}
	}
	if has(catalog.RoleTimeEntries) {
		f.Time = &timeFigures{Unavailable: true}
		if ts := sum.Time; ts != nil {
			_, names := s.projectNames(r, book)
			tf := &timeFigures{ThisMonth: hoursText(ts.ThisMonth.Hours), LastMonth: hoursText(ts.LastMonth.Hours)}
			for _, e := range ts.Recent {
				row := entryRow{Date: dateOrDash(e.Date), Description: e.Description, Person: e.Person, Hours: hoursText(e.Hours), Billable: e.Billable, Project: "—"}
				if e.ProjectID != "" {
					row.Project = e.ProjectID
					if n := names[e.ProjectID]; n != "" {
						row.Project = n
					}
					if has(catalog.RoleProjects) {
						row.ProjectHref = projectPath(e.ProjectID)
					}
				}
				tf.Recent = append(tf.Recent, row)
			}
			f.Time = tf
		}
	}
	fr := book.Freshness()
	f.AsOf, f.Stale = fr.AsOf, fr.Stale
	if fr.Stale && fr.Err != nil {
		s.Log.Warn("overview: showing saved data", "request_id", requestID(r), "err", fr.Err)
	}
	return f
}
