package billing

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/catalog"
)

// readOne reads a single invoice row with the test catalog's statuses.
func readOne(t *testing.T, r row, today Date) (Invoice, bool) {
	t.Helper()
	cat := testCatalog(t)
	rd, _ := cat.Role(catalog.RoleInvoices)
	set, err := ReadInvoices(snapshotOf(t, rd.Spec, []row{r}), rd.Statuses, today)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Invoices) == 0 {
		return Invoice{}, false
	}
	return set.Invoices[0], true
}

func inv(status, due, total, paid any) row {
	return row{"id": int64(1), "customer": "A", "number": "INV-1", "status": status, "issue_date": "2025-02-01",
		"due_date": due, "currency": "EUR", "total": total, "amount_paid": paid}
}

func TestInvoiceStatusRules(t *testing.T) {
	today := Date{2025, time.March, 14}
	tests := []struct {
		name        string
		row         row
		status      InvoiceStatus
		overdue     bool
		daysOverdue int
		partial     bool
		paid        string
		balance     string
	}{
		{"due today is not overdue", inv("sent", "2025-03-14", 100.0, 0.0), Unpaid, false, 0, false, "0.00", "100.00"},
		{"due yesterday is overdue", inv("sent", "2025-03-13", 100.0, 0.0), Unpaid, true, 1, false, "0.00", "100.00"},
		{"due tomorrow is not overdue", inv("sent", "2025-03-15", 100.0, 0.0), Unpaid, false, 0, false, "0.00", "100.00"},
		{"long overdue counts the days", inv("sent", "2024-12-14", 100.0, 0.0), Unpaid, true, 90, false, "0.00", "100.00"},
		{"paid late is paid, never overdue", inv("paid", "2025-01-01", 100.0, 100.0), Paid, false, 0, false, "100.00", "0.00"},
		{"paid with no amount recorded reads paid in full", inv("paid", "2025-01-01", 100.0, 0.0), Paid, false, 0, false, "100.00", "0.00"},
		{"overpaid keeps what was paid", inv("paid", "2025-01-01", 100.0, 120.0), Paid, false, 0, false, "120.00", "0.00"},
		{"partially paid is unpaid with the rest due", inv("partially_paid", "2025-04-01", "250.00", "100.10"), Unpaid, false, 0, true, "100.10", "149.90"},
		{"partially paid and past due is overdue", inv("partially_paid", "2025-03-01", []byte("250.00"), []byte("50")), Unpaid, true, 13, true, "50.00", "200.00"},
		{"unpaid but fully paid has nothing due", inv("sent", "2025-03-01", 80.0, 90.0), Unpaid, true, 13, true, "90.00", "0.00"},
		{"no due date is never overdue", inv("sent", nil, 80.0, 0.0), Unpaid, false, 0, false, "0.00", "80.00"},
		{"the ERP's overdue status is only unpaid until the date says so", inv("overdue", "2025-03-20", 80.0, 0.0), Unpaid, false, 0, false, "0.00", "80.00"},
		{"status case and spaces do not matter", inv(" PAID ", "2025-03-01", 10.0, 10.0), Paid, false, 0, false, "10.00", "0.00"},
		{"NULL amount paid is nothing paid", inv("sent", "2025-03-01", 10.0, nil), Unpaid, true, 13, false, "0.00", "10.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := readOne(t, tt.row, today)
			if !ok {
				t.Fatal("invoice hidden")
			}
			if got.Status != tt.status || got.Overdue != tt.overdue || got.DaysOverdue != tt.daysOverdue || got.PartiallyPaid != tt.partial {
				t.Errorf("status %s overdue %v (%d days) partial %v; want %s %v (%d) %v",
					got.Status, got.Overdue, got.DaysOverdue, got.PartiallyPaid, tt.status, tt.overdue, tt.daysOverdue, tt.partial)
			}
			if got.AmountPaid.String() != tt.paid || got.Balance.String() != tt.balance {
				t.Errorf("paid %s balance %s; want %s %s", got.AmountPaid, got.Balance, tt.paid, tt.balance)
			}
		})
	}
}

