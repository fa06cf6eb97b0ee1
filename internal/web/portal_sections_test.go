package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/store"
)

// TestPortalProjectPageWithInvoicesSwitchedOff: a customer whose invoices
// an admin switched off has no invoices section on its project pages, not
// an "Invoices" heading saying they are unavailable (and no warning in the
// log on every view); its projects' time entries are still there.
func TestPortalProjectPageWithInvoicesSwitchedOff(t *testing.T) {
	p := startDemoPortal(t, demoSetup{})
	ctx := context.Background()
	if err := p.in.Store().InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.SetSectionsOff(ctx, p.custA, []string{"invoices"}, p.in.Clock.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	a := p.signIn(t, "a@acme.example")
	pr := p.busiestProject(t)
	if len(p.invoicesOf(p.custA, func(v rawInvoice) bool { return v.visible() && v.Project == pr.ID })) == 0 {
		t.Fatal("the project has no invoices to leave out")
	}
	r := get(t, a, "/projects/"+pr.ID, http.StatusOK)
	doc := docOf(t, r.Body)
	if doc.Find(`section[aria-label="Invoices of this project"]`).Length() != 0 || strings.Contains(r.Body, "Invoices are unavailable") {
		t.Error("the project page has an invoices section with invoices switched off")
	}
	if len(tableRows(t, r.Body)) == 0 {
		t.Error("the project's time entries are gone too")
	}
	if logs := p.in.Logs.String(); strings.Contains(logs, "project invoices unavailable") {
		t.Error("every project view logs invoices as unavailable")
	}
}
