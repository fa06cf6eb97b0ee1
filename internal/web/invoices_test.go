package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"html"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/billing"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/erpdemo"
	"github.com/portico-dev/portico/internal/source"
	"github.com/portico-dev/portico/internal/store"
)

// erpInvoice is an invoice row as the demo ERP holds it.
type erpInvoice struct {
	ID, Customer, Number, Status, Due, Currency string
	Total, Paid                                 billing.Decimal
}

// visible reports whether the portal shows the invoice at all.
func (e erpInvoice) visible() bool { return e.Status != "draft" && e.Status != "cancelled" }

// invoiceFixture is a demo ERP (anchored at the fake clock's first day)
// with a few invoices of the first customer made deterministic, and the
// portal in front of it.
type invoiceFixture struct {
	in       *apptest.Instance
	erp      *sql.DB
	custA    string
	custB    string
	invoices []erpInvoice // every invoice of the ERP, after the edits
	dueToday erpInvoice   // custA's, unpaid, due on the first day
	partial  erpInvoice   // custA's, partially paid, due in the future
	hostile  erpInvoice   // custA's, with markup in its number and a line
}

const hostileNumber = `<img src=x onerror=alert(1)>"'&`
const hostileLine = `<script>alert("line")</script> & "quoted" 'text'`

func startInvoices(t *testing.T) *invoiceFixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "erp.db")
	if _, err := erpdemo.CreateSQLite(ctx, path, erpdemo.Options{InventoryRows: 50, Anchor: apptest.Epoch}); err != nil {
		t.Fatal(err)
	}
	erp, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { erp.Close() })
	keys := erpdemo.CustomerKeys()
	f := &invoiceFixture{erp: erp, custA: keys[0], custB: keys[1]}
	f.load(t)

	// Pick three of custA's open invoices and set them up: one due today,
	// one partially paid and not yet due, one with hostile text.
	var open []erpInvoice
	for _, inv := range f.invoices {
		if inv.Customer == f.custA && inv.visible() && inv.Status != "paid" {
			open = append(open, inv)
		}
	}
	if len(open) < 3 {
		t.Fatalf("the showcase customer has %d open invoices, want 3", len(open))
	}
	today := apptest.Epoch.Format(time.DateOnly)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := erp.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`UPDATE invoices SET status = 'sent', amount_paid = 0, due_date = ? WHERE invoice_id = ?`, today, open[0].ID)
	exec(`UPDATE invoices SET status = 'partially_paid', amount_paid = ROUND(total * 0.4, 2), due_date = ? WHERE invoice_id = ?`,
		apptest.Epoch.AddDate(0, 0, 40).Format(time.DateOnly), open[1].ID)
	exec(`UPDATE invoices SET number = ? WHERE invoice_id = ?`, hostileNumber, open[2].ID)
	exec(`UPDATE invoice_lines SET description = ? WHERE line_id = (SELECT MIN(line_id) FROM invoice_lines WHERE invoice_id = ?)`, hostileLine, open[2].ID)
	f.load(t)
	for _, inv := range f.invoices {
		switch inv.ID {
		case open[0].ID:
			f.dueToday = inv
		case open[1].ID:
			f.partial = inv
		case open[2].ID:
			f.hostile = inv
		}
	}

	cat, err := catalog.Preset("demo", catalog.PresetOptions{DemoERPPath: path})
	if err != nil {
		t.Fatal(err)
	}
	f.in = apptest.StartWithCatalog(t, cat)
	f.in.CreateAccount(t, "a@acme.example", goodPassword, func(a *store.Account) { a.Scope = []string{f.custA} })
	f.in.CreateAccount(t, "b@acme.example", goodPassword, func(a *store.Account) { a.Scope = []string{f.custB} })
	return f
}

