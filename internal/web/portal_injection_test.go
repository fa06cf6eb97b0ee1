package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// hostileInputs are values an attacker types into addresses: SQL
// injection, markup in every context, template and path tricks, control
// characters and look-alike digits.
var hostileInputs = []string{
	`1' OR '1'='1`,
	`1 OR 1=1`,
	`1; DROP TABLE invoices; --`,
	`' UNION SELECT customer_key, name FROM customers --`,
	`<script>alert(1)</script>`,
	`"><svg onload=alert(1)>`,
	`javascript:alert(1)`,
	`{{.}}${7*7}`,
	`../../../etc/passwd`,
	"1\x00",
	"１２",
	"2026-05-01\r\nSet-Cookie: x=1",
}

// TestPortalParametersResistInjection sends every hostile value in every
// parameter of the client-portal pages and their exports. Nothing may
// answer 5xx, echo markup unescaped, or widen what the customer sees: a
// project filter that is not one of the customer's projects matches no
// entry, and an id that is not one of theirs is the 404 page.
func TestPortalParametersResistInjection(t *testing.T) {
	p := startDemoPortal(t, demoSetup{})
	a := p.signIn(t, "a@acme.example")
	own := p.busiestProject(t)

	type target struct {
		name string
		path func(v string) string
		// want is the status every hostile value gets.
		want int
		// noRows: the answer is a page or CSV that must list no entry.
		noRows bool
	}
	q := func(path, param string) func(string) string {
		return func(v string) string { return path + "?" + url.Values{param: {v}}.Encode() }
	}
	targets := []target{
		{"project page id", func(v string) string { return "/projects/" + url.PathEscape(v) }, http.StatusNotFound, false},
		{"invoice id", func(v string) string { return "/invoices/" + url.PathEscape(v) }, http.StatusNotFound, false},
		{"invoice PDF id", func(v string) string { return "/invoices/" + url.PathEscape(v) + ".pdf" }, http.StatusNotFound, false},
		{"invoices status", q("/invoices", "status"), http.StatusBadRequest, false},
		{"invoices sort", q("/invoices", "sort"), http.StatusBadRequest, false},
		{"time entries project", q("/time-entries", "project"), http.StatusOK, true},
		{"time entries from", q("/time-entries", "from"), http.StatusBadRequest, false},
		{"time entries to", q("/time-entries", "to"), http.StatusBadRequest, false},
		{"time entries billable", q("/time-entries", "billable"), http.StatusBadRequest, false},
		{"time entries sort", q("/time-entries", "sort"), http.StatusOK, false},
		{"time entries page", q("/time-entries", "page"), http.StatusOK, false},
		{"CSV export project", q("/time-entries/export.csv", "project"), http.StatusOK, true},
		{"CSV export from", q("/time-entries/export.csv", "from"), http.StatusBadRequest, false},
		{"CSV export billable", q("/time-entries/export.csv", "billable"), http.StatusBadRequest, false},
		{"XLSX export to", q("/time-entries/export.xlsx", "to"), http.StatusBadRequest, false},
		{"XLSX export sort", q("/time-entries/export.xlsx", "sort"), http.StatusOK, false},
		{"project page from", q("/projects/"+own.ID, "from"), http.StatusBadRequest, false},
		{"project page billable", q("/projects/"+own.ID, "billable"), http.StatusBadRequest, false},
		{"project page project (ignored)", q("/projects/"+own.ID, "project"), http.StatusOK, false},
		{"project page sort", q("/projects/"+own.ID, "sort"), http.StatusOK, false},
		{"project page page", q("/projects/"+own.ID, "page"), http.StatusOK, false},
		{"projects list", q("/projects", "status"), http.StatusOK, false},
		{"overview", q("/", "x"), http.StatusOK, false},
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			for _, v := range hostileInputs {
				path := tg.path(v)
				r := a.Get(path)
				notServerError(t, path, r)
				if r.StatusCode != tg.want {
					t.Errorf("%q: %d, want %d", v, r.StatusCode, tg.want)
				}
				for _, raw := range []string{"<script>alert(1)", "<svg onload"} {
					if strings.Contains(r.Body, raw) {
						t.Errorf("%q: the answer holds %q unescaped", v, raw)
					}
				}
				if r.Header.Get("X-Injected") != "" || strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), ";"), "x=1") {
					t.Errorf("%q: a header was injected", v)
				}
				if tg.noRows {
					if strings.HasSuffix(strings.SplitN(path, "?", 2)[0], ".csv") {
						if recs := readCSV(t, r.Body); len(recs) != 1 {
							t.Errorf("%q: the export lists %d entries, want none", v, len(recs)-1)
						}
					} else if rows := tableRows(t, r.Body); len(rows) != 0 {
						t.Errorf("%q: %d entries listed, want none", v, len(rows))
					}
				}
			}
		})
	}

	// The ERP is read-only for Portico; it still holds every row.
	before := len(p.invoices)
	p.read(t)
	if len(p.invoices) != before || len(p.invoices) == 0 {
		t.Errorf("the ERP has %d invoices after the attempts, %d before", len(p.invoices), before)
	}
}

