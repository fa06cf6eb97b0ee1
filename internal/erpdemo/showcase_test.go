package erpdemo

import (
	"testing"
)

// TestDemoCustomerShowcase checks that the customer the demo's
// single-customer account sees has something to show in every client
// portal state, for several seeds, and that statuses agree with dates for
// every customer.
func TestDemoCustomerShowcase(t *testing.T) {
	for _, seed := range []uint64{0, 3, 7} {
		db := writeSQLite(t, Options{InventoryRows: 50, Seed: seed, Anchor: testAnchor})
		first := Customers()[0]
		if first.Currency != "USD" {
			t.Fatalf("first customer billed in %q", first.Currency)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM projects WHERE customer = ? AND status = 'active'", first.Key); n < 2 {
			t.Errorf("seed %d: %d active projects", seed, n)
		}
		for _, status := range []string{"cancelled", "draft", "paid", "partially_paid"} {
			if n := count(t, db, "SELECT COUNT(*) FROM invoices WHERE customer = ? AND status = ?", first.Key, status); n == 0 {
				t.Errorf("seed %d: no %s invoice", seed, status)
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM invoices WHERE customer = ? AND status IN ('sent', 'overdue')", first.Key); n < 2 {
			t.Errorf("seed %d: %d open invoices", seed, n)
		}
		if n := count(t, db, "SELECT COUNT(DISTINCT currency) FROM invoices WHERE customer = ? AND status NOT IN ('draft', 'cancelled')", first.Key); n != 2 {
			t.Errorf("seed %d: %d currencies", seed, n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM invoices WHERE customer = ? AND status = 'partially_paid' AND currency = 'EUR' AND amount_paid > 0 AND amount_paid < total", first.Key); n != 1 {
			t.Errorf("seed %d: %d partially paid EUR invoices", seed, n)
		}
		anchor := testAnchor.Format("2006-01-02")
		if n := count(t, db, "SELECT COUNT(*) FROM invoices WHERE (status = 'overdue' AND due_date >= ?) OR (status = 'paid' AND amount_paid <> total) OR (status IN ('sent', 'overdue', 'draft', 'cancelled') AND amount_paid <> 0)", anchor); n != 0 {
			t.Errorf("seed %d: %d invoices whose status disagrees with their dates or payments", seed, n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM customers c WHERE c.currency NOT IN ('USD', 'GBP', 'EUR') OR EXISTS (SELECT 1 FROM invoices i WHERE i.customer = c.customer_key AND i.currency <> c.currency AND c.customer_key <> ?)", first.Key); n != 0 {
			t.Errorf("seed %d: %d customers with invoices outside their currency", seed, n)
		}
	}
}
