package web

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/store"
)

// verifyView is the second step of a sign-in: a code from the
// authenticator app (or a recovery code), or, for someone who must have a
// second factor and has none yet, setting one up.
type verifyView struct {
	AdminArea bool
	Action    string
	Next      string
	Enroll    *enrollView
	// Codes are the recovery codes, shown once after an enrollment,
	// with where to go on.
	Codes    []string
	Continue string
	Restart  string // the sign-in page, to start again
}

// enrollView shows a new second factor's key: as a QR code drawn on the
// server, and as text for typing into an app.
type enrollView struct {
	QR      template.URL // data: URL of the PNG, drawn here (so trusted)
	Secret  string       // grouped in fours
	Account string       // how the app lists it
}

// newEnrollView renders an enrollment's key for a page.
func newEnrollView(e *auth.Enrollment, account string) (*enrollView, error) {
	png, err := e.Key.QRCode(220)
	if err != nil {
		return nil, err
	}
	return &enrollView{QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), Secret: e.Key.GroupedSecret(), Account: account}, nil
}

// verifyPath is where a pending sign-in of the area continues.
func (a signInArea) verifyPath() string { return a.path + "/verify" }

// startSecondStep hands the browser the pending sign-in and sends it to
// the second step; no session exists until that succeeds.
func (s *Server) startSecondStep(w http.ResponseWriter, r *http.Request, a signInArea, res *auth.SignInResult, next string) {
	http.SetCookie(w, &http.Cookie{Name: s.cookies.second, Value: res.PendingToken, Path: "/", HttpOnly: true,
		Secure: s.cookies.secure, SameSite: http.SameSiteStrictMode, MaxAge: int(auth.PendingTTL / time.Second)})
	target := a.verifyPath()
	if next != "" {
		target += "?next=" + url.QueryEscape(next)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// pending reads the area's pending sign-in from its cookie.
func (s *Server) pending(r *http.Request, a signInArea) (*auth.Pending, error) {
	c, err := r.Cookie(s.cookies.second)
	if err != nil {
		return nil, auth.ErrNoPending
	}
	return s.Auth.ParsePending(c.Value, a.kind)
}

// pendingLabel is how an authenticator app lists the person: their email,
// or an admin's username.
func (s *Server) pendingLabel(r *http.Request, p *auth.Pending) (string, error) {
	if p.Kind == store.KindAdmin {
		a, err := s.Store.AdminByID(r.Context(), p.ID)
		if err != nil {
			return "", err
		}
		return a.Username, nil
	}
	a, err := s.Store.AccountByID(r.Context(), p.ID)
	if err != nil {
		return "", err
	}
	return a.Email, nil
}

// showVerify renders the second step of a pending sign-in; without one it
// sends the person back to sign in.
func (s *Server) showVerify(a signInArea) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		noStore(w)
		p, err := s.pending(r, a)
		if err != nil {
			http.Redirect(w, r, a.path+"?msg=again", http.StatusSeeOther)
			return
		}
		v := verifyView{AdminArea: a.kind == store.KindAdmin, Action: a.verifyPath(), Next: safeNext(r.URL.Query().Get("next"), ""), Restart: a.path}
		if p.Enroll {
			if v.Enroll, err = s.enrollment(r, p); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		csrf := s.ensurePreSession(w, r)
		s.page(w, r, http.StatusOK, "login_verify", &view{Title: "Two-step sign-in", CSRF: csrf, Data: v})
	}
}

// enrollment shows the key being set up at sign-in: the one already
// waiting (a reloaded page keeps the key the person may have scanned), or
// a new one.
func (s *Server) enrollment(r *http.Request, p *auth.Pending) (*enrollView, error) {
	label, err := s.pendingLabel(r, p)
	if err != nil {
		return nil, err
	}
	issuer := s.portalName(r)
	e, err := s.Auth.PendingEnrollment(r.Context(), p.Kind, p.ID, issuer, label)
	if errors.Is(err, auth.ErrNotEnrolling) {
		e, err = s.Auth.BeginEnrollment(r.Context(), p.Kind, p.ID, issuer, label)
	}
	if err != nil {
		return nil, err
	}
	return newEnrollView(e, label)
}

// submitVerify checks the code of the second step and, when it is right,
// starts the session (after an enrollment, showing the recovery codes
// once on the way in).
func (s *Server) submitVerify(a signInArea) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		noStore(w)
		p, err := s.pending(r, a)
		if err != nil {
			http.Redirect(w, r, a.path+"?msg=again", http.StatusSeeOther)
			return
		}
		code := r.PostForm.Get("code")
		next := safeNext(r.PostForm.Get("next"), "")
		v := verifyView{AdminArea: a.kind == store.KindAdmin, Action: a.verifyPath(), Next: next, Restart: a.path}
		fail := func(status int, msg string) {
			if p.Enroll {
				var err error
				if v.Enroll, err = s.enrollment(r, p); err != nil {
					s.serverError(w, r, err)
					return
				}
			}
			s.page(w, r, status, "login_verify", &view{Title: "Two-step sign-in", Fields: map[string]string{"code": msg}, Data: v})
		}
		if len(code) > 64 || !plainText(code) {
			fail(http.StatusBadRequest, "A code is six digits from your app, or a recovery code such as k7fq-2mxp-9r4t.")
			return
		}
		if strings.TrimSpace(code) == "" {
			fail(http.StatusUnprocessableEntity, "Enter the six-digit code from your authenticator app.")
			return
		}
		var res *auth.SignInResult
		var codes []string
		if p.Enroll {
			res, codes, err = s.Auth.CompleteEnrollment(r.Context(), p, code, clientIP(r), r.UserAgent())
		} else {
			res, err = s.Auth.CompleteSignIn(r.Context(), p, code, clientIP(r), r.UserAgent())
		}
		switch {
		case errors.Is(err, auth.ErrInvalidCode):
			fail(http.StatusUnauthorized, "That code did not work. Codes change every 30 seconds: type the one your app shows now, or a recovery code you have not used.")
			return
		case errors.Is(err, auth.ErrNoPending), errors.Is(err, auth.ErrNotEnrolling), errors.Is(err, auth.ErrAlreadyEnrolled):
			s.clearCookie(w, s.cookies.second)
			http.Redirect(w, r, a.path+"?msg=again", http.StatusSeeOther)
			return
		case err != nil:
			s.serverError(w, r, err)
			return
		}
		s.clearCookie(w, s.cookies.second)
		s.clearCookie(w, s.cookies.pre)
		s.setSessionCookie(w, a.cookie(s), res.Token)
		target := a.target(res, next)
		if codes == nil {
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		v.Codes, v.Continue = codes, target
		s.page(w, r, http.StatusOK, "login_verify", &view{Title: "Recovery codes", Data: v})
	}
}
