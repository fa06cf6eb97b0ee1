package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/store"
)

// sessionRow is one live session in the admin list.
type sessionRow struct {
	store.LiveSession
	Browser string
	Current bool // the admin's own session
}

// showAdminSessions lists every live customer and admin session.
func (s *Server) showAdminSessions(w http.ResponseWriter, r *http.Request) {
	now := s.Clock.Now()
	list, err := s.Store.ListLiveSessions(r.Context(), now, s.Config.SessionIdle, s.Config.AdminSessionIdle, 500)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	me := stateOf(r).session
	rows := make([]sessionRow, len(list))
	for i, l := range list {
		rows[i] = sessionRow{LiveSession: l, Browser: describeBrowser(l.UserAgent), Current: me != nil && l.ID == me.ID}
	}
	notice := ""
	switch r.URL.Query().Get("msg") {
	case "ended":
		notice = "The session has been ended. That browser is signed out at its next request."
	case "ended_all":
		notice = "All of that person's sessions have been ended."
	}
	s.page(w, r, http.StatusOK, "admin_sessions", &view{Title: "Sessions", Notice: notice, Data: rows})
}

// endSession ends one session by its handle.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	sess, err := s.Store.SessionByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		// Already gone (signed out, expired, or ended by someone else).
		http.Redirect(w, r, "/admin/sessions?msg=ended", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.Auth.EndSession(r.Context(), sess.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.recordSessionEnd(r, sess.Kind, sess.PrincipalID, map[string]any{"session": sess.ID, "client_ip": sess.ClientIP})
	http.Redirect(w, r, "/admin/sessions?msg=ended", http.StatusSeeOther)
}

// endAllSessions ends every session of one account or admin.
func (s *Server) endAllSessions(w http.ResponseWriter, r *http.Request) {
	kind := r.PostForm.Get("kind")
	id, err := strconv.ParseInt(r.PostForm.Get("principal"), 10, 64)
	if (kind != store.KindCustomer && kind != store.KindAdmin) || err != nil || id <= 0 {
		s.errorPage(w, r, http.StatusBadRequest, "Choose whose sessions to end from the list.")
		return
	}
	var n int64
	err = s.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		n, err = s.Auth.EndSessionsOf(r.Context(), tx, kind, id, 0)
		return err
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.recordSessionEnd(r, kind, id, map[string]any{"all": true, "ended": n})
	http.Redirect(w, r, "/admin/sessions?msg=ended_all", http.StatusSeeOther)
}

func (s *Server) recordSessionEnd(r *http.Request, kind string, principal int64, details map[string]any) {
	adm := stateOf(r).adm
	label := ""
	if kind == store.KindCustomer {
		if a, err := s.Store.AccountByID(r.Context(), principal); err == nil {
			label = a.Email
		}
	} else if a, err := s.Store.AdminByID(r.Context(), principal); err == nil {
		label = a.Username
	}
	s.Auth.Audit.Record(r.Context(), s.Store, audit.SessionEnded, audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username},
		audit.Target{Kind: kind, ID: strconv.FormatInt(principal, 10), Label: label}, details)
}

// describeBrowser turns a User-Agent into "Firefox on Windows" for people;
// the full string stays available as a tooltip.
func describeBrowser(ua string) string {
	if ua == "" {
		return "Unknown browser"
	}
	browser := "Browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chromium/", "Chromium"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"}, {"Go-http-client", "Program"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, o := range []struct{ token, name string }{
		{"Windows", "Windows"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"},
		{"Mac OS X", "macOS"}, {"Macintosh", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	if system == "" {
		return browser
	}
	return browser + " on " + system
}
