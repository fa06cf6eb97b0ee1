package web

import (
	"net/http"
	"strconv"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/store"
)

// logout ends the customer's session. It is POST only, behind the form
// token, so a link or an image on another site cannot sign anyone out.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	if st.session != nil && st.account != nil {
		if err := s.Auth.EndSession(r.Context(), st.session.ID); err != nil {
			s.serverError(w, r, err)
			return
		}
		id := strconv.FormatInt(st.account.ID, 10)
		s.Auth.Audit.Record(r.Context(), s.Store, audit.SignOut, audit.Actor{Kind: store.KindCustomer, ID: st.account.ID, Label: st.account.Email},
			audit.Target{Kind: store.KindCustomer, ID: id, Label: st.account.Email}, map[string]any{"session": st.session.ID})
	}
	s.clearCookie(w, s.cookies.customer)
	w.Header().Set("Clear-Site-Data", `"cache"`)
	http.Redirect(w, r, "/login?msg=signed_out", http.StatusSeeOther)
}

// adminLogout ends the admin's session.
func (s *Server) adminLogout(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	if st.session != nil && st.adm != nil {
		if err := s.Auth.EndSession(r.Context(), st.session.ID); err != nil {
			s.serverError(w, r, err)
			return
		}
		id := strconv.FormatInt(st.adm.ID, 10)
		s.Auth.Audit.Record(r.Context(), s.Store, audit.SignOut, audit.Actor{Kind: store.KindAdmin, ID: st.adm.ID, Label: st.adm.Username},
			audit.Target{Kind: store.KindAdmin, ID: id, Label: st.adm.Username}, map[string]any{"session": st.session.ID})
	}
	s.clearCookie(w, s.cookies.admin)
	w.Header().Set("Clear-Site-Data", `"cache"`)
	http.Redirect(w, r, "/admin/login?msg=signed_out", http.StatusSeeOther)
}
