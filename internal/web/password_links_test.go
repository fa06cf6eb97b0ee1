package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

var linkToken = regexp.MustCompile(`/password/(?:set|reset)\?token=[A-Za-z0-9_-]+`)

// linkPaths remembers which page each client opened a link on, so
// setPassword posts to the same page.
var linkPaths sync.Map // *apptest.Client → string

// tokenOf returns the token of a link found by lastLink.
func tokenOf(link string) string { _, tok, _ := strings.Cut(link, "?token="); return tok }

// onEachDatabase runs fn against an App on SQLite and, when configured, on
// PostgreSQL.
func onEachDatabase(t *testing.T, fn func(t *testing.T, in *apptest.Instance)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, apptest.Start(t, storetest.SQLite(t), nil)) })
	t.Run("postgres", func(t *testing.T) { fn(t, apptest.Start(t, storetest.Postgres(t), nil)) })
}

// outbox returns every queued email, newest first, with sealed bodies opened.
func outbox(t *testing.T, in *apptest.Instance) []store.Email {
	t.Helper()
	rows, err := in.Store().ListEmails(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range rows {
		if rows[i], err = in.App.Outbox.Open(e); err != nil {
			t.Fatal(err)
		}
	}
	return rows
}

// mailsTo returns the emails addressed to to, newest first.
func mailsTo(t *testing.T, in *apptest.Instance, to string) []store.Email {
	var out []store.Email
	for _, e := range outbox(t, in) {
		if e.To == to {
			out = append(out, e)
		}
	}
	return out
}

// lastLink returns the token of the newest set-password link mailed to to.
func lastLink(t *testing.T, in *apptest.Instance, to string) string {
	t.Helper()
	return tokenOf(lastLinkURL(t, in, to))
}

// lastLinkURL returns the newest set-password link mailed to to, as a path
// with its token ("/password/set?token=…").
func lastLinkURL(t *testing.T, in *apptest.Instance, to string) string {
	t.Helper()
	for _, e := range mailsTo(t, in, to) {
		if m := linkToken.FindString(e.BodyText); m != "" {
			return m
		}
	}
	t.Fatalf("no link mailed to %s", to)
	return ""
}

// invite creates an account without a password and sends it an invitation,
// as the accounts page does.
func invite(t *testing.T, in *apptest.Instance, email string) *store.Account {
	t.Helper()
	ctx := context.Background()
	a := &store.Account{Email: email, FirstName: "Robin", LastName: "Quay", Active: true, Scope: []string{"Acme"}, CreatedAt: in.Clock.Now()}
	err := in.Store().InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAccount(ctx, a); err != nil {
			return err
		}
		return in.App.Auth.SendInvitation(ctx, tx, auth.CustomerPerson(a), audit.System, false)
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// openLink does what a browser does with an emailed link: the first GET
// moves the token into a cookie, then the form is shown without it.
func openLink(t *testing.T, c *apptest.Client, link string) *apptest.Response {
	t.Helper()
	path, _, _ := strings.Cut(link, "?")
	linkPaths.Store(c, path)
	r := c.Get(link)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != path {
		t.Fatalf("opening the link: %d %q, want 303 to %s", r.StatusCode, r.Header.Get("Location"), path)
	}
	return c.Get(path)
}

func setPassword(c *apptest.Client, pw string) *apptest.Response {
	path := "/password/set"
	if p, ok := linkPaths.Load(c); ok {
		path = p.(string)
	}
	return c.Post(path, url.Values{"new_password": {pw}, "confirm_password": {pw}})
}

func TestInvitationLink(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		invite(t, in, "Robin@Acme.example")
		mails := mailsTo(t, in, "robin@acme.example")
		if len(mails) != 1 || !strings.Contains(mails[0].Subject, "invitation") {
			t.Fatalf("invitation mail: %+v", mails)
		}
		link := lastLinkURL(t, in, "robin@acme.example")
		token := tokenOf(link)
		if len(token) < 43 || !strings.Contains(mails[0].BodyText, in.App.Config.BaseURL.String()+"/password/set?token=") {
			t.Fatalf("link in the mail: token %d characters; body %q", len(token), mails[0].BodyText)
		}

		c := in.Client(t)
		if r := c.SignIn("robin@acme.example", "anything at all goes here"); r.StatusCode == http.StatusSeeOther {
			t.Fatal("an invited account signed in before setting a password")
		}
		// Mail scanners open links: GETs never use the link up.
		for range 3 {
			if r := c.Get(link); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("GET of the link: %d", r.StatusCode)
			}
		}
		first := c.Get(link)
		if got := first.Header.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("Referrer-Policy %q on the link page", got)
		}
		page := c.Get("/password/set")
		if page.StatusCode != 200 || !strings.Contains(page.Body, "robin@acme.example") || strings.Contains(page.Body, token) {
			t.Fatalf("set-password page: %d (token must not be in the page)", page.StatusCode)
		}

		if r := setPassword(c, "short"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "at least 15 characters") {
			t.Fatalf("short password: %d", r.StatusCode)
		}
		if r := c.Post("/password/set", url.Values{"new_password": {"a long enough passphrase"}, "confirm_password": {"another"}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("mismatch: %d", r.StatusCode)
		}
		newPw := "tidal copper lantern evening"
		r := setPassword(c, newPw)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?msg=password_set" {
			t.Fatalf("set password: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		for _, ck := range r.Cookies() {
			if ck.Name == "portico_session" && ck.MaxAge >= 0 {
				t.Fatal("setting a password signed the person in")
			}
		}
		if r := c.Get("/login?msg=password_set"); !strings.Contains(r.Body, "Your password is set") {
			t.Error("sign-in page lacks the confirmation")
		}
		if r := c.SignIn("robin@acme.example", newPw); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Fatalf("sign-in with the new password: %d %q", r.StatusCode, r.Header.Get("Location"))
		}

		// The link is spent.
		again := in.Client(t)
		if r := again.Get(link); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "invalid or has expired") {
			t.Errorf("second use of the link: %d", r.StatusCode)
		}

		// A notice went to the stored address, with nothing secret in it.
		notice := mailsTo(t, in, "robin@acme.example")[0]
		if !strings.Contains(strings.ToLower(notice.Subject), "password") || strings.Contains(notice.BodyText, newPw) ||
			strings.Contains(notice.BodyHTML, newPw) || strings.Contains(notice.BodyText, token) {
			t.Errorf("password-changed notice: %q", notice.Subject)
		}
		entries, _, err := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: string(audit.InvitationAccepted), Limit: 5})
		if err != nil || len(entries) != 1 {
			t.Errorf("invitation accepted audit entries: %d, %v", len(entries), err)
		}
	})
}

