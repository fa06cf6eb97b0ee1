package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/config"
	"github.com/portico-dev/portico/internal/store"
)

const goodPassword = "river stone lantern morning"

// maskToken hides the form token, the only part of a sign-in failure page
// that legitimately differs between clients.
var tokenRe = regexp.MustCompile(`name="csrf_token" value="[^"]+"`)
var reqIDRe = regexp.MustCompile(`<code>[0-9a-f]{16}</code>`)

func mask(s string) string {
	return reqIDRe.ReplaceAllString(tokenRe.ReplaceAllString(s, `csrf`), `<code>id</code>`)
}

func TestSignInFailuresAreIndistinguishable(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "known@acme.example", goodPassword)
	in.CreateAccount(t, "inactive@acme.example", goodPassword, func(a *store.Account) { a.Active = false })
	in.CreateAccount(t, "locked@acme.example", goodPassword)
	in.CreateAccount(t, "nopassword@acme.example", goodPassword, func(a *store.Account) { a.PasswordHash = "" })
	// Lock one account with wrong passwords from another client address bucket.
	locker := in.Client(t)
	for range 10 {
		locker.SignIn("locked@acme.example", "wrong password entirely")
	}

	cases := []struct{ name, email, pw string }{
		{"UnknownUser", "nobody@acme.example", goodPassword},
		{"WrongPassword", "known@acme.example", "not the right password"},
		{"Inactive", "inactive@acme.example", goodPassword},
		{"LockedWithCorrectPassword", "locked@acme.example", goodPassword},
		{"NoPasswordSetYet", "nopassword@acme.example", goodPassword},
	}
	var firstBody string
	var firstStatus int
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := in.Client(t)
			c.Get("/login")
			before := in.App.Auth.Hasher.Calls()
			// The same email in every request, so the echoed field is equal.
			r := c.Post("/login", url.Values{"email": {tc.email}, "password": {tc.pw}})
			if got := in.App.Auth.Hasher.Calls() - before; got != 1 {
				t.Errorf("password hashes computed = %d, want exactly 1", got)
			}
			if r.StatusCode != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", r.StatusCode)
			}
			if !strings.Contains(r.Body, "did not match an active account") {
				t.Errorf("body lacks the generic message")
			}
			if c.Cookie("portico_session") != "" {
				t.Error("a session cookie was set")
			}
			body := strings.ReplaceAll(mask(r.Body), tc.email, "EMAIL")
			if i == 0 {
				firstBody, firstStatus = body, r.StatusCode
			} else if body != firstBody || r.StatusCode != firstStatus {
				t.Errorf("response differs from the unknown-user response")
			}
		})
	}
}

func TestSignInSucceedsAndIsCaseInsensitive(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	c := in.Client(t)
	r := c.SignIn("  BUYER@Acme.EXAMPLE ", goodPassword)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("status %d location %q, want 303 to /", r.StatusCode, r.Header.Get("Location"))
	}
	if r := c.Get("/login?next=%2Fpassword%2Fchange"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/password/change" {
		t.Errorf("signed-in visit to /login: %d %q, want 303 to next", r.StatusCode, r.Header.Get("Location"))
	}
	home := c.Get("/")
	if home.StatusCode != http.StatusOK || !strings.Contains(home.Body, "buyer@acme.example") {
		t.Errorf("dashboard: status %d", home.StatusCode)
	}
	if cc := home.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store on signed-in pages", cc)
	}
	// The password is checked exactly as typed.
	for _, pw := range []string{goodPassword + " ", strings.ToUpper(goodPassword[:1]) + goodPassword[1:], goodPassword[:len(goodPassword)-1]} {
		if r := in.Client(t).SignIn("buyer@acme.example", pw); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("variant %q: status %d, want 401", pw, r.StatusCode)
		}
	}
}

func TestThrottlingAndLockout(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "victim@acme.example", goodPassword)
	c := in.Client(t)
	for i := range 10 {
		if r := c.SignIn("victim@acme.example", "guess number "+string(rune('a'+i))); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i+1, r.StatusCode)
		}
	}
	t.Run("CorrectPasswordRefusedWhileLocked", func(t *testing.T) {
		r := in.Client(t).SignIn("victim@acme.example", goodPassword)
		if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.Body, "did not match an active account") {
			t.Errorf("status %d; want the generic 401 while locked", r.StatusCode)
		}
	})
	t.Run("LockoutIsAudited", func(t *testing.T) {
		_, n, err := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: "lockout"})
		if err != nil || n != 1 {
			t.Errorf("lockout entries = %d, %v; want 1", n, err)
		}
	})
	t.Run("WorksAfterLockExpires", func(t *testing.T) {
		in.Clock.Advance(15*time.Minute + time.Second)
		r := in.Client(t).SignIn("victim@acme.example", goodPassword)
		if r.StatusCode != http.StatusSeeOther {
			t.Errorf("status %d after the lock expired, want 303", r.StatusCode)
		}
		if n, _, _ := in.Store().ThrottleState(context.Background(), "customer:victim@acme.example"); n != 0 {
			t.Errorf("failure count after success = %d, want 0", n)
		}
	})
}