// Hostile text stored in the ERP, shown on the project, invoice, time and
// overview pages.
const (
	xssProject = `<script>alert("project")</script> & "Co"`
	xssEntry   = `<img src=x onerror=alert("entry")>`
	xssPerson  = `"><svg onload=alert("person")>`
	xssNumber  = `<b onmouseover=alert(1)>INV-X`
	xssLine    = `<iframe src="javascript:alert('line')"></iframe>`
)

// TestPortalERPTextIsEscapedEverywhere writes markup into the ERP's text
// fields (a project's name, a time entry's description and person, an
// invoice's number and line) and checks every page that shows them
// renders them as text.
func TestPortalERPTextIsEscapedEverywhere(t *testing.T) {
	var project, invoice, entry string
	p := startDemoPortal(t, demoSetup{edit: func(t *testing.T, p *demoPortal) {
		pr := p.busiestProject(t)
		project = pr.ID
		inv := p.invoice(t, p.custA, func(v rawInvoice) bool { return v.visible() && v.Project == pr.ID })
		invoice = inv.ID
		// The newest entry, so the overview lists it too.
		list := p.entriesOf(p.custA, func(rawEntry) bool { return true })
		e := list[0]
		for _, x := range list {
			if x.Date > e.Date || x.Date == e.Date && atoi(t, x.ID) > atoi(t, e.ID) {
				e = x
			}
		}
		entry = e.ID
		p.exec(t, "UPDATE projects SET name = ? WHERE project_id = ?", xssProject, pr.ID)
		p.exec(t, "UPDATE time_entries SET project_id = ?, description = ?, person = ? WHERE entry_id = ?", pr.ID, xssEntry, xssPerson, e.ID)
		p.exec(t, "UPDATE invoices SET number = ? WHERE invoice_id = ?", xssNumber, inv.ID)
		p.exec(t, "UPDATE invoice_lines SET description = ? WHERE invoice_id = ?", xssLine, inv.ID)
	}})
	a := p.signIn(t, "a@acme.example")
	e := p.entriesOf(p.custA, func(e rawEntry) bool { return e.ID == entry })[0]

	pages := map[string][]string{ // page → the hostile values it must show, as text
		"/":                    {xssProject}, // recent entries: date, project, hours
		"/projects":            {xssProject},
		"/projects/" + project: {xssProject, xssEntry, xssPerson, xssNumber},
		"/time-entries":        {xssProject, xssEntry, xssPerson},
		"/time-entries?project=" + project + "&from=" + e.Date + "&to=" + e.Date: {xssProject, xssEntry, xssPerson},
		"/invoices":            {xssNumber},
		"/invoices/" + invoice: {xssNumber, xssLine},
	}
	raws := []string{"<script>alert(", "<img src=x", "<svg onload", "<b onmouseover", "<iframe"}
	for path, shown := range pages {
		r := get(t, a, path, http.StatusOK)
		for _, raw := range raws {
			if strings.Contains(r.Body, raw) {
				t.Errorf("%s holds %q unescaped", path, raw)
			}
		}
		doc := docOf(t, r.Body)
		if doc.Find("main script, main img, main iframe, main b, main svg[onload]").Length() != 0 {
			t.Errorf("%s: ERP text became elements", path)
		}
		body := doc.Text()
		for _, s := range shown {
			if !strings.Contains(body, s) {
				t.Errorf("%s does not show %q as text", path, s)
			}
		}
	}
	// The page title carries the project's name, as text.
	if title := docOf(t, get(t, a, "/projects/"+project, http.StatusOK).Body).Find("title").Text(); !strings.Contains(title, xssProject) {
		t.Errorf("title %q", title)
	}
	// The invoice's PDF prints the number as text and downloads under a
	// file name made safe.
	r := get(t, a, "/invoices/"+invoice+".pdf", http.StatusOK)
	if cd := r.Header.Get("Content-Disposition"); !safeAttachment.MatchString(cd) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if all := strings.Join(pdfPages(t, []byte(r.Body)), ""); !strings.Contains(all, xssNumber) || !strings.Contains(all, xssLine) {
		t.Error("the PDF does not print the ERP's text as it is")
	}
}

