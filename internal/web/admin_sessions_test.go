package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/store"
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
