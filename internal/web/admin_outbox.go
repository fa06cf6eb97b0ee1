package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/store"
)

const outboxPageSize = 50

// outboxRetryTimeout bounds the delivery attempt "retry now" makes inside
// the request; whatever is not done by then the background sender finishes.
const outboxRetryTimeout = 15 * time.Second

// outboxSealedNote replaces the body of an email that holds a temporary
// password: the console never shows it, to anyone.
const outboxSealedNote = "This email holds a temporary password; its body is encrypted and is never shown in the console."

// outboxRow is one email in the outbox list. The times are written short,
// in the display time zone the page names; the full time is in the tooltip.
type outboxRow struct {
	store.Email
	Href                string
	CanRetry            bool
	Created, Next, Sent string
}

// outboxTime writes t as "3 Dec 04:16", with the year when it is not now's.
func outboxTime(t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t, now = t.In(loc), now.In(loc)
	if t.Year() == now.Year() {
		return t.Format("2 Jan 15:04")
	}
	return t.Format("2 Jan 2006 15:04")
}

// outboxTab is one status filter above the list.
type outboxTab struct {
	Label, Href string
	Count       int
	Current     bool
}

// outboxMail says whether mail can go out at all, for the banner above the
// outbox pages.
type outboxMail struct {
	Configured bool
	Host       string
	Problem    string // the settings cannot be used; text we wrote
	Demo       bool
}

type outboxView struct {
	Rows               []outboxRow
	Status             string
	Tabs               []outboxTab
	Total, Page, Pages int
	PrevHref, NextHref string
	Back               string // this page, for the retry forms to return to
	Problem            string
	Mail               outboxMail
}

// outboxStatuses are the filters the list offers, in tab order.
var outboxStatuses = []struct{ value, label string }{
	{"", "All"}, {store.EmailQueued, "Queued"}, {store.EmailSent, "Sent"}, {store.EmailFailed, "Failed"},
}

func outboxListURL(status string, page int) string {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if e := q.Encode(); e != "" {
		return "/admin/outbox?" + e
	}
	return "/admin/outbox"
}

// outboxMailState loads the SMTP settings the sender would use and says
// whether they let mail go out. Errors are logged and described in words.
func (s *Server) outboxMailState(r *http.Request) outboxMail {
	m := outboxMail{Demo: s.Config.Demo}
	set, err := mail.LoadSettings(r.Context(), s.Store, s.Box, s.MailEnv)
	if err != nil {
		s.Log.Warn("outbox: SMTP settings unreadable", "request_id", requestID(r), "err", err)
		m.Problem = "The saved email settings cannot be read, so nothing is sent. If the secret key was changed, enter the SMTP password again in Settings → Email."
		return m
	}
	m.Configured, m.Host = set.Configured(), set.Host
	if m.Configured && set.Validate() != nil {
		m.Problem = "The email settings are not complete, so nothing is sent and emails stay queued. Fix them in Settings → Email."
	}
	return m
}

// showOutbox lists the outbox, newest first, filtered by status and paged.
func (s *Server) showOutbox(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := outboxView{Status: q.Get("status"), Page: 1}
	status := http.StatusOK
	known := false
	for _, st := range outboxStatuses {
		known = known || st.value == v.Status
	}
	if !known {
		status, v.Problem, v.Status = http.StatusBadRequest, "There is no status called "+strconv.Quote(v.Status)+"; choose All, Queued, Sent or Failed.", ""
	}
	if p := q.Get("page"); p != "" && v.Problem == "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			status, v.Problem = http.StatusBadRequest, "The page must be a whole number of 1 or more."
		} else {
			v.Page = min(n, 1_000_000)
		}
	}
	rows, total, err := s.Store.ListEmailsPage(r.Context(), v.Status, (v.Page-1)*outboxPageSize, outboxPageSize)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	counts, err := s.Store.EmailCounts(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, st := range outboxStatuses {
		n := counts[st.value]
		if st.value == "" {
			n = counts[store.EmailQueued] + counts[store.EmailSent] + counts[store.EmailFailed]
		}
		v.Tabs = append(v.Tabs, outboxTab{Label: st.label, Href: outboxListURL(st.value, 1), Count: n, Current: st.value == v.Status})
	}
	v.Total = total
	v.Pages = max(1, (total+outboxPageSize-1)/outboxPageSize)
	if v.Page > 1 {
		v.PrevHref = outboxListURL(v.Status, v.Page-1)
	}
	if v.Page < v.Pages {
		v.NextHref = outboxListURL(v.Status, v.Page+1)
	}
	v.Back = outboxListURL(v.Status, v.Page)
	now := s.Clock.Now()
	for _, e := range rows {
		row := outboxRow{Email: e, Href: "/admin/outbox/" + strconv.FormatInt(e.ID, 10), CanRetry: e.Status != store.EmailSent,
			Created: outboxTime(e.CreatedAt, now, s.Config.Location), Next: outboxTime(e.NextAttemptAt, now, s.Config.Location)}
		if e.SentAt != nil {
			row.Sent = outboxTime(*e.SentAt, now, s.Config.Location)
		}
		v.Rows = append(v.Rows, row)
	}
	v.Mail = s.outboxMailState(r)
	notice, problem := outboxNotice(r)
	s.page(w, r, status, "admin_outbox", &view{Title: "Outbox", Notice: notice, Error: problem, Data: v})
}

