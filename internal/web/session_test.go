package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/config"
	"github.com/portico-dev/portico/internal/store"
)

func TestCSRF(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	victim := in.Client(t)
	victim.SignIn("buyer@acme.example", goodPassword)
	victim.Get("/")
	good := victim.LastCSRF

	other := in.Client(t)
	other.SignIn("buyer@acme.example", goodPassword)
	other.Get("/")
	othersToken := other.LastCSRF

	cases := []struct {
		name    string
		form    url.Values
		headers map[string]string
	}{
		{"MissingToken", url.Values{}, map[string]string{"Sec-Fetch-Site": "same-origin"}},
		{"EmptyToken", url.Values{"csrf_token": {""}}, map[string]string{"Sec-Fetch-Site": "same-origin"}},
		{"AnotherSessionsToken", url.Values{"csrf_token": {othersToken}}, map[string]string{"Sec-Fetch-Site": "same-origin"}},
		{"ForgedToken", url.Values{"csrf_token": {strings.Repeat("A", 43)}}, map[string]string{"X-CSRF-Token": strings.Repeat("B", 43)}},
		{"CrossSiteFetchMetadata", url.Values{"csrf_token": {good}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"ForeignOrigin", url.Values{"csrf_token": {good}}, map[string]string{"Origin": "https://evil.example"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := victim.PostRaw("/logout", tc.form, tc.headers)
			if r.StatusCode != http.StatusForbidden {
				t.Errorf("status = %d, want 403", r.StatusCode)
			}
			if r := victim.Get("/"); r.StatusCode != http.StatusOK {
				t.Fatalf("victim was signed out by a refused request: %d", r.StatusCode)
			}
		})
	}
	t.Run("CrossSiteSignInRefused", func(t *testing.T) {
		c := in.Client(t)
		c.Get("/login")
		r := c.PostRaw("/login", url.Values{"email": {"buyer@acme.example"}, "password": {goodPassword}, "csrf_token": {c.LastCSRF}},
			map[string]string{"Sec-Fetch-Site": "cross-site"})
		if r.StatusCode != http.StatusForbidden || c.Cookie("portico_session") != "" {
			t.Errorf("status %d; want 403 and no session", r.StatusCode)
		}
	})
	t.Run("ValidTokenAccepted", func(t *testing.T) {
		r := victim.PostRaw("/logout", url.Values{"csrf_token": {good}}, map[string]string{"Sec-Fetch-Site": "same-origin"})
		if r.StatusCode != http.StatusSeeOther {
			t.Errorf("status = %d, want 303", r.StatusCode)
		}
	})
}

func TestMutatingRoutesRefuseOtherMethods(t *testing.T) {
	in := apptest.StartSQLite(t)
	c := in.Client(t)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/logout"}, {"GET", "/admin/logout"}, {"PUT", "/login"}, {"DELETE", "/login"}, {"TRACE", "/"},
		{"PATCH", "/password/change"}, {"PUT", "/admin/login"},
	} {
		req, _ := http.NewRequest(tc.method, in.URL+tc.path, nil)
		r := c.Do(req)
		if r.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s %s = %d, want 405", tc.method, tc.path, r.StatusCode)
		}
		if tc.method == "GET" && !strings.Contains(r.Body, "not available here") {
			t.Errorf("%s %s: plain error instead of the friendly page", tc.method, tc.path)
		}
	}
}

func TestSessionFixationAndReplay(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	c := in.Client(t)
	planted := "attacker-chosen-session-value-000000000000"
	c.SetCookie("portico_session", planted)
	c.SignIn("buyer@acme.example", goodPassword)
	got := c.Cookie("portico_session")
	if got == "" || got == planted || len(got) < 43 {
		t.Fatalf("session cookie after sign-in = %q; want a new 43+ character token", got)
	}
	// The planted value does not work for anyone.
	attacker := in.Client(t)
	attacker.SetCookie("portico_session", planted)
	if r := attacker.Get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("planted cookie accepted: %d", r.StatusCode)
	}
	// Each sign-in gets a fresh token.
	again := in.Client(t)
	again.SignIn("buyer@acme.example", goodPassword)
	if again.Cookie("portico_session") == got {
		t.Error("two sign-ins got the same token")
	}
	// Only the token's hash is stored.
	var n int
	in.Store().DB().QueryRow(`SELECT COUNT(*) FROM sessions WHERE token_hash = $1`, got).Scan(&n)
	if n != 0 {
		t.Error("the raw token is stored in the sessions table")
	}

	t.Run("ReplayAfterLogout", func(t *testing.T) {
		c.Get("/")
		if r := c.Post("/logout", nil); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?msg=signed_out" {
			t.Fatalf("logout: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		replay := in.Client(t)
		replay.SetCookie("portico_session", got)
		if r := replay.Get("/"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("replayed cookie after logout: %d, want redirect to sign-in", r.StatusCode)
		}
		if r := c.Get("/login?msg=signed_out"); !strings.Contains(r.Body, "You have been signed out") {
			t.Error("no sign-out confirmation")
		}
	})
}

