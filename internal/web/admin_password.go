package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/auth/password"
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
	fields := map[string]string{}
	var current *string
	if !form.Forced {
		c := r.PostForm.Get("current_password")
		current = &c
		if c == "" {
			fields["current_password"] = "Enter your current password."
		}
	}
	newPw, confirm := r.PostForm.Get("new_password"), r.PostForm.Get("confirm_password")
	if newPw == "" {
		fields["new_password"] = "Enter a new password."
	} else if newPw != confirm {
		fields["confirm_password"] = "The two passwords do not match."
	}
	if len(fields) == 0 {
		token, err := s.Auth.ChangeAdminPassword(r.Context(), a, current, newPw, clientIP(r), r.UserAgent())
		var pe *password.PolicyError
		switch {
		case err == nil:
			s.setSessionCookie(w, s.cookies.admin, token)
			http.Redirect(w, r, "/admin/password?msg=password_changed", http.StatusSeeOther)
			return
		case errors.Is(err, auth.ErrWrongCurrentPassword):
			fields["current_password"] = "That is not your current password."
		case errors.Is(err, auth.ErrTooManyAttempts):
			fields["current_password"] = "Too many wrong attempts. Wait 15 minutes and try again."
		case errors.As(err, &pe):
			fields["new_password"] = pe.Reason
		default:
			s.serverError(w, r, err)
			return
		}
	}
	s.page(w, r, http.StatusUnprocessableEntity, "admin_password", &view{Title: adminPasswordTitle(form),
		Error: "Your password was not changed. Correct the fields marked below.", Fields: fields, Data: form})
}

func adminPasswordTitle(f adminPasswordForm) string {
	if f.Forced {
		return "Choose a new password"
	}
	return "Change your password"
}
