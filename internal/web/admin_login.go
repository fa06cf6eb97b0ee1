package web

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/portico-dev/portico/internal/auth"
)

const genericAdminSignInError = "That username and password did not match an active admin. Check them and try again."

func (s *Server) adminLoginForm(r *http.Request) loginForm {
	return loginForm{
		AdminArea: true, Heading: "Staff sign-in", Subheading: "to the " + s.Config.BusinessName + " admin console", Action: "/admin/login",
		LoginLabel: "Username or email", LoginName: "username", LoginType: "text", LoginAuto: "username",
		Next: safeNext(r.FormValue("next"), ""), SwitchURL: "/login", SwitchLabel: "Customer sign-in",
		DemoAccounts: s.demoAccounts(true),
	}
}

// showAdminLogin renders the admin sign-in page.
func (s *Server) showAdminLogin(w http.ResponseWriter, r *http.Request) {
	if stateOf(r).adm != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next"), "/admin"), http.StatusSeeOther)
		return
	}
	csrf := s.ensurePreSession(w, r)
	noStore(w)
	s.page(w, r, http.StatusOK, "login", &view{Title: "Staff sign-in", CSRF: csrf, Notice: noticeFrom(r), Data: s.adminLoginForm(r)})
}

// submitAdminLogin signs an admin in.
func (s *Server) submitAdminLogin(w http.ResponseWriter, r *http.Request) {
	form := s.adminLoginForm(r)
	form.Login = r.PostForm.Get("username")
	pw := r.PostForm.Get("password")
	noStore(w)
	fail := func(status int, msg string) {
		s.page(w, r, status, "login", &view{Title: "Staff sign-in", Error: msg, Data: form})
	}
	if len(form.Login) > maxSignInField || len(pw) > maxSignInField || utf8.RuneCountInString(pw) > 256 {
		fail(http.StatusBadRequest, "That username or password is longer than any account can have.")
		return
	}
	if strings.TrimSpace(form.Login) == "" || pw == "" {
		fail(http.StatusUnprocessableEntity, "Enter your username and password.")
		return
	}
	if !plainText(form.Login) {
		fail(http.StatusBadRequest, "That username contains characters no username can have.")
		return
	}
	var res *auth.SignInResult
	var err error
	if r.PostForm.Get("website") != "" {
		err = s.Auth.RefuseSignIn(r.Context(), "admin", form.Login, pw, clientIP(r), "honeypot")
	} else {
		res, err = s.Auth.SignInAdmin(r.Context(), form.Login, pw, clientIP(r), r.UserAgent())
	}
	if errors.Is(err, auth.ErrInvalidCredentials) {
		fail(http.StatusUnauthorized, genericAdminSignInError)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.setSessionCookie(w, s.cookies.admin, res.Token)
	s.clearCookie(w, s.cookies.pre)
	target := safeNext(form.Next, "/admin")
	if !isAdminPath(strings.SplitN(target, "?", 2)[0]) {
		target = "/admin"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
