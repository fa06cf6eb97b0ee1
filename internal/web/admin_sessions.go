package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/store"
)

// sessionRow is one live session in the admin list.
type sessionRow struct {
	store.LiveSession
	Browser string
	Current bool // the admin's own session
}

// sessionsView is the Sessions page: the idle-timeout settings and the
// live sessions.
type sessionsView struct {
	Customer, Admin idleForm
	Propagation     string // how soon other instances apply a change
	Rows            []sessionRow
}

// showAdminSessions lists every live customer and admin session, under the
// idle-timeout settings.
func (s *Server) showAdminSessions(w http.ResponseWriter, r *http.Request) {
	notice := ""
	switch r.URL.Query().Get("msg") {
	case "ended":
		notice = "The session has been ended. That browser is signed out at its next request."
	case "ended_all":
		notice = "All of that person's sessions have been ended."
	case "idle_saved":
		notice = "Idle timeouts saved. Sessions idle for longer are ended at their next request, on every instance within " +
			humanDuration(auth.IdleCacheFor) + "."
	case "idle_default":
		notice = "The default idle timeout applies again."
	case "idle_unchanged":
		notice = "Nothing changed: those are the idle timeouts in force."
	}
	s.renderSessions(w, r, http.StatusOK, notice, "", nil)
}

