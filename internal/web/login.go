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
const genericSignInError = "That email and password did not match an active account. Check them and try again."

func (s *Server) customerLoginForm(r *http.Request) loginForm {
	return loginForm{
		Heading: "Sign in", Subheading: "to the " + s.Config.BusinessName + " customer portal", Action: "/login",
		LoginLabel: "Email", LoginName: "email", LoginType: "email", LoginAuto: "username",
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

// showLogin renders the customer sign-in page, or sends a signed-in
// customer on to where they were going.
func (s *Server) showLogin(w http.ResponseWriter, r *http.Request) {
	if stateOf(r).account != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next"), "/"), http.StatusSeeOther)
		return
	}
	csrf := s.ensurePreSession(w, r)
	noStore(w)
	s.page(w, r, http.StatusOK, "login", &view{Title: "Sign in", CSRF: csrf, Notice: noticeFrom(r), Data: s.customerLoginForm(r)})
}

// submitLogin signs a customer in.
func (s *Server) submitLogin(w http.ResponseWriter, r *http.Request) {
	form := s.customerLoginForm(r)
	form.Login = r.PostForm.Get("email")
	pw := r.PostForm.Get("password")
	noStore(w)
	fail := func(status int, msg string) {
		s.page(w, r, status, "login", &view{Title: "Sign in", Error: msg, Data: form})
	}
	if len(form.Login) > maxSignInField || len(pw) > maxSignInField || utf8.RuneCountInString(pw) > 256 {
		fail(http.StatusBadRequest, "That email or password is longer than any account can have.")
		return
	}
	if strings.TrimSpace(form.Login) == "" || pw == "" {
		fail(http.StatusUnprocessableEntity, "Enter your email and password.")
		return
	}
	if !plainText(form.Login) {
		fail(http.StatusBadRequest, "That email address contains characters no address can have.")
		return
	}
	var res *auth.SignInResult
	var err error
	if r.PostForm.Get("website") != "" {
		// The honeypot field is invisible to people; only bots fill it in.
		err = s.Auth.RefuseSignIn(r.Context(), "customer", form.Login, pw, clientIP(r), "honeypot")
	} else {
		res, err = s.Auth.SignInCustomer(r.Context(), form.Login, pw, clientIP(r), r.UserAgent())
	}
	if errors.Is(err, auth.ErrInvalidCredentials) {
		fail(http.StatusUnauthorized, genericSignInError)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.setSessionCookie(w, s.cookies.customer, res.Token)
	s.clearCookie(w, s.cookies.pre)
	target := safeNext(form.Next, "/")
	if res.Account.MustChangePassword {
		target = "/password/change"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
