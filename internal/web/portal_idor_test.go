package web_test

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// TestPortalIDsOutsideTheScopeGiveIdentical404s asks for every URL that
// takes an id (a project, an invoice, an invoice's PDF) with ids the
// customer may not see: another customer's, one that never existed, the
// customer's own draft and cancelled invoices, another customer's draft,
// and malformed ones. Every answer must be the same 404, byte for byte
// once the request id (different on every request by design) is set
// aside, with the same headers: nothing may tell "exists but not yours"
// from "does not exist".
func TestPortalIDsOutsideTheScopeGiveIdentical404s(t *testing.T) {
	p := startDemoPortal(t, demoSetup{})
	a := p.signIn(t, "a@acme.example")

	ownInvoice := p.invoice(t, p.custA, rawInvoice.visible)
	ownProject := p.projectsOf(p.custA)[0]
	get(t, a, "/invoices/"+ownInvoice.ID, http.StatusOK)
	get(t, a, "/invoices/"+ownInvoice.ID+".pdf", http.StatusOK)
	get(t, a, "/projects/"+ownProject.ID, http.StatusOK)

	foreignInvoice := p.invoice(t, p.custB, rawInvoice.visible)
	foreignDraft := p.invoice(t, p.custB, func(v rawInvoice) bool { return !v.visible() })
	ownDraft := p.invoice(t, p.custA, func(v rawInvoice) bool { return v.Status == "draft" })
	ownCancelled := p.invoice(t, p.custA, func(v rawInvoice) bool { return v.Status == "cancelled" })
	foreignProject := p.projectsOf(p.custB)[0]
	// An id that is a project of A but no invoice of A (ids are per table).
	var projectIDNotAnInvoice string
	for _, pr := range p.projects {
		if pr.Customer == p.custA && len(p.invoicesOf(p.custA, func(v rawInvoice) bool { return v.ID == pr.ID && v.visible() })) == 0 {
			projectIDNotAnInvoice = pr.ID
			break
		}
	}

	invoiceIDs := map[string]string{
		"another customer's":         foreignInvoice.ID,
		"another customer's draft":   foreignDraft.ID,
		"own draft":                  ownDraft.ID,
		"own cancelled":              ownCancelled.ID,
		"nonexistent":                "999999",
		"zero":                       "0",
		"negative":                   "-1",
		"zero-padded own":            "0" + ownInvoice.ID,
		"own with a decimal point":   ownInvoice.ID + ".0",
		"own with a space":           url.PathEscape(" " + ownInvoice.ID),
		"own in exponent form":       ownInvoice.ID + "e0",
		"a project id, not invoices": projectIDNotAnInvoice,
		"malformed":                  url.PathEscape(`abc'"<x>`),
	}
	projectIDs := map[string]string{
		"another customer's":             foreignProject.ID,
		"another customer's with query":  foreignProject.ID + "?from=2026-01-01&billable=yes&project=" + ownProject.ID,
		"nonexistent":                    "999999",
		"nonexistent with a bad filter":  "999999?from=not-a-date",
		"zero-padded own":                "0" + ownProject.ID,
		"own with a decimal point":       ownProject.ID + ".0",
		"an invoice id, not projects":    "987654",
		"malformed":                      url.PathEscape(`abc'"<x>`),
		"another customer's, bad filter": foreignProject.ID + "?billable=maybe",
	}
	paths := map[string]string{}
	for name, id := range invoiceIDs {
		if id == "" {
			continue
		}
		paths["invoice: "+name] = "/invoices/" + id
		if !strings.Contains(id, ".") {
			paths["invoice PDF: "+name] = "/invoices/" + id + ".pdf"
		}
	}
	for name, id := range projectIDs {
		paths["project: "+name] = "/projects/" + id
	}

	type answer struct {
		name, body string
		header     http.Header
	}
	var first *answer
	names := make([]string, 0, len(paths))
	for n := range paths {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		path := paths[name]
		r := a.Get(path)
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("%s (%s): %d, want 404", name, path, r.StatusCode)
			continue
		}
		got := &answer{name: name, body: withoutRequestID(r.Header, r.Body), header: r.Header.Clone()}
		for _, h := range []string{"Date", "X-Request-Id", "Set-Cookie"} {
			got.header.Del(h)
		}
		if first == nil {
			first = got
			continue
		}
		if got.body != first.body {
			t.Errorf("%s (%s) and %s give different 404 bodies", name, path, first.name)
		}
		if !sameHeaders(got.header, first.header) {
			t.Errorf("%s and %s give different headers:\n%v\n%v", name, first.name, got.header, first.header)
		}
	}
	if first == nil || !strings.Contains(first.body, "Page not found") {
		t.Fatal("no 404 page to compare")
	}
	// None of them names what it refused.
	for _, v := range []rawInvoice{foreignInvoice, foreignDraft, ownDraft, ownCancelled} {
		if strings.Contains(first.body, v.Number) {
			t.Errorf("the 404 names invoice %s", v.Number)
		}
	}
	if strings.Contains(first.body, foreignProject.Name) {
		t.Error("the 404 names the other customer's project")
	}
}

func sameHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if strings.Join(v, "\n") != strings.Join(b[k], "\n") {
			return false
		}
	}
	return true
}
