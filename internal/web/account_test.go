package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/auth/totp"
	"github.com/portico-dev/portico/internal/store"
)

// ownArea is one of the two account pages: the customer's and the admin's.
type ownArea struct {
	name   string
	base   string // "/account" or "/admin/account"
	kind   string
	id     int64
	verify string // where a sign-in with a second factor continues
	// signIn signs the person in on c with their password.
	signIn func(c *apptest.Client) *apptest.Response
}

func ownAreas(in *apptest.Instance, t *testing.T) []ownArea {
	t.Helper()
	acct := in.CreateAccount(t, "ada@acme.example", goodPassword)
	adm := in.CreateAdmin(t, "ops", goodPassword)
	return []ownArea{
		{name: "customer", base: "/account", kind: store.KindCustomer, id: acct.ID, verify: "/login/verify",
			signIn: func(c *apptest.Client) *apptest.Response { return c.SignIn("ada@acme.example", goodPassword) }},
		{name: "admin", base: "/admin/account", kind: store.KindAdmin, id: adm.ID, verify: "/admin/login/verify",
			signIn: func(c *apptest.Client) *apptest.Response { return c.AdminSignIn("ops", goodPassword) }},
	}
}

func parse(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// recoveryCodesOn reads the recovery codes a page shows.
func recoveryCodesOn(t *testing.T, body string) []string {
	t.Helper()
	var codes []string
	parse(t, body).Find(".recovery-codes code").Each(func(_ int, s *goquery.Selection) { codes = append(codes, s.Text()) })
	return codes
}

// enrollFromAccount sets up two-step sign-in from the account page at base:
// "Set up", the key read off the page, a wrong code, then the right one.
// It returns the secret and the recovery codes shown.
func enrollFromAccount(t *testing.T, in *apptest.Instance, c *apptest.Client, base string) (string, []string) {
	t.Helper()
	c.Get(base)
	if r := c.Post(base+"/two-factor/start", nil); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != base+"/two-factor" {
		t.Fatalf("set up: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	page := c.Get(base + "/two-factor")
	doc := parse(t, page.Body)
	grouped := doc.Find(".enroll-secret").Text()
	secret := strings.ReplaceAll(grouped, " ", "")
	if page.StatusCode != http.StatusOK || len(secret) != 32 || !strings.HasPrefix(doc.Find("img.enroll-qr").AttrOr("src", ""), "data:image/png;base64,") {
		t.Fatalf("setup page: %d, secret %q", page.StatusCode, secret)
	}
	// A reload keeps the key, which may be scanned already.
	if again := c.Get(base + "/two-factor"); !strings.Contains(again.Body, grouped) {
		t.Error("reloading the setup page changed the key")
	}
	// A wrong code is refused next to the field, with the key still there.
	r := c.Post(base+"/two-factor/confirm", url.Values{"code": {"000000"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "did not work") ||
		!strings.Contains(r.Body, `id="code-error"`) || !strings.Contains(r.Body, grouped) {
		t.Errorf("wrong code: %d", r.StatusCode)
	}
	code, _ := totp.Code(secret, in.Clock.Now())
	r = c.Post(base+"/two-factor/confirm", url.Values{"code": {code}})
	codes := recoveryCodesOn(t, r.Body)
	if r.StatusCode != http.StatusOK || len(codes) != totp.RecoveryCodeCount {
		t.Fatalf("right code: %d, %d recovery codes", r.StatusCode, len(codes))
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the recovery codes page may be stored: Cache-Control %q", cc)
	}
	return secret, codes
}

func TestOwnAccountEnrollment(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		ctx := context.Background()
		for _, area := range ownAreas(in, t) {
			t.Run(area.name, func(t *testing.T) {
				c := in.Client(t)
				if r := area.signIn(c); r.StatusCode != http.StatusSeeOther {
					t.Fatalf("sign-in: %d", r.StatusCode)
				}
				page := c.Get(area.base)
				if page.StatusCode != http.StatusOK || page.Header.Get("Cache-Control") != "no-store" {
					t.Fatalf("%s: %d, Cache-Control %q", area.base, page.StatusCode, page.Header.Get("Cache-Control"))
				}
				for _, want := range []string{"Your account", "Two-step sign-in", "Set up two-step sign-in", "Change password", "This device"} {
					if !strings.Contains(page.Body, want) {
						t.Errorf("%s lacks %q", area.base, want)
					}
				}
				// Nothing waits for a code yet: the setup page sends back.
				if r := c.Get(area.base + "/two-factor"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != area.base+"?msg=no_setup" {
					t.Errorf("setup page without a setup: %d to %q", r.StatusCode, r.Header.Get("Location"))
				}

				// Codes that nobody types are a 400; an empty one a 422.
				c.Post(area.base+"/two-factor/start", nil)
				c.Get(area.base + "/two-factor")
				for bad, want := range map[string]int{
					strings.Repeat("1", 65): http.StatusBadRequest, "12\x003456": http.StatusBadRequest, "12\n456": http.StatusBadRequest,
					"   ": http.StatusUnprocessableEntity, "<script>alert(1)</script>": http.StatusUnprocessableEntity,
				} {
					r := c.Post(area.base+"/two-factor/confirm", url.Values{"code": {bad}})
					if r.StatusCode != want || !strings.Contains(r.Body, "code-error") || strings.Contains(r.Body, "<script>alert") {
						t.Errorf("code %.12q: %d, want %d with the message next to the field", bad, r.StatusCode, want)
					}
				}

				// A setup left unfinished can be continued with the same key.
				if doc := parse(t, c.Get(area.base).Body); doc.Find(`a[href="`+area.base+`/two-factor"]`).Length() != 1 {
					t.Error("the page does not offer to continue an unfinished setup")
				}

				secret, codes := enrollFromAccount(t, in, c, area.base)

				// The codes were shown once: the account page has only the count.
				page = c.Get(area.base)
				for _, code := range codes {
					if strings.Contains(page.Body, code) {
						t.Fatalf("the account page shows recovery code %s again", code)
					}
				}
				doc := parse(t, page.Body)
				if got := strings.Join(strings.Fields(doc.Find("#two-step").Text()), " "); !strings.Contains(got, "10 of 10 left") || !strings.Contains(got, "On since") {
					t.Errorf("two-step card after enrolling: %q", got)
				}
				if doc.Find(`form[action="`+area.base+`/two-factor/start"]`).Length() != 0 {
					t.Error("the page still offers to set up")
				}
				// "Set up" again cannot replace a confirmed factor.
				if r := c.Post(area.base+"/two-factor/start", nil); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "already on") {
					t.Errorf("set up while on: %d", r.StatusCode)
				}
				if f, err := in.Store().SecondFactorOf(ctx, area.kind, area.id); err != nil || f.Confirmed == nil || strings.Contains(f.Sealed, secret) {
					t.Errorf("stored factor: %+v, %v", f, err)
				}
				entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "second_factor_enrolled"})
				found := false
				for _, e := range entries {
					found = found || (e.ActorKind == area.kind && e.TargetKind == area.kind)
				}
				if !found {
					t.Errorf("the enrollment of the %s is not in the audit log (%d entries)", area.name, len(entries))
				}

				// The next sign-in asks for a code, and a fresh one lets in.
				d := in.Client(t)
				if r := area.signIn(d); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != area.verify {
					t.Fatalf("sign-in after enrolling: %d to %q, want %s", r.StatusCode, r.Header.Get("Location"), area.verify)
				}
				in.Clock.Advance(30 * time.Second)
				code, _ := totp.Code(secret, in.Clock.Now())
				d.Get(area.verify)
				if r := d.Post(area.verify, url.Values{"code": {code}}); r.StatusCode != http.StatusSeeOther {
					t.Errorf("second step: %d", r.StatusCode)
				}
				if r := d.Get(area.base); r.StatusCode != http.StatusOK {
					t.Errorf("account page after the second step: %d", r.StatusCode)
				}
			})
		}
	})
}

func TestOwnRecoveryCodesAndTurnOff(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		ctx := context.Background()
		acct := in.CreateAccount(t, "ada@acme.example", goodPassword)
		c := in.Client(t)
		c.SignIn("ada@acme.example", goodPassword)
		secret, old := enrollFromAccount(t, in, c, "/account")

		// signIn tries the second step on a new client with code.
		signIn := func(code string) int {
			t.Helper()
			d := in.Client(t)
			if r := d.SignIn("ada@acme.example", goodPassword); r.Header.Get("Location") != "/login/verify" {
				t.Fatalf("password step sent to %q", r.Header.Get("Location"))
			}
			d.Get("/login/verify")
			return d.Post("/login/verify", url.Values{"code": {code}}).StatusCode
		}

		// New recovery codes need a current code from the app.
		c.Get("/account")
		in.Clock.Advance(30 * time.Second)
		for bad, want := range map[string]int{
			"": http.StatusUnprocessableEntity, "123456": http.StatusUnprocessableEntity, old[0]: http.StatusUnprocessableEntity,
			strings.Repeat("9", 200): http.StatusBadRequest, "\x7f12345": http.StatusBadRequest,
		} {
			r := c.Post("/account/two-factor/recovery-codes", url.Values{"code": {bad}})
			doc := parse(t, r.Body)
			if r.StatusCode != want || doc.Find("#regen-code-error").Length() != 1 || doc.Find("details.own-action[open] #regen-code").Length() != 1 {
				t.Errorf("new codes with %.12q: %d, want %d with the message next to its field", bad, r.StatusCode, want)
			}
			if len(recoveryCodesOn(t, r.Body)) != 0 {
				t.Errorf("new codes with %.12q were shown", bad)
			}
		}
		code, _ := totp.Code(secret, in.Clock.Now())
		r := c.Post("/account/two-factor/recovery-codes", url.Values{"code": {code}})
		fresh := recoveryCodesOn(t, r.Body)
		if r.StatusCode != http.StatusOK || len(fresh) != totp.RecoveryCodeCount || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("new codes: %d, %d codes", r.StatusCode, len(fresh))
		}
		for _, f := range fresh {
			for _, o := range old {
				if f == o {
					t.Fatal("a new recovery code repeats an old one")
				}
			}
		}
		// The old codes stopped working; a new one works, once.
		if st := signIn(old[1]); st != http.StatusUnauthorized {
			t.Errorf("an old recovery code after replacing them: %d", st)
		}
		if st := signIn(fresh[0]); st != http.StatusSeeOther {
			t.Errorf("a new recovery code: %d", st)
		}
		if page := c.Get("/account"); !strings.Contains(strings.Join(strings.Fields(parse(t, page.Body).Find("#two-step").Text()), " "), "9 of 10 left") {
			t.Error("the count does not show the used code")
		}
		if entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "recovery_codes_replaced"}); len(entries) != 1 || entries[0].ActorKind != store.KindCustomer {
			t.Errorf("replacing the codes audited as %+v", entries)
		}

		// Turning it off needs a valid code (an unused recovery code will do).
		for bad, want := range map[string]int{"": http.StatusUnprocessableEntity, "000000": http.StatusUnprocessableEntity,
			fresh[0]: http.StatusUnprocessableEntity, strings.Repeat("x", 65): http.StatusBadRequest} {
			r := c.Post("/account/two-factor/off", url.Values{"code": {bad}})
			if r.StatusCode != want || parse(t, r.Body).Find("#off-code-error").Length() != 1 {
				t.Errorf("turn off with %.12q: %d, want %d with the message next to its field", bad, r.StatusCode, want)
			}
		}
		if f, err := in.Store().SecondFactorOf(ctx, store.KindCustomer, acct.ID); err != nil || f.Confirmed == nil {
			t.Fatal("a refused turn-off removed the second factor")
		}
		if r := c.Post("/account/two-factor/off", url.Values{"code": {fresh[2]}}); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account?msg=two_factor_off" {
			t.Fatalf("turn off with a recovery code: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		if _, err := in.Store().SecondFactorOf(ctx, store.KindCustomer, acct.ID); err != store.ErrNotFound {
			t.Errorf("second factor after turning off: %v", err)
		}
		if n, _ := in.Store().RecoveryCodesLeft(ctx, store.KindCustomer, acct.ID); n != 0 {
			t.Errorf("%d recovery codes left after turning off", n)
		}
		if page := c.Get("/account?msg=two_factor_off"); !strings.Contains(page.Body, "Two-step sign-in is off") || !strings.Contains(page.Body, "Set up two-step sign-in") {
			t.Error("the account page does not say it is off")
		}
		d := in.Client(t)
		if r := d.SignIn("ada@acme.example", goodPassword); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Errorf("sign-in after turning off: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		if entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "second_factor_reset"}); len(entries) != 1 || entries[0].ActorKind != store.KindCustomer {
			t.Errorf("turning off audited as %+v", entries)
		}
		// Off already: nothing to turn off or replace.
		c.Get("/account")
		if r := c.Post("/account/two-factor/off", url.Values{"code": {"123456"}}); r.StatusCode != http.StatusConflict {
			t.Errorf("turn off while off: %d", r.StatusCode)
		}
		if r := c.Post("/account/two-factor/recovery-codes", url.Values{"code": {"123456"}}); r.StatusCode != http.StatusConflict {
			t.Errorf("new codes while off: %d", r.StatusCode)
		}
	})
}

