package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

// adminsOnEachDatabase runs fn against an App on SQLite and, when
// PORTICO_TEST_POSTGRES_URL is set, on PostgreSQL.
func adminsOnEachDatabase(t *testing.T, fn func(t *testing.T, in *apptest.Instance)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, apptest.Start(t, storetest.SQLite(t), nil)) })
	t.Run("postgres", func(t *testing.T) { fn(t, apptest.Start(t, storetest.Postgres(t), nil)) })
}

// signedInAdmin adds an admin with an email and a password and signs a new
// client in as them.
func signedInAdmin(t *testing.T, in *apptest.Instance, username, email string) (*store.Admin, *apptest.Client) {
	t.Helper()
	ctx := context.Background()
	h, err := in.App.Auth.Hasher.Hash(ctx, goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	a := &store.Admin{Username: username, Email: email, DisplayName: strings.ToUpper(username[:1]) + username[1:],
		PasswordHash: h, Active: true, CreatedAt: in.Clock.Now()}
	if err := in.Store().InTx(ctx, func(tx *store.Tx) error { return tx.CreateAdmin(ctx, a) }); err != nil {
		t.Fatal(err)
	}
	c := in.Client(t)
	if r := c.AdminSignIn(username, goodPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", username, r.StatusCode)
	}
	return a, c
}

func adminEmails(t *testing.T, in *apptest.Instance, to string) []store.Email {
	t.Helper()
	return mailsTo(t, in, to)
}

func auditCount(t *testing.T, in *apptest.Instance, action string) int {
	t.Helper()
	_, n, err := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var adminLinkRe = regexp.MustCompile(`(\S+)/password/(?:set|reset)\?token=([A-Za-z0-9_-]+)`)

func TestAdminsAdd(t *testing.T) {
	adminsOnEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		ctx := context.Background()
		_, ops := signedInAdmin(t, in, "ops", "ops@acme.example")
		page := ops.Get("/admin/admins")
		if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, ">you<") || !strings.Contains(page.Body, `action="/admin/admins"`) {
			t.Fatalf("admins page: %d", page.StatusCode)
		}

		r := ops.Post("/admin/admins", url.Values{"username": {"Harriet.Q"}, "display_name": {"Harriet Quay"}, "email": {" Harriet.Quay@Acme.Example "}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/admins?msg=created" {
			t.Fatalf("add: %d %q\n%s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		h, err := in.Store().LocalAdminByLogin(ctx, "harriet.q")
		if err != nil {
			t.Fatal(err)
		}
		if !h.Active || h.PasswordHash != "" || h.Email != "harriet.quay@acme.example" || h.DisplayName != "Harriet Quay" || h.Source != "local" {
			t.Errorf("stored admin = %+v", h)
		}
		mails := adminEmails(t, in, "harriet.quay@acme.example")
		if len(mails) != 1 {
			t.Fatalf("%d emails to the new admin, want 1", len(mails))
		}
		m := adminLinkRe.FindStringSubmatch(mails[0].BodyText)
		base := strings.TrimRight(in.App.Config.BaseURL.String(), "/")
		if m == nil || m[1] != base {
			t.Fatalf("invitation link %q does not start with the base URL %q", m, base)
		}
		if n := auditCount(t, in, "admin_created"); n != 1 {
			t.Errorf("%d admin_created entries, want 1", n)
		}
		entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "admin_created"})
		if e := entries[0]; e.ActorKind != store.KindAdmin || e.ActorLabel != "ops" || e.TargetLabel != "harriet.q" {
			t.Errorf("admin_created entry = %+v", e)
		}
		if n := auditCount(t, in, "invitation_sent"); n != 1 {
			t.Errorf("%d invitation_sent entries, want 1", n)
		}
		list := ops.Get("/admin/admins?msg=created")
		if !strings.Contains(list.Body, "Admin added") || !strings.Contains(list.Body, "Invited") || !strings.Contains(list.Body, "Resend invitation") {
			t.Errorf("list after adding lacks the notice, the invited state or the resend button")
		}

		t.Run("ResendInvitation", func(t *testing.T) {
			ops.Get("/admin/admins")
			r := ops.Post(fmt.Sprintf("/admin/admins/%d/invite", h.ID), nil)
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/admins?msg=invited" {
				t.Fatalf("resend: %d %q", r.StatusCode, r.Header.Get("Location"))
			}
			mails := adminEmails(t, in, "harriet.quay@acme.example")
			if len(mails) != 2 {
				t.Fatalf("%d emails, want 2", len(mails))
			}
			if _, err := in.App.Auth.CheckLink(ctx, auth.PurposeInvitation, m[2]); !errors.Is(err, auth.ErrInvalidLink) {
				t.Errorf("first invitation still works after a resend: %v", err)
			}
			fresh := adminLinkRe.FindStringSubmatch(mails[0].BodyText)
			if n := auditCount(t, in, "invitation_resent"); n != 1 {
				t.Errorf("%d invitation_resent entries, want 1", n)
			}
			// The new admin accepts and signs in with their own password.
			if _, err := in.App.Auth.SetPasswordFromLink(ctx, auth.PurposeInvitation, fresh[2], "copper kettle harbour dawn"); err != nil {
				t.Fatal(err)
			}
			if r := in.Client(t).AdminSignIn("harriet.q", "copper kettle harbour dawn"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin" {
				t.Errorf("invited admin signs in: %d %q", r.StatusCode, r.Header.Get("Location"))
			}
			ops.Get("/admin/admins")
			if r := ops.Post(fmt.Sprintf("/admin/admins/%d/invite", h.ID), nil); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "already chosen a password") {
				t.Errorf("invitation for an admin with a password: %d", r.StatusCode)
			}
		})

		t.Run("Refused", func(t *testing.T) {
			// A username that looks like an email (allowed, since sign-in
			// takes either) blocks that email for everyone else.
			lead := &store.Admin{Username: "lead@acme.example", Active: true, CreatedAt: in.Clock.Now()}
			if err := in.Store().InTx(ctx, func(tx *store.Tx) error { return tx.CreateAdmin(ctx, lead) }); err != nil {
				t.Fatal(err)
			}
			admins, _ := in.Store().ListAdmins(ctx)
			mailsBefore, _ := in.Store().ListEmails(ctx, 1000)
			cases := []struct {
				name                       string
				username, display, email   string
				field, want, mustNotAppear string
			}{
				{"DuplicateUsername", "HARRIET.Q", "", "someone@acme.example", "username", "already uses this username", ""},
				{"DuplicateEmail", "harriet2", "", "HARRIET.QUAY@acme.example", "email", "already has this email", ""},
				{"UsernameIsSomeonesEmail", "Harriet.Quay@acme.example", "", "h3@acme.example", "username", "already uses this username", ""},
				{"EmailIsSomeonesUsername", "sam", "", "LEAD@acme.example", "email", "already has this email", ""},
				{"BadUsernameAndDuplicateEmail", "a b", "", "Harriet.Quay@acme.example", "email", "already has this email", ""},
				{"UsernameWithSpace", "harriet quay", "", "hq@acme.example", "username", "3 to 64 characters", ""},
				{"UsernameScript", "<script>alert(1)</script>", "", "hq@acme.example", "username", "3 to 64 characters", "<script>alert(1)</script>"},
				{"UsernameTooLong", strings.Repeat("a", 200), "", "hq@acme.example", "username", "3 to 64 characters", ""},
				{"UsernameTooShort", "ab", "", "hq@acme.example", "username", "3 to 64 characters", ""},
				{"UsernameMissing", "", "", "hq@acme.example", "username", "Enter a username", ""},
				{"EmailMissing", "sam", "", "", "email", "Enter their email address", ""},
				{"EmailMalformed", "sam", "", "not-an-email", "email", "like name@example.com", ""},
				{"EmailWithName", "sam", "", "Sam <sam@acme.example>", "email", "like name@example.com", "<sam@acme.example>"},
				{"EmailNoDot", "sam", "", "sam@localhost", "email", "like name@example.com", ""},
				{"DisplayNameLineBreak", "sam", "Sam\r\nBcc: x@evil.example", "sam@acme.example", "display_name", "punctuation only", ""},
				{"DisplayNameTooLong", "sam", strings.Repeat("é", 101), "sam@acme.example", "display_name", "at most 100", ""},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					ops.Get("/admin/admins")
					r := ops.Post("/admin/admins", url.Values{"username": {tc.username}, "display_name": {tc.display}, "email": {tc.email}})
					if r.StatusCode != http.StatusUnprocessableEntity {
						t.Fatalf("status %d, want 422", r.StatusCode)
					}
					if !strings.Contains(r.Body, `id="`+tc.field+`-error"`) || !strings.Contains(r.Body, tc.want) {
						t.Errorf("no message %q next to %s", tc.want, tc.field)
					}
					if tc.mustNotAppear != "" && strings.Contains(r.Body, tc.mustNotAppear) {
						t.Errorf("input %q echoed unescaped", tc.mustNotAppear)
					}
					if strings.Contains(strings.ToLower(r.Body), "constraint") || strings.Contains(r.Body, "SQLSTATE") {
						t.Error("database text in the page")
					}
				})
			}
			after, _ := in.Store().ListAdmins(ctx)
			mailsAfter, _ := in.Store().ListEmails(ctx, 1000)
			if len(after) != len(admins) || len(mailsAfter) != len(mailsBefore) {
				t.Errorf("refused adds changed something: %d→%d admins, %d→%d emails", len(admins), len(after), len(mailsBefore), len(mailsAfter))
			}
		})

		t.Run("HostileNamesEscaped", func(t *testing.T) {
			ops.Get("/admin/admins")
			hostile := `<img src=x onerror=alert(1)>"'`
			r := ops.Post("/admin/admins", url.Values{"username": {"mallory"}, "display_name": {hostile}, "email": {"mallory@acme.example"}})
			if r.StatusCode != http.StatusSeeOther {
				t.Fatalf("add: %d", r.StatusCode)
			}
			page := ops.Get("/admin/admins")
			if strings.Contains(page.Body, "<img src=x") {
				t.Error("display name rendered unescaped")
			}
			if !strings.Contains(page.Body, "&lt;img src=x onerror=alert(1)&gt;") {
				t.Error("display name missing from the list")
			}
		})
	})
}

