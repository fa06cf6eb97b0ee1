package web

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/portico-dev/portico/internal/auth"
)

// loginForm describes the one sign-in page design, filled for customers or
// for admins.
type loginForm struct {
	AdminArea    bool
	Heading      string
	Subheading   string
	Action       string
	LoginLabel   string
	LoginName    string
	LoginType    string
	LoginAuto    string
	Login        string
	Next         string
	SwitchURL    string
	SwitchLabel  string
	DemoAccounts []DemoAccount
}

// maxSignInField bounds what sign-in accepts before any work: no real
// email, username or password is longer, and hashing a megabyte is a gift
// to an attacker.
const maxSignInField = 1024

// plainText reports whether s is valid UTF-8 without control characters:
// no name or address contains them, and databases refuse some (PostgreSQL
// rejects NUL), so they are turned away before any lookup.
func plainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// genericSignInError is the one message for every failed sign-in.
const genericSignInError = "That email (or username) and password did not match an active account. Check them and try again."

func (s *Server) customerLoginForm(r *http.Request) loginForm {
	return loginForm{
		Heading: "Sign in", Subheading: "to the " + s.portalName(r) + " customer portal", Action: "/login",
		// Accounts moved over from TimeTracker may sign in with a username
		// that is not an email address, so the field takes either.
		LoginLabel: "Email or username", LoginName: "email", LoginType: "text", LoginAuto: "username",
		Next: safeNext(r.FormValue("next"), ""), SwitchURL: "/admin/login", SwitchLabel: "Staff sign-in",
		DemoAccounts: s.demoAccounts(false),
	}
}

func (s *Server) demoAccounts(admin bool) []DemoAccount {
	if !s.Config.Demo {
		return nil
	}
	var out []DemoAccount
	for _, d := range s.DemoAccounts {
		if strings.HasPrefix(d.Label, "Admin") == admin {
			out = append(out, d)
		}
	}
	return out
}

// signInArea describes one of the two sign-in pages (customer and admin),
// which share one design and one flow.
type signInArea struct {
	title    string
	path     string // the sign-in page: /login or /admin/login
	field    string // the login field's name
	noun     string // what the login is, for messages
	generic  string // the one message for every failed sign-in
	kind     string
	form     func(r *http.Request) loginForm
	cookie   func(s *Server) string
	signedIn func(st *state) bool
	signIn   func(s *Server, r *http.Request, login, pw string) (*auth.SignInResult, error)
	// target may override where to go after signing in.
	target func(res *auth.SignInResult, next string) string
}

func (s *Server) customerArea() signInArea {
	return signInArea{
		title: "Sign in", path: "/login", field: "email", noun: "email", generic: genericSignInError, kind: "customer",
		form:     s.customerLoginForm,
		cookie:   func(s *Server) string { return s.cookies.customer },
		signedIn: func(st *state) bool { return st.account != nil },
		signIn: func(s *Server, r *http.Request, login, pw string) (*auth.SignInResult, error) {
			return s.Auth.SignInCustomer(r.Context(), login, pw, clientIP(r), r.UserAgent())
		},
		target: func(res *auth.SignInResult, next string) string {
			if res != nil && res.Account.MustChangePassword {
				return "/password/change"
			}
			return safeNext(next, "/")
		},
	}
}

// showSignIn renders a sign-in page, or sends someone already signed in to
// this area on to where they were going.
func (s *Server) showSignIn(a signInArea) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a.signedIn(stateOf(r)) {
			http.Redirect(w, r, a.target(nil, r.URL.Query().Get("next")), http.StatusSeeOther)
			return
		}
		csrf := s.ensurePreSession(w, r)
		noStore(w)
		s.page(w, r, http.StatusOK, "login", &view{Title: a.title, CSRF: csrf, Notice: noticeFrom(r), Data: a.form(r)})
	}
}

// submitSignIn checks the form and signs the person in.
func (s *Server) submitSignIn(a signInArea) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		form := a.form(r)
		form.Login = r.PostForm.Get(a.field)
		pw := r.PostForm.Get("password")
		noStore(w)
		fail := func(status int, msg string) {
			s.page(w, r, status, "login", &view{Title: a.title, Error: msg, Data: form})
		}
		if len(form.Login) > maxSignInField || len(pw) > maxSignInField || utf8.RuneCountInString(pw) > 256 {
			fail(http.StatusBadRequest, "That "+a.noun+" or password is longer than any account can have.")
			return
		}
		if strings.TrimSpace(form.Login) == "" || pw == "" {
			fail(http.StatusUnprocessableEntity, "Enter your "+a.noun+" and password.")
			return
		}
		if !plainText(form.Login) {
			fail(http.StatusBadRequest, "That "+a.noun+" contains characters no "+a.noun+" can have.")
			return
		}
		var res *auth.SignInResult
		var err error
		if r.PostForm.Get("website") != "" {
			// The honeypot field is invisible to people; only bots fill it in.
			err = s.Auth.RefuseSignIn(r.Context(), a.kind, form.Login, pw, clientIP(r), "honeypot")
		} else {
			res, err = a.signIn(s, r, form.Login, pw)
		}
		if errors.Is(err, auth.ErrInvalidCredentials) {
			fail(http.StatusUnauthorized, a.generic)
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if res.Pending != nil {
			s.startSecondStep(w, r, a, res, form.Next)
			return
		}
		s.setSessionCookie(w, a.cookie(s), res.Token)
		s.clearCookie(w, s.cookies.pre)
		http.Redirect(w, r, a.target(res, form.Next), http.StatusSeeOther)
	}
}
