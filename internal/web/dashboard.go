package web

import (
	"net/http"
	"strings"
	"time"

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
	if spec, ok := s.Data.Inventory(); ok {
		d.Inventory = s.inventoryFigures(r, a, spec)
	}
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
		f.Units = dataset.Cell{Num: sum}.Display(dataset.Column{Type: dataset.Number, Format: "#,##0.###"})
		f.UnitsLabel = col.Label
	}
	return f
}