func TestAdminsDeactivate(t *testing.T) {
	adminsOnEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		ctx := context.Background()
		ops, opsClient := signedInAdmin(t, in, "ops", "ops@acme.example")
		harriet, harrietClient := signedInAdmin(t, in, "harriet", "harriet@acme.example")
		err := in.Store().InTx(ctx, func(tx *store.Tx) error {
			return in.App.Auth.SendResetLink(ctx, tx, auth.AdminPerson(harriet), audit.Actor{Kind: store.KindAdmin, ID: ops.ID, Label: ops.Username})
		})
		if err != nil {
			t.Fatal(err)
		}
		link := adminLinkRe.FindStringSubmatch(adminEmails(t, in, "harriet@acme.example")[0].BodyText)

		t.Run("NotYourself", func(t *testing.T) {
			opsClient.Get("/admin/admins")
			r := opsClient.Post(fmt.Sprintf("/admin/admins/%d/deactivate", ops.ID), nil)
			if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "You cannot deactivate yourself") {
				t.Errorf("self-deactivation: %d", r.StatusCode)
			}
			if got, _ := in.Store().AdminByID(ctx, ops.ID); !got.Active {
				t.Error("admin deactivated themselves")
			}
		})

		opsClient.Get("/admin/admins")
		r := opsClient.Post(fmt.Sprintf("/admin/admins/%d/deactivate", harriet.ID), nil)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/admins?msg=deactivated" {
			t.Fatalf("deactivate: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		if r := harrietClient.Get("/admin"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
			t.Errorf("deactivated admin's session still served: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		if s, _ := in.Store().ListSessions(ctx, store.KindAdmin, harriet.ID); len(s) != 0 {
			t.Errorf("%d sessions left for the deactivated admin", len(s))
		}
		if _, err := in.App.Auth.CheckLink(ctx, auth.PurposeReset, link[2]); !errors.Is(err, auth.ErrInvalidLink) {
			t.Errorf("deactivated admin's link still works: %v", err)
		}
		if r := in.Client(t).AdminSignIn("harriet", goodPassword); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("deactivated admin signs in: %d", r.StatusCode)
		}
		entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "admin_deactivated"})
		if len(entries) != 1 || entries[0].ActorLabel != "ops" || entries[0].TargetLabel != "harriet" || !strings.Contains(entries[0].Details, `"sessions_ended":1`) {
			t.Errorf("audit = %+v", entries)
		}
		if page := opsClient.Get("/admin/admins"); !strings.Contains(page.Body, "Inactive") || !strings.Contains(page.Body, "Reactivate") {
			t.Error("list does not show the admin as inactive with a reactivate button")
		}
		if r := opsClient.Post(fmt.Sprintf("/admin/admins/%d/deactivate", harriet.ID), nil); r.Header.Get("Location") != "/admin/admins?msg=already_inactive" {
			t.Errorf("second deactivation: %d %q", r.StatusCode, r.Header.Get("Location"))
		}

		t.Run("LastActiveAdmin", func(t *testing.T) {
			// ops is now the only active admin. Through the console the
			// only one who could try is ops (refused as self above); the
			// rule itself holds for any caller, the system included.
			err := in.Store().InTx(ctx, func(tx *store.Tx) error { return tx.DeactivateAdmin(ctx, ops.ID, 0, in.Clock.Now()) })
			if !errors.Is(err, store.ErrLastActiveAdmin) {
				t.Errorf("deactivating the last active admin: %v, want ErrLastActiveAdmin", err)
			}
			// An inactive admin cannot act, even with a session left over.
			err = in.Store().InTx(ctx, func(tx *store.Tx) error { return tx.DeactivateAdmin(ctx, ops.ID, harriet.ID, in.Clock.Now()) })
			if !errors.Is(err, store.ErrActorInactive) {
				t.Errorf("deactivation by an inactive admin: %v, want ErrActorInactive", err)
			}
			if got, _ := in.Store().AdminByID(ctx, ops.ID); !got.Active {
				t.Error("the last active admin was deactivated")
			}
		})

		opsClient.Get("/admin/admins")
		r = opsClient.Post(fmt.Sprintf("/admin/admins/%d/reactivate", harriet.ID), nil)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/admins?msg=reactivated" {
			t.Fatalf("reactivate: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		if n := auditCount(t, in, "admin_reactivated"); n != 1 {
			t.Errorf("%d admin_reactivated entries, want 1", n)
		}

		t.Run("DeactivatingEachOtherAtOnce", func(t *testing.T) {
			// Two admins deactivate each other at the same moment: exactly
			// one wins, and one admin stays active to sign in.
			harrietClient := in.Client(t)
			harrietClient.AdminSignIn("harriet", goodPassword)
			opsClient.Get("/admin/admins")
			harrietClient.Get("/admin/admins")
			var wg sync.WaitGroup
			results := make([]*apptest.Response, 2)
			start := make(chan struct{})
			for i, c := range []struct {
				client *apptest.Client
				target int64
			}{{opsClient, harriet.ID}, {harrietClient, ops.ID}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i] = c.client.Post(fmt.Sprintf("/admin/admins/%d/deactivate", c.target), nil)
				}()
			}
			close(start)
			wg.Wait()
			wins := 0
			for _, r := range results {
				switch {
				case r.StatusCode >= 500:
					t.Errorf("server error: %d", r.StatusCode)
				case r.Header.Get("Location") == "/admin/admins?msg=deactivated":
					wins++
				}
			}
			list, _ := in.Store().ListAdmins(ctx)
			active := 0
			for _, a := range list {
				if a.Active {
					active++
				}
			}
			if wins != 1 || active != 1 {
				t.Errorf("%d deactivations succeeded and %d admins are active, want 1 and 1", wins, active)
			}
		})
	})
}