// outboxNotice turns the msg code of a redirect into a confirmation or a
// problem; only these fixed texts can appear.
func outboxNotice(r *http.Request) (notice, problem string) {
	switch r.URL.Query().Get("msg") {
	case "retry_sent":
		return "The email was sent.", ""
	case "retry_queued":
		return "The email is queued and goes out within a few seconds.", ""
	case "retry_nosmtp":
		return "The email is queued again. No SMTP server is set, so it stays here until one is set in Settings → Email.", ""
	case "retry_later":
		return "", "Sending failed again; the email stays queued and is retried automatically. The reason is shown with the email."
	case "retry_failed":
		return "", "The email could not be sent. The reason is shown with the email."
	case "retry_settings":
		return "", "The email is queued again, but the email settings are not complete, so nothing can be sent. Fix them in Settings → Email."
	case "not_retryable":
		return "", "That email was already sent, or is being sent right now; nothing was changed."
	}
	return "", ""
}

// outboxEmailID reads the {id} of the path; ok is false for anything but a
// positive whole number.
func outboxEmailID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// outboxEmailView is the page of one email.
type outboxEmailView struct {
	Email              store.Email
	From, ReplyTo, BCC string // from the current settings: they are applied when sending
	Sealed             bool
	SealedNote         string
	HasHTML, HasText   bool
	PreviewHref        string
	Links              []string
	CanRetry           bool
	Back               string
	Mail               outboxMail
}

// openEmail reads one email with its bodies in clear text, except an email
// holding a temporary password, whose bodies are dropped unopened.
func (s *Server) openEmail(ctx context.Context, id int64) (*store.Email, error) {
	e, err := s.Store.EmailByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if e.Hidden {
		e.BodyText, e.BodyHTML = "", ""
		return e, nil
	}
	opened, err := s.Outbox.Open(*e)
	if err != nil {
		return nil, err
	}
	return &opened, nil
}

// outboxLinkRe finds the links in a plain-text body.
var outboxLinkRe = regexp.MustCompile(`https?://[^\s<>"']+`)

// showOutboxEmail shows one email: its headers, its plain-text body, its
// HTML body in a sandboxed frame, and the links it holds, so that in demo
// mode a newcomer can follow an invitation. A body holding a temporary
// password is never shown.
func (s *Server) showOutboxEmail(w http.ResponseWriter, r *http.Request) {
	id, ok := outboxEmailID(r)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "There is no such email in the outbox.")
		return
	}
	e, err := s.openEmail(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "There is no such email in the outbox.")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := outboxEmailView{Email: *e, Sealed: e.Hidden, CanRetry: e.Status != store.EmailSent, Back: "/admin/outbox/" + strconv.FormatInt(id, 10)}
	v.Mail = s.outboxMailState(r)
	if disp, _, err := mail.SettingsForDisplay(r.Context(), s.Store, s.Box, s.MailEnv); err == nil {
		v.From, v.ReplyTo, v.BCC = disp.From, disp.ReplyTo, disp.BCC
	}
	if e.Hidden {
		v.SealedNote = outboxSealedNote
		v.Email.BodyText, v.Email.BodyHTML = "", ""
	} else {
		v.HasText, v.HasHTML = e.BodyText != "", e.BodyHTML != ""
		v.PreviewHref = v.Back + "/preview"
		seen := map[string]bool{}
		for _, l := range outboxLinkRe.FindAllString(e.BodyText, 20) {
			l = strings.TrimRight(l, ".,;:)")
			if !seen[l] {
				seen[l] = true
				v.Links = append(v.Links, l)
			}
		}
	}
	notice, problem := outboxNotice(r)
	s.page(w, r, http.StatusOK, "admin_outbox_email", &view{Title: "Email to " + e.To, Notice: notice, Error: problem, Data: v})
}