// TestOwnSecondFactorRequired: someone who must use two-step sign-in sees
// that on the page and cannot turn it off, even with a right code.
func TestOwnSecondFactorRequired(t *testing.T) {
	in := apptest.StartSQLite(t)
	ctx := context.Background()
	acct := in.CreateAccount(t, "ada@acme.example", goodPassword)
	in.CreateAdmin(t, "ops", goodPassword)

	c := in.Client(t)
	c.SignIn("ada@acme.example", goodPassword)
	requireSecondFactor(t, in, auth.SettingRequireCustomers)
	// Signed in before the requirement: the page says it is required.
	if page := c.Get("/account"); !strings.Contains(page.Body, "Required for your account") {
		t.Error("the page does not say two-step sign-in is required")
	}
	secret, _ := enrollFromAccount(t, in, c, "/account")
	page := c.Get("/account")
	if doc := parse(t, page.Body); doc.Find(`form[action="/account/two-factor/off"]`).Length() != 0 || !strings.Contains(page.Body, "cannot be turned off") {
		t.Error("a required second factor is offered to be turned off")
	}
	in.Clock.Advance(30 * time.Second)
	code, _ := totp.Code(secret, in.Clock.Now())
	r := c.Post("/account/two-factor/off", url.Values{"code": {code}})
	if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "required for your account") {
		t.Errorf("turn off while required: %d", r.StatusCode)
	}
	if f, err := in.Store().SecondFactorOf(ctx, store.KindCustomer, acct.ID); err != nil || f.Confirmed == nil {
		t.Error("a required second factor was removed")
	}
	// The code was not spent by the refusal: it still replaces the codes.
	if r := c.Post("/account/two-factor/recovery-codes", url.Values{"code": {code}}); r.StatusCode != http.StatusOK {
		t.Errorf("new codes with the code the refusal did not spend: %d", r.StatusCode)
	}

	// Admins, when the admin requirement is on, enroll at sign-in and
	// cannot turn it off either.
	requireSecondFactor(t, in, auth.SettingRequireAdmins)
	a := in.Client(t)
	adminSecret, _ := enrollAtSignIn(t, in, a, func() *apptest.Response { return a.AdminSignIn("ops", goodPassword) }, "/admin/login/verify")
	page = a.Get("/admin/account")
	if !strings.Contains(page.Body, "required for admins") || strings.Contains(page.Body, `action="/admin/account/two-factor/off"`) {
		t.Error("the admin's page offers to turn off a required second factor")
	}
	in.Clock.Advance(30 * time.Second)
	code, _ = totp.Code(adminSecret, in.Clock.Now())
	if r := a.Post("/admin/account/two-factor/off", url.Values{"code": {code}}); r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "Another admin can reset it") {
		t.Errorf("admin turning off a required second factor: %d", r.StatusCode)
	}
}