func TestAdminsGuards(t *testing.T) {
	in := apptest.StartSQLite(t)
	ops, opsClient := signedInAdmin(t, in, "ops", "ops@acme.example")
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	customer := in.Client(t)
	customer.SignIn("buyer@acme.example", goodPassword)
	anonymous := in.Client(t)
	anonymous.Get("/admin/login") // holds a valid pre-session form token

	gets := []string{"/admin/admins", "/admin/password"}
	posts := []string{"/admin/admins", fmt.Sprintf("/admin/admins/%d/invite", ops.ID), fmt.Sprintf("/admin/admins/%d/reset", ops.ID),
		fmt.Sprintf("/admin/admins/%d/deactivate", ops.ID), fmt.Sprintf("/admin/admins/%d/reactivate", ops.ID), "/admin/password"}
	for name, c := range map[string]*apptest.Client{"anonymous": anonymous, "customer": customer} {
		for _, p := range gets {
			if r := c.Get(p); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
				t.Errorf("%s GET %s: %d %q", name, p, r.StatusCode, r.Header.Get("Location"))
			}
		}
		for _, p := range posts {
			r := c.Post(p, url.Values{"username": {"intruder"}, "email": {"intruder@evil.example"}, "new_password": {"x"}})
			ok := r.StatusCode == http.StatusForbidden || (r.StatusCode == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), "/admin/login"))
			if !ok {
				t.Errorf("%s POST %s: %d %q", name, p, r.StatusCode, r.Header.Get("Location"))
			}
		}
	}
	if r := anonymous.Post("/admin/admins", url.Values{"username": {"intruder"}, "email": {"intruder@evil.example"}}); r.Header.Get("Location") != "/admin/login" {
		t.Errorf("anonymous add with a pre-session token: %d %q, want a redirect to /admin/login", r.StatusCode, r.Header.Get("Location"))
	}

	opsClient.Get("/admin/admins")
	if r := opsClient.PostRaw("/admin/admins", url.Values{"username": {"intruder"}, "email": {"intruder@acme.example"}},
		map[string]string{"Sec-Fetch-Site": "same-origin"}); r.StatusCode != http.StatusForbidden {
		t.Errorf("add without a form token: %d, want 403", r.StatusCode)
	}
	if r := opsClient.PostRaw(fmt.Sprintf("/admin/admins/%d/deactivate", ops.ID), url.Values{"csrf_token": {"forged"}},
		map[string]string{"Sec-Fetch-Site": "same-origin"}); r.StatusCode != http.StatusForbidden {
		t.Errorf("deactivate with a forged form token: %d, want 403", r.StatusCode)
	}
	if _, err := in.Store().LocalAdminByLogin(context.Background(), "intruder"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an intruder admin was created: %v", err)
	}

	for _, id := range []string{"999999", "0", "-1", "abc", "1e3", "99999999999999999999999"} {
		for _, action := range []string{"invite", "reset", "deactivate", "reactivate"} {
			opsClient.Get("/admin/admins")
			if r := opsClient.Post("/admin/admins/"+id+"/"+action, nil); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s of admin %q: %d, want 404", action, id, r.StatusCode)
			}
		}
	}
	if r := opsClient.Get("/admin/admins/1/deactivate"); r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET on deactivate: %d, want 405", r.StatusCode)
	}
}
