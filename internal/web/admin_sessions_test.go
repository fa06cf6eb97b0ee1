package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

func TestAdminSessions(t *testing.T) {
	in := apptest.StartSQLite(t)
	buyer := in.CreateAccount(t, "buyer@acme.example", goodPassword)
	in.CreateAdmin(t, "ops", goodPassword)
	phone, laptop := in.Client(t), in.Client(t)
	phone.SignIn("buyer@acme.example", goodPassword)
	req, _ := http.NewRequest("GET", in.URL+"/login", nil)
	req.Header.Set("User-Agent", `Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 <script>alert(1)</script>`)
	laptop.Do(req)
	laptop.Post("/login", url.Values{"email": {"buyer@acme.example"}, "password": {goodPassword}})
	admin := in.Client(t)
	admin.AdminSignIn("ops", goodPassword)

	page := admin.Get("/admin/sessions")
	if page.StatusCode != http.StatusOK || strings.Count(page.Body, "buyer@acme.example") < 2 || !strings.Contains(page.Body, "ops") {
		t.Fatalf("sessions page: %d", page.StatusCode)
	}
	if strings.Contains(page.Body, "<script>alert(1)") {
		t.Error("user agent rendered unescaped")
	}
	sessions, _ := in.Store().ListSessions(context.Background(), store.KindCustomer, buyer.ID)
	if len(sessions) != 2 {
		t.Fatalf("%d customer sessions, want 2", len(sessions))
	}

	t.Run("EndOne", func(t *testing.T) {
		admin.Get("/admin/sessions")
		target := sessions[0].ID // the most recent: the laptop
		r := admin.Post(fmt.Sprintf("/admin/sessions/%d/end", target), nil)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/sessions?msg=ended" {
			t.Fatalf("end: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		if r := laptop.Get("/"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("ended session still served: %d", r.StatusCode)
		}
		if r := phone.Get("/"); r.StatusCode != http.StatusOK {
			t.Errorf("the other session was ended too: %d", r.StatusCode)
		}
		entries, _, _ := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: "session_ended"})
		if len(entries) != 1 || entries[0].ActorLabel != "ops" || entries[0].TargetLabel != "buyer@acme.example" {
			t.Errorf("audit = %+v", entries)
		}
	})
	t.Run("EndAllOfAnAccount", func(t *testing.T) {
		laptop.SignIn("buyer@acme.example", goodPassword)
		admin.Get("/admin/sessions")
		r := admin.Post("/admin/sessions/end-all", url.Values{"kind": {"customer"}, "principal": {fmt.Sprint(buyer.ID)}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("end all: %d", r.StatusCode)
		}
		for name, c := range map[string]*apptest.Client{"phone": phone, "laptop": laptop} {
			if r := c.Get("/"); r.StatusCode != http.StatusSeeOther {
				t.Errorf("%s still signed in: %d", name, r.StatusCode)
			}
		}
		if r := admin.Get("/admin/sessions"); r.StatusCode != http.StatusOK {
			t.Errorf("admin was signed out by ending a customer's sessions: %d", r.StatusCode)
		}
	})
	t.Run("BadInput", func(t *testing.T) {
		admin.Get("/admin/sessions")
		for path, form := range map[string]url.Values{
			"/admin/sessions/999999/end": nil, "/admin/sessions/abc/end": nil, "/admin/sessions/-1/end": nil,
			"/admin/sessions/end-all": {"kind": {"root"}, "principal": {"1"}},
		} {
			r := admin.Post(path, form)
			if r.StatusCode >= 500 {
				t.Errorf("%s: %d", path, r.StatusCode)
			}
		}
		if r := admin.Post("/admin/sessions/end-all", url.Values{"kind": {"customer"}, "principal": {"x"}}); r.StatusCode != http.StatusBadRequest {
			t.Errorf("malformed principal: %d, want 400", r.StatusCode)
		}
	})
	t.Run("OnlyAdmins", func(t *testing.T) {
		phone.SignIn("buyer@acme.example", goodPassword)
		if r := phone.Get("/admin/sessions"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("customer reached the sessions page: %d", r.StatusCode)
		}
		if r := in.Client(t).Get("/admin/sessions"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("anonymous reached the sessions page: %d", r.StatusCode)
		}
		if r := admin.Get("/admin/sessions/end-all"); r.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET on end-all: %d, want 405", r.StatusCode)
		}
		r := admin.PostRaw("/admin/sessions/end-all", url.Values{"kind": {"customer"}, "principal": {fmt.Sprint(buyer.ID)}},
			map[string]string{"Sec-Fetch-Site": "same-origin"})
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("end-all without a form token: %d, want 403", r.StatusCode)
		}
	})
}

