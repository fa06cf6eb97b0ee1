package web

import (
	"net/http"

	"github.com/portico-dev/portico/internal/store"
)

// dashboardData is what the customer's home page shows until the dataset
// sections arrive: who they are, what they can see, and their sign-in.
type dashboardData struct {
	Customers    []store.Customer
	AllCustomers bool
	Sessions     int
}

// showDashboard renders the customer's home page.
func (s *Server) showDashboard(w http.ResponseWriter, r *http.Request) {
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
	s.page(w, r, http.StatusOK, "dashboard", &view{Title: "Overview", Notice: noticeFrom(r), Data: d})
}
