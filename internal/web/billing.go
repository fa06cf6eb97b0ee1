package web

import (
	"net/http"

	"github.com/portico-dev/portico/internal/billing"
)

// book returns the signed-in customer's projects, invoices and time
// entries for this request, with today in the portal's time zone.
func (s *Server) book(r *http.Request) *billing.Book {
	return s.Data.Book(stateOf(r).account, billing.Today(s.Clock.Now(), s.Config.Location))
}