// idleChanges returns the settings_changed entries, newest first, with
// their details decoded.
func idleChanges(t *testing.T, in *apptest.Instance) []map[string]any {
	t.Helper()
	entries, _, err := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: "settings_changed"})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range entries {
		d := map[string]any{}
		json.Unmarshal([]byte(e.Details), &d)
		d["actor"], d["target"] = e.ActorLabel, e.TargetID
		out = append(out, d)
	}
	return out
}

// idleHint is the sentence under an idle-timeout field ("Now 30 minutes: the
// default from PORTICO_SESSION_IDLE. …").
func idleHint(t *testing.T, body, kind string) string {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(doc.Find("#"+kind+"_idle-hint").Text()), " ")
}

func TestIdleTimeoutSetting(t *testing.T) {
	in := apptest.StartSQLite(t) // PORTICO_SESSION_IDLE is its default, 30m
	if in.App.Config.SessionIdle != 30*time.Minute {
		t.Fatalf("configured idle = %s; the test expects 30m", in.App.Config.SessionIdle)
	}
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	in.CreateAdmin(t, "ops", goodPassword)
	ctx := context.Background()
	admin := in.Client(t)
	admin.AdminSignIn("ops", goodPassword)

	t.Run("DefaultShown", func(t *testing.T) {
		r := admin.Get("/admin/sessions")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d", r.StatusCode)
		}
		if got := idleHint(t, r.Body, "customer"); !strings.HasPrefix(got, "Now 30 minutes: the default from PORTICO_SESSION_IDLE.") {
			t.Errorf("customer hint = %q", got)
		}
		if got := idleHint(t, r.Body, "admin"); !strings.HasPrefix(got, "Now 15 minutes: the default from PORTICO_ADMIN_SESSION_IDLE.") {
			t.Errorf("admin hint = %q", got)
		}
		if strings.Contains(r.Body, `name="reset"`) {
			t.Error("a return-to-default button is offered while the default applies")
		}
	})

	t.Run("BadValuesAre422AndStoreNothing", func(t *testing.T) {
		for _, tc := range []struct {
			name         string
			form         url.Values
			field, error string
		}{
			{"zero", url.Values{"customer_idle": {"0"}, "customer_unit": {"minutes"}}, "customer", "Choose between 5 minutes and 7 days."},
			{"negative", url.Values{"customer_idle": {"-10"}, "customer_unit": {"minutes"}}, "customer", "Enter a whole number, such as 30."},
			{"words", url.Values{"customer_idle": {"abc"}, "customer_unit": {"minutes"}}, "customer", "Enter a whole number, such as 30."},
			{"fraction", url.Values{"customer_idle": {"1.5"}, "customer_unit": {"hours"}}, "customer", "Enter a whole number, such as 30."},
			{"exponent", url.Values{"customer_idle": {"1e3"}, "customer_unit": {"minutes"}}, "customer", "Enter a whole number, such as 30."},
			{"empty", url.Values{"customer_idle": {" "}, "customer_unit": {"minutes"}}, "customer", "Enter how long a session may stay idle, between 5 minutes and 7 days."},
			{"below the minimum", url.Values{"customer_idle": {"4"}, "customer_unit": {"minutes"}}, "customer", "Choose between 5 minutes and 7 days."},
			{"100 days", url.Values{"customer_idle": {"100"}, "customer_unit": {"days"}}, "customer", "Choose between 5 minutes and 7 days."},
			{"huge", url.Values{"customer_idle": {"99999999999999999999999"}, "customer_unit": {"days"}}, "customer", "Choose between 5 minutes and 7 days."},
			{"overflowing minutes", url.Values{"customer_idle": {"9223372036854775807"}, "customer_unit": {"minutes"}}, "customer", "Choose between 5 minutes and 7 days."},
			{"unknown unit", url.Values{"customer_idle": {"10"}, "customer_unit": {"fortnights"}}, "customer", "Choose minutes, hours or days."},
			{"SQL", url.Values{"customer_idle": {"10'; DROP TABLE settings; --"}, "customer_unit": {"minutes"}}, "customer", "Enter a whole number, such as 30."},
			{"script", url.Values{"customer_idle": {`"><script>alert(1)</script>`}, "customer_unit": {"minutes"}}, "customer", "Enter a whole number, such as 30."},
			{"Go duration", url.Values{"customer_idle": {"10m"}, "customer_unit": {"minutes"}}, "customer", "Enter a whole number, such as 30."},
			{"admin over a day", url.Values{"admin_idle": {"25"}, "admin_unit": {"hours"}}, "admin", "Choose between 5 minutes and 24 hours."},
			{"admin two days", url.Values{"admin_idle": {"2"}, "admin_unit": {"days"}}, "admin", "Choose between 5 minutes and 24 hours."},
			{"good customer, bad admin: neither saved",
				url.Values{"customer_idle": {"10"}, "customer_unit": {"minutes"}, "admin_idle": {"0"}, "admin_unit": {"minutes"}}, "admin", "Choose between 5 minutes and 24 hours."},
			{"no field at all", url.Values{"something": {"else"}}, "", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				admin.Get("/admin/sessions")
				r := admin.Post("/admin/sessions/idle", tc.form)
				if r.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422", r.StatusCode)
				}
				doc, _ := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
				if tc.field != "" {
					if got := doc.Find("#" + tc.field + "_idle-error").Text(); got != tc.error {
						t.Errorf("message = %q, want %q", got, tc.error)
					}
					if doc.Find("#"+tc.field+"_idle").AttrOr("aria-invalid", "") != "true" {
						t.Error("the field is not marked invalid")
					}
				}
				if doc.Find(".alert-error").Length() != 1 {
					t.Error("no message for the whole form")
				}
				if strings.Contains(r.Body, "<script>alert(1)") {
					t.Error("the submitted value was echoed unescaped")
				}
				for _, key := range []string{auth.SettingCustomerIdle, auth.SettingAdminIdle} {
					if v, err := in.Store().Setting(ctx, key); err == nil {
						t.Errorf("%s stored as %q", key, v)
					}
				}
				if got := idleChanges(t, in); len(got) != 0 {
					t.Errorf("audited: %v", got)
				}
			})
		}
	})

	// Two customer sessions, both idle from here on, and one that stays busy.
	phone, laptop, busy := in.Client(t), in.Client(t), in.Client(t)
	for _, c := range []*apptest.Client{phone, laptop, busy} {
		if r := c.SignIn("buyer@acme.example", goodPassword); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in: %d", r.StatusCode)
		}
	}

	t.Run("SetTenMinutes", func(t *testing.T) {
		admin.Get("/admin/sessions")
		r := admin.Post("/admin/sessions/idle", url.Values{"customer_idle": {"10"}, "customer_unit": {"minutes"},
			"admin_idle": {"15"}, "admin_unit": {"minutes"}}) // the admin's default, unchanged
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/sessions?msg=idle_saved" {
			t.Fatalf("save: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		if v, err := in.Store().Setting(ctx, auth.SettingCustomerIdle); err != nil || v != "10m0s" {
			t.Errorf("stored %q, %v", v, err)
		}
		if _, err := in.Store().Setting(ctx, auth.SettingAdminIdle); err == nil {
			t.Error("the unchanged admin default was pinned as a setting")
		}
		page := admin.Get("/admin/sessions?msg=idle_saved")
		if got := idleHint(t, page.Body, "customer"); !strings.HasPrefix(got, "Now 10 minutes, set here. The default from PORTICO_SESSION_IDLE is 30 minutes.") {
			t.Errorf("customer hint = %q", got)
		}
		if !strings.Contains(page.Body, "Idle timeouts saved.") {
			t.Error("no confirmation")
		}
		got := idleChanges(t, in)
		if len(got) != 1 || got[0]["from"] != "30m0s" || got[0]["to"] != "10m0s" || got[0]["actor"] != "ops" || got[0]["target"] != auth.SettingCustomerIdle {
			t.Errorf("audit = %v", got)
		}
	})

	t.Run("SessionIdleElevenMinutesIsRefused", func(t *testing.T) {
		in.Clock.Advance(9 * time.Minute)
		if r := busy.Get("/"); r.StatusCode != http.StatusOK {
			t.Fatalf("busy session refused after 9 minutes: %d", r.StatusCode)
		}
		admin.Get("/admin/sessions") // the admin stays active too (15-minute timeout)
		in.Clock.Advance(2 * time.Minute)
		// phone and laptop have now been idle 11 minutes: past the saved 10,
		// within the configured 30.
		r := phone.Get("/")
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Errorf("session idle 11 minutes: %d %q, want a redirect to /login", r.StatusCode, r.Header.Get("Location"))
		}
		if r := busy.Get("/"); r.StatusCode != http.StatusOK {
			t.Errorf("session idle 2 minutes refused: %d", r.StatusCode)
		}
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(admin.Get("/admin/sessions").Body))
		if n := doc.Find("td.who:contains('buyer@acme.example')").Length(); n != 1 {
			t.Errorf("the list shows %d customer sessions, want only the busy one", n)
		}
	})

	t.Run("TheSweeperEndsIdleSessions", func(t *testing.T) {
		list, _ := in.Store().ListSessions(ctx, store.KindCustomer, 1)
		if len(list) != 2 {
			t.Fatalf("%d customer sessions before the sweep, want 2 (laptop, not yet swept, and busy)", len(list))
		}
		in.App.SweepOnce(ctx)
		list, _ = in.Store().ListSessions(ctx, store.KindCustomer, 1)
		if len(list) != 1 {
			t.Errorf("%d customer sessions after the sweep, want 1 (busy)", len(list))
		}
		if r := laptop.Get("/"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("swept session still served: %d", r.StatusCode)
		}
	})

	t.Run("BackToTheDefault", func(t *testing.T) {
		page := admin.Get("/admin/sessions")
		if !strings.Contains(page.Body, `name="reset" value="customer"`) {
			t.Fatal("no return-to-default button for the saved customer timeout")
		}
		r := admin.Post("/admin/sessions/idle", url.Values{"reset": {"customer"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/sessions?msg=idle_default" {
			t.Fatalf("reset: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		if got := idleHint(t, admin.Get("/admin/sessions").Body, "customer"); !strings.HasPrefix(got, "Now 30 minutes: the default from PORTICO_SESSION_IDLE.") {
			t.Errorf("after reset: %q", got)
		}
		got := idleChanges(t, in)
		if len(got) != 2 || got[0]["from"] != "10m0s" || got[0]["to"] != "30m0s" || got[0]["to_default"] != "PORTICO_SESSION_IDLE" {
			t.Errorf("audit = %v", got)
		}
		if r := admin.Post("/admin/sessions/idle", url.Values{"reset": {"root"}}); r.StatusCode != http.StatusBadRequest {
			t.Errorf("reset of an unknown kind: %d, want 400", r.StatusCode)
		}
	})

	t.Run("OnlyAdminsWithAFormToken", func(t *testing.T) {
		form := url.Values{"customer_idle": {"5"}, "customer_unit": {"minutes"}}
		// A customer or a visitor is refused: by the form token (bound to a
		// session of the admin area) or by the sign-in redirect.
		refused := func(r *apptest.Response) bool {
			return r.StatusCode == http.StatusForbidden ||
				r.StatusCode == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), "/admin/login")
		}
		busy.Get("/")
		if r := busy.Post("/admin/sessions/idle", form); !refused(r) {
			t.Errorf("customer: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		anon := in.Client(t)
		anon.Get("/admin/login")
		if r := anon.Post("/admin/sessions/idle", form); !refused(r) {
			t.Errorf("anonymous: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		r := admin.PostRaw("/admin/sessions/idle", form, map[string]string{"Sec-Fetch-Site": "same-origin"})
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("without a form token: %d, want 403", r.StatusCode)
		}
		r = admin.PostRaw("/admin/sessions/idle", url.Values{"customer_idle": {"5"}, "customer_unit": {"minutes"}, "csrf_token": {admin.LastCSRF}},
			map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site: %d, want 403", r.StatusCode)
		}
		if r := admin.Get("/admin/sessions/idle"); r.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET: %d, want 405", r.StatusCode)
		}
		if got := idleChanges(t, in); len(got) != 2 {
			t.Errorf("%d settings changes, want still 2", len(got))
		}
	})
}

// TestIdleTimeoutReachesOtherInstances runs two instances on one database:
// a timeout saved on A is enforced by B once B's cache of the settings
// (auth.IdleCacheFor) has run out, without a restart.
func TestIdleTimeoutReachesOtherInstances(t *testing.T) {
	for name, mk := range map[string]func(testing.TB) storetest.Target{"sqlite": storetest.SQLite, "postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			target := mk(t)
			fake := clock.NewFake(apptest.Epoch)
			a := apptest.Start(t, target, fake)
			b := apptest.Start(t, target, fake)
			a.CreateAccount(t, "buyer@acme.example", goodPassword)
			a.CreateAdmin(t, "ops", goodPassword)

			onB := b.Client(t)
			if r := onB.SignIn("buyer@acme.example", goodPassword); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-in on B: %d", r.StatusCode)
			}
			fake.Advance(11 * time.Minute)
			// B reads the settings now (the default, 30m) and caches them.
			if r := onB.Get("/"); r.StatusCode != http.StatusOK {
				t.Fatalf("B refused a session idle 11 minutes under the default 30: %d", r.StatusCode)
			}
			idleOnB := b.Client(t)
			idleOnB.SignIn("buyer@acme.example", goodPassword)

			admin := a.Client(t)
			admin.AdminSignIn("ops", goodPassword)
			admin.Get("/admin/sessions")
			if r := admin.Post("/admin/sessions/idle", url.Values{"customer_idle": {"10"}, "customer_unit": {"minutes"}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("save on A: %d", r.StatusCode)
			}
			// B's settings page reads the database, not the cache.
			adminB := b.Client(t)
			adminB.AdminSignIn("ops", goodPassword)
			if got := idleHint(t, adminB.Get("/admin/sessions").Body, "customer"); !strings.HasPrefix(got, "Now 10 minutes, set here.") {
				t.Errorf("B's page: %q", got)
			}

			fake.Advance(11 * time.Minute) // well past B's cache window
			if r := idleOnB.Get("/"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
				t.Errorf("B served a session idle 11 minutes after the timeout was set to 10 on A: %d", r.StatusCode)
			}
			if r := onB.Get("/"); r.StatusCode != http.StatusSeeOther {
				t.Errorf("B served the other idle session: %d", r.StatusCode)
			}
		})
	}
}
