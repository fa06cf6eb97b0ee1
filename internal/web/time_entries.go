package web

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/billing"
	"github.com/portico-dev/portico/internal/catalog"
)

// timeEntriesSection is the time entries' key in the page-view counts.
const timeEntriesSection = "/time-entries"

// entriesPerPage is how many time entries a page of the table shows.
const entriesPerPage = 50

// Time entry sort orders: by day (newest first is the default) or by hours.
const (
	entrySortDateDesc  = "-date"
	entrySortDateAsc   = "date"
	entrySortHoursDesc = "-hours"
	entrySortHoursAsc  = "hours"
)

// entryQuery is a time-entry view as the address carries it: the filter
// as typed (so a bad value is shown back to be corrected), the sort and
// the page. It works without JavaScript: the filter form is a plain GET.
type entryQuery struct {
	Project, From, To, Billable string
	Sort                        string
	Page                        int
}

// parseEntryQuery reads a time-entry view from the address. The filter
// goes through billing.ParseTimeEntryFilter, so /time-entries, a project
// page and the exports read it alike; an unknown sort or page falls back
// to the default, as there is nothing to correct in a link we wrote.
func parseEntryQuery(vals url.Values) (entryQuery, billing.TimeEntryFilter, *billing.FilterError, error) {
	q := entryQuery{Project: vals.Get("project"), From: vals.Get("from"), To: vals.Get("to"), Billable: vals.Get("billable"), Sort: entrySortDateDesc, Page: 1}
	switch s := vals.Get("sort"); s {
	case entrySortDateAsc, entrySortHoursDesc, entrySortHoursAsc:
		q.Sort = s
	}
	if n, err := strconv.Atoi(vals.Get("page")); err == nil && n > 1 {
		q.Page = n
	}
	f, err := billing.ParseTimeEntryFilter(q.Project, q.From, q.To, q.Billable)
	var fe *billing.FilterError
	if errors.As(err, &fe) {
		return q, f, fe, nil
	}
	if err != nil {
		return q, f, nil, err
	}
	q.Billable = string(f.Billable)
	return q, f, nil, nil
}