func TestSessionTimeouts(t *testing.T) {
	t.Run("Idle", func(t *testing.T) {
		in := apptest.StartSQLite(t)
		in.CreateAccount(t, "buyer@acme.example", goodPassword)
		c := in.Client(t)
		c.SignIn("buyer@acme.example", goodPassword)
		in.Clock.Advance(29 * time.Minute)
		if r := c.Get("/"); r.StatusCode != http.StatusOK {
			t.Fatalf("after 29 idle minutes: %d", r.StatusCode)
		}
		in.Clock.Advance(30*time.Minute + time.Second)
		if r := c.Get("/"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("after 30 idle minutes: %d, want redirect", r.StatusCode)
		}
	})
	t.Run("ActivityKeepsAliveUntilAbsoluteEnd", func(t *testing.T) {
		in := apptest.StartSQLite(t)
		in.CreateAccount(t, "buyer@acme.example", goodPassword)
		c := in.Client(t)
		c.SignIn("buyer@acme.example", goodPassword)
		for elapsed := 10 * time.Minute; elapsed < 8*time.Hour; elapsed += 10 * time.Minute {
			in.Clock.Advance(10 * time.Minute)
			if r := c.Get("/"); r.StatusCode != http.StatusOK {
				t.Fatalf("active session ended after %v: %d", elapsed, r.StatusCode)
			}
		}
		in.Clock.Advance(10 * time.Minute)
		if r := c.Get("/"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("session outlived its absolute lifetime: %d", r.StatusCode)
		}
	})
	t.Run("AdminIdleIsShorter", func(t *testing.T) {
		in := apptest.StartSQLite(t)
		in.CreateAdmin(t, "ops", goodPassword)
		c := in.Client(t)
		c.AdminSignIn("ops", goodPassword)
		in.Clock.Advance(16 * time.Minute)
		if r := c.Get("/admin"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("admin session after 16 idle minutes: %d", r.StatusCode)
		}
	})
	t.Run("NoPeriodicPasswordExpiry", func(t *testing.T) {
		in := apptest.StartSQLite(t)
		in.CreateAccount(t, "buyer@acme.example", goodPassword)
		in.Clock.Advance(400 * 24 * time.Hour)
		c := in.Client(t)
		if r := c.SignIn("buyer@acme.example", goodPassword); r.Header.Get("Location") != "/" {
			t.Errorf("sign-in after 400 days: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
	})
}

func TestDeactivationEndsAccessAtOnce(t *testing.T) {
	in := apptest.StartSQLite(t)
	a := in.CreateAccount(t, "buyer@acme.example", goodPassword)
	c := in.Client(t)
	c.SignIn("buyer@acme.example", goodPassword)
	if r := c.Get("/"); r.StatusCode != http.StatusOK {
		t.Fatal(r.StatusCode)
	}
	ctx := context.Background()
	in.Store().InTx(ctx, func(tx *store.Tx) error { return tx.SetAccountActive(ctx, a.ID, false, in.Clock.Now()) })
	if r := c.Get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("deactivated account still served: %d", r.StatusCode)
	}
	if list, _ := in.Store().ListSessions(ctx, store.KindCustomer, a.ID); len(list) != 0 {
		t.Errorf("%d sessions left after deactivation was noticed", len(list))
	}
}

func TestCookieFlags(t *testing.T) {
	t.Run("HTTP", func(t *testing.T) {
		in := apptest.StartSQLite(t)
		in.CreateAccount(t, "buyer@acme.example", goodPassword)
		c := in.Client(t)
		r := c.SignIn("buyer@acme.example", goodPassword)
		ck := findCookie(r.Cookies(), "portico_session")
		if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" || ck.Secure {
			t.Errorf("cookie = %+v", ck)
		}
	})
	t.Run("HTTPSUsesHostPrefixAndSecure", func(t *testing.T) {
		in := apptest.StartSQLite(t, func(c *config.Config) { c.BaseURL, _ = url.Parse("https://portal.acme.example") })
		in.CreateAccount(t, "buyer@acme.example", goodPassword)
		c := in.Client(t)
		login := c.Get("/login")
		if h := login.Header.Get("Strict-Transport-Security"); !strings.Contains(h, "max-age=31536000") {
			t.Errorf("HSTS = %q", h)
		}
		pre := findCookie(login.Cookies(), "__Host-portico_pre")
		if pre == nil || !pre.Secure {
			t.Fatalf("pre-session cookie = %+v", pre)
		}
		// The cookie jar will not send Secure cookies over http, so post by hand.
		form := url.Values{"email": {"buyer@acme.example"}, "password": {goodPassword}, "csrf_token": {c.LastCSRF}}
		req, _ := http.NewRequest("POST", in.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.AddCookie(pre)
		r := c.Do(req)
		ck := findCookie(r.Cookies(), "__Host-portico_session")
		if ck == nil || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
			t.Errorf("status %d cookie = %+v", r.StatusCode, ck)
		}
	})
}

