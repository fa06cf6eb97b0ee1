package catalog_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/billing"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/catalog/timetrackertest"
	"github.com/portico-dev/portico/internal/dataset"
	"github.com/portico-dev/portico/internal/erpdemo"
	"github.com/portico-dev/portico/internal/source"
	"github.com/portico-dev/portico/internal/source/sourcetest"
)

// withSource parses a preset whose source is replaced by db's, as an
// operator would write it, and opens that source.
func withSource(t *testing.T, preset, sourceName string, db sourcetest.DB) (*catalog.Catalog, *source.Source) {
	t.Helper()
	text := fmt.Sprintf("preset = %q\n\n[[source]]\nname = %q\ndriver = %q\ndsn_env = \"TEST_ERP_DSN\"\n", preset, sourceName, db.Name)
	env := func(k string) (string, bool) {
		if k == "TEST_ERP_DSN" {
			return db.Config.DSN, true
		}
		return "", false
	}
	cat, err := catalog.Parse("datasets.toml", []byte(text), env)
	if err != nil {
		t.Fatal(err)
	}
	src, err := source.Open(cat.Sources[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return cat, src
}

// load reads a dataset for a scope the way customerdata does: the
// dataset's SQL wrapped with the scope's bound customer keys.
func load(ctx context.Context, src *source.Source, spec *dataset.Spec, scope dataset.Scope) (*dataset.Snapshot, error) {
	q, args, err := source.ScopedQuery(src.Dialect(), spec.SQL, spec.CustomerColumn, scope.All, scope.Keys)
	if err != nil {
		return nil, err
	}
	var snap *dataset.Snapshot
	err = src.Query(ctx, q, args, func(rows *sql.Rows) error {
		var err error
		snap, err = dataset.Build(spec, rows, time.Now())
		return err
	})
	return snap, err
}

func loader(src *source.Source, scope dataset.Scope) billing.Loader {
	return func(ctx context.Context, spec *dataset.Spec) (*dataset.Snapshot, error) {
		return load(ctx, src, spec, scope)
	}
}

// checkRoleColumns runs each role dataset's own SQL (unwrapped) and checks
// that it returns every canonical column of its role under its name.
func checkRoleColumns(t *testing.T, cat *catalog.Catalog, src *source.Source) {
	t.Helper()
	for _, rd := range cat.Roles {
		var got []string
		err := src.Query(context.Background(), src.Dialect().Limit(rd.Spec.SQL, 1), nil, func(rows *sql.Rows) error {
			defer rows.Close()
			var err error
			got, err = rows.Columns()
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", rd.Role, err)
		}
		for i := range got {
			got[i] = strings.ToLower(got[i])
		}
		for _, rc := range rd.Role.Columns() {
			_, declared, _ := rd.Spec.Column(rc.Name)
			if (rc.Required || declared >= 0) && !slices.Contains(got, rc.Name) {
				t.Errorf("%s: the SQL returns no column %q (it returns %v)", rd.Role, rc.Name, got)
			}
		}
	}
}

// checkScope loads every role dataset for each scope and checks that only
// the scope's customers' rows come back, in the expected numbers.
func checkScope(t *testing.T, cat *catalog.Catalog, src *source.Source, want map[catalog.Role]map[string]int) {
	t.Helper()
	for _, rd := range cat.Roles {
		for key, n := range want[rd.Role] {
			scope := dataset.NewScope(key == "*", []string{key})
			snap, err := load(context.Background(), src, rd.Spec, scope)
			if err != nil {
				t.Fatalf("%s for %q: %v", rd.Role, key, err)
			}
			if snap.Len() != n {
				t.Errorf("%s for %q: %d rows, want %d", rd.Role, key, snap.Len(), n)
			}
			_, ci, _ := rd.Spec.Column(catalog.CustomerColumn)
			for row := range snap.Len() {
				if c := snap.Cell(row, ci).Text; key != "*" && c != key {
					t.Errorf("%s for %q: row %d belongs to %q", rd.Role, key, row, c)
				}
			}
		}
	}
}

func TestTimetrackerPresetOnItsSchema(t *testing.T) {
	for _, open := range []func(testing.TB) sourcetest.DB{sourcetest.SQLite, sourcetest.Postgres} {
		db := open(t)
		t.Run(db.Name, func(t *testing.T) {
			timetrackertest.Create(t, db)
			timetrackertest.Seed(t, db)
			cat, src := withSource(t, "timetracker", "timetracker", db)
			ctx := context.Background()

			t.Run("customers", func(t *testing.T) {
				// The file's source replaced the preset's whole, so it has no
				// customers_sql; run the preset's own on the same database.
				preset, err := catalog.Preset("timetracker", catalog.PresetOptions{Env: func(string) (string, bool) { return db.Config.DSN, true }})
				if err != nil {
					t.Fatal(err)
				}
				cfg := cat.Sources[0]
				cfg.CustomersSQL = preset.Sources[0].CustomersSQL
				s, err := source.Open(cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				list, err := s.Customers(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var keys []string
				for _, c := range list {
					keys = append(keys, c.Key)
				}
				if want := []string{timetrackertest.ClientAcme, timetrackertest.ClientGlobex, timetrackertest.ClientIdle}; !reflect.DeepEqual(keys, want) {
					t.Errorf("customers %v, want %v", keys, want)
				}
			})
			t.Run("queries return the canonical columns", func(t *testing.T) { checkRoleColumns(t, cat, src) })
			t.Run("scope by customer", func(t *testing.T) {
				acme, globex, idle := timetrackertest.ClientAcme, timetrackertest.ClientGlobex, timetrackertest.ClientIdle
				checkScope(t, cat, src, map[catalog.Role]map[string]int{
					catalog.RoleProjects:     {acme: 3, globex: 1, idle: 0, "*": 4},
					catalog.RoleInvoices:     {acme: 7, globex: 1, idle: 0, "*": 8},
					catalog.RoleInvoiceLines: {acme: 4, globex: 1, "*": 5},
					// The running timer is left out; time billed to Acme
					// directly is in.
					catalog.RoleTimeEntries: {acme: 5, globex: 1, idle: 0, "*": 6},
				})
			})

			today := billing.Date{Year: 2025, Month: time.March, Day: 14}
			b := billing.NewBook(cat, loader(src, dataset.NewScope(false, []string{timetrackertest.ClientAcme})), today)
			t.Run("invoices", func(t *testing.T) {
				list, err := b.Invoices(ctx, billing.InvoiceQuery{})
				if err != nil {
					t.Fatal(err)
				}
				type view struct {
					Number, Status, Paid, Balance string
					Overdue                       bool
				}
				var got []view
				for _, inv := range list.Invoices {
					got = append(got, view{inv.Number, string(inv.Status), inv.AmountPaid.String(), inv.Balance.String(), inv.Overdue})
				}
				want := []view{
					{"INV-2025-0005", "unpaid", "0.00", "300.00", false}, // issued, due today, amount_paid NULL
					{"INV-2025-0002", "unpaid", "200.00", "395.00", true},
					{"INV-2025-0007", "unpaid", "100.00", "300.00", true}, // the credit note counts as settled
					{"INV-2025-0001", "paid", "1190.00", "0.00", false},
					{"INV-2025-0006", "paid", "250.00", "0.00", false}, // workflow says sent, payments say fully paid
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("invoices\n got %+v\nwant %+v", got, want)
				}
				wantTotals := []billing.CurrencyTotal{
					{Currency: "EUR", Count: 3, Total: dec(t, "2185"), Paid: dec(t, "1490"), Balance: dec(t, "695"), Overdue: dec(t, "695"), OverdueCount: 2},
					{Currency: "USD", Count: 2, Total: dec(t, "550"), Paid: dec(t, "250"), Balance: dec(t, "300")},
				}
				if !reflect.DeepEqual(list.Totals, wantTotals) {
					t.Errorf("totals\n got %+v\nwant %+v", list.Totals, wantTotals)
				}
				for _, id := range []string{"102", "103", "200", "999"} { // draft, cancelled, Globex's, none
					if _, err := b.Invoice(ctx, id); !errors.Is(err, billing.ErrNotFound) {
						t.Errorf("Invoice(%s): %v", id, err)
					}
				}
				d, err := b.Invoice(ctx, "101")
				if err != nil {
					t.Fatal(err)
				}
				var lines []string
				for _, l := range d.Lines {
					lines = append(lines, l.Description+" "+l.Quantity.String()+" × "+l.UnitPrice.String()+" = "+l.Amount.String())
				}
				if want := []string{"Développement 4.00 × 100.00 = 400.00", "Hosting, 12 months 1.00 × 100.00 = 100.00"}; !reflect.DeepEqual(lines, want) {
					t.Errorf("lines %v", lines)
				}
				if d.Subtotal.String() != "500.00" || d.Tax.String() != "95.00" || d.Total.String() != "595.00" || d.ProjectID != "10" ||
					d.IssueDate.String() != "2025-02-10" || d.DueDate.String() != "2025-03-12" || d.DaysOverdue != 2 {
					t.Errorf("detail %+v", d.Invoice)
				}
			})
			t.Run("projects", func(t *testing.T) {
				list, err := b.Projects(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, p := range list {
					got = append(got, fmt.Sprintf("%s %s active=%v hours=%s last=%s", p.ID, p.Name, p.Active, p.HoursLogged, p.LastActivity.Format(time.DateTime)))
				}
				want := []string{
					"10 Website relaunch active=true hours=3.1666 last=2025-03-13 09:00:00",
					"11 Audit 2024 active=false hours=2.00 last=2024-12-20 23:30:00",
					"12 Support active=false hours=0.00 last=0001-01-01 00:00:00",
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("projects\n got %q\nwant %q", got, want)
				}
				web := list[0]
				if pc, ok := web.BudgetPercent(); !ok || pc != 8 || web.BudgetHours.String() != "40.00" || web.BudgetAmount.String() != "6000.00" || web.Currency != "" {
					t.Errorf("website budget %d%% %+v", pc, web)
				}
			})
			t.Run("time entries", func(t *testing.T) {
				list, err := b.TimeEntries(ctx, billing.TimeEntryFilter{})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, e := range list.Entries {
					got = append(got, fmt.Sprintf("%s %s p=%s %s %s %q %v", e.ID, e.Date, e.ProjectID, e.Hours, e.Person, e.Description, e.Billable))
				}
				want := []string{
					`1000 2025-03-13 p=10 2.50 Zoë Ørsted "Wireframes" true`,
					`1002 2025-03-12 p=10 0.3333 kim "Review" false`,
					`1001 2025-03-12 p=10 0.3333 ben "" true`,
					`1005 2025-03-03 p= 1.00 ben "Direct phone support" true`,
					`1004 2024-12-20 p=11 2.00 Zoë Ørsted "Year-end audit" true`,
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("entries\n got %q\nwant %q", got, want)
				}
				if tot := list.Total; tot.Hours.String() != "6.1666" || tot.Billable.String() != "5.8333" || tot.NonBillable.String() != "0.3333" {
					t.Errorf("total %+v", tot)
				}
				f, err := billing.ParseTimeEntryFilter("10", "2025-03-12", "2025-03-12", "yes")
				if err != nil {
					t.Fatal(err)
				}
				if one, _ := b.TimeEntries(ctx, f); len(one.Entries) != 1 || one.Entries[0].ID != "1001" {
					t.Errorf("filtered %+v", one.Entries)
				}
			})
		})
	}
}

func dec(t *testing.T, s string) billing.Decimal {
	t.Helper()
	d, err := billing.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDemoRolesOnEveryEngine writes the demo ERP into each engine, reads
// the demo preset's datasets (the inventory and the four roles) through
// the scope, and checks the billing rules against SQL on the same tables.
func TestDemoRolesOnEveryEngine(t *testing.T) {
	anchor := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	today := billing.DateOf(anchor)
	for _, open := range sourcetest.All() {
		db := open(t)
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			if err := erpdemo.Write(ctx, db.Writer, db.Name, erpdemo.Options{InventoryRows: 200, Anchor: anchor}); err != nil {
				t.Fatal(err)
			}
			cat, src := withSource(t, "demo", "demo", db)
			checkRoleColumns(t, cat, src)
			ph := "?"
			if db.Name == "postgres" {
				ph = "$1"
			}
			one := func(q string, args ...any) string {
				t.Helper()
				var s sql.NullString
				if err := db.Writer.QueryRow(q, args...).Scan(&s); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				return s.String
			}
			num := func(q string, args ...any) billing.Decimal {
				t.Helper()
				var f sql.NullFloat64
				if err := db.Writer.QueryRow(q, args...).Scan(&f); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				d, err := billing.DecimalFromFloat(f.Float64)
				if err != nil {
					t.Fatal(err)
				}
				return d
			}

			customer := erpdemo.CustomerKeys()[0]
			for _, spec := range cat.Specs() {
				snap, err := load(ctx, src, spec, dataset.NewScope(false, []string{customer}))
				if err != nil {
					t.Fatalf("%s: %v", spec.Name, err)
				}
				if snap.Len() == 0 {
					t.Errorf("%s: no rows for %q", spec.Name, customer)
				}
			}

			b := billing.NewBook(cat, loader(src, dataset.NewScope(false, []string{customer})), today)
			list, err := b.Invoices(ctx, billing.InvoiceQuery{})
			if err != nil {
				t.Fatal(err)
			}
			visible := one("SELECT COUNT(*) FROM invoices WHERE customer = "+ph+" AND status NOT IN ('draft', 'cancelled')", customer)
			if fmt.Sprint(len(list.Invoices)) != visible {
				t.Errorf("%d invoices, SQL says %s visible", len(list.Invoices), visible)
			}
			for _, tot := range list.Totals {
				cur := strings.Replace(ph, "1", "2", 1)
				wantTotal := num("SELECT SUM(total) FROM invoices WHERE customer = "+ph+" AND currency = "+cur+" AND status NOT IN ('draft', 'cancelled')", customer, tot.Currency)
				wantBalance := num("SELECT SUM(total - amount_paid) FROM invoices WHERE customer = "+ph+" AND currency = "+cur+" AND status IN ('sent', 'partially_paid', 'overdue')", customer, tot.Currency)
				if tot.Total != wantTotal || tot.Balance != wantBalance {
					t.Errorf("%s: total %s balance %s; SQL says %s and %s", tot.Currency, tot.Total, tot.Balance, wantTotal, wantBalance)
				}
			}
			overdue := one("SELECT COUNT(*) FROM invoices WHERE customer = "+ph+" AND status IN ('sent', 'partially_paid', 'overdue') AND due_date < '"+today.String()+"'", customer)
			if fmt.Sprint(list.Counts.Overdue) != overdue {
				t.Errorf("%d overdue, SQL says %s", list.Counts.Overdue, overdue)
			}

			// Lines add up to the subtotal.
			inv := list.Invoices[0]
			d, err := b.Invoice(ctx, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			var sum billing.Decimal
			for _, l := range d.Lines {
				sum += l.Amount
			}
			if len(d.Lines) == 0 || sum != d.Subtotal || d.Subtotal+d.Tax != d.Total {
				t.Errorf("invoice %s: %d lines adding to %s, subtotal %s, tax %s, total %s", inv.Number, len(d.Lines), sum, d.Subtotal, d.Tax, d.Total)
			}

			// A draft of some customer is not found by that customer, and
			// another customer's invoice is not found either.
			draftCustomer := one("SELECT MIN(customer) FROM invoices WHERE status = 'draft'")
			draftID := one("SELECT MIN(invoice_id) FROM invoices WHERE status = 'draft' AND customer = "+ph, draftCustomer)
			db2 := billing.NewBook(cat, loader(src, dataset.NewScope(false, []string{draftCustomer})), today)
			if _, err := db2.Invoice(ctx, draftID); !errors.Is(err, billing.ErrNotFound) {
				t.Errorf("draft %s of %q: %v", draftID, draftCustomer, err)
			}
			otherID := one("SELECT MIN(invoice_id) FROM invoices WHERE status = 'paid' AND customer <> "+ph, customer)
			if _, err := b.Invoice(ctx, otherID); !errors.Is(err, billing.ErrNotFound) {
				t.Errorf("another customer's invoice %s: %v", otherID, err)
			}

			entries, err := b.TimeEntries(ctx, billing.TimeEntryFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if want := num("SELECT SUM(hours) FROM time_entries WHERE customer = "+ph, customer); entries.Total.Hours != want {
				t.Errorf("hours %s, SQL says %s", entries.Total.Hours, want)
			}
			if want := one("SELECT COUNT(*) FROM time_entries WHERE customer = "+ph+" AND billable", customer); fmt.Sprint(countBillable(entries.Entries)) != want {
				t.Errorf("%d billable entries, SQL says %s", countBillable(entries.Entries), want)
			}
			projects, err := b.Projects(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := one("SELECT COUNT(*) FROM projects WHERE customer = "+ph, customer); fmt.Sprint(len(projects)) != want {
				t.Errorf("%d projects, SQL says %s", len(projects), want)
			}
			p := projects[0]
			if want := num("SELECT SUM(hours) FROM time_entries WHERE project_id = "+ph, p.ID); p.HoursLogged != want || !p.Active {
				t.Errorf("project %s: %s hours, SQL says %s (active %v)", p.Name, p.HoursLogged, want, p.Active)
			}
			if p.Currency == "" || p.LastActivity.IsZero() {
				t.Errorf("project %+v lacks currency or last activity", p)
			}
			if s, err := b.Summary(ctx); err != nil || len(s.Unavailable) != 0 || s.Invoices == nil || s.Time == nil || s.Projects == nil {
				t.Errorf("summary %+v, %v", s, err)
			}
		})
	}
}

func countBillable(list []billing.TimeEntry) int {
	n := 0
	for _, e := range list {
		if e.Billable {
			n++
		}
	}
	return n
}
