package web

import (
	"net/http"
	"strconv"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/store"
)

// signOut ends the session of one area (customers or admins) and leaves the
// other alone. It is POST only, behind the form token, so a link or an image
// on another site cannot sign anyone out.
func (s *Server) signOut(kind string) http.HandlerFunc {
	cookie, loginPage := s.cookies.customer, "/login"
	if kind == store.KindAdmin {
		cookie, loginPage = s.cookies.admin, "/admin/login"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r)
		if st.session != nil {
			if err := s.Auth.EndSession(r.Context(), st.session.ID); err != nil {
				s.serverError(w, r, err)
				return
			}
			id, label := st.session.PrincipalID, ""
			if st.account != nil {
				label = st.account.Email
			} else if st.adm != nil {
				label = st.adm.Username
			}
			s.Auth.Audit.Record(r.Context(), s.Store, audit.SignOut, audit.Actor{Kind: kind, ID: id, Label: label},
				audit.Target{Kind: kind, ID: strconv.FormatInt(id, 10), Label: label}, map[string]any{"session": st.session.ID})
		}
		s.clearCookie(w, cookie)
		w.Header().Set("Clear-Site-Data", `"cache"`)
		http.Redirect(w, r, loginPage+"?msg=signed_out", http.StatusSeeOther)
	}
}
