package web

import (
	"net/http"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/store"
)

// securityView is the security settings page: who must use two-step
// sign-in, and whether the admin looking at it has it.
type securityView struct {
	Requirement auth.Requirement
	// SelfEnrolled is whether this admin has a second factor: turning the
	// admin requirement on without one means setting it up at the next
	// sign-in, which the page says.
	SelfEnrolled bool
}

// showSecuritySettings renders /admin/settings/security.
func (s *Server) showSecuritySettings(w http.ResponseWriter, r *http.Request) {
	s.renderSecurity(w, r, http.StatusOK, noticeFrom(r))
}

func (s *Server) renderSecurity(w http.ResponseWriter, r *http.Request, status int, notice string) {
	ctx := r.Context()
	req, err := s.Auth.SecondFactorRequirement(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := securityView{Requirement: req}
	adm := stateOf(r).adm
	if f, err := s.Store.SecondFactorOf(ctx, store.KindAdmin, adm.ID); err == nil && f.Confirmed != nil {
		v.SelfEnrolled = true
	}
	s.page(w, r, status, "admin_settings_security", &view{Title: "Security", Notice: notice, Data: v})
}

// saveSecuritySettings saves who must use two-step sign-in. Checkboxes
// that are not ticked are not sent, so the form carries a marker that it
// was this form, and an absent box means off.
func (s *Server) saveSecuritySettings(w http.ResponseWriter, r *http.Request) {
	if r.PostForm.Get("form") != "second_factor" {
		s.errorPage(w, r, http.StatusBadRequest, "The form was incomplete. Reload the security settings and try again.")
		return
	}
	req := auth.Requirement{Admins: r.PostForm.Get("require_admins") == "on", Customers: r.PostForm.Get("require_customers") == "on"}
	adm := stateOf(r).adm
	changed, err := s.Auth.SetSecondFactorRequirement(r.Context(), audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username}, req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	msg := "security_unchanged"
	if changed {
		msg = "security_saved"
	}
	http.Redirect(w, r, "/admin/settings/security?msg="+msg, http.StatusSeeOther)
}