// uaTransport sends every request of a client with one User-Agent.
type uaTransport struct{ ua string }

func (u uaTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", u.ua)
	return http.DefaultTransport.RoundTrip(req)
}

// clientWithUA is a new client that says it is the browser ua.
func clientWithUA(t *testing.T, in *apptest.Instance, ua string) *apptest.Client {
	c := in.Client(t)
	c.HTTP.Transport = uaTransport{ua}
	return c
}

func TestOwnSessions(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		ctx := context.Background()
		ada := in.CreateAccount(t, "ada@acme.example", goodPassword)
		in.CreateAccount(t, "bob@acme.example", goodPassword)
		in.CreateAdmin(t, "ops", goodPassword)

		here := clientWithUA(t, in, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/128.0")
		here.SignIn("ada@acme.example", goodPassword)
		phone := clientWithUA(t, in, `<script>alert("ua")</script> (iPhone) Safari/604.1`)
		phone.SignIn("ada@acme.example", goodPassword)
		bob := clientWithUA(t, in, "BobsOwnBrowser/1.0")
		bob.SignIn("bob@acme.example", goodPassword)
		ops := clientWithUA(t, in, "OpsConsoleBrowser/1.0")
		ops.AdminSignIn("ops", goodPassword)
		ops2 := clientWithUA(t, in, "OpsLaptop/2.0")
		ops2.AdminSignIn("ops", goodPassword)

		page := here.Get("/account")
		doc := parse(t, page.Body)
		rows := doc.Find(".own-sessions-table tbody tr")
		if rows.Length() != 2 {
			t.Fatalf("ada's sessions: %d rows, want 2", rows.Length())
		}
		first := strings.Join(strings.Fields(rows.First().Text()), " ")
		if !strings.Contains(first, "Firefox on Windows") || !strings.Contains(first, "This device") || !strings.Contains(first, "127.0.0.1") {
			t.Errorf("first row %q: want this device, its browser and address", first)
		}
		if strings.Count(page.Body, "This device") != 1 {
			t.Error(`"This device" marks more than one session`)
		}
		if !strings.Contains(strings.Join(strings.Fields(rows.Last().Text()), " "), "Safari on iPhone") {
			t.Errorf("second row %q", rows.Last().Text())
		}
		// Only ada's own sessions; the user agent is text, never markup.
		for _, other := range []string{"BobsOwnBrowser", "OpsConsoleBrowser", "OpsLaptop"} {
			if strings.Contains(page.Body, other) {
				t.Errorf("ada's page shows a session of someone else (%s)", other)
			}
		}
		if strings.Contains(page.Body, `<script>alert("ua")`) || !strings.Contains(page.Body, "&lt;script&gt;") {
			t.Error("the user agent is not escaped")
		}

		// Sign out the others: the phone is signed out, this one stays, and
		// nobody else's session is touched.
		if r := here.Post("/account/sessions/end-others", nil); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account?msg=sessions_ended" {
			t.Fatalf("sign out others: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		if r := phone.Get("/"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Errorf("the other session after signing it out: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		page = here.Get("/account?msg=sessions_ended")
		if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "other sessions have been signed out") ||
			parse(t, page.Body).Find(".own-sessions-table tbody tr").Length() != 1 || !strings.Contains(page.Body, "only place you are signed in") {
			t.Errorf("this session after signing out the others: %d", page.StatusCode)
		}
		if parse(t, page.Body).Find(`form[action="/account/sessions/end-others"]`).Length() != 0 {
			t.Error("the button shows with no other session")
		}
		for name, probe := range map[string]func() int{
			"bob":  func() int { return bob.Get("/").StatusCode },
			"ops":  func() int { return ops.Get("/admin").StatusCode },
			"ops2": func() int { return ops2.Get("/admin").StatusCode },
		} {
			if st := probe(); st != http.StatusOK {
				t.Errorf("%s was signed out by ada: %d", name, st)
			}
		}
		entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "session_ended"})
		if len(entries) != 1 || entries[0].ActorKind != store.KindCustomer || entries[0].ActorID != ada.ID || !strings.Contains(entries[0].Details, `"ended":1`) {
			t.Errorf("signing out the others audited as %+v", entries)
		}

		// The admin's page lists the admin's sessions only, and signs out
		// the admin's other one; the customers are untouched.
		page = ops.Get("/admin/account")
		if n := parse(t, page.Body).Find(".own-sessions-table tbody tr").Length(); n != 2 || strings.Contains(page.Body, "BobsOwnBrowser") || strings.Contains(page.Body, "Firefox on Windows") {
			t.Errorf("the admin's page: %d sessions, or a customer's session shows", n)
		}
		if r := ops.Post("/admin/account/sessions/end-others", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("admin signing out others: %d", r.StatusCode)
		}
		if r := ops2.Get("/admin"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("the admin's other session: %d", r.StatusCode)
		}
		for name, c := range map[string]*apptest.Client{"ops": ops, "ada": here, "bob": bob} {
			path := "/"
			if name == "ops" {
				path = "/admin"
			}
			if r := c.Get(path); r.StatusCode != http.StatusOK {
				t.Errorf("%s after the admin signed out their others: %d", name, r.StatusCode)
			}
		}

		// Without the form token nothing ends.
		phone2 := in.Client(t)
		phone2.SignIn("ada@acme.example", goodPassword)
		if r := here.PostRaw("/account/sessions/end-others", url.Values{}, map[string]string{"Sec-Fetch-Site": "same-origin"}); r.StatusCode != http.StatusForbidden {
			t.Errorf("without the form token: %d", r.StatusCode)
		}
		if r := phone2.Get("/"); r.StatusCode != http.StatusOK {
			t.Error("a refused request signed out another session")
		}
	})
}

