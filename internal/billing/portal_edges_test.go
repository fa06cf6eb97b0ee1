package billing

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
	_ "time/tzdata" // the zone tests need no zone database on the machine

	"github.com/portico-dev/portico/internal/catalog"
)

// TestLookupsAnswerExactlyNotFound: a project or invoice id the account
// cannot see gets the very same error whatever the reason, and only the
// exact id opens a row: no trimming, no number parsing, no lookup by
// invoice number, nothing an injected string could widen.
func TestLookupsAnswerExactlyNotFound(t *testing.T) {
	ctx := context.Background()
	b := bookFor(t, billingERP(), "A")
	if _, err := b.Project(ctx, "10"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Invoice(ctx, "2"); err != nil {
		t.Fatal(err)
	}
	near := []string{"", " ", " 10", "10 ", "010", "10.0", "1e1", "+10", "0x0a", "10;", "10' OR '1'='1", "10 OR 1=1", "%31%30", "１０", "10\x00"}
	for _, id := range append([]string{"20", "999", "-1"}, near...) { // B's, missing, negative
		_, err := b.Project(ctx, id)
		if !errors.Is(err, ErrNotFound) || err.Error() != ErrNotFound.Error() {
			t.Errorf("Project(%q) = %v, want exactly ErrNotFound", id, err)
		}
	}
	for _, id := range []string{"9", "999", "6", "7", "8", "A-001", " 2", "02", "2.0", "2' OR '1'='1", "２"} { // B's, missing, draft, cancelled, unmapped, a number, near misses
		_, err := b.Invoice(ctx, id)
		if !errors.Is(err, ErrNotFound) || err.Error() != ErrNotFound.Error() {
			t.Errorf("Invoice(%q) = %v, want exactly ErrNotFound", id, err)
		}
	}
	// A project's invoice list for another customer's project, or a
	// near miss of one's own, is empty rather than widened.
	for _, id := range []string{"20", " 10", "010", "10' OR '1'='1"} {
		list, err := b.Invoices(ctx, InvoiceQuery{ProjectID: id})
		if err != nil || len(list.Invoices) != 0 || len(list.Totals) != 0 || list.Counts != (InvoiceCounts{}) {
			t.Errorf("invoices of project %q: %+v, %v", id, list, err)
		}
	}
}

// TestOverdueTurnsAtMidnightInTheZone: an invoice due on the 13th is
// overdue from the first second of the 14th in the portal's time zone,
// and not one second before.
func TestOverdueTurnsAtMidnightInTheZone(t *testing.T) {
	zones := map[string]*time.Location{"UTC": time.UTC}
	for _, name := range []string{"Europe/Berlin", "Pacific/Auckland", "America/Los_Angeles"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatalf("zone data for %s: %v", name, err)
		}
		zones[name] = loc
	}
	row := inv("sent", "2025-03-13", 100.0, 0.0)
	for name, loc := range zones {
		midnight := time.Date(2025, 3, 14, 0, 0, 0, 0, loc)
		for _, tc := range []struct {
			at      time.Time
			overdue bool
		}{
			{midnight.Add(-time.Second), false},
			{midnight, true},
			{midnight.Add(24*time.Hour - time.Second), true},
		} {
			got, ok := readOne(t, row, Today(tc.at.UTC(), loc))
			if !ok || got.Overdue != tc.overdue || got.Overdue && got.DaysOverdue != 1 {
				t.Errorf("%s at %s: overdue %v (%d days), want %v", name, tc.at.Format(time.RFC3339), got.Overdue, got.DaysOverdue, tc.overdue)
			}
		}
	}
}

// TestTotalsKeepEveryCurrencyApart: currencies with no decimals (JPY), three
// (KWD) and none at all each get their own total, with their own
// decimals; a code with stray spaces or in lower case is the same currency.
func TestTotalsKeepEveryCurrencyApart(t *testing.T) {
	e := newERP()
	r := func(id int64, currency string, total, paid float64, status string) row {
		return row{"id": id, "customer": "A", "number": "N" + string(rune('A'+id)), "status": status, "issue_date": "2025-03-01",
			"due_date": "2025-03-10", "currency": currency, "total": total, "amount_paid": paid}
	}
	e.rows[catalog.RoleInvoices] = []row{
		r(1, "JPY", 1000, 0, "sent"),
		r(2, " JPY ", 2500, 500, "partially_paid"),
		r(3, "KWD", 1.234, 0, "sent"),
		r(4, "KWD", 1, 1, "paid"),
		r(5, "", 5, 0, "sent"),
		r(6, "EUR", 0.1, 0, "sent"),
		r(7, "eur", 0.2, 0, "sent"),
		r(8, "JPY", 99999, 0, "draft"),
	}
	b := bookFor(t, e, "A")
	list, err := b.Invoices(context.Background(), InvoiceQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tot := range list.Totals {
		got = append(got, tot.Money(tot.Total).String()+" due "+tot.Money(tot.Balance).String()+" overdue "+tot.Money(tot.Overdue).String())
	}
	want := []string{
		"5.00 due 5.00 overdue 5.00",
		"EUR 0.30 due EUR 0.30 overdue EUR 0.30",
		"JPY 3,500 due JPY 3,000 overdue JPY 3,000",
		"KWD 2.234 due KWD 1.234 overdue KWD 1.234",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("totals\n got %q\nwant %q", got, want)
	}
	s, err := b.Summary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Invoices.Open) != 4 || s.Invoices.OpenCount != 6 || s.Invoices.OverdueCount != 6 {
		t.Errorf("open per currency %d, open %d, overdue %d", len(s.Invoices.Open), s.Invoices.OpenCount, s.Invoices.OverdueCount)
	}
}
