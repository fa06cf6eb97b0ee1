package web

import (
	"net/http"

	"github.com/portico-dev/portico/internal/customerdata"
)

// sections returns the sections the signed-in customer has (configured,
// and not switched off for every customer they see); the portal database
// is asked once per request (customerdata.WithAccessMemo). On a database
// error it returns none, so a section the admin switched off is never
// shown because its switch could not be read.
func (s *Server) sections(r *http.Request) []customerdata.Section {
	st := stateOf(r)
	if st.account == nil {
		return nil
	}
	list, err := s.Data.SectionsOf(r.Context(), st.account)
	if err != nil {
		s.Log.Error("customer sections", "account", st.account.ID, "request_id", requestID(r), "err", err)
		return nil
	}
	return list
}

// hasSection reports whether the signed-in customer has the section.
func (s *Server) hasSection(r *http.Request, key string) bool {
	for _, sec := range s.sections(r) {
		if sec.Key == key {
			return true
		}
	}
	return false
}