func TestSetPasswordPageNeedsTheLinkFirst(t *testing.T) {
	in := apptest.StartSQLite(t)
	c := in.Client(t)
	if r := c.Get("/password/set"); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "invalid or has expired") {
		t.Errorf("final URL without the link: %d", r.StatusCode)
	}
	c.Get("/password/forgot")
	if r := setPassword(c, "tidal copper lantern evening"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("POST without the link: %d", r.StatusCode)
	}
}

// Unknown, used, expired and revoked links get the same page, byte for byte.
func TestInvalidLinksLookTheSame(t *testing.T) {
	in := apptest.StartSQLite(t)
	get := func(token string) *apptest.Response { return in.Client(t).Get("/password/set?token=" + token) }
	// The links found in the mail are invitations, so their tokens are
	// tried at /password/set like an unknown one.

	invite(t, in, "used@acme.example")
	used := lastLinkURL(t, in, "used@acme.example")
	c := in.Client(t)
	openLink(t, c, used)
	setPassword(c, "tidal copper lantern evening")

	a := invite(t, in, "revoked@acme.example")
	revoked := lastLinkURL(t, in, "revoked@acme.example")
	ctx := context.Background()
	if err := in.Store().InTx(ctx, func(tx *store.Tx) error {
		return in.App.Auth.SendInvitation(ctx, tx, auth.CustomerPerson(a), audit.System, true)
	}); err != nil {
		t.Fatal(err)
	}
	if lastLinkURL(t, in, "revoked@acme.example") == revoked {
		t.Fatal("resend mailed the same link")
	}

	invite(t, in, "expired@acme.example")
	expired := lastLinkURL(t, in, "expired@acme.example")
	in.Clock.Advance(in.App.Config.InvitationTTL + time.Second)

	unknown, _ := auth.NewToken()
	want := get(unknown)
	if want.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown link: %d", want.StatusCode)
	}
	for name, token := range map[string]string{"used": tokenOf(used), "revoked": tokenOf(revoked), "expired": tokenOf(expired), "garbage": "%3Cscript%3E", "long": strings.Repeat("a", 5000)} {
		r := get(token)
		if r.StatusCode != want.StatusCode || r.Body != want.Body {
			t.Errorf("%s link: %d, body differs from an unknown link's: %v", name, r.StatusCode, r.Body != want.Body)
		}
	}
	entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: string(audit.LinkRejected), Limit: 50})
	if len(entries) < 5 {
		t.Errorf("rejected links audited: %d", len(entries))
	}
}