func TestHiddenInvoiceStatuses(t *testing.T) {
	today := Date{2025, time.March, 14}
	for _, status := range []any{"draft", "Draft", "cancelled", "refunded", "", nil} {
		if got, ok := readOne(t, inv(status, "2025-01-01", 100.0, 0.0), today); ok {
			t.Errorf("status %v is shown: %+v", status, got)
		}
	}
	cat := testCatalog(t)
	rd, _ := cat.Role(catalog.RoleInvoices)
	snap := snapshotOf(t, rd.Spec, []row{
		inv("refunded", "2025-01-01", 1.0, 0.0), inv("on hold", "2025-01-01", 1.0, 0.0), inv("refunded", "2025-01-01", 1.0, 0.0),
		inv("draft", "2025-01-01", 1.0, 0.0),
	})
	set, err := ReadInvoices(snap, rd.Statuses, today)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Invoices) != 0 || !reflect.DeepEqual(set.Unmapped, []string{"on hold", "refunded"}) {
		t.Errorf("invoices %v, unmapped %v", set.Invoices, set.Unmapped)
	}
}

func TestOverdueInTheConfiguredZone(t *testing.T) {
	// 23:30 UTC on the due date: already the next day in Berlin, still the
	// due date in New York.
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	newYork, _ := time.LoadLocation("America/New_York")
	now := time.Date(2025, 3, 14, 23, 30, 0, 0, time.UTC)
	row := inv("sent", "2025-03-14", 100.0, 0.0)
	if got, _ := readOne(t, row, Today(now, berlin)); !got.Overdue {
		t.Error("not overdue in Berlin, where the due date has passed")
	}
	if got, _ := readOne(t, row, Today(now, newYork)); got.Overdue {
		t.Error("overdue in New York, where it is still the due date")
	}
}

func TestSubtotalAndTax(t *testing.T) {
	r := inv("sent", "2025-04-01", 121.0, 0.0)
	got, _ := readOne(t, r, Date{2025, 3, 14})
	if got.Subtotal.String() != "121.00" || got.Tax != 0 {
		t.Errorf("without subtotal and tax: %s + %s", got.Subtotal, got.Tax)
	}
	r["tax"] = 21.0
	got, _ = readOne(t, r, Date{2025, 3, 14})
	if got.Subtotal.String() != "100.00" || got.Tax.String() != "21.00" {
		t.Errorf("with tax only: %s + %s", got.Subtotal, got.Tax)
	}
	r["subtotal"] = 99.99
	got, _ = readOne(t, r, Date{2025, 3, 14})
	if got.Subtotal.String() != "99.99" {
		t.Errorf("the ERP's subtotal is not kept: %s", got.Subtotal)
	}
}

