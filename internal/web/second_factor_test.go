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

// requireSecondFactor turns the requirement on for customers or admins.
func requireSecondFactor(t *testing.T, in *apptest.Instance, key string) {
	t.Helper()
	ctx := context.Background()
	if err := in.Store().InTx(ctx, func(tx *store.Tx) error { return tx.SetSetting(ctx, key, "on", "test", in.Clock.Now()) }); err != nil {
		t.Fatal(err)
	}
}

// enrollAtSignIn signs in with a password, reads the key off the
// enrollment page, confirms it with a code computed here, and returns the
// secret and the recovery codes shown.
func enrollAtSignIn(t *testing.T, in *apptest.Instance, c *apptest.Client, signIn func() *apptest.Response, verify string) (string, []string) {
	t.Helper()
	if r := signIn(); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), verify) {
		t.Fatalf("password step: %d to %q, want the second step", r.StatusCode, r.Header.Get("Location"))
	}
	page := c.Get(verify)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page.Body))
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.ReplaceAll(doc.Find(".enroll-secret").Text(), " ", "")
	if page.StatusCode != http.StatusOK || len(secret) != 32 || !strings.HasPrefix(doc.Find("img.enroll-qr").AttrOr("src", ""), "data:image/png;base64,") {
		t.Fatalf("enrollment page: %d, secret %q", page.StatusCode, secret)
	}
	// A reload shows the same key, in case it was scanned already.
	if again := c.Get(verify); !strings.Contains(again.Body, doc.Find(".enroll-secret").Text()) {
		t.Error("reloading the enrollment page changed the key")
	}
	if r := c.Post(verify, url.Values{"code": {"000000"}}); r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.Body, "did not work") {
		t.Errorf("wrong enrollment code: %d", r.StatusCode)
	}
	code, _ := totp.Code(secret, in.Clock.Now())
	r := c.Post(verify, url.Values{"code": {code}})
	doc, _ = goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	var codes []string
	doc.Find(".recovery-codes code").Each(func(_ int, s *goquery.Selection) { codes = append(codes, s.Text()) })
	if r.StatusCode != http.StatusOK || len(codes) != totp.RecoveryCodeCount {
		t.Fatalf("confirming the enrollment: %d, %d recovery codes", r.StatusCode, len(codes))
	}
	return secret, codes
}

func TestCustomerSecondFactor(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		ctx := context.Background()
		acct := in.CreateAccount(t, "ada@acme.example", goodPassword)
		requireSecondFactor(t, in, auth.SettingRequireCustomers)

		c := in.Client(t)
		c.SignIn("ada@acme.example", goodPassword)
		// Between the password and the second step there is no session:
		// no page opens.
		for _, u := range []string{"/", "/inventory", "/password/change", "/invoices"} {
			if r := c.Get(u); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
				t.Errorf("%s before the second step: %d to %q", u, r.StatusCode, r.Header.Get("Location"))
			}
		}
		secret, recovery := enrollAtSignIn(t, in, c, func() *apptest.Response { return c.SignIn("ada@acme.example", goodPassword) }, "/login/verify")
		if r := c.Get("/"); r.StatusCode != http.StatusOK {
			t.Fatalf("after enrolling: %d", r.StatusCode)
		}
		if f, err := in.Store().SecondFactorOf(ctx, store.KindCustomer, acct.ID); err != nil || f.Confirmed == nil || strings.Contains(f.Sealed, secret) {
			t.Errorf("stored factor = %+v, %v (the secret must be sealed)", f, err)
		}
		if entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "second_factor_enrolled"}); len(entries) != 1 {
			t.Errorf("enrollment audited %d times", len(entries))
		}

		signIn := func(code string) *apptest.Response {
			t.Helper()
			d := in.Client(t)
			if r := d.SignIn("ada@acme.example", goodPassword); r.Header.Get("Location") != "/login/verify" {
				t.Fatalf("password step sent to %q", r.Header.Get("Location"))
			}
			if p := d.Get("/login/verify"); strings.Contains(p.Body, "enroll-secret") {
				t.Fatal("an enrolled person was asked to enroll again")
			}
			return d.Post("/login/verify", url.Values{"code": {code}})
		}
		// The code that confirmed the enrollment cannot sign in again.
		used, _ := totp.Code(secret, in.Clock.Now())
		if r := signIn(used); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("reused code: %d, want 401", r.StatusCode)
		}
		in.Clock.Advance(30 * time.Second)
		fresh, _ := totp.Code(secret, in.Clock.Now())
		if r := signIn(fresh); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Errorf("fresh code: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		if r := signIn(fresh); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("the same fresh code twice: %d", r.StatusCode)
		}
		// The previous step's code is within the skew but older than the
		// last one used, so it fails too.
		in.Clock.Advance(30 * time.Second)
		if r := signIn(fresh); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("previous step after a later use: %d", r.StatusCode)
		}
		// A recovery code works once, typed loosely.
		loose := " " + strings.ToUpper(strings.ReplaceAll(recovery[3], "-", " ")) + " "
		if r := signIn(loose); r.StatusCode != http.StatusSeeOther {
			t.Errorf("recovery code: %d", r.StatusCode)
		}
		if r := signIn(recovery[3]); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("recovery code used twice: %d", r.StatusCode)
		}
		if n, _ := in.Store().RecoveryCodesLeft(ctx, store.KindCustomer, acct.ID); n != totp.RecoveryCodeCount-1 {
			t.Errorf("recovery codes left: %d", n)
		}

		// Wrong codes lock the second step like wrong passwords lock sign-in.
		d := in.Client(t)
		d.SignIn("ada@acme.example", goodPassword)
		d.Get("/login/verify")
		for range in.App.Config.LoginMaxFailures {
			d.Post("/login/verify", url.Values{"code": {"123456"}})
		}
		in.Clock.Advance(30 * time.Second)
		good, _ := totp.Code(secret, in.Clock.Now())
		if r := d.Post("/login/verify", url.Values{"code": {good}}); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("right code after %d wrong ones: %d, want refused while locked", in.App.Config.LoginMaxFailures, r.StatusCode)
		}
		if entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "lockout"}); len(entries) == 0 {
			t.Error("the second-step lock was not audited")
		}
		in.Clock.Advance(in.App.Config.LoginLockout + time.Minute)
		good, _ = totp.Code(secret, in.Clock.Now())
		if r := signIn(good); r.StatusCode != http.StatusSeeOther {
			t.Errorf("after the lockout: %d", r.StatusCode)
		}
	})
}

