package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/store"
)

const tempPassword = "kmt4p-x9wqz-hv3rd-7nbcj"

func TestForcedPasswordChange(t *testing.T) {
	in := apptest.StartSQLite(t)
	a := in.CreateAccount(t, "buyer@acme.example", tempPassword, func(a *store.Account) { a.MustChangePassword = true })
	other := in.Client(t)
	other.SignIn("buyer@acme.example", tempPassword)

	c := in.Client(t)
	r := c.SignIn("buyer@acme.example", tempPassword)
	if loc := r.Header.Get("Location"); loc != "/password/change" {
		t.Fatalf("after sign-in: Location %q, want /password/change", loc)
	}
	t.Run("NothingElseReachable", func(t *testing.T) {
		for _, p := range []string{"/", "/?x=1"} {
			if r := c.Get(p); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/password/change" {
				t.Errorf("%s: %d %q", p, r.StatusCode, r.Header.Get("Location"))
			}
		}
	})
	page := c.Get("/password/change")
	if page.StatusCode != 200 || strings.Contains(page.Body, `name="current_password"`) ||
		!strings.Contains(page.Body, `autocomplete="new-password"`) || strings.Contains(page.Body, "onpaste") {
		t.Fatalf("forced change page: %d", page.StatusCode)
	}
	cases := []struct {
		name, newPw, confirm, wantMsg string
	}{
		{"TooShort", "short one", "short one", "at least 15 characters"},
		{"Mismatch", "a perfectly fine passphrase", "a perfectly fine passphrasf", "do not match"},
		{"SameAsTemporary", tempPassword, tempPassword, "different from your current"},
		{"Common", "passwordpassword", "passwordpassword", "too common"},
		{"Repetitive", "aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaa", "repeated"},
		{"ContextWords", "AcmeWarehousing2025!", "AcmeWarehousing2025!", "email address or the name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Post("/password/change", url.Values{"new_password": {tc.newPw}, "confirm_password": {tc.confirm}})
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.wantMsg) {
				t.Errorf("status %d; body lacks %q", r.StatusCode, tc.wantMsg)
			}
		})
	}
	newPw := "quiet harbour violet lantern"
	r = c.Post("/password/change", url.Values{"new_password": {newPw}, "confirm_password": {newPw}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/?msg=password_changed" {
		t.Fatalf("change: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if home := c.Get(r.Header.Get("Location")); home.StatusCode != 200 || !strings.Contains(home.Body, "Your password has been changed") {
		t.Errorf("home after change: %d", home.StatusCode)
	}
	if r := other.Get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("other session survived the password change: %d", r.StatusCode)
	}
	if r := in.Client(t).SignIn("buyer@acme.example", tempPassword); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("temporary password still works: %d", r.StatusCode)
	}
	if r := in.Client(t).SignIn("buyer@acme.example", newPw); r.Header.Get("Location") != "/" {
		t.Errorf("new password: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	got, _ := in.Store().AccountByID(context.Background(), a.ID)
	if got.MustChangePassword || !strings.HasPrefix(got.PasswordHash, "$argon2id$") {
		t.Errorf("account after change: must=%v hash=%.12s", got.MustChangePassword, got.PasswordHash)
	}
	entries, _, _ := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: "password_changed"})
	if len(entries) != 1 || strings.Contains(entries[0].Details, newPw) {
		t.Errorf("audit = %+v", entries)
	}
}

func TestVoluntaryPasswordChangeNeedsCurrent(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	c := in.Client(t)
	c.SignIn("buyer@acme.example", goodPassword)
	page := c.Get("/password/change")
	if !strings.Contains(page.Body, `name="current_password"`) {
		t.Fatal("no current-password field on a voluntary change")
	}
	newPw := "seven copper kettles singing"
	r := c.Post("/password/change", url.Values{"current_password": {"wrong current one"}, "new_password": {newPw}, "confirm_password": {newPw}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "not your current password") {
		t.Errorf("wrong current: %d", r.StatusCode)
	}
	r = c.Post("/password/change", url.Values{"new_password": {newPw}, "confirm_password": {newPw}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter your current password") {
		t.Errorf("missing current: %d", r.StatusCode)
	}
	old := c.Cookie("portico_session")
	r = c.Post("/password/change", url.Values{"current_password": {goodPassword}, "new_password": {newPw}, "confirm_password": {newPw}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", r.StatusCode)
	}
	if now := c.Cookie("portico_session"); now == "" || now == old {
		t.Error("session token not rotated by the password change")
	}
	if r := c.Get("/"); r.StatusCode != 200 {
		t.Errorf("rotated session does not work: %d", r.StatusCode)
	}
}

// Hashes made by Werkzeug 3.1.8 for the password "river stone lantern morning",
// as the originals store them; generated with
//
//	python3 -c "from werkzeug.security import generate_password_hash as g; print(g('river stone lantern morning', 'pbkdf2:sha256:600000'))"
//
// (and 'scrypt:32768:8:1').
const (
	werkzeugPBKDF2 = "pbkdf2:sha256:600000$NjQMVU0SZPzdi3pH$cc882560639bdda48f58f3e73ec69b36302ef79422ad3c7ff94d83c1273823f1"
	werkzeugScrypt = "scrypt:32768:8:1$6H3Mtuj7RttQsKlI$900adf589984317e6d3dcc8c861480b1759020a211e6040b3810978991909ab81be07f309251e31127417ac9ca3ffa609a3dd78eda86a7fe591b5fc646944c60"
)

func TestWerkzeugHashesUpgradeOnSignIn(t *testing.T) {
	in := apptest.StartSQLite(t)
	for _, tc := range []struct{ name, hash string }{{"pbkdf2", werkzeugPBKDF2}, {"scrypt", werkzeugScrypt}} {
		t.Run(tc.name, func(t *testing.T) {
			email := tc.name + "@legacy.example"
			a := in.CreateAccount(t, email, "placeholder password", func(a *store.Account) { a.PasswordHash = tc.hash })
			if r := in.Client(t).SignIn(email, "river stone lantern mornin"); r.StatusCode != http.StatusUnauthorized {
				t.Errorf("wrong password accepted: %d", r.StatusCode)
			}
			if r := in.Client(t).SignIn(email, goodPassword); r.Header.Get("Location") != "/" {
				t.Fatalf("original password refused: %d", r.StatusCode)
			}
			got, _ := in.Store().AccountByID(context.Background(), a.ID)
			if !strings.HasPrefix(got.PasswordHash, "$argon2id$") {
				t.Errorf("hash not upgraded: %.20s", got.PasswordHash)
			}
			if r := in.Client(t).SignIn(email, goodPassword); r.Header.Get("Location") != "/" {
				t.Errorf("upgraded hash refuses the password: %d", r.StatusCode)
			}
		})
	}
}
