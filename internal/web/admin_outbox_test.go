package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/config"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

// obEnqueue queues an email of kind k through the app's outbox, as the
// account pages do, and returns its row.
func obEnqueue(t *testing.T, in *apptest.Instance, k mail.Kind, to string, d mail.Data) store.Email {
	t.Helper()
	ctx := context.Background()
	err := in.Store().InTx(ctx, func(tx *store.Tx) error { return in.App.Outbox.Enqueue(ctx, tx, k, to, d, in.Clock.Now()) })
	if err != nil {
		t.Fatal(err)
	}
	rows, err := in.Store().ListEmails(ctx, 1)
	if err != nil || len(rows) != 1 {
		t.Fatalf("newest email: %v", err)
	}
	return rows[0]
}

// obInsert puts a plain email straight into the outbox.
func obInsert(t *testing.T, in *apptest.Instance, to, subject string) store.Email {
	t.Helper()
	ctx := context.Background()
	e := &store.Email{To: to, Subject: subject, BodyText: "Hello\n", CreatedAt: in.Clock.Now()}
	if err := in.Store().InTx(ctx, func(tx *store.Tx) error { return tx.EnqueueEmail(ctx, e) }); err != nil {
		t.Fatal(err)
	}
	return *e
}

func obEmail(t *testing.T, in *apptest.Instance, id int64) *store.Email {
	t.Helper()
	e, err := in.Store().EmailByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func obDoc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// obSignedIn starts an admin client on in.
func obSignedIn(t *testing.T, in *apptest.Instance) *apptest.Client {
	t.Helper()
	in.CreateAdmin(t, "ops", goodPassword)
	c := in.Client(t)
	if r := c.AdminSignIn("ops", goodPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", r.StatusCode)
	}
	return c
}

func TestAdminOutbox(t *testing.T) {
	demo := func(c *config.Config) { c.Demo = true }
	in := apptest.StartWithMail(t, storetest.SQLite(t), nil, apptest.MailOptions{}, demo)
	ctx := context.Background()
	invitation := obEnqueue(t, in, mail.Invitation, "new@acme.example", mail.Data{Name: `<script>alert("name")</script>`,
		Link: in.App.Outbox.Link("/password/set?token=tok123"), Expiry: 24 * time.Hour})
	const tempPassword = "Temp-Secret-9f8e7d6c5b4a3210"
	temp := obEnqueue(t, in, mail.TemporaryPassword, "temp@acme.example", mail.Data{TempPassword: tempPassword, Link: in.App.Outbox.Link("/login"), Expiry: 24 * time.Hour})
	hostile := obInsert(t, in, `x"><img src=x onerror=alert(1)>@acme.example`, `<img src=x onerror=alert(2)>`)
	failed := obInsert(t, in, "gone@acme.example", "Your invitation")
	if err := in.Store().MarkEmailRetry(ctx, failed.ID, time.Time{}, "The mail server refused the recipient address (SMTP 550). Check the address."); err != nil {
		t.Fatal(err)
	}
	sent := obInsert(t, in, "done@acme.example", "Already sent")
	if err := in.Store().MarkEmailSent(ctx, sent.ID, in.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	admin := obSignedIn(t, in)
	var bodies []string
	get := func(path string) *apptest.Response {
		t.Helper()
		r := admin.Get(path)
		bodies = append(bodies, r.Body)
		return r
	}

	t.Run("List", func(t *testing.T) {
		r := get("/admin/outbox")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("outbox: %d", r.StatusCode)
		}
		doc := obDoc(t, r.Body)
		if n := doc.Find("table.outbox-table tbody tr").Length(); n != 5 {
			t.Errorf("%d rows, want 5", n)
		}
		if n := doc.Find(`form[action$="/retry"]`).Length(); n != 4 {
			t.Errorf("%d retry buttons, want 4 (every row but the sent one)", n)
		}
		first := doc.Find("table.outbox-table tbody tr").First().Text()
		if !strings.Contains(first, "Already sent") || !strings.Contains(first, "Sent") {
			t.Errorf("newest first: first row is %q", first)
		}
		for _, want := range []string{"No SMTP server is set", `href="/admin/settings/email"`, "This is a demo", "refused the recipient address",
			"Your invitation to the Acme Warehousing portal", "new@acme.example", ">sealed<", "Failed", "Queued"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("outbox page lacks %q", want)
			}
		}
		if strings.Contains(r.Body, "<img src=x") || strings.Contains(r.Body, `x"><img`) {
			t.Error("hostile subject or address rendered unescaped")
		}
		if tab := doc.Find(`.segmented a[href="/admin/outbox?status=failed"]`).Text(); !strings.Contains(tab, "Failed") || !strings.Contains(tab, "1") {
			t.Errorf("failed tab = %q", tab)
		}
	})
	t.Run("Filters", func(t *testing.T) {
		for _, c := range []struct {
			status string
			rows   int
		}{{"queued", 3}, {"sent", 1}, {"failed", 1}} {
			r := get("/admin/outbox?status=" + c.status)
			doc := obDoc(t, r.Body)
			if r.StatusCode != http.StatusOK || doc.Find("table.outbox-table tbody tr").Length() != c.rows {
				t.Errorf("%s: %d, %d rows; want %d", c.status, r.StatusCode, doc.Find("table.outbox-table tbody tr").Length(), c.rows)
			}
			if cur := doc.Find(`.segmented a[aria-current="page"]`).AttrOr("href", ""); cur != "/admin/outbox?status="+c.status {
				t.Errorf("%s: current tab %q", c.status, cur)
			}
		}
		for _, q := range []string{"status=bogus", "status=%3Cscript%3E", "page=0", "page=abc", "page=-3"} {
			r := get("/admin/outbox?" + q)
			if r.StatusCode != http.StatusBadRequest || strings.Contains(r.Body, "<script>") {
				t.Errorf("%s: %d", q, r.StatusCode)
			}
			if !strings.Contains(r.Body, "All emails are shown instead") {
				t.Errorf("%s: no explanation", q)
			}
		}
		if r := get("/admin/outbox?page=99"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "No emails yet") {
			t.Errorf("page past the end: %d", r.StatusCode)
		}
	})
	t.Run("EmailPage", func(t *testing.T) {
		r := get(fmt.Sprintf("/admin/outbox/%d", invitation.ID))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("email page: %d", r.StatusCode)
		}
		doc := obDoc(t, r.Body)
		link := in.App.Outbox.Link("/password/set?token=tok123")
		if href := doc.Find(".outbox-links a").AttrOr("href", ""); href != link {
			t.Errorf("link list = %q, want %q", href, link)
		}
		frame := doc.Find("iframe.outbox-frame")
		if _, ok := frame.Attr("sandbox"); !ok || frame.AttrOr("src", "") != fmt.Sprintf("/admin/outbox/%d/preview", invitation.ID) {
			t.Errorf("iframe = sandbox %v src %q", ok, frame.AttrOr("src", ""))
		}
		if !strings.Contains(doc.Find(".outbox-text pre").Text(), link) || !strings.Contains(r.Body, "&lt;script&gt;") {
			t.Error("plain-text body missing or not escaped")
		}
		if strings.Contains(r.Body, `<script>alert("name")`) {
			t.Error("name in the body rendered unescaped")
		}
		if !strings.Contains(r.Body, "the links in this email work") {
			t.Error("demo hint missing")
		}

		p := get(fmt.Sprintf("/admin/outbox/%d/preview", invitation.ID))
		csp := p.Header.Get("Content-Security-Policy")
		if p.StatusCode != http.StatusOK || !strings.HasPrefix(csp, "sandbox") || strings.Contains(csp, "allow-scripts") || strings.Contains(csp, "allow-same-origin") {
			t.Errorf("preview: %d, CSP %q", p.StatusCode, csp)
		}
		if p.Header.Get("X-Frame-Options") != "SAMEORIGIN" || !strings.Contains(p.Body, `<base target="_blank">`) || !strings.Contains(p.Body, link) {
			t.Errorf("preview: frame options %q, body lacks the base target or the link", p.Header.Get("X-Frame-Options"))
		}
	})
	t.Run("SealedBodyIsNeverShown", func(t *testing.T) {
		raw := obEmail(t, in, temp.ID)
		if !raw.Sealed {
			t.Fatal("temporary password email not sealed")
		}
		r := get(fmt.Sprintf("/admin/outbox/%d", temp.ID))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "its body is encrypted and is never shown in the console") {
			t.Fatalf("sealed email page: %d", r.StatusCode)
		}
		if strings.Contains(r.Body, "iframe") || strings.Contains(r.Body, raw.BodyText[:20]) {
			t.Error("sealed email page shows a body")
		}
		if p := get(fmt.Sprintf("/admin/outbox/%d/preview", temp.ID)); p.StatusCode != http.StatusNotFound {
			t.Errorf("sealed preview: %d", p.StatusCode)
		}
	})
	t.Run("UnknownIDs", func(t *testing.T) {
		for _, p := range []string{"/admin/outbox/999999", "/admin/outbox/abc", "/admin/outbox/-1", "/admin/outbox/0", "/admin/outbox/99999999999999999999", "/admin/outbox/999999/preview", "/admin/outbox/x/preview"} {
			if r := get(p); r.StatusCode != http.StatusNotFound || !strings.Contains(r.Body, "no such email") && !strings.Contains(r.Body, "no HTML body") {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}
		admin.Get("/admin/outbox")
		for _, p := range []string{"/admin/outbox/999999/retry", "/admin/outbox/abc/retry"} {
			if r := admin.Post(p, nil); r.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s: %d", p, r.StatusCode)
			}
		}
	})
	t.Run("RetryWithoutSMTP", func(t *testing.T) {
		in.Clock.Advance(5 * time.Minute)
		admin.Get("/admin/outbox?status=failed")
		r := admin.Post(fmt.Sprintf("/admin/outbox/%d/retry", failed.ID), url.Values{"back": {"/admin/outbox?status=failed"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/outbox?msg=retry_nosmtp&status=failed" {
			t.Fatalf("retry: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		e := obEmail(t, in, failed.ID)
		if e.Status != store.EmailQueued || !e.NextAttemptAt.Equal(in.Clock.Now()) {
			t.Errorf("after retry: %+v; want queued and due now", e)
		}
		entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "email_retry_requested"})
		if len(entries) != 1 || entries[0].TargetID != fmt.Sprint(failed.ID) || entries[0].ActorLabel != "ops" || !strings.Contains(entries[0].Details, `"from":"failed"`) {
			t.Errorf("audit = %+v", entries)
		}
		if page := get("/admin/outbox?msg=retry_nosmtp&status=failed"); !strings.Contains(page.Body, "stays here until one is set") {
			t.Error("no notice after the redirect")
		}
	})
	t.Run("RetryRefusals", func(t *testing.T) {
		admin.Get("/admin/outbox")
		r := admin.Post(fmt.Sprintf("/admin/outbox/%d/retry", sent.ID), url.Values{"back": {"/admin/outbox"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/outbox?msg=not_retryable" {
			t.Errorf("retry of a sent email: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		if e := obEmail(t, in, sent.ID); e.Status != store.EmailSent {
			t.Errorf("sent email became %s", e.Status)
		}
		for _, back := range []string{"https://evil.example/", "//evil.example/admin/outbox", "/admin/audit", "/admin/outboxes"} {
			r := admin.Post(fmt.Sprintf("/admin/outbox/%d/retry", hostile.ID), url.Values{"back": {back}})
			if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, fmt.Sprintf("/admin/outbox/%d?msg=", hostile.ID)) {
				t.Errorf("back %q: redirected to %q", back, loc)
			}
		}
		noToken := admin.PostRaw(fmt.Sprintf("/admin/outbox/%d/retry", sent.ID), url.Values{}, map[string]string{"Sec-Fetch-Site": "same-origin"})
		if noToken.StatusCode != http.StatusForbidden {
			t.Errorf("retry without a form token: %d", noToken.StatusCode)
		}
	})
	t.Run("OnlyAdmins", func(t *testing.T) {
		in.CreateAccount(t, "buyer@acme.example", goodPassword)
		customer := in.Client(t)
		customer.SignIn("buyer@acme.example", goodPassword)
		for _, c := range []*apptest.Client{in.Client(t), customer} {
			for _, p := range []string{"/admin/outbox", fmt.Sprintf("/admin/outbox/%d", invitation.ID), fmt.Sprintf("/admin/outbox/%d/preview", invitation.ID)} {
				r := c.Get(p)
				if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
					t.Errorf("GET %s: %d %q", p, r.StatusCode, r.Header.Get("Location"))
				}
			}
			_, before, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "email_retry_requested"})
			r := c.Post(fmt.Sprintf("/admin/outbox/%d/retry", hostile.ID), nil)
			if r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusSeeOther {
				t.Errorf("retry by a non-admin: %d", r.StatusCode)
			}
			if _, after, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "email_retry_requested"}); after != before {
				t.Error("a non-admin's retry went through")
			}
		}
	})
	for _, b := range bodies {
		if strings.Contains(b, tempPassword) {
			t.Fatal("a page showed the temporary password")
		}
	}
}