// billingERP is two customers' data, with every awkward invoice: drafts,
// cancelled, unmapped, partially paid, overdue, several currencies.
func billingERP() *erp {
	e := newERP()
	e.rows[catalog.RoleInvoices] = []row{
		{"id": int64(1), "customer": "A", "number": "A-001", "status": "paid", "issue_date": "2025-01-05", "due_date": "2025-02-04", "currency": "EUR", "total": 100.0, "amount_paid": 100.0, "project_id": int64(10)},
		{"id": int64(2), "customer": "A", "number": "A-002", "status": "sent", "issue_date": "2025-02-05", "due_date": "2025-03-07", "currency": "EUR", "total": 200.5, "amount_paid": 0.0, "project_id": int64(10)},
		{"id": int64(3), "customer": "A", "number": "A-003", "status": "partially_paid", "issue_date": "2025-03-01", "due_date": "2025-03-31", "currency": "EUR", "total": 300.0, "amount_paid": 120.25, "project_id": int64(11)},
		{"id": int64(4), "customer": "A", "number": "A-004", "status": "sent", "issue_date": "2025-02-20", "due_date": "2025-03-14", "currency": "USD", "total": 1000.0, "amount_paid": 0.0},
		{"id": int64(5), "customer": "A", "number": "A-005", "status": "overdue", "issue_date": "2025-01-10", "due_date": "2025-02-10", "currency": "USD", "total": 50.0, "amount_paid": 0.0},
		{"id": int64(6), "customer": "A", "number": "A-006", "status": "draft", "issue_date": "2025-03-13", "due_date": "2025-01-01", "currency": "EUR", "total": 99999.0, "amount_paid": 0.0, "project_id": int64(10)},
		{"id": int64(7), "customer": "A", "number": "A-007", "status": "cancelled", "issue_date": "2025-03-02", "due_date": "2025-01-01", "currency": "EUR", "total": 88888.0, "amount_paid": 0.0},
		{"id": int64(8), "customer": "A", "number": "A-008", "status": "void?", "issue_date": "2025-03-03", "due_date": "2025-01-01", "currency": "EUR", "total": 77777.0, "amount_paid": 0.0},
		{"id": int64(9), "customer": "B", "number": "B-001", "status": "sent", "issue_date": "2025-01-01", "due_date": "2025-01-31", "currency": "EUR", "total": 5000.0, "amount_paid": 0.0},
		{"id": int64(12), "customer": "A", "number": "A-009", "status": "paid", "issue_date": "2024-12-01", "due_date": "2024-12-31", "currency": "GBP", "total": 10.0, "amount_paid": 10.0},
	}
	e.rows[catalog.RoleInvoiceLines] = []row{
		{"line_no": int64(10), "invoice_id": int64(2), "customer": "A", "description": "Second line", "quantity": 1.0, "unit_price": 0.5, "amount": 0.5},
		{"line_no": int64(9), "invoice_id": int64(2), "customer": "A", "description": "First line", "quantity": 2.0, "unit_price": 100.0, "amount": 200.0},
		{"line_no": int64(11), "invoice_id": int64(2), "customer": "B", "description": "Joined to the wrong customer", "quantity": 1.0, "unit_price": 1.0, "amount": 1.0},
		{"line_no": int64(1), "invoice_id": int64(6), "customer": "A", "description": "Draft line", "quantity": 1.0, "unit_price": 99999.0, "amount": 99999.0},
		{"line_no": int64(2), "invoice_id": int64(9), "customer": "B", "description": "B's line", "quantity": 1.0, "unit_price": 5000.0, "amount": 5000.0},
	}
	e.rows[catalog.RoleProjects] = []row{
		{"id": int64(10), "customer": "A", "name": "website", "status": "active", "budget_hours": 10.0, "budget_amount": 1500.0, "currency": "EUR"},
		{"id": int64(11), "customer": "A", "name": "Audit", "status": "closed", "budget_hours": 4.0, "last_activity": "2024-11-30 16:45:00"},
		{"id": int64(13), "customer": "A", "name": "Archive scan", "status": "weird"},
		{"id": int64(14), "customer": "A", "name": "Backlog", "status": "Running"},
		{"id": int64(20), "customer": "B", "name": "B's project", "status": "active"},
	}
	e.rows[catalog.RoleTimeEntries] = []row{
		{"id": int64(100), "customer": "A", "project_id": int64(10), "date": "2025-03-14", "hours": 0.1, "description": "Call", "person": "Zoë", "billable": "Yes"},
		{"id": int64(101), "customer": "A", "project_id": int64(10), "date": "2025-03-01", "hours": 0.2, "description": "Design", "person": "Ben", "billable": "yes"},
		{"id": int64(102), "customer": "A", "project_id": int64(10), "date": "2025-02-28", "hours": 7.5, "description": nil, "person": "Ben", "billable": "No"},
		{"id": int64(103), "customer": "A", "project_id": int64(11), "date": "2025-02-01", "hours": 3.0, "description": "Audit", "person": "Zoë", "billable": "true"},
		{"id": int64(104), "customer": "A", "project_id": nil, "date": "2025-01-31", "hours": 1.25, "description": "Direct", "person": "Zoë", "billable": "0"},
		{"id": int64(105), "customer": "A", "project_id": int64(10), "date": "2025-03-14", "hours": 0.2, "description": "Same day", "person": "Ben", "billable": "1"},
		{"id": int64(200), "customer": "B", "project_id": int64(20), "date": "2025-03-10", "hours": 99.0, "description": "B's work", "person": "Ben", "billable": "yes"},
	}
	return e
}