func TestPerAddressThrottle(t *testing.T) {
	in := apptest.StartSQLite(t, func(c *config.Config) { c.LoginMaxFailuresPerIP = 5 })
	in.CreateAccount(t, "real@acme.example", goodPassword)
	c := in.Client(t)
	for i := range 5 {
		c.SignIn("spray"+string(rune('a'+i))+"@acme.example", "some wrong password")
	}
	// A spoofed X-Forwarded-For from an untrusted peer does not reset the count.
	c.Get("/login")
	r := c.PostRaw("/login", url.Values{"email": {"real@acme.example"}, "password": {goodPassword}, "csrf_token": {c.LastCSRF}},
		map[string]string{"Sec-Fetch-Site": "same-origin", "X-Forwarded-For": "203.0.113.77"})
	if r.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d; the address is over its limit and must be refused", r.StatusCode)
	}
	entries, _, _ := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: "sign_in_failed", Limit: 1})
	if len(entries) == 0 || entries[0].ClientIP != "127.0.0.1" {
		t.Errorf("audit client address = %+v, want the real peer 127.0.0.1", entries)
	}
}

func TestHoneypot(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	c := in.Client(t)
	c.Get("/login")
	r := c.Post("/login", url.Values{"email": {"buyer@acme.example"}, "password": {goodPassword}, "website": {"http://spam.example"}})
	if r.StatusCode != http.StatusUnauthorized || c.Cookie("portico_session") != "" {
		t.Errorf("honeypot: status %d; want the generic failure and no session", r.StatusCode)
	}
	entries, _, _ := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: "sign_in_failed"})
	if len(entries) != 1 || !strings.Contains(entries[0].Details, "honeypot") {
		t.Errorf("audit = %+v, want one failure with reason honeypot", entries)
	}
}

func TestOpenRedirectThroughNext(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	hostile := []string{
		"//evil.example", "/\\evil.example", "https://evil.example", "http:evil.example", "\\\\evil.example",
		"%2F%2Fevil.example", "/%2F/evil.example", "/%5Cevil.example", "//evil.example/%2e%2e", "/\t/evil.example",
		"javascript:alert(1)", "  //evil.example", "/\r\n//evil.example", "///evil.example", "https:/evil.example",
		"//@evil.example", "/@evil.example/..//", "data:text/html,x", "evil.example",
	}
	for _, next := range hostile {
		t.Run(next, func(t *testing.T) {
			c := in.Client(t)
			c.Get("/login?next=" + url.QueryEscape(next))
			r := c.Post("/login", url.Values{"email": {"buyer@acme.example"}, "password": {goodPassword}, "next": {next}})
			loc := r.Header.Get("Location")
			if r.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d", r.StatusCode)
			}
			if loc != "/" {
				t.Errorf("Location = %q, want /", loc)
			}
		})
	}
	t.Run("LocalPathKept", func(t *testing.T) {
		c := in.Client(t)
		c.Get("/login")
		r := c.Post("/login", url.Values{"email": {"buyer@acme.example"}, "password": {goodPassword}, "next": {"/password/change?x=1"}})
		if loc := r.Header.Get("Location"); loc != "/password/change?x=1" {
			t.Errorf("Location = %q, want the local path", loc)
		}
	})
	t.Run("ProtectedPageSendsBackAfterSignIn", func(t *testing.T) {
		c := in.Client(t)
		r := c.Get("/password/change")
		if loc := r.Header.Get("Location"); loc != "/login?next=%2Fpassword%2Fchange" {
			t.Fatalf("Location = %q", loc)
		}
		c.Get(r.Header.Get("Location"))
		r = c.Post("/login", url.Values{"email": {"buyer@acme.example"}, "password": {goodPassword}, "next": {"/password/change"}})
		if loc := r.Header.Get("Location"); loc != "/password/change" {
			t.Errorf("Location = %q after sign-in", loc)
		}
	})
}