func TestLinkExpiry(t *testing.T) {
	in := apptest.StartSQLite(t)
	invite(t, in, "late@acme.example")
	token := lastLinkURL(t, in, "late@acme.example")
	in.Clock.Advance(in.App.Config.InvitationTTL - time.Second)
	c := in.Client(t)
	if r := openLink(t, c, token); r.StatusCode != 200 {
		t.Fatalf("one second before expiry: %d", r.StatusCode)
	}
	in.Clock.Advance(2 * time.Second)
	if r := setPassword(c, "tidal copper lantern evening"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("one second after expiry: %d", r.StatusCode)
	}
}

// Of many requests racing with one link, exactly one sets the password.
func TestLinkRace(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		invite(t, in, "race@acme.example")
		token := lastLinkURL(t, in, "race@acme.example")
		const n = 20
		clients := make([]*apptest.Client, n)
		for i := range clients {
			clients[i] = in.Client(t)
			openLink(t, clients[i], token)
		}
		passwords := make([]string, n)
		results := make([]int, n)
		var start, done sync.WaitGroup
		start.Add(1)
		for i := range n {
			passwords[i] = "racing harbour lantern number " + string(rune('a'+i))
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				results[i] = setPassword(clients[i], passwords[i]).StatusCode
			}()
		}
		start.Done()
		done.Wait()
		winner := -1
		for i, code := range results {
			if code == http.StatusSeeOther {
				if winner >= 0 {
					t.Fatalf("requests %d and %d both set the password", winner, i)
				}
				winner = i
			} else if code != http.StatusBadRequest {
				t.Errorf("request %d: %d", i, code)
			}
		}
		if winner < 0 {
			t.Fatal("no request set the password")
		}
		if r := in.Client(t).SignIn("race@acme.example", passwords[winner]); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Errorf("the winner's password does not sign in: %d", r.StatusCode)
		}
	})
}

func TestResetEndsSessionsAndUnlocks(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "locked@acme.example", goodPassword)
	x := in.Client(t)
	x.SignIn("locked@acme.example", goodPassword)
	if r := x.Get("/"); r.StatusCode != 200 {
		t.Fatalf("session X: %d", r.StatusCode)
	}
	// Lock the account for good: 100 consecutive failures.
	for range store.MaxFailedStreak {
		if _, err := in.Store().AddFailedSignIn(context.Background(), store.KindCustomer, mustAccount(t, in, "locked@acme.example").ID); err != nil {
			t.Fatal(err)
		}
	}
	if r := in.Client(t).SignIn("locked@acme.example", goodPassword); r.StatusCode == http.StatusSeeOther {
		t.Fatal("the right password worked after 100 consecutive failures")
	}
	// The forgot-password page still works while locked.
	c := in.Client(t)
	c.Get("/password/forgot")
	if r := c.Post("/password/forgot", url.Values{"email": {"locked@acme.example"}}); r.StatusCode != 200 {
		t.Fatalf("forgot: %d", r.StatusCode)
	}
	openLink(t, c, lastLinkURL(t, in, "locked@acme.example"))
	newPw := "granite meadow postcard whistle"
	if r := setPassword(c, newPw); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?msg=password_set" {
		t.Fatalf("reset: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := x.Get("/"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("session X after the reset: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := in.Client(t).SignIn("locked@acme.example", newPw); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Errorf("sign-in after the reset: %d", r.StatusCode)
	}
}

func TestFailedSignInsCountTowardsThePermanentLock(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "streak@acme.example", goodPassword)
	c := in.Client(t)
	for range 3 {
		c.SignIn("streak@acme.example", "not the password at all")
	}
	if got := mustAccount(t, in, "streak@acme.example").FailedStreak; got != 3 {
		t.Fatalf("streak after 3 failures: %d", got)
	}
	c.SignIn("streak@acme.example", goodPassword)
	if got := mustAccount(t, in, "streak@acme.example").FailedStreak; got != 0 {
		t.Errorf("streak after a success: %d", got)
	}
}