func (f *invoiceFixture) load(t *testing.T) {
	t.Helper()
	rows, err := f.erp.Query(`SELECT invoice_id, customer, number, status, due_date, currency, CAST(total AS TEXT), CAST(amount_paid AS TEXT) FROM invoices ORDER BY invoice_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	f.invoices = nil
	for rows.Next() {
		var e erpInvoice
		var due any
		var total, paid string
		if err := rows.Scan(&e.ID, &e.Customer, &e.Number, &e.Status, &due, &e.Currency, &total, &paid); err != nil {
			t.Fatal(err)
		}
		switch d := due.(type) {
		case time.Time:
			e.Due = d.Format(time.DateOnly)
		case string:
			e.Due = d[:min(len(d), 10)]
		}
		if e.Total, err = billing.ParseDecimal(total); err != nil {
			t.Fatal(err)
		}
		if e.Paid, err = billing.ParseDecimal(paid); err != nil {
			t.Fatal(err)
		}
		f.invoices = append(f.invoices, e)
	}
}

// find returns an invoice of customer in status (any visible one for "").
func (f *invoiceFixture) find(t *testing.T, customer, status string) erpInvoice {
	t.Helper()
	for _, inv := range f.invoices {
		if inv.Customer == customer && (inv.Status == status || status == "" && inv.visible()) {
			return inv
		}
	}
	t.Fatalf("no %q invoice of %q in the demo ERP", status, customer)
	return erpInvoice{}
}

func (f *invoiceFixture) client(t *testing.T, email string) *apptest.Client {
	t.Helper()
	c := f.in.Client(t)
	if r := c.SignIn(email, goodPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", email, r.StatusCode)
	}
	return c
}

var requestRef = regexp.MustCompile(`<code>[^<]*</code>`)

func TestInvoiceIDsOutsideTheScopeAllGetTheSame404(t *testing.T) {
	f := startInvoices(t)
	a := f.client(t, "a@acme.example")
	own := f.find(t, f.custA, "paid")
	if r := a.Get("/invoices/" + own.ID); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, own.Number) {
		t.Fatalf("own invoice: %d", r.StatusCode)
	}
	ids := map[string]string{
		"AnotherCustomers": f.find(t, f.custB, "").ID,
		"Draft":            f.find(t, f.custA, "draft").ID,
		"Cancelled":        f.find(t, f.custA, "cancelled").ID,
		"Nonexistent":      "987654",
		"Malformed":        "abc%20OR%201=1",
		"Empty":            "%20",
		"Negative":         "-1",
	}
	var want string
	for name, id := range ids {
		for _, path := range []string{"/invoices/" + id, "/invoices/" + id + ".pdf"} {
			t.Run(name+strings.TrimPrefix(filepath.Ext(path), "."), func(t *testing.T) {
				r := a.Get(path)
				if r.StatusCode != http.StatusNotFound {
					t.Fatalf("%s: status %d, want 404", path, r.StatusCode)
				}
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("%s: Content-Type %q", path, ct)
				}
				body := requestRef.ReplaceAllString(r.Body, "<code>ref</code>")
				if want == "" {
					want = body
				} else if body != want {
					t.Errorf("%s: 404 body differs from the others", path)
				}
				for _, inv := range f.invoices {
					if inv.ID == id && strings.Contains(r.Body, html.EscapeString(inv.Number)) {
						t.Errorf("%s: the 404 names the invoice", path)
					}
				}
			})
		}
	}
	if !strings.Contains(want, "Page not found") {
		t.Errorf("404 page is not the error page: %.300s", want)
	}
}

func TestInvoicesRequireSignIn(t *testing.T) {
	f := startInvoices(t)
	c := f.in.Client(t)
	id := f.find(t, f.custA, "paid").ID
	for _, p := range []string{"/invoices", "/invoices?status=overdue", "/invoices/" + id, "/invoices/" + id + ".pdf"} {
		r := c.Get(p)
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Errorf("%s anonymously: %d to %q, want a redirect to /login", p, r.StatusCode, r.Header.Get("Location"))
		}
	}
}

// listed reads the invoices table and the tab counts of a list page.
func listed(t *testing.T, body string) (numbers []string, status map[string]string, counts map[string]string, doc *goquery.Document) {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	status, counts = map[string]string{}, map[string]string{}
	doc.Find("table.invoices-table tbody tr").Each(func(_ int, tr *goquery.Selection) {
		n := strings.TrimSpace(tr.Find("td").Eq(0).Text())
		numbers = append(numbers, n)
		status[n] = strings.TrimSpace(tr.Find(".status-badge").Text())
	})
	doc.Find(".invoice-tabs a").Each(func(_ int, a *goquery.Selection) {
		label := strings.TrimSpace(a.Contents().First().Text())
		counts[label] = strings.TrimSpace(a.Find(".count").Text())
	})
	return numbers, status, counts, doc
}

func TestInvoiceListHidesDraftsAndTotalsPerCurrency(t *testing.T) {
	f := startInvoices(t)
	a := f.client(t, "a@acme.example")
	r := a.Get("/invoices")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
	numbers, _, counts, doc := listed(t, r.Body)
	want := map[string]bool{}
	totals := map[string]billing.Decimal{}
	var hidden []erpInvoice
	for _, inv := range f.invoices {
		if inv.Customer != f.custA {
			continue
		}
		if !inv.visible() {
			hidden = append(hidden, inv)
			continue
		}
		want[inv.Number] = true
		totals[inv.Currency] += inv.Total
	}
	if len(hidden) < 2 || len(totals) < 2 {
		t.Fatalf("the showcase should have a draft, a cancelled invoice and two currencies: hidden %d, currencies %v", len(hidden), totals)
	}
	if len(numbers) != len(want) {
		t.Errorf("list shows %d invoices, want %d", len(numbers), len(want))
	}
	for _, n := range numbers {
		if !want[n] {
			t.Errorf("list shows %q, which is not a visible invoice of the customer", n)
		}
	}
	for _, inv := range hidden {
		if strings.Contains(r.Body, inv.Number) {
			t.Errorf("a %s invoice (%s) appears on the list", inv.Status, inv.Number)
		}
	}
	if got := counts["All"]; got != formatInt(len(want)) {
		t.Errorf("All tab counts %s, want %d (drafts and cancelled left out)", got, len(want))
	}
	t.Run("TotalsPerCurrency", func(t *testing.T) {
		rows := doc.Find(".invoice-totals tbody tr")
		if rows.Length() != len(totals) {
			t.Fatalf("%d total rows, want one per currency (%d)", rows.Length(), len(totals))
		}
		rows.Each(func(_ int, tr *goquery.Selection) {
			cur := strings.TrimSpace(tr.Find("th").Text())
			got := strings.TrimSpace(tr.Find("td").Eq(1).Text())
			exp := billing.Money{Amount: totals[cur], Currency: cur}.String()
			if got != exp {
				t.Errorf("%s total = %q, want %q", cur, got, exp)
			}
		})
	})
	t.Run("FilterTotalsFollowTheFilter", func(t *testing.T) {
		r := a.Get("/invoices?status=paid")
		numbers, status, _, doc := listed(t, r.Body)
		paid := map[string]billing.Decimal{}
		for _, inv := range f.invoices {
			if inv.Customer == f.custA && inv.Status == "paid" {
				paid[inv.Currency] += inv.Total
			}
		}
		for _, n := range numbers {
			if status[n] != "Paid" {
				t.Errorf("paid filter shows %s as %q", n, status[n])
			}
		}
		doc.Find(".invoice-totals tbody tr").Each(func(_ int, tr *goquery.Selection) {
			cur := strings.TrimSpace(tr.Find("th").Text())
			if got, exp := strings.TrimSpace(tr.Find("td").Eq(1).Text()), (billing.Money{Amount: paid[cur], Currency: cur}).String(); got != exp {
				t.Errorf("paid %s total = %q, want %q", cur, got, exp)
			}
		})
	})
	t.Run("Sort", func(t *testing.T) {
		r := a.Get("/invoices?sort=number")
		numbers, _, _, doc := listed(t, r.Body)
		for i := 1; i < len(numbers); i++ {
			if numbers[i-1] > numbers[i] && !strings.HasPrefix(numbers[i], "<") && !strings.HasPrefix(numbers[i-1], "<") {
				t.Errorf("sort=number: %q before %q", numbers[i-1], numbers[i])
			}
		}
		th := doc.Find(`th[aria-sort="ascending"]`)
		if th.Length() != 1 || !strings.Contains(th.Text(), "Invoice") {
			t.Errorf("the number column is not marked ascending")
		}
		if href, _ := th.Find("a").Attr("href"); href != "/invoices?sort=-number" {
			t.Errorf("clicking the sorted column asks for %q, want the reverse", href)
		}
	})
	t.Run("BadParametersAre400", func(t *testing.T) {
		for _, p := range []string{"status=nope", "sort=customer", "sort=-", "status=%3Cscript%3E"} {
			r := a.Get("/invoices?" + p)
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "alert-error") {
				t.Errorf("%s: status %d, want 400 with the problem explained", p, r.StatusCode)
			}
			if strings.Contains(r.Body, "<script>") {
				t.Errorf("%s: parameter echoed unescaped", p)
			}
		}
	})
	t.Run("AnotherCustomerSeesNone", func(t *testing.T) {
		b := f.client(t, "b@acme.example")
		r := b.Get("/invoices")
		for n := range want {
			if strings.Contains(r.Body, html.EscapeString(n)) {
				t.Fatalf("customer B's list shows A's invoice %s", n)
			}
		}
	})
}

func formatInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// detail fetches an invoice page and reads its status and amounts.
func detail(t *testing.T, c *apptest.Client, id string) (status string, amounts map[string]string, body string) {
	t.Helper()
	r := c.Get("/invoices/" + id)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("invoice %s: status %d", id, r.StatusCode)
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	amounts = map[string]string{}
	doc.Find(".amounts div").Each(func(_ int, d *goquery.Selection) {
		amounts[strings.TrimSpace(d.Find("dt").Text())] = strings.TrimSpace(d.Find("dd").Text())
	})
	return strings.TrimSpace(doc.Find("h1 .status-badge").Text()), amounts, r.Body
}

func TestInvoiceStatusFollowsTheClock(t *testing.T) {
	f := startInvoices(t)
	a := f.client(t, "a@acme.example")
	money := func(inv erpInvoice, d billing.Decimal) string {
		return billing.Money{Amount: d, Currency: inv.Currency}.String()
	}

	if st, am, _ := detail(t, a, f.dueToday.ID); st != "Unpaid" || am["Balance due"] != money(f.dueToday, f.dueToday.Total) {
		t.Errorf("due today: %q balance %q, want Unpaid and the whole total", st, am["Balance due"])
	}
	_, status, _, _ := listed(t, a.Get("/invoices").Body)
	if status[f.dueToday.Number] != "Unpaid" {
		t.Errorf("list shows the invoice due today as %q, want Unpaid", status[f.dueToday.Number])
	}
	if n, _, _, _ := listed(t, a.Get("/invoices?status=overdue").Body); contains(n, f.dueToday.Number) {
		t.Error("the invoice due today is under Overdue")
	}
	st, am, _ := detail(t, a, f.partial.ID)
	if st != "Partially paid" || am["Paid"] != money(f.partial, f.partial.Paid) || am["Balance due"] != money(f.partial, f.partial.Total-f.partial.Paid) {
		t.Errorf("partially paid: %q paid %q balance %q; want paid %s and balance %s", st, am["Paid"], am["Balance due"],
			money(f.partial, f.partial.Paid), money(f.partial, f.partial.Total-f.partial.Paid))
	}

	// A day later the invoice due yesterday is overdue. Sessions end after
	// half an hour idle, so sign in again.
	f.in.Clock.Advance(24 * time.Hour)
	a = f.client(t, "a@acme.example")
	if st, _, body := detail(t, a, f.dueToday.ID); st != "Overdue" || !strings.Contains(body, "1 day overdue") {
		t.Errorf("a day after the due date: %q, want Overdue, 1 day", st)
	}
	n, status, _, doc := listed(t, a.Get("/invoices?status=overdue").Body)
	if !contains(n, f.dueToday.Number) || status[f.dueToday.Number] != "Overdue" {
		t.Errorf("the invoice due yesterday is not listed as overdue: %v", n)
	}
	if doc.Find("tr.invoice-overdue").Length() != len(n) {
		t.Error("overdue rows are not highlighted")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestInvoiceHostileValuesAreEscaped(t *testing.T) {
	f := startInvoices(t)
	a := f.client(t, "a@acme.example")
	for _, p := range []string{"/invoices", "/invoices/" + f.hostile.ID} {
		r := a.Get(p)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", p, r.StatusCode)
		}
		if strings.Contains(r.Body, "<img src=x") || strings.Contains(r.Body, `<script>alert("line")`) {
			t.Errorf("%s: ERP value rendered unescaped", p)
		}
		if !strings.Contains(r.Body, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s: the hostile number is not shown escaped", p)
		}
		if !strings.Contains(r.Body, "Alder &amp; Finch") && p != "/invoices" {
			t.Errorf("%s: customer name not shown escaped", p)
		}
	}
	if r := a.Get("/invoices/" + f.hostile.ID); !strings.Contains(r.Body, "&lt;script&gt;alert(&#34;line&#34;)&lt;/script&gt;") {
		t.Error("the hostile line description is not shown escaped")
	}
	r := a.Get("/invoices/" + f.hostile.ID + ".pdf")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("PDF: %d", r.StatusCode)
	}
	cd := r.Header.Get("Content-Disposition")
	if !regexp.MustCompile(`^attachment; filename="invoice-[A-Za-z0-9._-]+\.pdf"$`).MatchString(cd) {
		t.Errorf("Content-Disposition %q is not a sanitised attachment name", cd)
	}
	if text := pdfText(t, []byte(r.Body)); !strings.Contains(text, hostileNumber) {
		t.Errorf("the PDF does not print the number as text: %.400s", text)
	}
}

func TestInvoicePDF(t *testing.T) {
	f := startInvoices(t)
	a := f.client(t, "a@acme.example")
	inv := f.partial
	r := a.Get("/invoices/" + inv.ID + ".pdf")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
	for h, want := range map[string]string{
		"Content-Type":        "application/pdf",
		"Content-Disposition": `attachment; filename="invoice-` + inv.Number + `.pdf"`,
		"Cache-Control":       "no-store",
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	text := pdfText(t, []byte(r.Body))
	total := inv.Total.Format(billing.CurrencyDecimals(inv.Currency))
	balance := (inv.Total - inv.Paid).Format(billing.CurrencyDecimals(inv.Currency))
	for _, want := range []string{inv.Number, total, balance, "Acme Warehousing", f.custA, "PARTIALLY PAID"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%.600s", want, text)
		}
	}
	t.Run("Audited", func(t *testing.T) {
		entries, _, err := f.in.Store().ListAudit(context.Background(), store.AuditFilter{Action: "data_exported"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Fatalf("%d export entries, want 1", len(entries))
		}
		e := entries[0]
		var details map[string]any
		json.Unmarshal([]byte(e.Details), &details)
		if e.ActorKind != store.KindCustomer || e.ActorLabel != "a@acme.example" || e.TargetID != inv.ID ||
			details["invoice"] != inv.Number || details["format"] != "pdf" {
			t.Errorf("audit entry %+v details %s", e, e.Details)
		}
	})
	t.Run("PageLinksToIt", func(t *testing.T) {
		_, _, body := detail(t, a, inv.ID)
		if !strings.Contains(body, `href="/invoices/`+inv.ID+`.pdf"`) || !strings.Contains(body, "Download PDF") {
			t.Error("the invoice page has no Download PDF link")
		}
	})
}

// pdfText returns the strings a PDF draws, one a line.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	return strings.Join(pdfPages(t, b), "")
}

func TestInvoicesWhenTheSourceIsDown(t *testing.T) {
	cat, err := catalog.Preset("demo", catalog.PresetOptions{DemoERPPath: "unused.db"})
	if err != nil {
		t.Fatal(err)
	}
	cat.Sources[0] = source.Config{Name: cat.Sources[0].Name, Driver: "postgres", DSN: "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"}
	in := apptest.StartWithCatalog(t, cat)
	in.CreateAccount(t, "all@acme.example", goodPassword, func(a *store.Account) { a.AllCustomers = true; a.Scope = nil })
	c := in.Client(t)
	c.SignIn("all@acme.example", goodPassword)
	if r := c.Get("/invoices"); r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.Body, "Invoices are unavailable right now") {
		t.Errorf("list while down: %d", r.StatusCode)
	}
	for _, p := range []string{"/invoices/1", "/invoices/1.pdf"} {
		if r := c.Get(p); r.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s while down: %d", p, r.StatusCode)
		}
	}
}

func TestInvoicesNotConfiguredIs404(t *testing.T) {
	path := filepath.Join(t.TempDir(), "erp.db")
	if _, err := erpdemo.CreateSQLite(context.Background(), path, erpdemo.Options{InventoryRows: 50, Anchor: apptest.Epoch}); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Preset("demo", catalog.PresetOptions{DemoERPPath: path})
	if err != nil {
		t.Fatal(err)
	}
	var roles []*catalog.RoleDataset
	for _, d := range cat.Roles {
		if d.Role != catalog.RoleInvoices && d.Role != catalog.RoleInvoiceLines {
			roles = append(roles, d)
		}
	}
	cat.Roles = roles
	in := apptest.StartWithCatalog(t, cat)
	in.CreateAccount(t, "all@acme.example", goodPassword, func(a *store.Account) { a.AllCustomers = true; a.Scope = nil })
	c := in.Client(t)
	c.SignIn("all@acme.example", goodPassword)
	for _, p := range []string{"/invoices", "/invoices/1", "/invoices/1.pdf"} {
		if r := c.Get(p); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s without an invoices dataset: %d, want 404", p, r.StatusCode)
		}
	}
	if r := c.Get("/"); strings.Contains(r.Body, `href="/invoices"`) {
		t.Error("navigation offers Invoices without an invoices dataset")
	}
}