var safeAttachment = regexp.MustCompile(`^attachment; filename="invoice-[A-Za-z0-9._-]+\.pdf"$`)

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPortalHugeQueryStrings sends query strings far beyond anything a
// form produces. Within the server's header limit the pages answer as for
// any other bad or unmatched value (never 5xx); past it the server
// refuses the request with 431 before any handler runs.
func TestPortalHugeQueryStrings(t *testing.T) {
	p := startDemoPortal(t, demoSetup{})
	a := p.signIn(t, "a@acme.example")
	own := p.busiestProject(t)
	big := strings.Repeat("9", 40<<10)
	many := strings.TrimSuffix(strings.Repeat("project=1&", 3000), "&")
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/time-entries?project=" + big, http.StatusOK},
		{"/time-entries?from=" + big, http.StatusBadRequest},
		{"/time-entries?to=2026-01-01&billable=" + big, http.StatusBadRequest},
		{"/time-entries?page=" + big, http.StatusOK},
		{"/time-entries?sort=" + big, http.StatusOK},
		{"/time-entries?" + many, http.StatusOK},
		{"/time-entries/export.csv?project=" + big, http.StatusOK},
		{"/time-entries/export.csv?from=" + big, http.StatusBadRequest},
		{"/invoices?status=" + big, http.StatusBadRequest},
		{"/invoices?sort=" + big, http.StatusBadRequest},
		{"/invoices/" + big, http.StatusNotFound},
		{"/invoices/" + big + ".pdf", http.StatusNotFound},
		{"/projects/" + big, http.StatusNotFound},
		{"/projects/" + own.ID + "?from=" + big, http.StatusBadRequest},
		{"/projects/" + own.ID + "?" + many, http.StatusOK},
		{"/?" + many, http.StatusOK},
	} {
		r := a.Get(tc.path)
		notServerError(t, tc.path[:min(len(tc.path), 60)], r)
		if r.StatusCode != tc.want {
			t.Errorf("%.60s…: %d, want %d", tc.path, r.StatusCode, tc.want)
		}
	}
	for _, path := range []string{
		"/time-entries?project=" + strings.Repeat("9", 200<<10),
		"/invoices?status=" + strings.Repeat("x", 1<<20),
		"/projects/" + own.ID + "?from=" + strings.Repeat("2", 100<<10),
	} {
		r := a.Get(path)
		if r.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("%d-byte address: %d, want 431", len(path), r.StatusCode)
		}
	}
	// The session survives all of it.
	get(t, a, "/time-entries", http.StatusOK)
}