func mustAccount(t *testing.T, in *apptest.Instance, email string) *store.Account {
	t.Helper()
	a, err := in.Store().AccountByLogin(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestForgotPasswordAnswersAlike(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		in.CreateAccount(t, "known@acme.example", goodPassword)
		in.CreateAccount(t, "gone@acme.example", goodPassword, func(a *store.Account) { a.Active = false })
		c := in.Client(t)
		if r := c.Get("/password/forgot"); r.StatusCode != 200 {
			t.Fatalf("forgot page: %d", r.StatusCode)
		}
		answers := map[string]*apptest.Response{}
		for _, email := range []string{"known@acme.example", "nobody@acme.example", "gone@acme.example"} {
			answers[email] = c.Post("/password/forgot", url.Values{"email": {email}})
		}
		want := answers["known@acme.example"]
		if want.StatusCode != 200 || !strings.Contains(want.Body, "If an active account uses that address") {
			t.Fatalf("answer: %d", want.StatusCode)
		}
		for email, r := range answers {
			if r.StatusCode != want.StatusCode || r.Body != want.Body {
				t.Errorf("answer for %s differs", email)
			}
		}
		if n := len(mailsTo(t, in, "known@acme.example")); n != 1 {
			t.Errorf("mails to the known account: %d", n)
		}
		if n := len(mailsTo(t, in, "gone@acme.example")) + len(mailsTo(t, in, "nobody@acme.example")); n != 0 {
			t.Errorf("mails to unknown or inactive addresses: %d", n)
		}
	})
}

func TestForgotPasswordMailsTheStoredAddress(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "alice@example.com", goodPassword)
	c := in.Client(t)
	c.Get("/password/forgot")
	// A forwarded host header must not change the link.
	r := c.PostRaw("/password/forgot", url.Values{"email": {"ALICE@Example.com"}, "csrf_token": {c.LastCSRF}},
		map[string]string{"X-Forwarded-Host": "evil.example", "Sec-Fetch-Site": "same-origin", "Origin": in.URL})
	if r.StatusCode != 200 {
		t.Fatalf("forgot: %d", r.StatusCode)
	}
	mails := outbox(t, in)
	if len(mails) != 1 || mails[0].To != "alice@example.com" {
		t.Fatalf("mail addressed to %+v", mails)
	}
	if !strings.Contains(mails[0].BodyText, in.App.Config.BaseURL.String()+"/password/reset?token=") || strings.Contains(mails[0].BodyText, "evil") {
		t.Errorf("link not on the configured public URL: %q", mails[0].BodyText)
	}
	// A look-alike address (dotless ı) matches nothing and gets no mail.
	c.Post("/password/forgot", url.Values{"email": {"alıce@example.com"}})
	if n := len(outbox(t, in)); n != 1 {
		t.Errorf("look-alike address got mail: %d mails", n)
	}
}

func TestForgotPasswordIsThrottled(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "flood@acme.example", goodPassword)
	c := in.Client(t)
	c.Get("/password/forgot")
	var first *apptest.Response
	for i := range 10 {
		r := c.Post("/password/forgot", url.Values{"email": {"flood@acme.example"}})
		if i == 0 {
			first = r
		} else if r.StatusCode != first.StatusCode || r.Body != first.Body {
			t.Fatalf("request %d answered differently", i+1)
		}
	}
	if n := len(mailsTo(t, in, "flood@acme.example")); n > 3 {
		t.Errorf("10 requests within a minute sent %d mails, want at most 3", n)
	}
	// Only the newest link works.
	links := 0
	for _, e := range mailsTo(t, in, "flood@acme.example") {
		if linkToken.MatchString(e.BodyText) {
			links++
		}
	}
	if links == 0 {
		t.Fatal("no link mailed")
	}
}

