package web

import (
	"net/http"
	"strings"

	"github.com/portico-dev/portico/internal/auth"
)

const genericAdminSignInError = "That username and password did not match an active admin. Check them and try again."

func (s *Server) adminLoginForm(r *http.Request) loginForm {
	f := loginForm{
		AdminArea: true, Heading: "Staff sign-in", Subheading: "to the " + s.portalName(r) + " admin console", Action: "/admin/login",
		LoginLabel: "Username or email", LoginName: "username", LoginType: "text", LoginAuto: "username",
		Next: safeNext(r.FormValue("next"), ""), SwitchURL: "/login", SwitchLabel: "Customer sign-in",
		DemoAccounts: s.demoAccounts(true),
	}
	if s.Auth.DirectoryEnabled(r.Context()) {
		f.Subheading = "to the " + s.portalName(r) + " admin console. Sign in with your directory account or your Portico admin username."
	}
	return f
}

func (s *Server) adminArea() signInArea {
	return signInArea{
		title: "Staff sign-in", path: "/admin/login", field: "username", noun: "username", generic: genericAdminSignInError, kind: "admin",
		form:     s.adminLoginForm,
		cookie:   func(s *Server) string { return s.cookies.admin },
		signedIn: func(st *state) bool { return st.adm != nil },
		signIn: func(s *Server, r *http.Request, login, pw string) (*auth.SignInResult, error) {
			return s.Auth.SignInAdmin(r.Context(), login, pw, clientIP(r), r.UserAgent())
		},
		// An admin only ever lands inside the console.
		target: func(res *auth.SignInResult, next string) string {
			if res != nil && res.Admin.MustChangePassword {
				return "/admin/password"
			}
			target := safeNext(next, "/admin")
			if !isAdminPath(strings.SplitN(target, "?", 2)[0]) {
				return "/admin"
			}
			return target
		},
	}
}
