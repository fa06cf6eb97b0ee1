package web_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/erpdemo"
	"github.com/portico-dev/portico/internal/store"
)

// BenchmarkClientPortalPages measures whole HTTP round trips of the
// client-portal pages for the demo's showcase customer, over the demo ERP
// on SQLite, once its snapshots are warm (the first request of a page reads
// the ERP; the rest are what a customer clicking around gets).
//
//	go test -run '^$' -bench ClientPortalPages -benchtime 200x ./internal/web/
func BenchmarkClientPortalPages(b *testing.B) {
	path := filepath.Join(b.TempDir(), "erp.db")
	if _, err := erpdemo.CreateSQLite(context.Background(), path, erpdemo.Options{InventoryRows: 2000, Anchor: apptest.Epoch}); err != nil {
		b.Fatal(err)
	}
	cat, err := catalog.Preset("demo", catalog.PresetOptions{DemoERPPath: path})
	if err != nil {
		b.Fatal(err)
	}
	in := apptest.StartWithCatalog(b, cat)
	in.CreateAccount(b, "a@acme.example", goodPassword, func(a *store.Account) { a.Scope = []string{erpdemo.CustomerKeys()[0]} })
	c := in.Client(b)
	if r := c.SignIn("a@acme.example", goodPassword); r.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in: %d", r.StatusCode)
	}
	project, invoice := firstHref(b, c, "/projects", "/projects/"), firstHref(b, c, "/invoices", "/invoices/")
	for _, p := range []struct{ name, path string }{
		{"Overview", "/"}, {"Projects", "/projects"}, {"Project", project}, {"Invoices", "/invoices"},
		{"Invoice", invoice}, {"InvoicePDF", invoice + ".pdf"}, {"TimeEntries", "/time-entries"},
		{"TimeEntriesCSV", "/time-entries/export.csv"},
	} {
		b.Run(p.name, func(b *testing.B) {
			c.Get(p.path) // warm
			b.ResetTimer()
			for range b.N {
				if r := c.Get(p.path); r.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", p.path, r.StatusCode)
				}
			}
		})
	}
}

// firstHref returns the first link on page whose address starts with prefix.
func firstHref(b *testing.B, c *apptest.Client, page, prefix string) string {
	b.Helper()
	body := c.Get(page).Body
	_, rest, ok := strings.Cut(body, `href="`+prefix)
	id, _, _ := strings.Cut(rest, `"`)
	if !ok || id == "" {
		b.Fatalf("no link to %s… on %s", prefix, page)
	}
	return prefix + id
}