func TestAdminOutboxPaging(t *testing.T) {
	in := apptest.StartWithMail(t, storetest.SQLite(t), nil, apptest.MailOptions{})
	ctx := context.Background()
	err := in.Store().InTx(ctx, func(tx *store.Tx) error {
		for i := range 120 {
			e := &store.Email{To: fmt.Sprintf("u%03d@acme.example", i), Subject: "s", BodyText: "b", CreatedAt: in.Clock.Now().Add(time.Duration(i) * time.Second)}
			if err := tx.EnqueueEmail(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := obSignedIn(t, in)
	for _, c := range []struct {
		path        string
		rows        int
		first       string
		prev, next  string
		description string
	}{
		{"/admin/outbox", 50, "u119@", "", "/admin/outbox?page=2", "first page"},
		{"/admin/outbox?page=2", 50, "u069@", "/admin/outbox", "/admin/outbox?page=3", "middle page"},
		{"/admin/outbox?page=3", 20, "u019@", "/admin/outbox?page=2", "", "last page"},
		{"/admin/outbox?status=queued&page=3", 20, "u019@", "/admin/outbox?page=2&status=queued", "", "last page, filtered"},
	} {
		t.Run(c.description, func(t *testing.T) {
			r := admin.Get(c.path)
			doc := obDoc(t, r.Body)
			rows := doc.Find("table.outbox-table tbody tr")
			if r.StatusCode != http.StatusOK || rows.Length() != c.rows || !strings.Contains(rows.First().Text(), c.first) {
				t.Errorf("%d, %d rows, first %q", r.StatusCode, rows.Length(), rows.First().Find("td.who").Text())
			}
			if prev := doc.Find(`.pager a[rel="prev"]`).AttrOr("href", ""); prev != c.prev {
				t.Errorf("prev = %q, want %q", prev, c.prev)
			}
			if next := doc.Find(`.pager a[rel="next"]`).AttrOr("href", ""); next != c.next {
				t.Errorf("next = %q, want %q", next, c.next)
			}
		})
	}
}

// TestOutboxDeliversThroughSMTP follows mail from the outbox to a real SMTP
// server: queued while no server is set, saved settings applying without a
// restart, "retry now" delivering at once, and refusals explained.
func TestOutboxDeliversThroughSMTP(t *testing.T) {
	for _, db := range []struct {
		name   string
		target func(testing.TB) storetest.Target
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		t.Run(db.name, func(t *testing.T) { obDeliverThroughSMTP(t, db.target(t)) })
	}
}

func obDeliverThroughSMTP(t *testing.T, target storetest.Target) {
	sink := newMailSink(t)
	in := apptest.StartWithMail(t, target, nil, apptest.MailOptions{})
	ctx := context.Background()
	admin := obSignedIn(t, in)
	link := in.App.Outbox.Link("/password/set?token=e2e-token")
	invitation := obEnqueue(t, in, mail.Invitation, "new@acme.example", mail.Data{Name: "Ada", Link: link, Expiry: 24 * time.Hour})
	failed := obInsert(t, in, "retry@acme.example", "Retried by hand")
	if err := in.Store().MarkEmailRetry(ctx, failed.ID, time.Time{}, "Connection refused by 127.0.0.1:25: no mail server is listening there."); err != nil {
		t.Fatal(err)
	}
	if _, _, err := in.App.Sender.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if e := obEmail(t, in, invitation.ID); e.Status != store.EmailQueued || e.Attempts != 0 {
		t.Fatalf("without SMTP the invitation is %s after %d attempts; want queued, untried", e.Status, e.Attempts)
	}

	set := sink.settings()
	admin.Get("/admin/settings/email")
	r := admin.Post("/admin/settings/email", url.Values{"host": {set.Host}, "port": {fmt.Sprint(set.Port)}, "security": {"none"}, "from": {set.From}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save settings: %d\n%s", r.StatusCode, r.Body)
	}

	admin.Get("/admin/outbox?status=failed")
	r = admin.Post(fmt.Sprintf("/admin/outbox/%d/retry", failed.ID), url.Values{"back": {"/admin/outbox?status=failed"}})
	if loc := r.Header.Get("Location"); r.StatusCode != http.StatusSeeOther || (loc != "/admin/outbox?msg=retry_sent&status=failed" && loc != "/admin/outbox?msg=retry_queued&status=failed") {
		t.Fatalf("retry: %d %q", r.StatusCode, loc)
	}
	// The invitation goes out in the same round as the retried email, or
	// with the background sender, which reads the saved settings each round.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && (obEmail(t, in, invitation.ID).Status != store.EmailSent || obEmail(t, in, failed.ID).Status != store.EmailSent) {
		time.Sleep(50 * time.Millisecond)
	}
	msgs := sink.messages()
	if len(msgs) != 2 {
		t.Fatalf("sink received %d messages, want 2", len(msgs))
	}
	got := map[string]string{}
	for _, m := range msgs {
		got[strings.Join(m.To, ",")] = m.Data
	}
	if !strings.Contains(got["new@acme.example"], "e2e-token") || !strings.Contains(got["retry@acme.example"], "Retried by hand") {
		t.Errorf("messages received: %v", got)
	}
	page := admin.Get("/admin/outbox?status=sent")
	doc := obDoc(t, page.Body)
	if n := doc.Find("table.outbox-table tbody tr").Length(); n != 2 || strings.Count(page.Body, `class="pill pill-on">Sent<`) != 2 {
		t.Errorf("sent tab: %d rows", n)
	}
	if doc.Find(`form[action$="/retry"]`).Length() != 0 {
		t.Error("sent emails offer retry")
	}

	t.Run("RefusedRecipient", func(t *testing.T) {
		sink.setRefuse(true)
		e := obInsert(t, in, "nobody@acme.example", "Refused")
		if err := in.Store().MarkEmailRetry(ctx, e.ID, time.Time{}, "earlier"); err != nil {
			t.Fatal(err)
		}
		admin.Get(fmt.Sprintf("/admin/outbox/%d", e.ID))
		r := admin.Post(fmt.Sprintf("/admin/outbox/%d/retry", e.ID), url.Values{"back": {fmt.Sprintf("/admin/outbox/%d", e.ID)}})
		loc := r.Header.Get("Location")
		if loc != fmt.Sprintf("/admin/outbox/%d?msg=retry_failed", e.ID) && loc != fmt.Sprintf("/admin/outbox/%d?msg=retry_queued", e.ID) {
			t.Fatalf("retry: %d %q", r.StatusCode, loc)
		}
		for time.Now().Before(deadline.Add(10*time.Second)) && obEmail(t, in, e.ID).Status != store.EmailFailed {
			time.Sleep(50 * time.Millisecond)
		}
		page := admin.Get(loc)
		if !strings.Contains(page.Body, "refused the recipient address (SMTP 550)") || strings.Contains(page.Body, "internal detail") {
			t.Errorf("the refusal is not explained in words, or the server's own text leaked")
		}
	})
}