func TestOverlongAndHostileSignInInput(t *testing.T) {
	in := apptest.StartSQLite(t)
	cases := []struct {
		name   string
		email  string
		pw     string
		status int
	}{
		{"PasswordOverCap", "a@b.example", strings.Repeat("x", 257), http.StatusBadRequest},
		{"HugeEmail", strings.Repeat("a", 5000) + "@x.example", "whatever password", http.StatusBadRequest},
		{"EmptyFields", "", "", http.StatusUnprocessableEntity},
		{"SQLInjection", "' OR '1'='1' --", "' OR 1=1; DROP TABLE accounts; --", http.StatusUnauthorized},
		{"NulBytes", "a\x00b@x.example", "pw\x00pw", http.StatusBadRequest},
		{"XSS", `"><script>alert(1)</script>`, "password", http.StatusUnauthorized},
		{"LogInjection", "a@b.c\n{\"level\":\"INFO\",\"msg\":\"fake\"}", "password", http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := in.Client(t)
			c.Get("/login")
			before := in.App.Auth.Hasher.Calls()
			r := c.Post("/login", url.Values{"email": {tc.email}, "password": {tc.pw}})
			if r.StatusCode != tc.status {
				t.Errorf("status = %d, want %d", r.StatusCode, tc.status)
			}
			if tc.status == http.StatusBadRequest && in.App.Auth.Hasher.Calls() != before {
				t.Error("an over-long input was hashed")
			}
			if strings.Contains(r.Body, "<script>alert(1)</script>") {
				t.Error("input echoed unescaped")
			}
			for _, leak := range []string{"sql", "SQLITE", "goroutine", ".go:", "panic"} {
				if strings.Contains(r.Body, leak) {
					t.Errorf("body leaks %q", leak)
				}
			}
		})
	}
	if _, err := in.Store().AccountByLogin(context.Background(), "nobody"); err == nil {
		t.Error("unexpected account")
	}
}

func TestAdminSignIn(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAdmin(t, "ops", goodPassword)
	in.CreateAccount(t, "buyer@acme.example", goodPassword)

	t.Run("AnonymousSentToAdminSignIn", func(t *testing.T) {
		r := in.Client(t).Get("/admin")
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/login" {
			t.Errorf("status %d location %q", r.StatusCode, r.Header.Get("Location"))
		}
	})
	t.Run("CustomerSessionIsNotAnAdminSession", func(t *testing.T) {
		c := in.Client(t)
		c.SignIn("buyer@acme.example", goodPassword)
		if r := c.Get("/admin"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/login" {
			t.Errorf("customer reached the admin console: %d", r.StatusCode)
		}
		// The customer's cookie planted as the admin cookie does not work either.
		c.SetCookie("portico_admin", c.Cookie("portico_session"))
		if r := c.Get("/admin"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("customer token accepted as admin: %d", r.StatusCode)
		}
	})
	t.Run("AdminSignsInWithUsername", func(t *testing.T) {
		c := in.Client(t)
		r := c.AdminSignIn("OPS", goodPassword)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin" {
			t.Fatalf("status %d location %q", r.StatusCode, r.Header.Get("Location"))
		}
		if r := c.Get("/admin/login"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin" {
			t.Errorf("signed-in visit to /admin/login: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		home := c.Get("/admin")
		if home.StatusCode != http.StatusOK || !strings.Contains(home.Body, "Admin console") {
			t.Errorf("admin home: %d", home.StatusCode)
		}
		// Signing out of the admin console leaves a customer session alone.
		c.SignIn("buyer@acme.example", goodPassword)
		c.Get("/admin")
		c.Post("/admin/logout", nil)
		if r := c.Get("/"); r.StatusCode != http.StatusOK {
			t.Errorf("customer session ended by admin sign-out: %d", r.StatusCode)
		}
		if r := c.Get("/admin"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("admin session survived sign-out: %d", r.StatusCode)
		}
	})
	t.Run("WrongPasswordGeneric", func(t *testing.T) {
		r := in.Client(t).AdminSignIn("ops", "not the password at all")
		if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.Body, "did not match an active admin") {
			t.Errorf("status %d", r.StatusCode)
		}
	})
	t.Run("NextOutsideAdminIgnored", func(t *testing.T) {
		c := in.Client(t)
		c.Get("/admin/login")
		r := c.Post("/admin/login", url.Values{"username": {"ops"}, "password": {goodPassword}, "next": {"/password/change"}})
		if loc := r.Header.Get("Location"); loc != "/admin" {
			t.Errorf("Location = %q, want /admin", loc)
		}
	})
}
