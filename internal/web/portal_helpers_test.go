package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/billing"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/erpdemo"
	"github.com/portico-dev/portico/internal/invoicepdf/pdftext"
	"github.com/portico-dev/portico/internal/source/sourcetest"
	"github.com/portico-dev/portico/internal/store"
)

// demoPortal is Portico in front of the demo ERP on one engine, anchored
// at the fake clock's first day, with a@acme.example signed up for the
// showcase customer (A) and b@acme.example for the second customer (B).
// The ERP's rows are read back raw, so the tests check the pages against
// the tables rather than against billing's own arithmetic.
type demoPortal struct {
	in           *apptest.Instance
	db           sourcetest.DB
	custA, custB string
	invoices     []rawInvoice
	lines        map[string][]string // line descriptions per invoice id, in line order
	projects     []rawProject
	entries      []rawEntry
}

// rawInvoice is an invoice row as the ERP holds it.
type rawInvoice struct {
	ID, Customer, Number, Status, Issue, Due, Currency, Project string
	Total, Paid                                                 billing.Decimal
}

// visible reports whether the portal may show the invoice at all.
func (v rawInvoice) visible() bool {
	switch v.Status {
	case "paid", "sent", "partially_paid", "overdue":
		return true
	}
	return false
}

// unpaid reports whether the invoice is open (partially paid included).
func (v rawInvoice) unpaid() bool { return v.visible() && v.Status != "paid" }

// balance is what is still due: nothing on a paid invoice, never below zero.
func (v rawInvoice) balance() billing.Decimal {
	if !v.unpaid() {
		return 0
	}
	return max(v.Total-v.Paid, 0)
}

// overdue reports whether the invoice is open and was due before today.
func (v rawInvoice) overdue(today string) bool { return v.unpaid() && v.Due < today }

func (v rawInvoice) money(d billing.Decimal) string {
	return billing.Money{Amount: d, Currency: v.Currency}.String()
}

// rawProject is a project row.
type rawProject struct {
	ID, Customer, Name, Status string
}

// rawEntry is a time entry row.
type rawEntry struct {
	ID, Customer, Project, Date, Description, Person string
	Hours                                            billing.Decimal
	Billable                                         bool
}

// demoSetup says how to build a demoPortal.
type demoSetup struct {
	open func(testing.TB) sourcetest.DB
	// edit changes the ERP after it is written and before Portico reads it.
	edit func(t *testing.T, p *demoPortal)
	opts []apptest.Option
}

// startDemoPortal writes the demo ERP into a fresh database of the setup's
// engine (SQLite by default), applies the edits, and starts Portico on it
// with the demo preset, its source pointed at that database.
func startDemoPortal(t *testing.T, s demoSetup) *demoPortal {
	t.Helper()
	if s.open == nil {
		s.open = sourcetest.SQLite
	}
	db := s.open(t)
	keys := erpdemo.CustomerKeys()
	p := &demoPortal{db: db, custA: keys[0], custB: keys[1]}
	if err := erpdemo.Write(context.Background(), db.Writer, db.Name, erpdemo.Options{InventoryRows: 50, Anchor: apptest.Epoch}); err != nil {
		t.Fatalf("write the demo ERP (%s): %v", db.Name, err)
	}
	if s.edit != nil {
		p.read(t)
		s.edit(t, p)
	}
	p.read(t)
	p.in = p.start(t, s.opts...)
	return p
}