// values encodes the view, leaving out the defaults so a plain address
// stays plain; withProject is false on a project page, whose address
// already names the project.
func (q entryQuery) values(withProject bool) url.Values {
	v := url.Values{}
	if withProject && strings.TrimSpace(q.Project) != "" {
		v.Set("project", strings.TrimSpace(q.Project))
	}
	if s := strings.TrimSpace(q.From); s != "" {
		v.Set("from", s)
	}
	if s := strings.TrimSpace(q.To); s != "" {
		v.Set("to", s)
	}
	if q.Billable != "" && q.Billable != "all" {
		v.Set("billable", q.Billable)
	}
	if q.Sort != entrySortDateDesc {
		v.Set("sort", q.Sort)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

func hrefWith(base string, v url.Values) string {
	if e := v.Encode(); e != "" {
		return base + "?" + e
	}
	return base
}

// sortEntries orders entries (which come newest first) by the view's sort;
// ties keep the newest-first order, so the result never depends on the
// ERP's row order.
func sortEntries(list []billing.TimeEntry, sort string) {
	switch sort {
	case entrySortDateAsc:
		slices.Reverse(list)
	case entrySortHoursDesc:
		slices.SortStableFunc(list, func(a, b billing.TimeEntry) int { return cmp.Compare(b.Hours, a.Hours) })
	case entrySortHoursAsc:
		slices.SortStableFunc(list, func(a, b billing.TimeEntry) int { return cmp.Compare(a.Hours, b.Hours) })
	}
}

// hoursText shows hours with two decimals, grouped: "1,234.50".
func hoursText(d billing.Decimal) string { return d.Format(2) }

// entryRow is one time entry, formatted.
type entryRow struct {
	Date, Project, ProjectHref, Person, Description, Hours string
	Billable                                               bool
}

// entryColumn is one sortable header of the entries table.
type entryColumn struct {
	Href, AriaSort, Mark string
}

// projectOption is one choice of the project filter.
type projectOption struct {
	ID, Name string
	Selected bool
}

// entriesView is the time-entries table with its filter, totals and pages;
// /time-entries and a project page both show it.
type entriesView struct {
	Base        string // the page's address, without a query
	ShowProject bool   // the Project column and filter (not on a project page)
	Query       entryQuery
	Projects    []projectOption
	FieldErrors map[string]string // a filter field's problem, by parameter
	Problem     string
	Rows        []entryRow
	Total       billing.HoursTotal
	Hours       string
	Billable    string
	NonBillable string
	From, To    int
	Page, Pages int
	PrevHref    string
	NextHref    string
	PageLinks   []pageLink
	SortDate    entryColumn
	SortHours   entryColumn
	ExportCSV   string
	ExportXLSX  string
	Filtered    bool
	ClearHref   string
	AsOf        time.Time
	Stale       bool
	Unavailable bool
}

// fillEntries selects, totals, sorts and pages the entries of a view.
// names gives a project's name by id (empty when projects are not
// configured); projectHref links a project's name, or is nil.
func fillEntries(v *entriesView, list *billing.TimeEntryList, names map[string]string, projectHref func(string) string) {
	withProject := v.ShowProject
	q := v.Query
	v.Total = list.Total
	v.Hours, v.Billable, v.NonBillable = hoursText(list.Total.Hours), hoursText(list.Total.Billable), hoursText(list.Total.NonBillable)
	entries := list.Entries
	sortEntries(entries, q.Sort)
	v.Pages = max(1, (len(entries)+entriesPerPage-1)/entriesPerPage)
	v.Page = min(max(q.Page, 1), v.Pages)
	q.Page = v.Page
	v.Query = q
	start := (v.Page - 1) * entriesPerPage
	end := min(start+entriesPerPage, len(entries))
	if len(entries) > 0 {
		v.From, v.To = start+1, end
	}
	for _, e := range entries[start:end] {
		row := entryRow{Date: dateOrDash(e.Date), Person: e.Person, Description: e.Description, Hours: hoursText(e.Hours), Billable: e.Billable, Project: "—"}
		if e.ProjectID != "" {
			row.Project = e.ProjectID
			if n := names[e.ProjectID]; n != "" {
				row.Project = n
			}
			if projectHref != nil {
				row.ProjectHref = projectHref(e.ProjectID)
			}
		}
		v.Rows = append(v.Rows, row)
	}
	page := func(n int) string {
		p := q
		p.Page = n
		return hrefWith(v.Base, p.values(withProject))
	}
	if v.Page > 1 {
		v.PrevHref = page(v.Page - 1)
	}
	if v.Page < v.Pages {
		v.NextHref = page(v.Page + 1)
	}
	if v.Pages > 1 {
		last := 0
		near := []int{1}
		for n := max(2, v.Page-2); n <= min(v.Pages-1, v.Page+2); n++ {
			near = append(near, n)
		}
		near = append(near, v.Pages)
		for _, n := range near {
			if last != 0 && n > last+1 {
				v.PageLinks = append(v.PageLinks, pageLink{Gap: true})
			}
			v.PageLinks = append(v.PageLinks, pageLink{N: n, Href: page(n), Current: n == v.Page})
			last = n
		}
	}
	sortCol := func(desc, asc string) entryColumn {
		s := q
		s.Page = 1
		c := entryColumn{AriaSort: "none"}
		switch q.Sort {
		case desc:
			c.AriaSort, c.Mark, s.Sort = "descending", "▼", asc
		case asc:
			c.AriaSort, c.Mark, s.Sort = "ascending", "▲", desc
		default:
			s.Sort = desc
		}
		c.Href = hrefWith(v.Base, s.values(withProject))
		return c
	}
	v.SortDate = sortCol(entrySortDateDesc, entrySortDateAsc)
	v.SortHours = sortCol(entrySortHoursDesc, entrySortHoursAsc)
}

// setExports links the exports of the view's filter and sort (every page).
func (v *entriesView) setExports(projectID string) {
	q := v.Query
	q.Page = 1
	vals := q.values(v.ShowProject)
	if projectID != "" {
		vals.Set("project", projectID)
	}
	v.ExportCSV = hrefWith("/time-entries/export.csv", vals)
	v.ExportXLSX = hrefWith("/time-entries/export.xlsx", vals)
}

// dateOrDash shows a day as YYYY-MM-DD, or a dash.
func dateOrDash(d billing.Date) string {
	if d.IsZero() {
		return "—"
	}
	return d.String()
}

// projectPath is a project's page; ids come from the ERP, so they are
// escaped as one path segment.
func projectPath(id string) string { return "/projects/" + url.PathEscape(id) }

// projectNames maps the customer's project ids to names, or nil when the
// portal has no projects or they cannot be read (entries then show ids).
func (s *Server) projectNames(r *http.Request, book *billing.Book) ([]billing.Project, map[string]string) {
	if !book.Configured(catalog.RoleProjects) {
		return nil, nil
	}
	list, err := book.Projects(r.Context())
	if err != nil {
		s.Log.Warn("time entries: project names unavailable", "request_id", requestID(r), "err", err)
		return nil, nil
	}
	names := make(map[string]string, len(list))
	for _, p := range list {
		names[p.ID] = p.Name
	}
	return list, names
}

// showTimeEntries serves /time-entries: the customer's time entries under
// a filter (project, inclusive date range, billable), with the hours
// totalled for the whole filter, sorted and paged.
func (s *Server) showTimeEntries(w http.ResponseWriter, r *http.Request) {
	book := s.book(r)
	if !book.Configured(catalog.RoleTimeEntries) {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	q, f, fe, err := parseEntryQuery(r.URL.Query())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.recordView(r, timeEntriesSection)
	v := &entriesView{Base: "/time-entries", ShowProject: true, Query: q, ClearHref: "/time-entries"}
	v.Filtered = strings.TrimSpace(q.Project) != "" || strings.TrimSpace(q.From) != "" || strings.TrimSpace(q.To) != "" || (q.Billable != "" && q.Billable != "all")
	status := http.StatusOK
	projects, names := s.projectNames(r, book)
	for _, p := range projects {
		v.Projects = append(v.Projects, projectOption{ID: p.ID, Name: p.Name, Selected: p.ID == strings.TrimSpace(q.Project)})
	}
	var href func(string) string
	if projects != nil {
		href = projectPath
	}
	if fe != nil {
		// The filter cannot be used: say why next to the field, keep what
		// was typed, and show no rows rather than rows of another filter.
		status = http.StatusBadRequest
		v.FieldErrors = map[string]string{fe.Field: fe.Message}
		v.Problem = fe.Message
		s.page(w, r, status, "time_entries", &view{Title: "Time entries", Data: v})
		return
	}
	list, err := book.TimeEntries(r.Context(), f)
	switch {
	case errors.Is(err, billing.ErrNotConfigured):
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	case errors.Is(err, billing.ErrUnavailable):
		s.Log.Warn("time entries unavailable", "request_id", requestID(r), "err", err)
		v.Unavailable = true
		status = http.StatusServiceUnavailable
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	if list != nil {
		fillEntries(v, list, names, href)
		v.setExports("")
		fr := book.Freshness()
		v.AsOf, v.Stale = fr.AsOf, fr.Stale
	}
	s.page(w, r, status, "time_entries", &view{Title: "Time entries", Data: v})
}
