package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/portico-dev/portico/internal/store"
)

// navHrefs lists the customer navigation's links on a page.
func navHrefs(t *testing.T, body string) []string {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	doc.Find(`nav.mainnav a`).Each(func(_ int, a *goquery.Selection) { out = append(out, a.AttrOr("href", "")) })
	return out
}

func hasHref(list []string, href string) bool {
	for _, h := range list {
		if h == href {
			return true
		}
	}
	return false
}

func TestSectionsSwitchedOffPerCustomer(t *testing.T) {
	f := startInvoices(t)
	ctx := context.Background()
	f.in.CreateAccount(t, "ab@acme.example", goodPassword, func(a *store.Account) { a.Scope = []string{f.custA, f.custB} })
	f.in.CreateAdmin(t, "ops", goodPassword)
	admin := f.in.Client(t)
	admin.AdminSignIn("ops", goodPassword)
	inv, ok := f.in.App.Data.Inventory()
	if !ok {
		t.Fatal("the demo preset has no inventory")
	}
	inventory := "data/" + inv.Name
	custPage := "/admin/customers/" + url.PathEscape(f.custA)
	ownA, ownB := f.find(t, f.custA, "paid"), f.find(t, f.custB, "paid")

	a := f.client(t, "a@acme.example")
	ab := f.client(t, "ab@acme.example")
	b := f.client(t, "b@acme.example")

	page := admin.Get(custPage)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("customer page: %d", page.StatusCode)
	}
	for _, key := range []string{inventory, "projects", "invoices", "time_entries"} {
		if !strings.Contains(page.Body, `name="section" value="`+key+`" checked`) {
			t.Errorf("customer page does not show section %q switched on", key)
		}
	}
	if r := a.Get("/invoices"); r.StatusCode != http.StatusOK {
		t.Fatalf("invoices before switching off: %d", r.StatusCode)
	}

	save := func(t *testing.T, on ...string) {
		t.Helper()
		admin.Get(custPage)
		r := admin.Post(custPage+"/sections", url.Values{"section": on, "name": {f.custA}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save sections %v: %d %s", on, r.StatusCode, r.Body)
		}
	}

	t.Run("InvoicesOff", func(t *testing.T) {
		save(t, inventory, "projects", "time_entries")
		if r := admin.Get(custPage); !strings.Contains(r.Body, `name="section" value="invoices">`) {
			t.Error("customer page does not show invoices switched off")
		}
		home := a.Get("/")
		if hasHref(navHrefs(t, home.Body), "/invoices") {
			t.Error("navigation still links invoices switched off")
		}
		if !hasHref(navHrefs(t, home.Body), "/projects") {
			t.Error("navigation lost projects, which is still on")
		}
		if strings.Contains(home.Body, `data-figure="open-invoices"`) {
			t.Error("overview still shows invoice figures")
		}
		for _, u := range []string{"/invoices", "/invoices/" + ownA.ID, "/invoices/" + ownA.ID + ".pdf", "/invoices?status=unpaid"} {
			if r := a.Get(u); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s with invoices off: %d, want 404", u, r.StatusCode)
			}
		}
		// A project page lists no invoices either.
		projects := a.Get("/projects")
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(projects.Body))
		href, ok := doc.Find(`a[href^="/projects/"]`).First().Attr("href")
		if !ok {
			t.Fatal("no project to open")
		}
		if r := a.Get(href); r.StatusCode != http.StatusOK || strings.Contains(r.Body, `href="/invoices/`) {
			t.Errorf("project page with invoices off: %d, links an invoice: %v", r.StatusCode, strings.Contains(r.Body, `href="/invoices/`))
		}

		// An account that also sees custB keeps invoices, custB's only.
		list := ab.Get("/invoices")
		if list.StatusCode != http.StatusOK || !strings.Contains(list.Body, ownB.Number) || strings.Contains(list.Body, ownA.Number) {
			t.Errorf("two-customer account: %d, shows B's %v, shows A's %v", list.StatusCode, strings.Contains(list.Body, ownB.Number), strings.Contains(list.Body, ownA.Number))
		}
		if r := ab.Get("/invoices/" + ownA.ID); r.StatusCode != http.StatusNotFound {
			t.Errorf("two-customer account opens A's invoice with A's invoices off: %d", r.StatusCode)
		}
		if r := b.Get("/invoices/" + ownB.ID); r.StatusCode != http.StatusOK {
			t.Errorf("custB's own account: %d", r.StatusCode)
		}

		entries, _, err := f.in.Store().ListAudit(ctx, store.AuditFilter{Action: "customer_sections_changed"})
		if err != nil || len(entries) != 1 || entries[0].TargetID != f.custA || !strings.Contains(entries[0].Details, `"to":["invoices"]`) {
			t.Errorf("audit = %+v, %v", entries, err)
		}
	})

	t.Run("InventoryOff", func(t *testing.T) {
		save(t, "projects", "invoices", "time_entries")
		home := a.Get("/")
		if hasHref(navHrefs(t, home.Body), "/inventory") || strings.Contains(home.Body, `href="/inventory"`) {
			t.Error("inventory still linked with its section off")
		}
		for _, u := range []string{"/inventory", "/inventory/export.csv", "/inventory/export.xlsx", "/data/" + inv.Name} {
			if r := a.Get(u); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s with inventory off: %d, want 404", u, r.StatusCode)
			}
		}
		if r := a.Get("/invoices/" + ownA.ID); r.StatusCode != http.StatusOK {
			t.Errorf("invoices back on: %d", r.StatusCode)
		}
		// The two-customer account's export holds custB's rows only.
		exp := ab.Get("/inventory/export.csv")
		if exp.StatusCode != http.StatusOK || strings.Contains(exp.Body, f.custA) {
			t.Errorf("two-customer export with A's inventory off: %d, holds A's rows: %v", exp.StatusCode, strings.Contains(exp.Body, f.custA))
		}
	})

	t.Run("EverythingOff", func(t *testing.T) {
		save(t)
		home := a.Get("/")
		if nav := navHrefs(t, home.Body); len(nav) != 1 || nav[0] != "/" {
			t.Errorf("navigation with every section off = %v, want only the overview", nav)
		}
		for _, u := range []string{"/projects", "/time-entries", "/time-entries/export.csv"} {
			if r := a.Get(u); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", u, r.StatusCode)
			}
		}
		save(t, inventory, "projects", "invoices", "time_entries")
		if nav := navHrefs(t, a.Get("/").Body); len(nav) != 5 {
			t.Errorf("navigation with every section back on = %v", nav)
		}
	})

	t.Run("BadInput", func(t *testing.T) {
		admin.Get(custPage)
		if r := admin.Post(custPage+"/sections", url.Values{"section": {"projects", "data/nope"}}); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "section") {
			t.Errorf("unknown section: %d", r.StatusCode)
		}
		if r := admin.Post(custPage+"/sections", url.Values{"section": {"<script>alert(1)</script>"}}); r.StatusCode != http.StatusBadRequest || strings.Contains(r.Body, "<script>alert") {
			t.Errorf("hostile section: %d", r.StatusCode)
		}
		if r := admin.Get(custPage); !strings.Contains(r.Body, `value="invoices" checked`) {
			t.Error("a refused save changed the stored switches")
		}
		if r := a.Post(custPage+"/sections", url.Values{"section": {}}); r.StatusCode == http.StatusSeeOther || r.StatusCode == http.StatusOK {
			t.Errorf("a customer saved sections: %d", r.StatusCode)
		}
	})
}
