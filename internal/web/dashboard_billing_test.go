package web_test

import (
	"context"
	"html"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/billing"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/erpdemo"
	"github.com/portico-dev/portico/internal/source"
	"github.com/portico-dev/portico/internal/store"
)

// dashboardDoc signs c's page / into a document, failing on anything but 200.
func dashboardDoc(t *testing.T, c *apptest.Client) (*goquery.Document, string) {
	t.Helper()
	r := c.Get("/")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", r.StatusCode)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return doc, r.Body
}

func text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

func TestDashboardShowsTheBillingFiguresBillingComputes(t *testing.T) {
	f := startInvoices(t)
	ctx := context.Background()
	a := f.client(t, "a@acme.example")
	doc, body := dashboardDoc(t, a)

	acct, err := f.in.App.Store.AccountByLogin(ctx, "a@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	sections, err := f.in.App.Data.SectionsOf(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	book := f.in.App.Data.Book(acct, sections, billing.Today(f.in.Clock.Now(), f.in.App.Config.Location))
	sum, err := book.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Projects == nil || sum.Invoices == nil || sum.Time == nil || len(sum.Unavailable) > 0 {
		t.Fatalf("demo summary is incomplete: %+v", sum)
	}
	figure := func(name string) string { return text(doc.Find(`[data-figure="` + name + `"]`)) }
	checks := map[string]string{
		"active-projects":  billingCount(sum.Projects.Active),
		"open-invoices":    billingCount(sum.Invoices.OpenCount),
		"hours-this-month": sum.Time.ThisMonth.Hours.Format(2),
		"hours-last-month": sum.Time.LastMonth.Hours.Format(2),
	}
	for name, want := range checks {
		if got := figure(name); got != want {
			t.Errorf("%s: page shows %q, billing computes %q", name, got, want)
		}
	}
	if len(sum.Invoices.Open) == 0 {
		t.Fatal("the showcase customer has no open invoices")
	}
	for _, tot := range sum.Invoices.Open {
		p := doc.Find(`.dash-amount[data-currency="` + tot.Currency + `"]`)
		if got, want := text(p.Find(".dash-open")), tot.Money(tot.Balance).String(); got != want {
			t.Errorf("%s balance due: %q, want %q", tot.Currency, got, want)
		}
		over := p.Find(".overdue-amount")
		if tot.OverdueCount > 0 {
			if got, want := text(over), tot.Money(tot.Overdue).String()+" overdue"; got != want {
				t.Errorf("%s overdue: %q, want %q", tot.Currency, got, want)
			}
		} else if over.Length() != 0 {
			t.Errorf("%s: overdue shown with nothing overdue", tot.Currency)
		}
	}

	// Recent invoices: number linking to the invoice, due date, status, balance.
	rows := doc.Find("table.dash-invoices tbody tr")
	if rows.Length() != len(sum.Invoices.Recent) || rows.Length() == 0 {
		t.Fatalf("recent invoices: %d rows, billing has %d", rows.Length(), len(sum.Invoices.Recent))
	}
	rows.Each(func(i int, tr *goquery.Selection) {
		inv := sum.Invoices.Recent[i]
		link := tr.Find("td").Eq(0).Find("a")
		if href, _ := link.Attr("href"); href != "/invoices/"+inv.ID || text(link) != inv.Number {
			t.Errorf("row %d: link %q %q, want %s", i, href, text(link), inv.Number)
		}
		if got := text(tr.Find("td").Eq(1)); got != inv.DueDate.String() {
			t.Errorf("row %d due: %q, want %s", i, got, inv.DueDate)
		}
		if tr.Find(".status-badge").Length() != 1 {
			t.Errorf("row %d has no status badge", i)
		}
		if got, want := text(tr.Find("td").Eq(3)), inv.Amount(inv.Balance).String(); got != want {
			t.Errorf("row %d balance: %q, want %q", i, got, want)
		}
	})
	entries := doc.Find("table.dash-entries tbody tr")
	if entries.Length() != len(sum.Time.Recent) || entries.Length() == 0 {
		t.Fatalf("recent entries: %d rows, billing has %d", entries.Length(), len(sum.Time.Recent))
	}
	entries.Each(func(i int, tr *goquery.Selection) {
		e := sum.Time.Recent[i]
		if got := text(tr.Find("td").Eq(0)); got != e.Date.String() {
			t.Errorf("entry %d date: %q, want %s", i, got, e.Date)
		}
		if got := text(tr.Find("td").Eq(2)); got != e.Hours.Format(2) {
			t.Errorf("entry %d hours: %q, want %s", i, got, e.Hours.Format(2))
		}
	})
	if doc.Find(".dash-asof time").Length() != 1 {
		t.Error("no as-of time for the billing data")
	}
	if doc.Find("#inv-h").Length() != 1 || !strings.Contains(body, "Stock lines") {
		t.Error("the inventory figures are gone")
	}

	// Drafts and cancelled invoices never appear.
	for _, inv := range f.invoices {
		if inv.Customer == f.custA && !inv.visible() && strings.Contains(body, ">"+html.EscapeString(inv.Number)+"<") {
			t.Errorf("%s invoice %s appears on the dashboard", inv.Status, inv.Number)
		}
	}
}

// billingCount formats a count as the page does; the demo's counts are
// below a thousand, so without grouping.
func billingCount(n int) string { return strconv.Itoa(n) }

func TestDashboardWithoutRolesHasNoBillingSections(t *testing.T) {
	path := filepath.Join(t.TempDir(), "erp.db")
	if _, err := erpdemo.CreateSQLite(context.Background(), path, erpdemo.Options{InventoryRows: 50, Anchor: apptest.Epoch}); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Preset("demo", catalog.PresetOptions{DemoERPPath: path})
	if err != nil {
		t.Fatal(err)
	}
	cat.Roles = nil // inventory only
	in := apptest.StartWithCatalog(t, cat)
	in.CreateAccount(t, "plain@acme.example", goodPassword, func(a *store.Account) { a.Scope = []string{erpdemo.CustomerKeys()[0]} })
	c := in.Client(t)
	c.SignIn("plain@acme.example", goodPassword)
	doc, body := dashboardDoc(t, c)
	if doc.Find(".dash-billing, #recent-inv-h, #recent-time-h").Length() != 0 || strings.Contains(body, "Open invoices") || strings.Contains(body, "/invoices/") {
		t.Error("the overview shows client-portal sections without any role dataset")
	}
	if !strings.Contains(body, "Stock lines") {
		t.Error("the inventory figures are missing")
	}
}

func TestDashboardWhenBillingSourceIsDown(t *testing.T) {
	cat, err := catalog.Preset("demo", catalog.PresetOptions{DemoERPPath: "unused.db"})
	if err != nil {
		t.Fatal(err)
	}
	cat.Sources[0] = source.Config{Name: cat.Sources[0].Name, Driver: "postgres", DSN: "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"}
	in := apptest.StartWithCatalog(t, cat)
	in.CreateAccount(t, "all@acme.example", goodPassword, func(a *store.Account) { a.AllCustomers = true; a.Scope = nil })
	c := in.Client(t)
	c.SignIn("all@acme.example", goodPassword)
	doc, body := dashboardDoc(t, c)
	if !strings.Contains(body, "Invoices are unavailable right now") {
		t.Error("no unavailable note for invoices")
	}
	if doc.Find("#acct-h").Length() != 1 {
		t.Error("the rest of the overview is gone")
	}
}
