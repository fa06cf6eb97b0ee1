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

func TestAdminPasswordChange(t *testing.T) {
	adminsOnEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		ctx := context.Background()
		ops, c := signedInAdmin(t, in, "ops", "ops@acme.example")
		other := in.Client(t)
		other.AdminSignIn("ops", goodPassword)

		page := c.Get("/admin/password")
		if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `name="current_password"`) ||
			!strings.Contains(page.Body, `autocomplete="new-password"`) || !strings.Contains(page.Body, `action="/admin/password"`) {
			t.Fatalf("change page: %d", page.StatusCode)
		}
		newPw := "quiet harbour violet lantern"
		cases := []struct {
			name                    string
			current, newPw, confirm string
			field, wantMsg          string
		}{
			{"WrongCurrent", "not my password at all", newPw, newPw, "current_password", "not your current password"},
			{"NoCurrent", "", newPw, newPw, "current_password", "Enter your current password"},
			{"NoNew", goodPassword, "", "", "new_password", "Enter a new password"},
			{"Mismatch", goodPassword, newPw, newPw + "!", "confirm_password", "do not match"},
			{"TooShort", goodPassword, "short one", "short one", "new_password", "at least 15 characters"},
			{"Common", goodPassword, "passwordpassword", "passwordpassword", "new_password", "too common"},
			{"Email", goodPassword, "ops@acme.example!2026", "ops@acme.example!2026", "new_password", "email address or the name"},
			{"Same", goodPassword, goodPassword, goodPassword, "new_password", "different from your current"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := c.Post("/admin/password", url.Values{"current_password": {tc.current}, "new_password": {tc.newPw}, "confirm_password": {tc.confirm}})
				if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="`+tc.field+`-error"`) || !strings.Contains(r.Body, tc.wantMsg) {
					t.Errorf("status %d; want 422 with %q next to %s", r.StatusCode, tc.wantMsg, tc.field)
				}
				if strings.Contains(r.Body, tc.current) && tc.current != "" {
					t.Error("the typed password is echoed back")
				}
			})
		}
		entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "password_changed"})
		if len(entries) != 1 || entries[0].TargetKind != store.KindAdmin || entries[0].ActorLabel != "ops" || !strings.Contains(entries[0].Details, "wrong current password") {
			t.Errorf("audit after a wrong current password = %+v", entries)
		}
		if r := other.Get("/admin"); r.StatusCode != http.StatusOK {
			t.Fatalf("refused changes ended the other session: %d", r.StatusCode)
		}

		oldCookie := c.Cookie("portico_admin")
		r := c.Post("/admin/password", url.Values{"current_password": {goodPassword}, "new_password": {newPw}, "confirm_password": {newPw}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/password?msg=password_changed" {
			t.Fatalf("change: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		if fresh := c.Cookie("portico_admin"); fresh == "" || fresh == oldCookie {
			t.Error("the session cookie was not rotated")
		}
		if done := c.Get(r.Header.Get("Location")); done.StatusCode != http.StatusOK || !strings.Contains(done.Body, "Your password has been changed") {
			t.Errorf("page after the change: %d", done.StatusCode)
		}
		if r := c.Get("/admin/admins"); r.StatusCode != http.StatusOK {
			t.Errorf("signed out by their own password change: %d", r.StatusCode)
		}
		if r := other.Get("/admin"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
			t.Errorf("other session survived the change: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		if r := in.Client(t).AdminSignIn("ops", goodPassword); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("old password still signs in: %d", r.StatusCode)
		}
		if r := in.Client(t).AdminSignIn("ops", newPw); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin" {
			t.Errorf("new password: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		mails := adminEmails(t, in, "ops@acme.example")
		if len(mails) != 1 || !strings.Contains(strings.ToLower(mails[0].Subject), "password") {
			t.Fatalf("password-changed notices: %+v", mails)
		}
		for _, secret := range []string{newPw, goodPassword} {
			if strings.Contains(mails[0].BodyText+mails[0].BodyHTML+mails[0].Subject, secret) {
				t.Error("the notice holds a password")
			}
		}
		got, _ := in.Store().AdminByID(ctx, ops.ID)
		if got.PasswordChangedAt == nil || !strings.HasPrefix(got.PasswordHash, "$argon2id$") {
			t.Errorf("admin after the change: %+v", got)
		}
	})
}

func TestAdminForcedPasswordChange(t *testing.T) {
	in := apptest.StartSQLite(t)
	ctx := context.Background()
	h, _ := in.App.Auth.Hasher.Hash(ctx, tempPassword)
	a := &store.Admin{Username: "temp", Email: "temp@acme.example", PasswordHash: h, Active: true, MustChangePassword: true, CreatedAt: in.Clock.Now()}
	if err := in.Store().InTx(ctx, func(tx *store.Tx) error { return tx.CreateAdmin(ctx, a) }); err != nil {
		t.Fatal(err)
	}
	c := in.Client(t)
	if r := c.AdminSignIn("temp", tempPassword); r.Header.Get("Location") != "/admin/password" {
		t.Fatalf("after sign-in: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	for _, p := range []string{"/admin", "/admin/admins"} {
		if r := c.Get(p); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/password" {
			t.Errorf("%s before the change: %d %q", p, r.StatusCode, r.Header.Get("Location"))
		}
	}
	page := c.Get("/admin/password")
	if page.StatusCode != http.StatusOK || strings.Contains(page.Body, `name="current_password"`) || strings.Contains(page.Body, `href="/admin/admins"`) {
		t.Fatalf("forced change page: %d (must have no current-password field and no console navigation)", page.StatusCode)
	}
	if r := c.Post("/admin/password", url.Values{"new_password": {tempPassword}, "confirm_password": {tempPassword}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "different from your current") {
		t.Errorf("keeping the temporary password: %d", r.StatusCode)
	}
	newPw := "quiet harbour violet lantern"
	if r := c.Post("/admin/password", url.Values{"new_password": {newPw}, "confirm_password": {newPw}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("forced change: %d", r.StatusCode)
	}
	if r := c.Get("/admin/admins"); r.StatusCode != http.StatusOK {
		t.Errorf("console after the forced change: %d", r.StatusCode)
	}
}