// renderSessions draws the page. forms, when set, are the submitted idle
// settings with their problems, shown instead of the saved ones.
func (s *Server) renderSessions(w http.ResponseWriter, r *http.Request, status int, notice, problem string, forms map[string]idleForm) {
	ctx := r.Context()
	customer, admin, err := s.Auth.IdleSettings(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := sessionsView{
		Customer:    newIdleForm(customer, s.Config.SessionAbsolute, "PORTICO_SESSION_ABSOLUTE"),
		Admin:       newIdleForm(admin, s.Config.AdminSessionAbsolute, "PORTICO_ADMIN_SESSION_ABSOLUTE"),
		Propagation: humanDuration(auth.IdleCacheFor),
	}
	if f, ok := forms[store.KindCustomer]; ok {
		v.Customer.Value, v.Customer.Unit, v.Customer.Error = f.Value, f.Unit, f.Error
	}
	if f, ok := forms[store.KindAdmin]; ok {
		v.Admin.Value, v.Admin.Unit, v.Admin.Error = f.Value, f.Unit, f.Error
	}
	// The list uses the timeouts this instance enforces, so it shows
	// exactly the sessions that would still be let in.
	list, err := s.Store.ListLiveSessions(ctx, s.Clock.Now(), s.Auth.IdleTimeout(ctx, store.KindCustomer), s.Auth.IdleTimeout(ctx, store.KindAdmin), 500)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	me := stateOf(r).session
	v.Rows = make([]sessionRow, len(list))
	for i, l := range list {
		v.Rows[i] = sessionRow{LiveSession: l, Browser: describeBrowser(l.UserAgent), Current: me != nil && l.ID == me.ID}
	}
	s.page(w, r, status, "admin_sessions", &view{Title: "Sessions", Notice: notice, Error: problem, Data: v})
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

// idleUnit is a unit the idle-timeout fields offer.
type idleUnit struct {
	Name string
	D    time.Duration
}

var idleUnits = []idleUnit{{"minutes", time.Minute}, {"hours", time.Hour}, {"days", 24 * time.Hour}}

// idleForm is one kind's idle-timeout field on the Sessions page.
type idleForm struct {
	auth.IdleSetting
	Value, Unit    string   // what the field shows: a whole number and a unit
	Units          []string // the units offered
	Now            string   // the timeout in force, in words
	DefaultText    string   // the configured default, in words
	Bounds         string   // "between 5 minutes and 7 days"
	Lifetime       string   // the absolute lifetime, in words
	LifetimeVar    string
	BeyondLifetime bool // the idle timeout cannot be reached: sessions end at their lifetime first
	Error          string
}

func newIdleForm(set auth.IdleSetting, lifetime time.Duration, lifetimeVar string) idleForm {
	f := idleForm{IdleSetting: set, Now: humanDuration(set.Effective), DefaultText: humanDuration(set.Default),
		Lifetime: humanDuration(lifetime), LifetimeVar: lifetimeVar, BeyondLifetime: set.Effective > lifetime}
	lo, hi := auth.IdleBounds(set.Kind)
	f.Bounds = "between " + humanDuration(lo) + " and " + humanDuration(hi)
	for _, u := range idleUnits {
		if u.D < hi {
			f.Units = append(f.Units, u.Name)
		}
	}
	// The largest offered unit that shows the value exactly; minutes,
	// rounded up, for a configured value that is not whole minutes.
	f.Value, f.Unit = strconv.FormatInt(int64((set.Effective+time.Minute-1)/time.Minute), 10), "minutes"
	for _, u := range idleUnits {
		if u.D < hi && set.Effective >= u.D && set.Effective%u.D == 0 {
			f.Value, f.Unit = strconv.FormatInt(int64(set.Effective/u.D), 10), u.Name
		}
	}
	return f
}

// parseIdle reads one idle-timeout field: a whole number and a unit,
// within the kind's bounds. It returns a message for the person when the
// value cannot be used.
func parseIdle(kind, value, unit string) (time.Duration, string) {
	lo, hi := auth.IdleBounds(kind)
	bounds := "between " + humanDuration(lo) + " and " + humanDuration(hi)
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, "Enter how long a session may stay idle, " + bounds + "."
	}
	var per time.Duration
	for _, u := range idleUnits {
		if u.Name == unit {
			per = u.D
		}
	}
	if per == 0 {
		return 0, "Choose minutes, hours or days."
	}
	for _, c := range value {
		if c < '0' || c > '9' {
			return 0, "Enter a whole number, such as 30."
		}
	}
	// At most six digits after leading zeros: anything longer is beyond
	// every bound (and would overflow a duration).
	digits := strings.TrimLeft(value, "0")
	if len(digits) > 6 {
		return 0, "Choose " + bounds + "."
	}
	n, _ := strconv.Atoi("0" + digits)
	d := time.Duration(n) * per
	if d < lo || d > hi {
		return 0, "Choose " + bounds + "."
	}
	return d, ""
}

// saveIdleSettings saves the idle timeouts from the Sessions page, or
// returns one of them to its configured default ("reset" button).
func (s *Server) saveIdleSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	adm := stateOf(r).adm
	actor := audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username}
	if reset := r.PostForm.Get("reset"); reset != "" {
		if reset != store.KindCustomer && reset != store.KindAdmin {
			s.errorPage(w, r, http.StatusBadRequest, "Choose which idle timeout returns to its default.")
			return
		}
		if _, err := s.Auth.SetIdleTimeouts(ctx, actor, auth.IdleChange{Kind: reset}); err != nil {
			s.serverError(w, r, err)
			return
		}
		http.Redirect(w, r, "/admin/sessions?msg=idle_default", http.StatusSeeOther)
		return
	}
	forms := map[string]idleForm{}
	var changes []auth.IdleChange
	valid := true
	for _, kind := range []string{store.KindCustomer, store.KindAdmin} {
		if _, ok := r.PostForm[kind+"_idle"]; !ok {
			continue // not on the form: leave that kind as it is
		}
		f := idleForm{Value: r.PostForm.Get(kind + "_idle"), Unit: r.PostForm.Get(kind + "_unit")}
		d, problem := parseIdle(kind, f.Value, f.Unit)
		if problem != "" {
			f.Error, valid = problem, false
		} else {
			changes = append(changes, auth.IdleChange{Kind: kind, Idle: d})
		}
		f.Value = truncateRunes(f.Value, 24) // shown back in the field
		forms[kind] = f
	}
	if len(forms) == 0 {
		s.renderSessions(w, r, http.StatusUnprocessableEntity, "", "Enter an idle timeout for customer or admin sessions.", nil)
		return
	}
	if !valid {
		// Nothing is saved unless every field is right.
		s.renderSessions(w, r, http.StatusUnprocessableEntity, "", "The idle timeouts were not saved. Correct the field marked below.", forms)
		return
	}
	n, err := s.Auth.SetIdleTimeouts(ctx, actor, changes...)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	msg := "idle_saved"
	if n == 0 {
		msg = "idle_unchanged"
	}
	http.Redirect(w, r, "/admin/sessions?msg="+msg, http.StatusSeeOther)
}

// humanDuration writes a timeout the way people say it: "30 minutes",
// "1 hour 30 minutes", "24 hours", "7 days".
func humanDuration(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.FormatInt(n, 10) + " " + one + "s"
	}
	switch {
	case d <= 0 || d%time.Second != 0:
		return d.String()
	case d%(24*time.Hour) == 0 && d > 24*time.Hour: // "24 hours" reads better than "1 day" for a timeout
		return unit(int64(d/(24*time.Hour)), "day")
	case d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d%time.Minute == 0 && d > time.Hour:
		return unit(int64(d/time.Hour), "hour") + " " + unit(int64(d%time.Hour/time.Minute), "minute")
	case d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	case d < time.Minute:
		return unit(int64(d/time.Second), "second")
	}
	return d.String()
}

// truncateRunes shortens s to at most n runes.
func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
