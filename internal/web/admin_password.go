package web

import (
	"net/http"
	"strings"
)

// adminPasswordForm is the data of the admin's change-password page.
type adminPasswordForm struct {
	Forced    bool // after a temporary password: no "current password" field, no way elsewhere
	MinLength int
	Username  string
	Directory bool // the directory owns the password; nothing to change here
	Bootstrap bool // PORTICO_ADMIN_PASSWORD_HASH sets this password again at every start
	Done      bool // the password was just changed
	HasEmail  bool // a password-changed notice goes to a stored address
}

func (s *Server) adminPasswordForm(r *http.Request) adminPasswordForm {
	a := stateOf(r).adm
	return adminPasswordForm{
		Forced: a.MustChangePassword, MinLength: s.Auth.Policy.MinLength, Username: a.Username,
		Directory: a.Source != "" && a.Source != "local", HasEmail: a.Email != "",
		Bootstrap: s.Config.AdminUsername != "" && a.Source == "local" && strings.EqualFold(a.Username, s.Config.AdminUsername),
	}
}

// showAdminPassword renders the admin's change-password page; an admin
// flagged to change their password lands here and can go nowhere else.
func (s *Server) showAdminPassword(w http.ResponseWriter, r *http.Request) {
	form := s.adminPasswordForm(r)
	notice := ""
	if r.URL.Query().Get("msg") == "password_changed" && !form.Forced {
		notice, form.Done = noticeFrom(r), true
	}
	s.page(w, r, http.StatusOK, "admin_password", &view{Title: adminPasswordTitle(form), Notice: notice, Data: form})
}

// submitAdminPassword sets the admin's new password, ends their other
// sessions and rotates this one.
func (s *Server) submitAdminPassword(w http.ResponseWriter, r *http.Request) {
	a := stateOf(r).adm
	form := s.adminPasswordForm(r)
	if form.Directory {
		s.page(w, r, http.StatusConflict, "admin_password", &view{Title: adminPasswordTitle(form),
			Error: "Your password is managed by the directory. Change it there.", Data: form})
		return
	}
	token, fields, done := s.changePassword(w, r, form.Forced, func(current *string, newPw string) (string, error) {
		return s.Auth.ChangeAdminPassword(r.Context(), a, current, newPw, clientIP(r), r.UserAgent())
	})
	switch {
	case done:
	case fields == nil:
		s.setSessionCookie(w, s.cookies.admin, token)
		http.Redirect(w, r, "/admin/password?msg=password_changed", http.StatusSeeOther)
	default:
		s.page(w, r, http.StatusUnprocessableEntity, "admin_password", &view{Title: adminPasswordTitle(form),
			Error: "Your password was not changed. Correct the fields marked below.", Fields: fields, Data: form})
	}
}

func adminPasswordTitle(f adminPasswordForm) string {
	if f.Forced {
		return "Choose a new password"
	}
	return "Change your password"
}
