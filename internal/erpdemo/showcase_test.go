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

		// Project invoices: most of the customer's invoices bill one of its
		// projects, two do not (one of them open), and the draft and the
		// cancelled invoice bill one too, so a project page has hidden
		// invoices to leave out.
		all := count(t, db, "SELECT COUNT(*) FROM invoices WHERE customer = ?", first.Key)
		if n := count(t, db, "SELECT COUNT(*) FROM invoices WHERE customer = ? AND project_id IS NULL", first.Key); n != 2 {
			t.Errorf("seed %d: %d of %d invoices without a project, want 2", seed, n, all)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM invoices WHERE customer = ? AND project_id IS NULL AND status IN ('sent', 'overdue')", first.Key); n < 1 {
			t.Errorf("seed %d: no open invoice without a project", seed)
		}
		for _, status := range []string{"draft", "cancelled"} {
			if n := count(t, db, "SELECT COUNT(*) FROM invoices WHERE customer = ? AND status = ? AND project_id IS NOT NULL", first.Key, status); n != 1 {
				t.Errorf("seed %d: the %s invoice bills no project", seed, status)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM invoices i JOIN projects p ON p.project_id = i.project_id
			WHERE i.customer = ? AND p.status = 'active' AND i.status IN ('paid', 'sent', 'overdue', 'partially_paid')`, first.Key); n < 2 {
			t.Errorf("seed %d: %d visible invoices on active projects, want at least 2", seed, n)
		}
		if n := count(t, db, `SELECT COUNT(DISTINCT i.project_id) FROM invoices i WHERE i.customer = ? AND i.status IN ('paid', 'sent', 'overdue', 'partially_paid')`, first.Key); n < 1 {
			t.Errorf("seed %d: no project with a visible invoice", seed)
		}
	}
}

// TestInvoiceProjects checks that every invoice billing a project bills
// one of its own customer's projects, one that had started by the issue
// date and had not ended long before it, and that other customers have
// invoices with and without a project too.
func TestInvoiceProjects(t *testing.T) {
	for _, seed := range []uint64{0, 3, 7} {
		db := writeSQLite(t, Options{InventoryRows: 50, Seed: seed, Anchor: testAnchor})
		if n := count(t, db, "SELECT COUNT(*) FROM invoices i WHERE i.project_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.project_id = i.project_id)"); n != 0 {
			t.Errorf("seed %d: %d invoices bill a project that does not exist", seed, n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM invoices i JOIN projects p ON p.project_id = i.project_id WHERE p.customer <> i.customer"); n != 0 {
			t.Errorf("seed %d: %d invoices bill another customer's project", seed, n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM invoices i JOIN projects p ON p.project_id = i.project_id WHERE p.start_date >= i.issue_date"); n != 0 {
			t.Errorf("seed %d: %d invoices bill a project that had not started", seed, n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM invoices i JOIN projects p ON p.project_id = i.project_id
			WHERE p.status <> 'active' AND julianday(i.issue_date) - julianday(substr(p.last_activity, 1, 10)) > 45`); n != 0 {
			t.Errorf("seed %d: %d invoices bill a project that ended long before", seed, n)
		}
		all := count(t, db, "SELECT COUNT(*) FROM invoices")
		linked := count(t, db, "SELECT COUNT(*) FROM invoices WHERE project_id IS NOT NULL")
		if share := float64(linked) / float64(all); share < 0.4 || share > 0.9 {
			t.Errorf("seed %d: %d of %d invoices (%.0f%%) bill a project, want most but not all", seed, linked, all, share*100)
		}
		if n := count(t, db, "SELECT COUNT(DISTINCT customer) FROM invoices WHERE project_id IS NOT NULL"); n < 30 {
			t.Errorf("seed %d: only %d customers have project invoices", seed, n)
		}
	}
}