var fakeToday = Date{2025, time.March, 14}

func bookFor(t *testing.T, e *erp, customers ...string) *Book {
	t.Helper()
	cat := testCatalog(t)
	return NewBook(cat, e.loader(t, cat, customers...), fakeToday)
}

func numbers(list []Invoice) []string {
	var out []string
	for _, i := range list {
		out = append(out, i.Number)
	}
	return out
}

func TestInvoiceFilters(t *testing.T) {
	ctx := context.Background()
	b := bookFor(t, billingERP(), "A")
	tests := []struct {
		filter string
		want   []string
	}{
		{"", []string{"A-003", "A-004", "A-002", "A-005", "A-001", "A-009"}},
		{"all", []string{"A-003", "A-004", "A-002", "A-005", "A-001", "A-009"}},
		{"paid", []string{"A-001", "A-009"}},
		{"unpaid", []string{"A-003", "A-004", "A-002", "A-005"}},
		{"OVERDUE", []string{"A-002", "A-005"}},
	}
	for _, tt := range tests {
		t.Run("status "+tt.filter, func(t *testing.T) {
			list, err := b.Invoices(ctx, InvoiceQuery{Status: tt.filter})
			if err != nil {
				t.Fatal(err)
			}
			if got := numbers(list.Invoices); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if list.Counts != (InvoiceCounts{All: 6, Paid: 2, Unpaid: 4, Overdue: 2}) {
				t.Errorf("counts %+v", list.Counts)
			}
		})
	}
	_, err := b.Invoices(ctx, InvoiceQuery{Status: "late"})
	var fe *FilterError
	if !errors.As(err, &fe) || fe.Field != "status" || !strings.Contains(fe.Message, "use all, paid, unpaid or overdue") {
		t.Errorf("unknown filter: %v", err)
	}
	list, err := b.Invoices(ctx, InvoiceQuery{ProjectID: "10"})
	if err != nil {
		t.Fatal(err)
	}
	if got := numbers(list.Invoices); !reflect.DeepEqual(got, []string{"A-002", "A-001"}) || list.Counts.All != 2 {
		t.Errorf("project 10's invoices: %v, counts %+v", got, list.Counts)
	}
}

func TestCurrencyTotalsNeverMix(t *testing.T) {
	b := bookFor(t, billingERP(), "A")
	list, err := b.Invoices(context.Background(), InvoiceQuery{})
	if err != nil {
		t.Fatal(err)
	}
	want := []CurrencyTotal{
		{Currency: "EUR", Count: 3, Total: dec(t, "600.50"), Paid: dec(t, "220.25"), Balance: dec(t, "380.25"), Overdue: dec(t, "200.50"), OverdueCount: 1},
		{Currency: "GBP", Count: 1, Total: dec(t, "10"), Paid: dec(t, "10"), Balance: 0},
		{Currency: "USD", Count: 2, Total: dec(t, "1050"), Paid: 0, Balance: dec(t, "1050"), Overdue: dec(t, "50"), OverdueCount: 1},
	}
	if !reflect.DeepEqual(list.Totals, want) {
		t.Errorf("totals\n got %+v\nwant %+v", list.Totals, want)
	}
	overdue, _ := b.Invoices(context.Background(), InvoiceQuery{Status: FilterOverdue})
	if len(overdue.Totals) != 2 || overdue.Totals[0].Balance != dec(t, "200.50") || overdue.Totals[1].Balance != dec(t, "50") {
		t.Errorf("overdue totals %+v", overdue.Totals)
	}
	if got := overdue.Totals[0].Money(overdue.Totals[0].Balance).String(); got != "EUR 200.50" {
		t.Errorf("money %q", got)
	}
}

