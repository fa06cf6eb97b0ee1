package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/store"
)

// TestLockBelongsToTheAccount: a lock earned through the email also holds
// when the same account is tried through its username.
func TestLockBelongsToTheAccount(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "dual@acme.example", goodPassword, func(a *store.Account) { a.Username = "dualuser" })
	c := in.Client(t)
	for i := range 10 {
		c.SignIn("dual@acme.example", "wrong guess "+string(rune('a'+i)))
	}
	if r := in.Client(t).SignIn("DualUser", goodPassword); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("correct password through the username while locked: %d", r.StatusCode)
	}
}

// TestGuessesAcrossAWindowBoundaryAddUp: the count restarts only after a
// quiet period, so pacing guesses just under the window does not help.
func TestGuessesAcrossAWindowBoundaryAddUp(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "paced@acme.example", goodPassword)
	c := in.Client(t)
	for i := range 10 {
		c.SignIn("paced@acme.example", "wrong guess "+string(rune('a'+i)))
		in.Clock.Advance(14 * time.Minute)
	}
	if r := in.Client(t).SignIn("paced@acme.example", goodPassword); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("10 guesses 14 minutes apart did not lock: %d", r.StatusCode)
	}
}

func TestControlCharactersInLoginAre400(t *testing.T) {
	in := apptest.StartSQLite(t)
	for _, login := range []string{"a\x00b@x.example", "a\x07b", "\xff\xfe@x.example"} {
		c := in.Client(t)
		c.Get("/login")
		r := c.Post("/login", url.Values{"email": {login}, "password": {"whatever password"}})
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("%q: status %d, want 400", login, r.StatusCode)
		}
		c.Get("/admin/login")
		if r := c.Post("/admin/login", url.Values{"username": {login}, "password": {"whatever password"}}); r.StatusCode != http.StatusBadRequest {
			t.Errorf("admin %q: status %d, want 400", login, r.StatusCode)
		}
	}
}

func TestSignOutAfterTimeoutJustGoesToSignIn(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	c := in.Client(t)
	c.SignIn("buyer@acme.example", goodPassword)
	c.Get("/")
	in.Clock.Advance(31 * time.Minute)
	r := c.Post("/logout", nil)
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("sign-out after the session timed out: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestPreSessionCookieClearedAtSignIn(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	c := in.Client(t)
	r := c.SignIn("buyer@acme.example", goodPassword)
	ck := findCookie(r.Cookies(), "portico_pre")
	if ck == nil || ck.MaxAge >= 0 {
		t.Errorf("pre-session cookie not cleared at sign-in: %+v", ck)
	}
}

func TestCurrentPasswordGuessesAreThrottled(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	c := in.Client(t)
	c.SignIn("buyer@acme.example", goodPassword)
	c.Get("/password/change")
	newPw := "seven copper kettles singing"
	for i := range 10 {
		r := c.Post("/password/change", url.Values{"current_password": {"guess " + string(rune('a'+i))}, "new_password": {newPw}, "confirm_password": {newPw}})
		if !strings.Contains(r.Body, "not your current password") {
			t.Fatalf("guess %d: unexpected answer %d", i+1, r.StatusCode)
		}
	}
	r := c.Post("/password/change", url.Values{"current_password": {goodPassword}, "new_password": {newPw}, "confirm_password": {newPw}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Too many wrong attempts") {
		t.Errorf("11th try with the right password: %d", r.StatusCode)
	}
}
