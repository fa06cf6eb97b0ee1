package web

import (
	"net/http"

	"github.com/portico-dev/portico/internal/billing"
)

// book returns the signed-in customer's projects, invoices and time
// entries for this request, with today in the portal's time zone. A
// section the customer does not have is not configured in the Book, so its
// pages answer 404.
func (s *Server) book(r *http.Request) *billing.Book {
	return s.Data.Book(stateOf(r).account, s.sections(r), billing.Today(s.Clock.Now(), s.Config.Location))
}