func TestDraftsAndCancelledNeverLeak(t *testing.T) {
	ctx := context.Background()
	b := bookFor(t, billingERP(), "A")
	for _, f := range InvoiceFilters {
		list, err := b.Invoices(ctx, InvoiceQuery{Status: f})
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range list.Invoices {
			if inv.ID == "6" || inv.ID == "7" || inv.ID == "8" {
				t.Errorf("filter %s lists hidden invoice %s", f, inv.Number)
			}
		}
		for _, tot := range list.Totals {
			if tot.Total >= dec(t, "77777") {
				t.Errorf("filter %s totals include a hidden invoice: %+v", f, tot)
			}
		}
	}
	for _, id := range []string{"6", "7", "8"} {
		if _, err := b.Invoice(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Invoice(%s) = %v, want ErrNotFound", id, err)
		}
	}
	s, err := b.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Invoices.OpenCount != 4 || s.Invoices.OverdueCount != 2 {
		t.Errorf("dashboard counts open %d overdue %d", s.Invoices.OpenCount, s.Invoices.OverdueCount)
	}
	for _, inv := range s.Invoices.Recent {
		if inv.Status != Paid && inv.Status != Unpaid {
			t.Errorf("dashboard lists %s", inv.Number)
		}
	}
	if got := b.Unmapped()[catalog.RoleInvoices]; !reflect.DeepEqual(got, []string{"void?"}) {
		t.Errorf("unmapped %v", got)
	}
}

func TestInvoiceLookupIsIdenticalForForeignAndMissingIDs(t *testing.T) {
	ctx := context.Background()
	b := bookFor(t, billingERP(), "A")
	_, foreign := b.Invoice(ctx, "9") // B's invoice
	_, missing := b.Invoice(ctx, "999")
	_, empty := b.Invoice(ctx, "")
	_, padded := b.Invoice(ctx, "02")
	for _, err := range []error{foreign, missing, empty, padded} {
		if !errors.Is(err, ErrNotFound) || err.Error() != ErrNotFound.Error() {
			t.Errorf("error %v, want exactly ErrNotFound", err)
		}
	}
	d, err := b.Invoice(ctx, "2")
	if err != nil {
		t.Fatal(err)
	}
	var descs []string
	for _, l := range d.Lines {
		descs = append(descs, l.Description)
	}
	if !d.LinesConfigured || !reflect.DeepEqual(descs, []string{"First line", "Second line"}) {
		t.Errorf("lines %v (configured %v)", descs, d.LinesConfigured)
	}
	if d.Lines[0].Quantity != dec(t, "2") || d.Lines[0].UnitPrice != dec(t, "100") || d.Lines[1].Amount != dec(t, "0.5") {
		t.Errorf("line values %+v", d.Lines)
	}
	// B sees its own invoice, and never A's.
	bb := bookFor(t, billingERP(), "B")
	if d, err := bb.Invoice(ctx, "9"); err != nil || len(d.Lines) != 1 {
		t.Errorf("B's own invoice: %v, %v", d, err)
	}
	if _, err := bb.Invoice(ctx, "2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("B opens A's invoice: %v", err)
	}
}

func TestInvoiceWithoutLinesDataset(t *testing.T) {
	text := testCatalogText[:strings.Index(testCatalogText, "[[dataset]]\nname = \"invoice_lines\"")]
	cat, err := catalog.Parse("t.toml", []byte(text), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	e := billingERP()
	b := NewBook(cat, e.loader(t, cat, "A"), fakeToday)
	d, err := b.Invoice(context.Background(), "2")
	if err != nil || d.LinesConfigured || d.Lines != nil {
		t.Errorf("detail %+v, %v", d, err)
	}
	if _, err := b.TimeEntries(context.Background(), TimeEntryFilter{}); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("time entries without the role: %v", err)
	}
}