func TestSecondStepCookieIsCheckedEverywhere(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "ada@acme.example", goodPassword)
	in.CreateAdmin(t, "ops", goodPassword)
	requireSecondFactor(t, in, auth.SettingRequireCustomers)
	requireSecondFactor(t, in, auth.SettingRequireAdmins)

	for name, value := range map[string]string{"garbage": "x", "forged": "v1.customer.1.99999999999.e.AAAA", "empty": ""} {
		c := in.Client(t)
		c.SetCookie("portico_second", value)
		if r := c.Get("/login/verify"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?msg=again" {
			t.Errorf("%s cookie: %d to %q", name, r.StatusCode, r.Header.Get("Location"))
		}
	}
	// A customer's pending sign-in does not open the admin's second step.
	c := in.Client(t)
	c.SignIn("ada@acme.example", goodPassword)
	if r := c.Get("/admin/login/verify"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
		t.Errorf("customer's pending sign-in on the admin step: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	// It expires.
	c.Get("/login/verify")
	in.Clock.Advance(auth.PendingTTL + time.Second)
	if r := c.Post("/login/verify", url.Values{"code": {"123456"}}); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?msg=again" {
		t.Errorf("expired pending sign-in: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := c.Get("/login?msg=again"); !strings.Contains(r.Body, "not finished in time") {
		t.Error("the sign-in page does not say why")
	}

	// Admins enroll at their first sign-in when it is required, and land in
	// the console.
	a := in.Client(t)
	enrollAtSignIn(t, in, a, func() *apptest.Response { return a.AdminSignIn("ops", goodPassword) }, "/admin/login/verify")
	if r := a.Get("/admin"); r.StatusCode != http.StatusOK {
		t.Errorf("admin after enrolling: %d", r.StatusCode)
	}

	// Bad input in the code field is a clear 4xx.
	b := in.Client(t)
	b.SignIn("ada@acme.example", goodPassword)
	b.Get("/login/verify")
	for _, bad := range []string{"", "12\x00456", strings.Repeat("9", 5000), "<script>alert(1)</script>", "' OR 1=1 --"} {
		r := b.Post("/login/verify", url.Values{"code": {bad}})
		if r.StatusCode < 400 || r.StatusCode >= 500 || strings.Contains(r.Body, "<script>alert") {
			t.Errorf("code %.20q: %d", bad, r.StatusCode)
		}
	}
}