func findCookie(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestBadCookiesAreNoSession(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	in.CreateAdmin(t, "ops", goodPassword)
	real := in.Client(t)
	real.SignIn("buyer@acme.example", goodPassword)
	tok := real.Cookie("portico_session")
	// One changed character (never the one already there).
	flipped := tok[:len(tok)-1] + "A"
	if strings.HasSuffix(tok, "A") {
		flipped = tok[:len(tok)-1] + "B"
	}
	for _, v := range []string{tok[:20], tok + "x", strings.Repeat("z", 4000), "%00%ff", "' OR 1=1 --", flipped, "🙂🙂🙂"} {
		for _, name := range []string{"portico_session", "portico_admin", "portico_pre"} {
			c := in.Client(t)
			req, _ := http.NewRequest("GET", in.URL+"/", nil)
			req.Header.Set("Cookie", name+"="+v)
			r := c.Do(req)
			if r.StatusCode != http.StatusSeeOther {
				t.Errorf("%s=%.20q: status %d, want redirect to sign-in", name, v, r.StatusCode)
			}
			req, _ = http.NewRequest("GET", in.URL+"/admin", nil)
			req.Header.Set("Cookie", name+"="+v)
			if r := c.Do(req); r.StatusCode != http.StatusSeeOther {
				t.Errorf("admin with %s=%.20q: status %d", name, v, r.StatusCode)
			}
		}
	}
}

func TestSecurityHeadersOnEveryPage(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	in.CreateAdmin(t, "ops", goodPassword)
	c := in.Client(t)
	c.SignIn("buyer@acme.example", goodPassword)
	c.AdminSignIn("ops", goodPassword)
	for _, path := range []string{"/", "/login", "/admin", "/admin/login", "/password/change", "/no-such-page", "/healthz", "/readyz", "/logout"} {
		r := c.Get(path)
		h := r.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "script-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows unsafe sources", path)
		}
		for name, want := range map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "strict-origin-when-cross-origin",
			"Cross-Origin-Opener-Policy": "same-origin",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("%s: %s = %q, want %q", path, name, got, want)
			}
		}
		if h.Get("Access-Control-Allow-Origin") != "" || h.Get("Server") != "" || h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: unexpected header (CORS, Server or HSTS on http)", path)
		}
		if strings.Contains(r.Body, "<script>") || strings.Contains(r.Body, " onclick=") || strings.Contains(r.Body, "style=") {
			t.Errorf("%s: inline script, handler or style in the page", path)
		}
	}
}

func TestLimitsAndErrors(t *testing.T) {
	in := apptest.StartSQLite(t)
	c := in.Client(t)
	t.Run("HugeBody", func(t *testing.T) {
		c.Get("/login")
		r := c.Post("/login", url.Values{"email": {strings.Repeat("a", 2<<20)}, "password": {"x"}})
		if r.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", r.StatusCode)
		}
	})
	t.Run("NotFoundIsFriendly", func(t *testing.T) {
		r := c.Get("/invoices/../../etc/passwd")
		if r.StatusCode != http.StatusNotFound && r.StatusCode/100 != 3 {
			t.Errorf("status %d", r.StatusCode)
		}
		r = c.Get("/no/such/page")
		if r.StatusCode != http.StatusNotFound || !strings.Contains(r.Body, "Page not found") || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
			t.Errorf("status %d type %q", r.StatusCode, r.Header.Get("Content-Type"))
		}
	})
	t.Run("StaticTraversal", func(t *testing.T) {
		for _, p := range []string{"/static/..%2f..%2fetc/passwd", "/static/x/..%2f..%2fgo.mod", "/static/", "/.git/config", "/debug/pprof/"} {
			if r := c.Get(p); r.StatusCode != http.StatusNotFound && r.StatusCode/100 != 3 {
				t.Errorf("%s: status %d", p, r.StatusCode)
			}
		}
	})
	t.Run("StaticAssetsCachedForever", func(t *testing.T) {
		page := c.Get("/login").Body
		i := strings.Index(page, "/static/")
		j := strings.Index(page[i:], `"`)
		r := c.Get(page[i : i+j])
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("asset %s: %d %q", page[i:i+j], r.StatusCode, r.Header.Get("Cache-Control"))
		}
	})
	t.Run("Health", func(t *testing.T) {
		if r := c.Get("/healthz"); r.StatusCode != 200 {
			t.Errorf("healthz %d", r.StatusCode)
		}
		if r := c.Get("/readyz"); r.StatusCode != 200 {
			t.Errorf("readyz %d", r.StatusCode)
		}
		in.Store().Close()
		if r := c.Get("/readyz"); r.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("readyz with the database closed: %d, want 503", r.StatusCode)
		}
	})
}