func TestSortInvoices(t *testing.T) {
	b := bookFor(t, billingERP(), "A")
	tests := []struct {
		sort string
		want []string
	}{
		{"", []string{"A-003", "A-004", "A-002", "A-005", "A-001", "A-009"}},
		{"issue_date", []string{"A-009", "A-001", "A-005", "A-002", "A-004", "A-003"}},
		{"-due_date", []string{"A-003", "A-004", "A-002", "A-005", "A-001", "A-009"}},
		{"number", []string{"A-001", "A-002", "A-003", "A-004", "A-005", "A-009"}},
		{"-total", []string{"A-004", "A-003", "A-002", "A-001", "A-005", "A-009"}},
		{"-balance", []string{"A-004", "A-002", "A-003", "A-005", "A-001", "A-009"}},
		{"status", []string{"A-002", "A-005", "A-003", "A-004", "A-001", "A-009"}},
	}
	for _, tt := range tests {
		s, err := ParseInvoiceSort(tt.sort)
		if err != nil {
			t.Fatal(err)
		}
		list, err := b.Invoices(context.Background(), InvoiceQuery{Sort: s})
		if err != nil {
			t.Fatal(err)
		}
		if got := numbers(list.Invoices); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("sort %q: %v, want %v", tt.sort, got, tt.want)
		}
		if tt.sort != "" && s.String() != tt.sort {
			t.Errorf("String() = %q", s.String())
		}
	}
	if _, err := ParseInvoiceSort("-amount"); err == nil || !strings.Contains(err.Error(), `"-amount" is not a sort`) {
		t.Errorf("bad sort: %v", err)
	}
}

func TestLoaderFailures(t *testing.T) {
	ctx := context.Background()
	e := billingERP()
	e.fail[catalog.RoleInvoices] = errors.New("connection refused")
	b := bookFor(t, e, "A")
	_, err := b.Invoices(ctx, InvoiceQuery{})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("unavailable source: %v", err)
	}
	s, err := b.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Invoices != nil || s.Projects == nil || s.Time == nil || !reflect.DeepEqual(s.Unavailable, []catalog.Role{catalog.RoleInvoices}) {
		t.Errorf("summary with invoices down: %+v", s)
	}

	e = billingERP()
	e.fail[catalog.RoleInvoices] = errors.New("timeout")
	e.stale[catalog.RoleInvoices] = true
	b = bookFor(t, e, "A")
	list, err := b.Invoices(ctx, InvoiceQuery{})
	if err != nil || len(list.Invoices) != 6 {
		t.Fatalf("stale snapshot: %v, %v", list, err)
	}
	f := b.Freshness()
	if !f.Stale || f.Err == nil || !f.AsOf.Equal(testAsOf) {
		t.Errorf("freshness %+v", f)
	}

	// Each role is loaded once per Book however often it is asked for.
	e = billingERP()
	b = bookFor(t, e, "A")
	for range 3 {
		b.Invoices(ctx, InvoiceQuery{})
		b.Invoice(ctx, "2")
	}
	if e.loads[catalog.RoleInvoices] != 1 || e.loads[catalog.RoleInvoiceLines] != 1 {
		t.Errorf("loads %v", e.loads)
	}
	if b.Freshness().Stale {
		t.Error("fresh data marked stale")
	}
	if !b.Configured(catalog.RoleInvoices) || NewBook(nil, nil, fakeToday).Configured(catalog.RoleInvoices) {
		t.Error("Configured")
	}
	if _, err := NewBook(nil, nil, fakeToday).Invoices(ctx, InvoiceQuery{}); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("no catalog: %v", err)
	}
}
