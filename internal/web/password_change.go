package web

import (
	"errors"
	"net/http"

	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/auth/password"
)

// passwordChangeForm is the data of the change-password page.
type passwordChangeForm struct {
	Forced    bool // after a temporary password: no "current password" field
	MinLength int
}

// showPasswordChange renders the change-password page; a customer flagged
// to change their password lands here and can go nowhere else.
func (s *Server) showPasswordChange(w http.ResponseWriter, r *http.Request) {
	a := stateOf(r).account
	s.page(w, r, http.StatusOK, "password_change", &view{Title: "Change your password",
		Data: passwordChangeForm{Forced: a.MustChangePassword, MinLength: s.Auth.Policy.MinLength}})
}

// submitPasswordChange sets the new password, ends the other sessions and
// rotates this one.
func (s *Server) submitPasswordChange(w http.ResponseWriter, r *http.Request) {
	a := stateOf(r).account
	form := passwordChangeForm{Forced: a.MustChangePassword, MinLength: s.Auth.Policy.MinLength}
	token, fields, done := s.changePassword(w, r, form.Forced, func(current *string, newPw string) (string, error) {
		return s.Auth.ChangeCustomerPassword(r.Context(), a, current, newPw, clientIP(r), r.UserAgent())
	})
	switch {
	case done:
	case fields == nil:
		s.setSessionCookie(w, s.cookies.customer, token)
		http.Redirect(w, r, "/?msg=password_changed", http.StatusSeeOther)
	default:
		s.page(w, r, http.StatusUnprocessableEntity, "password_change", &view{Title: "Change your password",
			Error: "Your password was not changed. Correct the fields marked below.", Fields: fields, Data: form})
	}
}

// changePassword reads a change-password form (current, new and repeated
// password; no current one after a temporary password) and calls change.
// It returns the new session's token, or the messages to show next to the
// fields; done means it has answered already (the server failed).
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, forced bool,
	change func(current *string, newPw string) (string, error)) (token string, fields map[string]string, done bool) {
	fields = map[string]string{}
	var current *string
	if !forced {
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
	if len(fields) > 0 {
		return "", fields, false
	}
	token, err := change(current, newPw)
	var pe *password.PolicyError
	switch {
	case err == nil:
		return token, nil, false
	case errors.Is(err, auth.ErrWrongCurrentPassword):
		fields["current_password"] = "That is not your current password."
	case errors.Is(err, auth.ErrTooManyAttempts):
		fields["current_password"] = "Too many wrong attempts. Wait 15 minutes and try again."
	case errors.As(err, &pe):
		fields["new_password"] = pe.Reason
	case errors.Is(err, password.ErrBusy):
		s.errorPage(w, r, http.StatusServiceUnavailable, "The portal is very busy right now. Wait a moment and try again.")
		return "", nil, true
	default:
		s.serverError(w, r, err)
		return "", nil, true
	}
	return "", fields, false
}
