//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/billing"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/erpdemo"
	"github.com/portico-dev/portico/internal/invoicepdf/pdftext"
	"github.com/portico-dev/portico/internal/store"
)

// TestPortalJourney follows the demo customer through the client portal:
// sign in, read the overview's figures, open Projects, open a project,
// open one of its invoices from the project page, download the invoice's
// PDF, then filter the time entries by that project and a date range and
// export them. Every figure is checked against the demo ERP's tables, and
// no page may log an error or break its Content-Security-Policy.
func TestPortalJourney(t *testing.T) {
	path := filepath.Join(t.TempDir(), "erp.db")
	if _, err := erpdemo.CreateSQLite(context.Background(), path, erpdemo.Options{InventoryRows: 500, Anchor: apptest.Epoch}); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Preset("demo", catalog.PresetOptions{DemoERPPath: path})
	if err != nil {
		t.Fatal(err)
	}
	in := apptest.StartWithCatalog(t, cat)
	customer := erpdemo.CustomerKeys()[0]
	in.CreateAccount(t, "alex@alderfinch.example", pw, func(a *store.Account) { a.FirstName = "Alex"; a.Scope = []string{customer} })

	erp, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer erp.Close()
	one := func(q string, args ...any) string {
		t.Helper()
		var s sql.NullString
		if err := erp.QueryRow(q, args...).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return s.String
	}
	const visible = "('paid', 'sent', 'partially_paid', 'overdue')"
	// The project with the most visible invoices.
	var projectID, projectName string
	if err := erp.QueryRow(`SELECT p.project_id, p.name FROM projects p JOIN invoices i ON i.project_id = p.project_id
		WHERE p.customer = ? AND i.status IN `+visible+` GROUP BY p.project_id, p.name ORDER BY COUNT(*) DESC, p.project_id LIMIT 1`,
		customer).Scan(&projectID, &projectName); err != nil {
		t.Fatalf("no project with invoices in the demo: %v", err)
	}

	b := newBrowser(t)
	signIn(b, in.URL, "/login", "email", "alex@alderfinch.example")

	// The overview's figures are the ERP's.
	b.run(chromedp.WaitVisible(`[data-figure="active-projects"]`, chromedp.ByQuery))
	if loc := b.location(); loc != in.URL+"/" {
		t.Fatalf("after sign-in at %s", loc)
	}
	for figure, want := range map[string]string{
		"active-projects": one("SELECT COUNT(*) FROM projects WHERE customer = ? AND status = 'active'", customer),
		"open-invoices":   one("SELECT COUNT(*) FROM invoices WHERE customer = ? AND status IN ('sent', 'partially_paid', 'overdue')", customer),
		"hours-this-month": hoursText(t, one("SELECT COALESCE(SUM(CAST(ROUND(hours * 100) AS INTEGER)), 0) FROM time_entries WHERE customer = ? AND substr(work_date, 1, 7) = ?",
			customer, apptest.Epoch.Format("2006-01"))),
	} {
		if got := strings.TrimSpace(b.text(`[data-figure="` + figure + `"]`)); got != want {
			t.Errorf("overview %s: %q, the ERP says %q", figure, got, want)
		}
	}
	b.checkPage("overview")

	// Projects, then the project.
	b.run(chromedp.Click(`.mainnav a[href="/projects"]`, chromedp.ByQuery), chromedp.WaitVisible(`.project-list`, chromedp.ByQuery))
	if n := countOf(b, `.project-card`); strconv.Itoa(n) != one("SELECT COUNT(*) FROM projects WHERE customer = ?", customer) {
		t.Errorf("%d project cards", n)
	}
	b.checkPage("projects")
	b.run(chromedp.Click(`.project-name a[href="/projects/`+projectID+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`section[aria-label="Invoices of this project"]`, chromedp.ByQuery))
	if loc := b.location(); loc != in.URL+"/projects/"+projectID {
		t.Errorf("project page at %s", loc)
	}
	if h := strings.TrimSpace(b.text(`h1`)); h != projectName {
		t.Errorf("project heading %q, want %q", h, projectName)
	}
	invoiceRows := `section[aria-label="Invoices of this project"] tbody tr`
	if n := countOf(b, invoiceRows); strconv.Itoa(n) != one("SELECT COUNT(*) FROM invoices WHERE project_id = ? AND status IN "+visible, projectID) {
		t.Errorf("the project lists %d invoices", n)
	}
	b.checkPage("project")

	// One of its invoices, from the project page.
	var href string
	var ok bool
	b.run(chromedp.AttributeValue(invoiceRows+` a`, "href", &href, &ok, chromedp.ByQuery))
	number := strings.TrimSpace(b.text(invoiceRows + ` a`))
	invoiceID := strings.TrimPrefix(href, "/invoices/")
	if !ok || one("SELECT number FROM invoices WHERE invoice_id = ? AND project_id = ?", invoiceID, projectID) != number {
		t.Fatalf("the project links %q as %q, not one of its invoices", number, href)
	}
	b.run(chromedp.Click(invoiceRows+` a`, chromedp.ByQuery), chromedp.WaitVisible(`h1.invoice-title`, chromedp.ByQuery))
	if loc := b.location(); loc != in.URL+href {
		t.Errorf("invoice page at %s, want %s", loc, href)
	}
	if h := b.text(`h1.invoice-title`); !strings.Contains(h, number) {
		t.Errorf("invoice heading %q", h)
	}
	b.checkPage("invoice")

	// Download the PDF as the browser does: the button is a download link.
	dir := t.TempDir()
	began := make(chan *cdpbrowser.EventDownloadWillBegin, 1)
	finished := make(chan *cdpbrowser.EventDownloadProgress, 1)
	chromedp.ListenTarget(b.ctx, func(ev any) {
		switch e := ev.(type) {
		case *cdpbrowser.EventDownloadWillBegin:
			select {
			case began <- e:
			default:
			}
		case *cdpbrowser.EventDownloadProgress:
			if e.State == cdpbrowser.DownloadProgressStateCompleted || e.State == cdpbrowser.DownloadProgressStateCanceled {
				select {
				case finished <- e:
				default:
				}
			}
		}
	})
	b.run(cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(dir).WithEventsEnabled(true),
		chromedp.Click(`a[href="`+href+`.pdf"]`, chromedp.ByQuery))
	var start *cdpbrowser.EventDownloadWillBegin
	var done *cdpbrowser.EventDownloadProgress
	timeout := time.After(30 * time.Second)
	for done == nil {
		select {
		case start = <-began:
		case done = <-finished:
		case <-timeout:
			t.Fatal("the PDF download did not finish")
		}
	}
	if start == nil {
		start = <-began
	}
	if done.State != cdpbrowser.DownloadProgressStateCompleted {
		t.Fatalf("download %s", done.State)
	}
	if want := "invoice-" + number + ".pdf"; start.SuggestedFilename != want || !strings.HasSuffix(start.URL, href+".pdf") {
		t.Errorf("downloaded %q from %s, want %s", start.SuggestedFilename, start.URL, want)
	}
	file, err := os.ReadFile(filepath.Join(dir, start.GUID))
	if err != nil {
		t.Fatalf("the downloaded file: %v", err)
	}
	if !bytes.HasPrefix(file, []byte("%PDF-")) {
		t.Fatalf("the download starts %q, not %%PDF-", file[:min(len(file), 8)])
	}
	if text := pdfText(t, file); !strings.Contains(text, number) || !strings.Contains(text, customer) {
		t.Errorf("the PDF is not invoice %s of %s:\n%.400s", number, customer, text)
	}
	b.checkPage("after the download")

	// Time entries: filter by the project and the middle of its dates.
	b.run(chromedp.Click(`.mainnav a[href="/time-entries"]`, chromedp.ByQuery), chromedp.WaitVisible(`.entries-totals`, chromedp.ByQuery))
	before := strings.TrimSpace(b.text(`.entries-totals .stat-value`))
	if want := hoursText(t, one("SELECT SUM(CAST(ROUND(hours * 100) AS INTEGER)) FROM time_entries WHERE customer = ?", customer)); before != want {
		t.Errorf("all hours %q, the ERP %q", before, want)
	}
	b.checkPage("time entries")
	var days []string
	rows, err := erp.Query("SELECT substr(work_date, 1, 10) FROM time_entries WHERE project_id = ? ORDER BY work_date", projectID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d string
		rows.Scan(&d)
		days = append(days, d)
	}
	rows.Close()
	from, to := days[len(days)/4], days[len(days)*3/4]
	b.run(
		chromedp.SetValue(`#te-project`, projectID, chromedp.ByQuery),
		chromedp.SetValue(`#te-from`, from, chromedp.ByQuery),
		chromedp.SetValue(`#te-to`, to, chromedp.ByQuery),
		chromedp.Click(`.entries-filter button[type=submit]`, chromedp.ByQuery),
	)
	waitForAddress(b, func(loc string) bool {
		return strings.Contains(loc, "project="+projectID) && strings.Contains(loc, "from="+from) && strings.Contains(loc, "to="+to)
	})
	b.run(chromedp.WaitVisible(`.entries-totals`, chromedp.ByQuery))
	cond := "customer = ? AND project_id = ? AND substr(work_date, 1, 10) BETWEEN ? AND ?"
	wantCount := one("SELECT COUNT(*) FROM time_entries WHERE "+cond, customer, projectID, from, to)
	wantHours := hoursText(t, one("SELECT SUM(CAST(ROUND(hours * 100) AS INTEGER)) FROM time_entries WHERE "+cond, customer, projectID, from, to))
	after := strings.TrimSpace(b.text(`.entries-totals .stat-value`))
	if after == before || after != wantHours {
		t.Errorf("filtered hours %q (before %q), the ERP %q", after, before, wantHours)
	}
	var selected string
	b.run(chromedp.Value(`#te-project`, &selected, chromedp.ByQuery))
	if selected != projectID {
		t.Errorf("the project filter shows %q after filtering", selected)
	}
	b.checkPage("time entries filtered")

	// The CSV export of this view holds exactly the filtered rows.
	var res map[string]any
	b.run(chromedp.Evaluate(`(async () => {
		const a = [...document.querySelectorAll(".head-actions a")].find(x => x.textContent.includes("CSV"));
		const r = await fetch(a.getAttribute("href"));
		return {href: a.getAttribute("href"), status: r.status, type: r.headers.get("Content-Type"), text: await r.text()};
	})()`, &res, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	exportHref, _ := res["href"].(string)
	for _, want := range []string{"project=" + projectID, "from=" + from, "to=" + to} {
		if !strings.Contains(exportHref, want) {
			t.Errorf("the export link %q lacks %s", exportHref, want)
		}
	}
	if res["status"] != float64(200) || !strings.HasPrefix(res["type"].(string), "text/csv") {
		t.Fatalf("export answered %v %v", res["status"], res["type"])
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res["text"].(string), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v", err)
	}
	if strconv.Itoa(len(recs)-1) != wantCount {
		t.Errorf("the export has %d rows, the filter %s", len(recs)-1, wantCount)
	}
	var sum billing.Decimal
	for _, rec := range recs[1:] {
		if rec[0] < from || rec[0] > to || rec[1] != projectName {
			t.Errorf("export row %q is outside the filter", rec)
		}
		h, err := billing.ParseDecimal(rec[4])
		if err != nil {
			t.Fatalf("hours %q: %v", rec[4], err)
		}
		sum += h
	}
	if sum.Format(2) != wantHours {
		t.Errorf("the export's hours add up to %s, the page says %s", sum.Format(2), wantHours)
	}
	if !slices.Equal(recs[0], []string{"Date", "Project", "Person", "Description", "Hours", "Billable"}) {
		t.Errorf("export header %q", recs[0])
	}
}

// waitForAddress waits for a form's navigation to land where ok says.
// While the page changes, the DevTools calls fail in several ways
// (context gone, target navigated); they are retried until the new page
// answers.
func waitForAddress(b *browser, ok func(string) bool) {
	b.t.Helper()
	var loc string
	for range 100 {
		var state string
		if err := chromedp.Run(b.ctx, chromedp.Location(&loc), chromedp.Evaluate(`document.readyState`, &state)); err == nil && ok(loc) && state == "complete" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("the browser stayed at %s", loc)
}

// hoursText formats hundredths of an hour as the pages do: "1,234.50".
func hoursText(t *testing.T, hundredths string) string {
	t.Helper()
	n, err := strconv.ParseInt(hundredths, 10, 64)
	if err != nil {
		t.Fatalf("hours %q: %v", hundredths, err)
	}
	return billing.NewDecimal(n, 2).Format(2)
}

func countOf(b *browser, sel string) int {
	b.t.Helper()
	var n int
	b.run(chromedp.Evaluate(`document.querySelectorAll(`+strconv.Quote(sel)+`).length`, &n))
	return n
}

// pdfText returns the strings a PDF draws, one a line.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	s, err := pdftext.Text(b)
	if err != nil {
		t.Fatalf("read PDF: %v", err)
	}
	return s
}
