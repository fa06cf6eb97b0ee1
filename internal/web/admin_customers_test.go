package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/erpdemo"
	"github.com/portico-dev/portico/internal/source/sourcetest"
	"github.com/portico-dev/portico/internal/store"
)

func TestAdminCustomers(t *testing.T) {
	in := gridApp(t, sourcetest.SQLite(t), 400)
	keys := erpdemo.CustomerKeys()
	in.CreateAdmin(t, "ops", goodPassword)
	in.CreateAccount(t, "a@acme.example", goodPassword, func(a *store.Account) { a.Scope = []string{keys[0]} })
	in.CreateAccount(t, "b@acme.example", goodPassword, func(a *store.Account) { a.Scope = []string{keys[0], keys[1]} })
	ctx := context.Background()
	in.Store().InTx(ctx, func(tx *store.Tx) error {
		return tx.UpsertCustomer(ctx, &store.Customer{Key: "LOCAL-1", DisplayName: `<img src=x onerror=alert(1)>`, PortalEnabled: true, CreatedAt: in.Clock.Now()})
	})
	customer := in.Client(t)
	customer.SignIn("a@acme.example", goodPassword)
	admin := in.Client(t)
	admin.AdminSignIn("ops", goodPassword)

	r := admin.Get("/admin/customers")
	if r.StatusCode != http.StatusOK || strings.Count(r.Body, `class="pill pill-on"`) < len(keys) {
		t.Fatalf("customers page: %d, %d customers on", r.StatusCode, strings.Count(r.Body, `class="pill pill-on"`))
	}
	if strings.Contains(r.Body, "<img src=x") {
		t.Error("customer name rendered unescaped")
	}
	if r := admin.Get("/admin/customers?q=" + url.QueryEscape(strings.ToUpper(keys[1]))); !strings.Contains(r.Body, ">1 customer") {
		t.Errorf("searching for one customer's full name did not narrow the list to it")
	}
	page := admin.Get("/admin/customers/" + url.PathEscape(keys[0]))
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "a@acme.example") || !strings.Contains(page.Body, "b@acme.example") {
		t.Errorf("customer page: %d", page.StatusCode)
	}
	if r := admin.Get("/admin/customers/" + url.PathEscape("No Such Customer")); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown customer: %d", r.StatusCode)
	}

	t.Run("AccessOffHidesDataAndBlocksSignIn", func(t *testing.T) {
		admin.Get("/admin/customers")
		r := admin.Post("/admin/customers/access", url.Values{"key": {keys[0]}, "name": {keys[0]}, "access": {"off"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("turn off: %d", r.StatusCode)
		}
		if r := customer.Get("/inventory/export.csv"); strings.Count(r.Body, "\n") != 1 {
			t.Errorf("signed-in customer still exports %d rows of a customer with access off", strings.Count(r.Body, "\n")-1)
		}
		if r := in.Client(t).SignIn("a@acme.example", goodPassword); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("account whose only customer is off signed in: %d", r.StatusCode)
		}
		if r := in.Client(t).SignIn("b@acme.example", goodPassword); r.StatusCode != http.StatusSeeOther {
			t.Errorf("account with another customer still on cannot sign in: %d", r.StatusCode)
		}
		entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "customer_access_changed"})
		if len(entries) != 1 || entries[0].TargetID != keys[0] {
			t.Errorf("audit: %+v", entries)
		}
		admin.Post("/admin/customers/access", url.Values{"key": {keys[0]}, "access": {"on"}})
		if r := in.Client(t).SignIn("a@acme.example", goodPassword); r.StatusCode != http.StatusSeeOther {
			t.Errorf("sign-in after access back on: %d", r.StatusCode)
		}
	})
	t.Run("BadInput", func(t *testing.T) {
		admin.Get("/admin/customers")
		for _, form := range []url.Values{{"key": {""}, "access": {"off"}}, {"key": {"X"}, "access": {"maybe"}}, {"key": {strings.Repeat("k", 500)}, "access": {"on"}}} {
			if r := admin.Post("/admin/customers/access", form); r.StatusCode != http.StatusBadRequest {
				t.Errorf("%v: %d, want 400", form, r.StatusCode)
			}
		}
	})
	t.Run("OnlyAdmins", func(t *testing.T) {
		if r := customer.Get("/admin/customers"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("customer: %d", r.StatusCode)
		}
		if r := customer.Post("/admin/customers/access", url.Values{"key": {keys[0]}, "access": {"off"}}); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusSeeOther {
			t.Errorf("customer posting access change: %d", r.StatusCode)
		}
	})
}