// start starts a Portico instance on the portal's ERP with the demo
// preset, its source pointed at that database (as an operator would write
// it, the connection string in the environment), and signs up a@ and b@.
// A second instance on the same ERP can differ in its options, such as
// the time zone.
func (p *demoPortal) start(t *testing.T, opts ...apptest.Option) *apptest.Instance {
	t.Helper()
	text := fmt.Sprintf("preset = \"demo\"\n\n[[source]]\nname = \"demo\"\ndriver = %q\ndsn_env = \"PORTICO_TEST_ERP_DSN\"\n", p.db.Name)
	cat, err := catalog.Parse("datasets.toml", []byte(text), func(k string) (string, bool) {
		if k == "PORTICO_TEST_ERP_DSN" {
			return p.db.Config.DSN, true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	in := apptest.StartWithCatalog(t, cat, opts...)
	in.CreateAccount(t, "a@acme.example", goodPassword, func(a *store.Account) { a.Scope = []string{p.custA} })
	in.CreateAccount(t, "b@acme.example", goodPassword, func(a *store.Account) { a.Scope = []string{p.custB} })
	return in
}

// exec runs a statement on the ERP; ? placeholders become $N on PostgreSQL.
func (p *demoPortal) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := p.db.Writer.Exec(p.placeholders(q), args...); err != nil {
		t.Fatalf("%s: %s: %v", p.db.Name, q, err)
	}
}

func (p *demoPortal) placeholders(q string) string {
	if p.db.Name != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// read loads the client-portal tables. Only plain SELECTs, and values
// normalised in Go, so the same code reads every engine.
func (p *demoPortal) read(t *testing.T) {
	t.Helper()
	query := func(q string, scan func(rows *sql.Rows) error) {
		t.Helper()
		rows, err := p.db.Writer.Query(q)
		if err != nil {
			t.Fatalf("%s: %s: %v", p.db.Name, q, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				t.Fatalf("%s: %s: %v", p.db.Name, q, err)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	p.invoices, p.projects, p.entries, p.lines = nil, nil, nil, map[string][]string{}
	query(`SELECT invoice_id, customer, number, status, issue_date, due_date, currency, total, amount_paid, project_id FROM invoices ORDER BY invoice_id`,
		func(rows *sql.Rows) error {
			var v rawInvoice
			var id int64
			var project sql.NullInt64
			var issue, due, total, paid any
			if err := rows.Scan(&id, &v.Customer, &v.Number, &v.Status, &issue, &due, &v.Currency, &total, &paid, &project); err != nil {
				return err
			}
			v.ID, v.Issue, v.Due = strconv.FormatInt(id, 10), dayOf(issue), dayOf(due)
			if project.Valid {
				v.Project = strconv.FormatInt(project.Int64, 10)
			}
			v.Total, v.Paid = decimalOf(t, total), decimalOf(t, paid)
			p.invoices = append(p.invoices, v)
			return nil
		})
	query(`SELECT invoice_id, description FROM invoice_lines ORDER BY line_id`, func(rows *sql.Rows) error {
		var id int64
		var desc string
		if err := rows.Scan(&id, &desc); err != nil {
			return err
		}
		k := strconv.FormatInt(id, 10)
		p.lines[k] = append(p.lines[k], desc)
		return nil
	})
	query(`SELECT project_id, customer, name, status FROM projects ORDER BY project_id`, func(rows *sql.Rows) error {
		var v rawProject
		var id int64
		if err := rows.Scan(&id, &v.Customer, &v.Name, &v.Status); err != nil {
			return err
		}
		v.ID = strconv.FormatInt(id, 10)
		p.projects = append(p.projects, v)
		return nil
	})
	query(`SELECT entry_id, customer, project_id, work_date, hours, description, person, CASE WHEN billable THEN 1 ELSE 0 END FROM time_entries ORDER BY entry_id`,
		func(rows *sql.Rows) error {
			var v rawEntry
			var id, project, billable int64
			var date, hours any
			var desc sql.NullString
			if err := rows.Scan(&id, &v.Customer, &project, &date, &hours, &desc, &v.Person, &billable); err != nil {
				return err
			}
			v.ID, v.Project, v.Date, v.Description = strconv.FormatInt(id, 10), strconv.FormatInt(project, 10), dayOf(date), desc.String
			v.Hours, v.Billable = decimalOf(t, hours), billable != 0
			p.entries = append(p.entries, v)
			return nil
		})
}

// dayOf reads a DATE as YYYY-MM-DD, whatever Go type the driver gives.
func dayOf(v any) string {
	switch d := v.(type) {
	case time.Time:
		return d.Format(time.DateOnly)
	case string:
		return d[:min(len(d), 10)]
	case []byte:
		return string(d[:min(len(d), 10)])
	}
	return ""
}

// decimalOf reads a NUMERIC or REAL exactly, whatever Go type the driver
// gives (SQLite's REAL is a float64; exact decimals come as text).
func decimalOf(t *testing.T, v any) billing.Decimal {
	t.Helper()
	var d billing.Decimal
	var err error
	switch n := v.(type) {
	case float64:
		d, err = billing.DecimalFromFloat(n)
	case int64:
		d, err = billing.ParseDecimal(strconv.FormatInt(n, 10))
	case string:
		d, err = billing.ParseDecimal(n)
	case []byte:
		d, err = billing.ParseDecimal(string(n))
	default:
		err = fmt.Errorf("unexpected %T", v)
	}
	if err != nil {
		t.Fatalf("number %v: %v", v, err)
	}
	return d
}

// today is the fake clock's day in UTC, as the demo's dates are.
func (p *demoPortal) today() string { return p.in.Clock.Now().UTC().Format(time.DateOnly) }

// invoicesOf returns a customer's invoices that pass keep.
func (p *demoPortal) invoicesOf(customer string, keep func(rawInvoice) bool) []rawInvoice {
	var out []rawInvoice
	for _, v := range p.invoices {
		if v.Customer == customer && keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// invoice returns the first invoice of a customer that passes keep.
func (p *demoPortal) invoice(t *testing.T, customer string, keep func(rawInvoice) bool) rawInvoice {
	t.Helper()
	list := p.invoicesOf(customer, keep)
	if len(list) == 0 {
		t.Fatalf("the demo ERP has no such invoice of %q", customer)
	}
	return list[0]
}

func (p *demoPortal) projectsOf(customer string) []rawProject {
	var out []rawProject
	for _, v := range p.projects {
		if v.Customer == customer {
			out = append(out, v)
		}
	}
	return out
}

func (p *demoPortal) project(id string) rawProject {
	for _, v := range p.projects {
		if v.ID == id {
			return v
		}
	}
	return rawProject{}
}

// busiestProject is customer A's project with the most visible invoices,
// then the most time entries.
func (p *demoPortal) busiestProject(t *testing.T) rawProject {
	t.Helper()
	list := p.projectsOf(p.custA)
	score := func(pr rawProject) (int, int) {
		return len(p.invoicesOf(p.custA, func(v rawInvoice) bool { return v.visible() && v.Project == pr.ID })),
			len(p.entriesOf(p.custA, func(e rawEntry) bool { return e.Project == pr.ID }))
	}
	slices.SortStableFunc(list, func(a, b rawProject) int {
		ai, ae := score(a)
		bi, be := score(b)
		if ai != bi {
			return bi - ai
		}
		return be - ae
	})
	if len(list) == 0 {
		t.Fatal("customer A has no projects")
	}
	return list[0]
}

func (p *demoPortal) entriesOf(customer string, keep func(rawEntry) bool) []rawEntry {
	var out []rawEntry
	for _, e := range p.entries {
		if e.Customer == customer && keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// sumHours adds up entries: all, billable and not billable.
func sumHours(list []rawEntry) (all, billable, non billing.Decimal) {
	for _, e := range list {
		all += e.Hours
		if e.Billable {
			billable += e.Hours
		} else {
			non += e.Hours
		}
	}
	return all, billable, non
}

// perCurrency adds up f over invoices, per currency.
func perCurrency(list []rawInvoice, f func(rawInvoice) billing.Decimal) map[string]billing.Decimal {
	out := map[string]billing.Decimal{}
	for _, v := range list {
		out[v.Currency] += f(v)
	}
	return out
}

// signIn signs an account of the portal in.
func (p *demoPortal) signIn(t *testing.T, email string) *apptest.Client {
	t.Helper()
	return signedIn(t, p.in, email)
}

// get fetches a page and fails unless it answers want.
func get(t *testing.T, c *apptest.Client, path string, want int) *apptest.Response {
	t.Helper()
	r := c.Get(path)
	if r.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d\n%.500s", path, r.StatusCode, want, r.Body)
	}
	return r
}

func docOf(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// projectInvoices reads the invoices section of a project page: number,
// link, status, total and balance per row.
func projectInvoices(t *testing.T, body string) [][]string {
	t.Helper()
	var out [][]string
	docOf(t, body).Find(`section[aria-label="Invoices of this project"] tbody tr`).Each(func(_ int, tr *goquery.Selection) {
		td := tr.Find("td")
		href, _ := td.Eq(0).Find("a").Attr("href")
		out = append(out, []string{text(td.Eq(0)), href, text(td.Eq(3)), text(td.Eq(4)), text(td.Eq(5))})
	})
	return out
}

// pdfPages returns the text each page of a PDF draws, one shown string a
// line.
func pdfPages(t *testing.T, b []byte) []string {
	t.Helper()
	pages, err := pdftext.Pages(b)
	if err != nil {
		t.Fatalf("read PDF: %v (%.20q)", err, b)
	}
	return pages
}

// notServerError fails when a response is a 5xx.
func notServerError(t *testing.T, what string, r *apptest.Response) {
	t.Helper()
	if r.StatusCode >= http.StatusInternalServerError {
		t.Errorf("%s: %d, want no server error\n%.300s", what, r.StatusCode, r.Body)
	}
}
