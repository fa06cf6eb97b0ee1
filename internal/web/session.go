package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/customerdata"
	"github.com/portico-dev/portico/internal/store"
)

// cookieNames are the cookie names in use: with the __Host- prefix when the
// portal is served over HTTPS, which pins them to this host and path "/".
type cookieNames struct {
	customer, admin, pre string
	second               string // a sign-in waiting for its second step
	secure               bool
}

func newCookieNames(https bool) cookieNames {
	if https {
		return cookieNames{"__Host-portico_session", "__Host-portico_admin", "__Host-portico_pre", "__Host-portico_second", true}
	}
	return cookieNames{"portico_session", "portico_admin", "portico_pre", "portico_second", false}
}

// state is what the session middleware learnt about the request.
type state struct {
	admin   bool           // the request is for the admin console
	session *store.Session // the live session of this area, if any
	account *store.Account // signed-in customer
	adm     *store.Admin   // signed-in admin
	pre     string         // the pre-session cookie value, for forms shown before sign-in
}

func stateOf(r *http.Request) *state {
	st, _ := r.Context().Value(keyState).(*state)
	if st == nil {
		return &state{}
	}
	return st
}

func isAdminPath(p string) bool { return p == "/admin" || strings.HasPrefix(p, "/admin/") }

// loadSession resolves the cookie of the area the request is for (customer
// or admin), re-reads the person on every request so deactivation and scope
// changes apply at once, and checks the form token of every state-changing
// request (the second CSRF layer).
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Assets (the brand's logo and accent stylesheet among them) are the
		// same for everyone, so they skip the session lookup.
		if strings.HasPrefix(r.URL.Path, "/static/") || strings.HasPrefix(r.URL.Path, "/brand/") || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		st := &state{admin: isAdminPath(r.URL.Path)}
		if c, err := r.Cookie(s.cookies.pre); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
			st.pre = c.Value
		}
		name, kind := s.cookies.customer, store.KindCustomer
		if st.admin {
			name, kind = s.cookies.admin, store.KindAdmin
		}
		if c, err := r.Cookie(name); err == nil {
			sess, err := s.Auth.ResolveSession(ctx, kind, c.Value, clientIP(r), r.UserAgent())
			switch {
			case err == nil:
				if err := s.loadPrincipal(ctx, st, sess); err != nil {
					s.serverError(w, r, err)
					return
				}
			case errors.Is(err, auth.ErrNoSession):
				s.clearCookie(w, name)
			default:
				s.serverError(w, r, err)
				return
			}
		}
		ctx = context.WithValue(ctx, keyState, st)
		if st.account != nil {
			// The customer's customers and sections are read once per request.
			ctx = customerdata.WithAccessMemo(ctx)
		}
		r = r.WithContext(ctx)
		// Only requests a route will accept need a form token; anything else
		// gets the mux's 404 or 405, which says more than a 403 would.
		if _, pattern := s.mux.Handler(r); pattern != "" &&
			r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions {
			if !s.checkFormToken(w, r, st) {
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// loadPrincipal fills in the person behind a session, ending the session if
// the person is gone or deactivated.
func (s *Server) loadPrincipal(ctx context.Context, st *state, sess *store.Session) error {
	if sess.Kind == store.KindAdmin {
		a, err := s.Store.AdminByID(ctx, sess.PrincipalID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !a.Active) {
			return s.Auth.EndSession(ctx, sess.ID)
		}
		if err != nil {
			return err
		}
		// A directory admin's group membership is checked again now and
		// then; removal from the group ends the session (auth.CheckDirectorySession).
		if ok, err := s.Auth.CheckDirectorySession(ctx, sess, a); !ok || err != nil {
			return err
		}
		st.session, st.adm = sess, a
		return nil
	}
	a, err := s.Store.AccountByID(ctx, sess.PrincipalID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !a.Active) {
		return s.Auth.EndSession(ctx, sess.ID)
	}
	if err != nil {
		return err
	}
	st.session, st.account = sess, a
	return nil
}

// formBinding is what the form token of this request is derived from: the
// session when signed in to this area, else the pre-session cookie.
func formBinding(st *state) string {
	if st.session != nil {
		return "s:" + st.session.TokenHash
	}
	if st.pre != "" {
		return "p:" + st.pre
	}
	return ""
}

func (s *Server) checkFormToken(w http.ResponseWriter, r *http.Request, st *state) bool {
	// Signing out without a session (it timed out while the page was open)
	// changes nothing, so it needs no token: it just goes to the sign-in page.
	if st.session == nil && (r.URL.Path == "/logout" || r.URL.Path == "/admin/logout") {
		return true
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		err := r.ParseForm()
		if err == nil && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			// A form with a file (the branding logo) sends its fields in
			// the multipart body, which the body limit already bounds.
			err = r.ParseMultipartForm(s.Config.MaxBodyBytes)
		}
		if err != nil {
			if isMaxBytes(err) {
				s.errorPage(w, r, http.StatusRequestEntityTooLarge, "")
			} else {
				s.errorPage(w, r, http.StatusBadRequest, "The form could not be read.")
			}
			return false
		}
		got = r.PostForm.Get("csrf_token")
	}
	if s.Auth.CheckFormToken(formBinding(st), got) {
		return true
	}
	s.Log.Warn("form token refused", "request_id", requestID(r), "path", r.URL.Path, "client_ip", clientIP(r))
	s.errorPage(w, r, http.StatusForbidden, "This form has expired or was not sent from this site. Go back, reload the page and try again.")
	return false
}

// ensurePreSession gives an anonymous visitor the cookie their sign-in form
// token is bound to, and returns the form token.
func (s *Server) ensurePreSession(w http.ResponseWriter, r *http.Request) string {
	st := stateOf(r)
	if st.session == nil && st.pre == "" {
		st.pre, _ = auth.NewToken()
		http.SetCookie(w, &http.Cookie{Name: s.cookies.pre, Value: st.pre, Path: "/", HttpOnly: true,
			Secure: s.cookies.secure, SameSite: http.SameSiteLaxMode})
	}
	return s.Auth.FormToken(formBinding(st))
}

// setSessionCookie hands the browser a new session token. The cookie has no
// Max-Age: the server decides when a session ends.
func (s *Server) setSessionCookie(w http.ResponseWriter, name, token string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: token, Path: "/", HttpOnly: true,
		Secure: s.cookies.secure, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cookies.secure, SameSite: http.SameSiteLaxMode})
}

