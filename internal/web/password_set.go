package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/auth/password"
	"github.com/portico-dev/portico/internal/store"
)

// passwordSetForm is the data of the set-password page, reached from an
// invitation or a reset link.
type passwordSetForm struct {
	Action     string // the page's own path, /password/set or /password/reset
	Invitation bool   // an invitation (first password) rather than a reset
	Username   string // for password managers
	Name       string
	Expires    time.Time
	MinLength  int
}

// linkCookie holds the emailed token once it has left the URL: the first
// GET moves it here and redirects, so it is in no address bar, history
// entry or Referer afterwards. It lives no longer than the link.
func (s *Server) linkCookie() string {
	if s.cookies.secure {
		return "__Host-portico_link"
	}
	return "portico_link"
}

// invalidLink is the one page for an unknown, used, expired, revoked or
// wrong-purpose link, so none can be told from another.
func (s *Server) invalidLink(w http.ResponseWriter, r *http.Request) {
	s.clearCookie(w, s.linkCookie())
	s.page(w, r, http.StatusBadRequest, "password_link_invalid", &view{Title: "Link invalid or expired"})
}

// checkLink returns the owner of a link of purpose, or answers the request
// itself (the one invalid-link page, audited) and returns false.
func (s *Server) checkLink(w http.ResponseWriter, r *http.Request, purpose, token string) (*auth.Link, bool) {
	l, err := s.Auth.CheckLink(r.Context(), purpose, token)
	if errors.Is(err, auth.ErrInvalidLink) {
		s.Auth.RecordRejectedLink(r.Context(), token)
		s.invalidLink(w, r)
		return nil, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return nil, false
	}
	return l, true
}

// showPasswordSet handles both steps of opening a link of purpose (an
// invitation at /password/set, a reset link at /password/reset). With
// ?token= it checks the token without using it up (mail scanners open links
// too), moves it into a cookie and redirects to the same page without it;
// without a token it shows the form for the token in the cookie.
func (s *Server) showPasswordSet(purpose string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.openLink(w, r, purpose) }
}

func (s *Server) openLink(w http.ResponseWriter, r *http.Request, purpose string) {
	noStore(w)
	w.Header().Set("Referrer-Policy", "no-referrer")
	if token := r.URL.Query().Get("token"); token != "" {
		l, ok := s.checkLink(w, r, purpose, token)
		if !ok {
			return
		}
		http.SetCookie(w, &http.Cookie{Name: s.linkCookie(), Value: token, Path: "/", HttpOnly: true, Secure: s.cookies.secure,
			SameSite: http.SameSiteLaxMode, MaxAge: max(1, int(l.Expires.Sub(s.Clock.Now()).Seconds()))})
		http.Redirect(w, r, auth.LinkPath(purpose), http.StatusSeeOther)
		return
	}
	c, err := r.Cookie(s.linkCookie())
	if err != nil {
		s.invalidLink(w, r)
		return
	}
	l, ok := s.checkLink(w, r, purpose, c.Value)
	if !ok {
		return
	}
	csrf := s.ensurePreSession(w, r)
	s.page(w, r, http.StatusOK, "password_set", &view{Title: s.passwordSetTitle(l), CSRF: csrf, Data: s.passwordSetForm(l)})
}

func (s *Server) passwordSetForm(l *auth.Link) passwordSetForm {
	return passwordSetForm{Action: auth.LinkPath(l.Purpose), Invitation: l.Purpose == auth.PurposeInvitation, Username: l.Username, Name: l.Person.Name,
		Expires: l.Expires, MinLength: s.Auth.Policy.MinLength}
}

func (s *Server) passwordSetTitle(l *auth.Link) string {
	if l.Purpose == auth.PurposeInvitation {
		return "Choose your password"
	}
	return "Choose a new password"
}

// submitPasswordSet sets the password from the link in the cookie, then
// sends the person to sign in: a link never signs anyone in by itself.
func (s *Server) submitPasswordSet(purpose string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.useLink(w, r, purpose) }
}

func (s *Server) useLink(w http.ResponseWriter, r *http.Request, purpose string) {
	noStore(w)
	w.Header().Set("Referrer-Policy", "no-referrer")
	ctx := r.Context()
	c, err := r.Cookie(s.linkCookie())
	if err != nil {
		s.invalidLink(w, r)
		return
	}
	l, ok := s.checkLink(w, r, purpose, c.Value)
	if !ok {
		return
	}
	fields := map[string]string{}
	newPw, confirm := r.PostForm.Get("new_password"), r.PostForm.Get("confirm_password")
	switch {
	case newPw == "":
		fields["new_password"] = "Enter a password."
	case len(newPw) > maxSignInField:
		fields["new_password"] = "That password is longer than 256 characters."
	case newPw != confirm:
		fields["confirm_password"] = "The two passwords do not match."
	}
	if len(fields) == 0 {
		_, err := s.Auth.SetPasswordFromLink(ctx, purpose, c.Value, newPw)
		var pe *password.PolicyError
		switch {
		case err == nil:
			s.clearCookie(w, s.linkCookie())
			login := "/login"
			if l.Person.Kind == store.KindAdmin {
				login = "/admin/login"
			}
			http.Redirect(w, r, login+"?msg=password_set", http.StatusSeeOther)
			return
		case errors.Is(err, auth.ErrInvalidLink):
			s.invalidLink(w, r)
			return
		case errors.As(err, &pe):
			fields["new_password"] = pe.Reason
		case errors.Is(err, password.ErrBusy):
			s.errorPage(w, r, http.StatusServiceUnavailable, "The portal is very busy right now. Wait a moment and try again.")
			return
		default:
			s.serverError(w, r, err)
			return
		}
	}
	s.page(w, r, http.StatusUnprocessableEntity, "password_set", &view{Title: s.passwordSetTitle(l), CSRF: s.ensurePreSession(w, r),
		Error: "Your password was not set. Correct the fields marked below.", Fields: fields, Data: s.passwordSetForm(l)})
}
