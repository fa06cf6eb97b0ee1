package web_test

import (
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/apptest"
)

// adminRoutes reads every admin-console route from the route table, so a
// route added later is covered without touching this test.
func adminRoutes(t *testing.T) [][2]string {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	for _, m := range regexp.MustCompile(`mux\.HandleFunc\("(GET|POST) (/admin[^"]*)"`).FindAllStringSubmatch(string(src), -1) {
		path := m[2]
		// The sign-in pages (the second step included) are for people who
		// are not signed in yet; they check the pending sign-in themselves.
		if path == "/admin/login" || path == "/admin/login/verify" || path == "/admin/logout" || strings.HasSuffix(path, "{$}") {
			continue
		}
		path = regexp.MustCompile(`\{[a-z]+\.*\}`).ReplaceAllString(path, "1")
		out = append(out, [2]string{m[1], path})
	}
	if len(out) < 30 {
		t.Fatalf("found only %d admin routes in routes.go", len(out))
	}
	return out
}

// Every admin route refuses an anonymous visitor and a signed-in customer:
// GETs are sent to the admin sign-in, POSTs are refused before any work
// (they carry no admin form token) or sent to sign in.
func TestEveryAdminRouteNeedsAnAdmin(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	customer := in.Client(t)
	customer.SignIn("buyer@acme.example", goodPassword)
	customer.Get("/")
	anonymous := in.Client(t)
	anonymous.Get("/login")
	for _, route := range adminRoutes(t) {
		for name, c := range map[string]*apptest.Client{"anonymous": anonymous, "customer": customer} {
			var r *apptest.Response
			if route[0] == http.MethodGet {
				r = c.Get(route[1])
			} else {
				r = c.Post(route[1], url.Values{"id": {"1"}, "email": {"x@y.example"}})
			}
			refused := r.StatusCode == http.StatusForbidden ||
				(r.StatusCode == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), "/admin/login"))
			if !refused {
				t.Errorf("%s %s as %s: %d %q", route[0], route[1], name, r.StatusCode, r.Header.Get("Location"))
			}
			// An anonymous visitor's form token is valid (it is bound to the
			// pre-session cookie), so the refusal comes from the admin guard.
			if name == "anonymous" && r.StatusCode != http.StatusSeeOther {
				t.Errorf("%s %s as anonymous with a valid form token: %d, want the sign-in redirect", route[0], route[1], r.StatusCode)
			}
		}
	}
	// The customer is still signed in: nothing above touched the session.
	if r := customer.Get("/"); r.StatusCode != http.StatusOK {
		t.Errorf("customer session after the probes: %d", r.StatusCode)
	}
}
