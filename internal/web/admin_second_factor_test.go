package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/store"
)

func TestSecondFactorRequirementsAndResets(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		ctx := context.Background()
		a := in.CreateAccount(t, "a@acme.example", goodPassword, func(x *store.Account) { x.Scope = []string{"ACME"} })
		in.CreateAccount(t, "b@beta.example", goodPassword, func(x *store.Account) { x.Scope = []string{"BETA"} })
		in.CreateAccount(t, "ab@both.example", goodPassword, func(x *store.Account) { x.Scope = []string{"ACME", "BETA"} })
		ops := in.CreateAdmin(t, "ops", goodPassword)
		other := in.CreateAdmin(t, "other", goodPassword)
		admin := in.Client(t)
		admin.AdminSignIn("ops", goodPassword)
		secondStep := func(t *testing.T, login string) string {
			t.Helper()
			return in.Client(t).SignIn(login, goodPassword).Header.Get("Location")
		}

		// Nothing is required yet.
		if got := secondStep(t, "a@acme.example"); got != "/" {
			t.Fatalf("before any requirement: sent to %q", got)
		}

		// Per customer: ACME's accounts, including one that also sees BETA.
		page := admin.Get("/admin/customers/ACME")
		if !strings.Contains(page.Body, "Not required") {
			t.Error("customer page does not show the requirement off")
		}
		if r := admin.Post("/admin/customers/ACME/second-factor", url.Values{"require": {"on"}, "name": {"Acme"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("require for ACME: %d", r.StatusCode)
		}
		for login, want := range map[string]string{"a@acme.example": "/login/verify", "ab@both.example": "/login/verify", "b@beta.example": "/"} {
			if got := secondStep(t, login); got != want {
				t.Errorf("%s with ACME requiring it: sent to %q, want %q", login, got, want)
			}
		}
		if r := admin.Post("/admin/customers/ACME/second-factor", url.Values{"require": {"maybe"}}); r.StatusCode != http.StatusBadRequest {
			t.Errorf("bad value: %d", r.StatusCode)
		}
		admin.Get("/admin/customers/ACME")
		admin.Post("/admin/customers/ACME/second-factor", url.Values{"require": {"off"}})
		if got := secondStep(t, "a@acme.example"); got != "/" {
			t.Errorf("after ACME stops requiring it: %q", got)
		}

		// Globally, from the security settings page, audited.
		admin.Get("/admin/settings/security")
		if r := admin.Post("/admin/settings/security", url.Values{"form": {"second_factor"}, "require_customers": {"on"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save security settings: %d", r.StatusCode)
		}
		if got := secondStep(t, "b@beta.example"); got != "/login/verify" {
			t.Errorf("every customer required: b sent to %q", got)
		}
		if entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "settings_changed"}); len(entries) == 0 ||
			!strings.Contains(entries[0].Details, auth.SettingRequireCustomers) {
			t.Errorf("requirement change not audited: %+v", entries)
		}
		if r := admin.Post("/admin/settings/security", url.Values{"require_customers": {"on"}}); r.StatusCode != http.StatusBadRequest {
			t.Errorf("a form without its marker: %d", r.StatusCode)
		}

		// Admins: enroll the other admin, then reset it from the admins page.
		admin.Get("/admin/settings/security")
		admin.Post("/admin/settings/security", url.Values{"form": {"second_factor"}, "require_admins": {"on"}, "require_customers": {"on"}})
		oc := in.Client(t)
		enrollAtSignIn(t, in, oc, func() *apptest.Response { return oc.AdminSignIn("other", goodPassword) }, "/admin/login/verify")
		list := admin.Get("/admin/admins")
		if !strings.Contains(list.Body, "/admin/admins/"+strconv.FormatInt(other.ID, 10)+"/second-factor/reset") {
			t.Fatal("admins page offers no reset for an enrolled admin")
		}
		if r := admin.Post("/admin/admins/"+strconv.FormatInt(ops.ID, 10)+"/second-factor/reset", nil); r.StatusCode != http.StatusBadRequest {
			t.Errorf("resetting your own second factor from the admins page: %d", r.StatusCode)
		}
		if r := admin.Post("/admin/admins/"+strconv.FormatInt(other.ID, 10)+"/second-factor/reset", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("reset: %d", r.StatusCode)
		}
		if _, err := in.Store().SecondFactorOf(ctx, store.KindAdmin, other.ID); err == nil {
			t.Error("the second factor is still stored after the reset")
		}
		if entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "second_factor_reset"}); len(entries) != 1 || entries[0].TargetID != strconv.FormatInt(other.ID, 10) {
			t.Errorf("reset audit: %+v", entries)
		}
		// Required, so they set it up again at the next sign-in.
		if r := in.Client(t).AdminSignIn("other", goodPassword); r.Header.Get("Location") != "/admin/login/verify" {
			t.Errorf("after the reset: sent to %q", r.Header.Get("Location"))
		}
		if r := admin.Post("/admin/admins/999999/second-factor/reset", nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("unknown admin: %d", r.StatusCode)
		}

		// A customer account's reset, from its page.
		ac := in.Client(t)
		enrollAtSignIn(t, in, ac, func() *apptest.Response { return ac.SignIn("a@acme.example", goodPassword) }, "/login/verify")
		acctPage := "/admin/accounts/" + strconv.FormatInt(a.ID, 10)
		if r := admin.Get(acctPage); !strings.Contains(r.Body, "On since") {
			t.Error("account page does not show two-step sign-in on")
		}
		if r := admin.Post(acctPage+"/second-factor/reset", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("account reset: %d", r.StatusCode)
		}
		if r := admin.Get(acctPage + "?msg=second_factor_reset"); !strings.Contains(r.Body, "Two-step sign-in was reset") || !strings.Contains(r.Body, "<dd>Off</dd>") {
			t.Error("account page after the reset")
		}
		// Customers cannot reach any of it.
		if r := ac.Post(acctPage+"/second-factor/reset", nil); r.StatusCode == http.StatusSeeOther && !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
			t.Errorf("a customer reset a second factor: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
	})
}