func TestForgotPasswordRejectsBadInput(t *testing.T) {
	in := apptest.StartSQLite(t)
	c := in.Client(t)
	c.Get("/password/forgot")
	for name, email := range map[string]string{
		"empty": "", "no at": "not-an-address", "control": "a@b.c\r\nBcc: x@y.z", "huge": strings.Repeat("a", 400) + "@x.example",
		"script": "<script>alert(1)</script>",
	} {
		r := c.Post("/password/forgot", url.Values{"email": {email}})
		if r.StatusCode != http.StatusUnprocessableEntity || strings.Contains(r.Body, "<script>alert") {
			t.Errorf("%s: %d", name, r.StatusCode)
		}
	}
	if r := in.Client(t).Post("/password/forgot", url.Values{"email": {"a@b.example"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("without a form token: %d", r.StatusCode)
	}
}

func TestTemporaryPassword(t *testing.T) {
	in := apptest.StartSQLite(t)
	a := in.CreateAccount(t, "temp@acme.example", goodPassword)
	x := in.Client(t)
	x.SignIn("temp@acme.example", goodPassword)
	ctx := context.Background()
	if err := in.App.Auth.SendTemporaryPassword(ctx, auth.CustomerPerson(a), audit.Actor{Kind: store.KindAdmin, ID: 1, Label: "admin"}); err != nil {
		t.Fatal(err)
	}
	raw, err := in.Store().ListEmails(ctx, 5)
	if err != nil || len(raw) != 1 || !raw[0].Sealed {
		t.Fatalf("temporary password mail not sealed: %+v %v", raw, err)
	}
	mail := mailsTo(t, in, "temp@acme.example")[0]
	m := regexp.MustCompile(`(?m)^\s*([a-z0-9]{5}(?:-[a-z0-9]{5}){3,})\s*$`).FindStringSubmatch(mail.BodyText)
	if m == nil {
		t.Fatalf("no temporary password in %q", mail.BodyText)
	}
	temp := m[1]
	if len(temp) < 20 {
		t.Fatalf("temporary password %d characters", len(temp))
	}
	if strings.Contains(raw[0].BodyText, temp) || strings.Contains(raw[0].BodyHTML, temp) {
		t.Error("the outbox row holds the password in clear text")
	}
	entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Limit: 100})
	for _, e := range entries {
		if strings.Contains(e.Details, temp) {
			t.Errorf("audit entry %s holds the password", e.Action)
		}
	}
	if r := x.Get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("old session survived the temporary password: %d", r.StatusCode)
	}
	if r := in.Client(t).SignIn("temp@acme.example", goodPassword); r.StatusCode == http.StatusSeeOther {
		t.Error("the old password still works")
	}
	c := in.Client(t)
	if r := c.SignIn("temp@acme.example", temp); r.Header.Get("Location") != "/password/change" {
		t.Fatalf("sign-in with the temporary password: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := c.Get("/inventory"); r.Header.Get("Location") != "/password/change" {
		t.Errorf("other pages before the change: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	c.Get("/password/change")
	if r := c.Post("/password/change", url.Values{"new_password": {temp}, "confirm_password": {temp}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("keeping the temporary password: %d", r.StatusCode)
	}
	// It works for one sign-in only.
	if r := in.Client(t).SignIn("temp@acme.example", temp); r.StatusCode == http.StatusSeeOther {
		t.Error("the temporary password worked a second time")
	}
	newPw := "orchard velvet compass rain"
	if r := c.Post("/password/change", url.Values{"new_password": {newPw}, "confirm_password": {newPw}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("change after temporary password: %d", r.StatusCode)
	}
	if r := in.Client(t).SignIn("temp@acme.example", newPw); r.Header.Get("Location") != "/" {
		t.Errorf("new password: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestTemporaryPasswordExpires(t *testing.T) {
	in := apptest.StartSQLite(t)
	a := in.CreateAccount(t, "slow@acme.example", goodPassword)
	if err := in.App.Auth.SendTemporaryPassword(context.Background(), auth.CustomerPerson(a), audit.System); err != nil {
		t.Fatal(err)
	}
	body := mailsTo(t, in, "slow@acme.example")[0].BodyText
	temp := regexp.MustCompile(`[a-z0-9]{5}(?:-[a-z0-9]{5}){3,}`).FindString(body)
	in.Clock.Advance(auth.TemporaryPasswordTTL + time.Second)
	if r := in.Client(t).SignIn("slow@acme.example", temp); r.StatusCode == http.StatusSeeOther {
		t.Error("the temporary password worked after 24 hours")
	}
}

func TestAdminInvitationLeadsToAdminSignIn(t *testing.T) {
	in := apptest.StartSQLite(t)
	ctx := context.Background()
	adm := &store.Admin{Username: "casey", Email: "casey@acme.example", DisplayName: "Casey", Active: true, CreatedAt: in.Clock.Now()}
	if err := in.Store().InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAdmin(ctx, adm); err != nil {
			return err
		}
		return in.App.Auth.SendInvitation(ctx, tx, auth.AdminPerson(adm), audit.System, false)
	}); err != nil {
		t.Fatal(err)
	}
	c := in.Client(t)
	page := openLink(t, c, lastLinkURL(t, in, "casey@acme.example"))
	if !strings.Contains(page.Body, `value="casey"`) {
		t.Error("the form does not name the admin's username")
	}
	pw := "seventeen quiet harbour bells"
	if r := setPassword(c, pw); r.Header.Get("Location") != "/admin/login?msg=password_set" {
		t.Fatalf("admin set password: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := c.AdminSignIn("casey", pw); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin" {
		t.Errorf("admin sign-in: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

// A link works only on the page of its purpose: a reset link at the
// invitation page and an invitation at the reset page are invalid.
func TestLinksAreBoundToTheirPurpose(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "reset@acme.example", goodPassword)
	c := in.Client(t)
	c.Get("/password/forgot")
	c.Post("/password/forgot", url.Values{"email": {"reset@acme.example"}})
	reset := lastLinkURL(t, in, "reset@acme.example")
	invite(t, in, "new@acme.example")
	invitation := lastLinkURL(t, in, "new@acme.example")
	if !strings.HasPrefix(reset, "/password/reset?") || !strings.HasPrefix(invitation, "/password/set?") {
		t.Fatalf("links %q and %q", reset, invitation)
	}
	if r := in.Client(t).Get("/password/set?token=" + tokenOf(reset)); r.StatusCode != http.StatusBadRequest {
		t.Errorf("reset link at the invitation page: %d", r.StatusCode)
	}
	if r := in.Client(t).Get("/password/reset?token=" + tokenOf(invitation)); r.StatusCode != http.StatusBadRequest {
		t.Errorf("invitation at the reset page: %d", r.StatusCode)
	}
	// Moving a link into the cookie on one page does not let it be used on
	// the other.
	x := in.Client(t)
	openLink(t, x, reset)
	if r := x.Post("/password/set", url.Values{"new_password": {"tidal copper lantern evening"}, "confirm_password": {"tidal copper lantern evening"}}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("reset link posted to the invitation page: %d", r.StatusCode)
	}
	// Both still work where they belong.
	if r := openLink(t, in.Client(t), reset); r.StatusCode != 200 {
		t.Errorf("reset link at its page: %d", r.StatusCode)
	}
	if r := openLink(t, in.Client(t), invitation); r.StatusCode != 200 {
		t.Errorf("invitation at its page: %d", r.StatusCode)
	}
}

// Neither a link's token nor a temporary password is written anywhere in
// the portal database: the whole SQLite file is searched for them.
func TestNoSecretInTheDatabaseFile(t *testing.T) {
	target := storetest.SQLite(t)
	in := apptest.Start(t, target, nil)
	a := invite(t, in, "dump@acme.example")
	token := tokenOf(lastLinkURL(t, in, "dump@acme.example"))
	if err := in.App.Auth.SendTemporaryPassword(context.Background(), auth.CustomerPerson(a), audit.System); err != nil {
		t.Fatal(err)
	}
	temp := regexp.MustCompile(`[a-z0-9]{5}(?:-[a-z0-9]{5}){3,}`).FindString(mailsTo(t, in, "dump@acme.example")[0].BodyText)
	if temp == "" {
		t.Fatal("no temporary password mailed")
	}
	in.App.Close()
	var dump []byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(target.Options.SQLitePath + suffix)
		if err == nil {
			dump = append(dump, b...)
		}
	}
	if len(dump) == 0 {
		t.Fatal("empty database file")
	}
	for name, secret := range map[string]string{"token": token, "temporary password": temp} {
		for _, part := range []string{secret, secret[:12], secret[len(secret)-12:]} {
			if bytes.Contains(dump, []byte(part)) {
				t.Errorf("the database file holds the %s (%q)", name, part)
			}
		}
	}
}

// A forged Host or X-Forwarded-Host header never reaches a mailed link.
func TestHostHeaderNeverReachesALink(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "host@acme.example", goodPassword)
	c := in.Client(t)
	c.Get("/password/forgot")
	for _, h := range []map[string]string{{"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}} {
		req, _ := http.NewRequest(http.MethodPost, in.URL+"/password/forgot",
			strings.NewReader(url.Values{"email": {"host@acme.example"}, "csrf_token": {c.LastCSRF}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		for k, v := range h {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		c.Do(req)
	}
	mails := mailsTo(t, in, "host@acme.example")
	if len(mails) == 0 {
		t.Fatal("no mail queued")
	}
	for _, m := range mails {
		if strings.Contains(m.BodyText, "evil") || strings.Contains(m.BodyHTML, "evil") ||
			!strings.Contains(m.BodyText, in.App.Config.BaseURL.String()+"/password/reset?token=") {
			t.Errorf("mailed link not on the public URL: %q", m.BodyText)
		}
	}
}