// outboxPreviewCSP is the policy of the HTML body shown in the email page's
// frame: sandboxed (no script, an opaque origin, no forms), inline styles
// allowed because emails are styled inline, links opening in a new tab
// outside the sandbox, and only the console itself may frame it.
const outboxPreviewCSP = "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; " +
	"img-src data: https: http:; form-action 'none'; frame-ancestors 'self'"

var outboxHeadRe = regexp.MustCompile(`(?i)<head(\s[^>]*)?>`)

// previewOutboxEmail serves the HTML body of an unsealed email for the frame
// on its page. The frame is a separate response, not srcdoc, because a
// srcdoc frame inherits the console's policy, which blocks the inline
// styles every email uses.
func (s *Server) previewOutboxEmail(w http.ResponseWriter, r *http.Request) {
	id, ok := outboxEmailID(r)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "There is no such email in the outbox.")
		return
	}
	e, err := s.openEmail(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (e.Hidden || e.BodyHTML == "")) {
		s.errorPage(w, r, http.StatusNotFound, "This email has no HTML body that can be shown.")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	body := e.BodyHTML
	// Links open in a new tab: the portal's own pages refuse to be framed.
	const base = `<base target="_blank">`
	if loc := outboxHeadRe.FindStringIndex(body); loc != nil {
		body = body[:loc[1]] + base + body[loc[1]:]
	} else {
		body = base + body
	}
	h := w.Header()
	h.Set("Content-Security-Policy", outboxPreviewCSP)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(body))
}

// retryOutboxEmail queues a failed or queued email again, due now, and
// tries to deliver it at once; the outcome is shown on the page it came from.
func (s *Server) retryOutboxEmail(w http.ResponseWriter, r *http.Request) {
	id, ok := outboxEmailID(r)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "There is no such email in the outbox.")
		return
	}
	ctx := r.Context()
	e, err := s.Store.EmailByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "There is no such email in the outbox.")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	back := outboxBack(r.PostForm.Get("back"), id)
	err = s.Store.RetryEmailNow(ctx, id, s.Clock.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound, "There is no such email in the outbox.")
		return
	case errors.Is(err, store.ErrEmailNotRetryable):
		http.Redirect(w, r, outboxWithMsg(back, "not_retryable"), http.StatusSeeOther)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	adm := stateOf(r).adm
	s.Auth.Audit.Record(ctx, s.Store, audit.EmailRetried, audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username},
		audit.Target{Kind: "email", ID: strconv.FormatInt(id, 10), Label: e.To},
		map[string]any{"subject": e.Subject, "status": map[string]string{"from": e.Status, "to": store.EmailQueued}, "attempts": e.Attempts})
	http.Redirect(w, r, outboxWithMsg(back, s.outboxDeliverNow(r, e)), http.StatusSeeOther)
}

// outboxDeliverNow runs one round of the sender within the request and says
// what became of email e, as a notice code.
func (s *Server) outboxDeliverNow(r *http.Request, e *store.Email) string {
	set, err := mail.LoadSettings(r.Context(), s.Store, s.Box, s.MailEnv)
	if err != nil || (set.Configured() && set.Validate() != nil) {
		return "retry_settings"
	}
	if !set.Configured() || s.Sender == nil {
		return "retry_nosmtp"
	}
	// The admin leaving the page must not cut a send short.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), outboxRetryTimeout)
	defer cancel()
	if _, _, err := s.Sender.RunOnce(ctx); err != nil {
		s.Log.Warn("outbox: retry round failed", "request_id", requestID(r), "email", e.ID, "err", err)
	}
	after, err := s.Store.EmailByID(ctx, e.ID)
	if err != nil {
		return "retry_queued"
	}
	switch {
	case after.Status == store.EmailSent:
		return "retry_sent"
	case after.Status == store.EmailFailed:
		return "retry_failed"
	case after.Attempts > e.Attempts && after.LastError != "":
		return "retry_later"
	}
	// Another instance's sender holds it, or the round was full.
	return "retry_queued"
}

// outboxBack is where a retry returns to: the outbox page it was pressed
// on, or the email's own page.
func outboxBack(back string, id int64) string {
	fallback := "/admin/outbox/" + strconv.FormatInt(id, 10)
	back = safeNext(back, fallback)
	if u, err := url.Parse(back); err != nil || (u.Path != "/admin/outbox" && !strings.HasPrefix(u.Path, "/admin/outbox/")) {
		return fallback
	}
	return back
}

func outboxWithMsg(back, msg string) string {
	u, err := url.Parse(back)
	if err != nil {
		return "/admin/outbox?msg=" + url.QueryEscape(msg)
	}
	q := u.Query()
	q.Set("msg", msg)
	u.RawQuery = q.Encode()
	return u.String()
}