// requireCustomer sends visitors without a customer session to sign in, and
// customers who must change their password to the change page first.
func (s *Server) requireCustomer(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r)
		if st.account == nil {
			s.redirectToLogin(w, r, "/login")
			return
		}
		if st.account.MustChangePassword && r.URL.Path != "/password/change" {
			http.Redirect(w, r, "/password/change", http.StatusSeeOther)
			return
		}
		noStore(w)
		next(w, r)
	}
}

// requireAdmin does the same for the admin console.
func (s *Server) requireAdmin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		adm := stateOf(r).adm
		if adm == nil {
			s.redirectToLogin(w, r, "/admin/login")
			return
		}
		if adm.MustChangePassword && r.URL.Path != "/admin/password" {
			http.Redirect(w, r, "/admin/password", http.StatusSeeOther)
			return
		}
		noStore(w)
		next(w, r)
	}
}

func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request, login string) {
	target := login
	if r.Method == http.MethodGet && r.URL.Path != "/" && r.URL.Path != "/admin" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext returns next when it is a path on this site, else fallback. Only
// a single leading slash followed by neither "/" nor "\" is accepted, with
// no control characters, no scheme and no host after parsing, so "//evil",
// "/\evil", "https://evil" and their encoded forms all fall back.
func safeNext(next, fallback string) string {
	if len(next) < 1 || len(next) > 2000 || next[0] != '/' {
		return fallback
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return fallback
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	if dec, err := url.PathUnescape(u.Path); err != nil || strings.HasPrefix(dec, "//") || strings.Contains(dec, "\\") {
		return fallback
	}
	return next
}