func TestOwnAccountGuardsAndEscaping(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "eve@acme.example", goodPassword, func(a *store.Account) {
		a.FirstName, a.LastName = `<img src=x onerror=alert(1)>`, `"Quote'`
	})
	in.CreateAdmin(t, "ops", goodPassword)

	anonymous := in.Client(t)
	if r := anonymous.Get("/account"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Faccount" {
		t.Errorf("anonymous /account: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}

	customer := in.Client(t)
	customer.SignIn("eve@acme.example", goodPassword)
	for _, path := range []string{"/admin/account", "/admin/account/two-factor"} {
		if r := customer.Get(path); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
			t.Errorf("a customer opening %s: %d to %q", path, r.StatusCode, r.Header.Get("Location"))
		}
	}
	admin := in.Client(t)
	admin.AdminSignIn("ops", goodPassword)
	for _, path := range []string{"/account", "/account/two-factor"} {
		if r := admin.Get(path); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Errorf("an admin session opening %s: %d to %q", path, r.StatusCode, r.Header.Get("Location"))
		}
	}
	admin.Get("/admin")
	if r := admin.Post("/account/sessions/end-others", nil); r.StatusCode != http.StatusForbidden && !(r.StatusCode == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), "/login")) {
		t.Errorf("an admin session posting to the customer's account: %d", r.StatusCode)
	}

	// The name is text, never markup; the menus link to the page.
	page := customer.Get("/account")
	if page.StatusCode != http.StatusOK || strings.Contains(page.Body, "<img src=x") || !strings.Contains(page.Body, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("the name is not escaped (%d)", page.StatusCode)
	}
	if !strings.Contains(page.Body, `href="/account"`) {
		t.Error("the customer menu does not link to the account page")
	}
	if r := admin.Get("/admin"); !strings.Contains(r.Body, `href="/admin/account"`) {
		t.Error("the admin menu does not link to the account page")
	}
	if r := admin.Get("/admin/account"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "a portal password") || !strings.Contains(r.Body, `href="/admin/password"`) {
		t.Errorf("the admin's account page: %d", r.StatusCode)
	}
}

// TestOwnSessionsLeaveOutIdleOnes: a session idle beyond the timeout is
// not listed (it would not be let in), nor counted as another session.
func TestOwnSessionsLeaveOutIdleOnes(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "ada@acme.example", goodPassword)
	here, idle := in.Client(t), in.Client(t)
	here.SignIn("ada@acme.example", goodPassword)
	idle.SignIn("ada@acme.example", goodPassword)
	if n := parse(t, here.Get("/account").Body).Find(".own-sessions-table tbody tr").Length(); n != 2 {
		t.Fatalf("%d sessions listed, want 2", n)
	}
	in.Clock.Advance(20 * time.Minute)
	here.Get("/")
	in.Clock.Advance(15 * time.Minute)
	page := here.Get("/account")
	doc := parse(t, page.Body)
	if n := doc.Find(".own-sessions-table tbody tr").Length(); page.StatusCode != http.StatusOK || n != 1 {
		t.Errorf("after the other session went idle: %d, %d sessions listed", page.StatusCode, n)
	}
	if doc.Find(`form[action="/account/sessions/end-others"]`).Length() != 0 {
		t.Error("an idle session counts as another session")
	}
}
