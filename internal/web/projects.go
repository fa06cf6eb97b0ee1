package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/billing"
	"github.com/portico-dev/portico/internal/catalog"
)

// projectsSection is the projects' key in the page-view counts; a
// project's page counts as a view of it.
const projectsSection = "/projects"

// projectRow is one project, formatted for the list and the project page.
type projectRow struct {
	ID, Href, Name string
	Status         string // the ERP's status, readable
	Active         bool
	HoursKnown     bool
	Hours          string
	HasBudget      bool
	BudgetHours    string
	Percent        int // of the hours budget, may exceed 100
	Bar            int // the bar's filled width, 0–100
	Over           bool
	BudgetAmount   string
	LastActivity   string
	LastActivityAt time.Time
}

// projectsView is the projects page.
type projectsView struct {
	Active, Other []projectRow
	AsOf          time.Time
	Stale         bool
	Unavailable   bool
}

// statusText makes an ERP status readable: "on_hold" reads "On hold".
func statusText(s string) string {
	s = strings.TrimSpace(strings.NewReplacer("_", " ", "-", " ").Replace(s))
	if s == "" {
		return "—"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// toProjectRow formats a project: hours with two decimals and the share
// of the hours budget used, as a number the bar and its text share.
func toProjectRow(p billing.Project) projectRow {
	row := projectRow{ID: p.ID, Href: projectPath(p.ID), Name: p.Name, Status: statusText(p.Status), Active: p.Active,
		HoursKnown: p.HoursKnown, Hours: hoursText(p.HoursLogged), LastActivity: "—", LastActivityAt: p.LastActivity}
	if p.HasBudgetHours {
		row.BudgetHours = p.BudgetHours.Format(decimalsNeeded(p.BudgetHours))
	}
	if pc, ok := p.BudgetPercent(); ok {
		row.HasBudget, row.Percent, row.Bar, row.Over = true, pc, min(pc, 100), p.OverBudget()
	}
	if p.HasBudgetAmount {
		row.BudgetAmount = billing.Money{Amount: p.BudgetAmount, Currency: p.Currency}.String()
	}
	if !p.LastActivity.IsZero() {
		row.LastActivity = p.LastActivity.UTC().Format("2 Jan 2006")
	}
	return row
}

// decimalsNeeded is 0 for whole numbers and 2 otherwise: "120 h",
// "37.50 h".
func decimalsNeeded(d billing.Decimal) int {
	if int64(d)%billing.DecimalScale == 0 {
		return 0
	}
	return 2
}

// showProjects serves /projects: active projects first, then the others,
// each with its hours against its budget.
func (s *Server) showProjects(w http.ResponseWriter, r *http.Request) {
	book := s.book(r)
	if !book.Configured(catalog.RoleProjects) {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	s.recordView(r, projectsSection)
	v := &projectsView{}
	status := http.StatusOK
	list, err := book.Projects(r.Context())
	switch {
	case errors.Is(err, billing.ErrNotConfigured):
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	case errors.Is(err, billing.ErrUnavailable):
		s.Log.Warn("projects unavailable", "request_id", requestID(r), "err", err)
		v.Unavailable, status = true, http.StatusServiceUnavailable
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	for _, p := range list {
		if p.Active {
			v.Active = append(v.Active, toProjectRow(p))
		} else {
			v.Other = append(v.Other, toProjectRow(p))
		}
	}
	f := book.Freshness()
	v.AsOf, v.Stale = f.AsOf, f.Stale
	s.page(w, r, status, "projects", &view{Title: "Projects", Data: v})
}

// projectInvoice is one invoice of a project, formatted.
type projectInvoice struct {
	Href, Number, IssueDate, DueDate, Total, Balance string
	Status                                           invoiceBadge
	Overdue                                          bool
}

// projectView is a project's page.
type projectView struct {
	Project         projectRow
	Entries         *entriesView
	EntriesKnown    bool // time entries are configured
	Invoices        []projectInvoice
	InvoicesShown   bool // the invoices dataset says which project each is for
	InvoicesProblem bool
	// FilterFields and Body are the time entries' filter fields and table,
	// rendered by the time-entries page's own blocks so both pages show
	// the same markup.
	FilterFields, Body template.HTML
}

// entriesBlock renders one block of the time-entries page for ev.
func (s *Server) entriesBlock(block string, ev *entriesView) (template.HTML, error) {
	t, ok := s.render.pages["time_entries"]
	if !ok {
		return "", fmt.Errorf("web: no page template %q", "time_entries")
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, ev); err != nil {
		return "", fmt.Errorf("web: render %s: %w", block, err)
	}
	return template.HTML(buf.String()), nil
}

// showProject serves /projects/{id}: the project, its time entries under
// a filter with their totals, and its invoices when the invoices dataset
// names their project. Another customer's project, an unknown id and a
// malformed one all get the same 404 page.
func (s *Server) showProject(w http.ResponseWriter, r *http.Request) {
	book := s.book(r)
	if !book.Configured(catalog.RoleProjects) {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	id := r.PathValue("id")
	p, err := book.Project(r.Context(), id)
	switch {
	case errors.Is(err, billing.ErrNotFound), errors.Is(err, billing.ErrNotConfigured):
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	case errors.Is(err, billing.ErrUnavailable):
		s.Log.Warn("project unavailable", "request_id", requestID(r), "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "Projects are unavailable right now: we could not reach the system that holds them. Everything else in the portal works; try again in a minute.")
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.recordView(r, projectsSection)
	status := http.StatusOK
	v := &projectView{Project: toProjectRow(p)}

	if book.Configured(catalog.RoleTimeEntries) {
		v.EntriesKnown = true
		vals := r.URL.Query()
		vals.Set("project", p.ID) // the page's project, whatever the query says
		q, f, fe, err := parseEntryQuery(vals)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		base := projectPath(p.ID)
		ev := &entriesView{Base: base, Query: q, ClearHref: base}
		ev.Filtered = strings.TrimSpace(q.From) != "" || strings.TrimSpace(q.To) != "" || (q.Billable != "" && q.Billable != "all")
		v.Entries = ev
		if fe != nil {
			status = http.StatusBadRequest
			ev.FieldErrors = map[string]string{fe.Field: fe.Message}
			ev.Problem = fe.Message
		} else {
			list, err := book.TimeEntries(r.Context(), f)
			switch {
			case errors.Is(err, billing.ErrUnavailable):
				s.Log.Warn("project time entries unavailable", "request_id", requestID(r), "err", err)
				ev.Unavailable = true
			case err != nil && !errors.Is(err, billing.ErrNotConfigured):
				s.serverError(w, r, err)
				return
			case list != nil:
				fillEntries(ev, list, nil, nil)
				ev.setExports(p.ID)
			}
		}
	}

	// The customer's book, not the catalog, says whether it has invoices:
	// an admin may have switched them off for this customer.
	if rd, ok := s.Data.Catalog.Role(catalog.RoleInvoices); ok && rd.Spec != nil && book.Configured(catalog.RoleInvoices) {
		if _, _, has := rd.Spec.Column("project_id"); has {
			v.InvoicesShown = true
			list, err := book.Invoices(r.Context(), billing.InvoiceQuery{ProjectID: p.ID})
			if err != nil {
				s.Log.Warn("project invoices unavailable", "request_id", requestID(r), "err", err)
				v.InvoicesProblem = true
			} else {
				for _, inv := range list.Invoices {
					pi := projectInvoice{Href: "/invoices/" + url.PathEscape(inv.ID), Number: inv.Number,
						IssueDate: dateOrDash(inv.IssueDate), DueDate: dateOrDash(inv.DueDate), Status: badgeOf(inv),
						Total: inv.Amount(inv.Total).String(), Balance: inv.Amount(inv.Balance).String(), Overdue: inv.Overdue}
					v.Invoices = append(v.Invoices, pi)
				}
			}
		}
	}
	if v.Entries != nil {
		f := book.Freshness()
		v.Entries.AsOf, v.Entries.Stale = f.AsOf, f.Stale
		if v.FilterFields, err = s.entriesBlock("entries_filter_fields", v.Entries); err == nil {
			v.Body, err = s.entriesBlock("entries_body", v.Entries)
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.page(w, r, status, "project", &view{Title: p.Name, Data: v})
}
