package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/erpdemo"
	"github.com/portico-dev/portico/internal/store"
)

// Hostile values written into the demo ERP for the client-portal tests:
// markup, an attribute breakout and spreadsheet formulas.
const (
	hostileDescription = `<script>alert(1)</script> "><img src=x onerror=alert(2)>`
	hostileFormula     = `=HYPERLINK("http://evil.example/","Open")`
	hostileProject     = `"><svg onload=alert(3)> & Co`
	hostilePerson      = `@SUM(1+1)`
)

// portalERP is the demo ERP behind a client-portal test, and the keys of
// the two customers the tests sign in as.
type portalERP struct {
	db         *sql.DB
	custA      string
	custB      string
	hostileDay string // the day the hostile time entries were logged
	projA      string // an active project of custA, with time entries
	projB      string // a project of custB
}

// portalApp starts Portico over a fresh demo ERP (SQLite) with hostile
// values added to customer A's projects and time entries, and accounts
// a@ (customer A) and b@ (customer B).
func portalApp(t *testing.T) (*apptest.Instance, *portalERP) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "erp.db")
	anchor := apptest.Epoch
	if _, err := erpdemo.CreateSQLite(context.Background(), path, erpdemo.Options{InventoryRows: 50, Anchor: anchor}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keys := erpdemo.CustomerKeys()
	e := &portalERP{db: db, custA: keys[0], custB: keys[1], hostileDay: anchor.AddDate(0, 0, -3).Format(time.DateOnly)}
	e.projA = e.scalar(t, "SELECT MIN(p.project_id) FROM projects p WHERE p.customer = ? AND p.status = 'active' AND EXISTS (SELECT 1 FROM time_entries t WHERE t.project_id = p.project_id)", e.custA)
	e.projB = e.scalar(t, "SELECT MIN(project_id) FROM projects WHERE customer = ?", e.custB)
	var maxProject, maxEntry int64
	db.QueryRow("SELECT MAX(project_id) FROM projects").Scan(&maxProject)
	db.QueryRow("SELECT MAX(entry_id) FROM time_entries").Scan(&maxEntry)
	mustExec(t, db, "INSERT INTO projects (project_id, customer, name, status, budget_hours, budget_amount, start_date, last_activity) VALUES (?, ?, ?, 'active', 10, 1000, ?, NULL)",
		maxProject+1, e.custA, hostileProject, e.hostileDay)
	for i, desc := range []string{hostileDescription, hostileFormula} {
		mustExec(t, db, "INSERT INTO time_entries (entry_id, customer, project_id, work_date, hours, description, person, billable) VALUES (?, ?, ?, ?, 1.5, ?, ?, 1)",
			maxEntry+1+int64(i), e.custA, maxProject+1, e.hostileDay, desc, hostilePerson)
	}
	cat, err := catalog.Preset("demo", catalog.PresetOptions{DemoERPPath: path})
	if err != nil {
		t.Fatal(err)
	}
	in := apptest.StartWithCatalog(t, cat)
	in.CreateAccount(t, "a@acme.example", goodPassword, func(a *store.Account) { a.Scope = []string{e.custA} })
	in.CreateAccount(t, "b@acme.example", goodPassword, func(a *store.Account) { a.Scope = []string{e.custB} })
	return in, e
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (e *portalERP) scalar(t *testing.T, q string, args ...any) string {
	t.Helper()
	var s sql.NullString
	if err := e.db.QueryRow(q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s.String
}

// count returns how many of customer A's entries match a SQL condition,
// and their hours in hundredths.
func (e *portalERP) count(t *testing.T, cond string, args ...any) (n int, hundredths int64) {
	t.Helper()
	q := "SELECT COUNT(*), COALESCE(SUM(CAST(ROUND(hours * 100) AS INTEGER)), 0) FROM time_entries WHERE customer = ?"
	if cond != "" {
		q += " AND " + cond
	}
	if err := e.db.QueryRow(q, append([]any{e.custA}, args...)...).Scan(&n, &hundredths); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n, hundredths
}

func signedIn(t *testing.T, in *apptest.Instance, email string) *apptest.Client {
	t.Helper()
	c := in.Client(t)
	if r := c.SignIn(email, goodPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", email, r.StatusCode)
	}
	return c
}

// hundredths reads "1,234.50" as 123450.
func hundredths(t *testing.T, s string) int64 {
	t.Helper()
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "h"))
	s = strings.ReplaceAll(s, ",", "")
	whole, frac, _ := strings.Cut(s, ".")
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		t.Fatalf("hours %q: %v", s, err)
	}
	f, _ := strconv.ParseInt((frac + "00")[:2], 10, 64)
	return w*100 + f
}

// totals reads the hours, billable and not-billable totals of a page.
func totals(t *testing.T, body string) (hours, billable, nonBillable int64) {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	vals := doc.Find(".entries-totals .stat-value")
	if vals.Length() != 3 {
		t.Fatalf("%d totals on the page", vals.Length())
	}
	return hundredths(t, vals.Eq(0).Text()), hundredths(t, vals.Eq(1).Text()), hundredths(t, vals.Eq(2).Text())
}

// tableRows returns the table's rows as their cells' text.
func tableRows(t *testing.T, body string) [][]string {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	doc.Find("table.entries-table tbody tr").Each(func(_ int, tr *goquery.Selection) {
		var cells []string
		tr.Find("td").Each(func(_ int, td *goquery.Selection) { cells = append(cells, strings.TrimSpace(td.Text())) })
		out = append(out, cells)
	})
	return out
}

func TestTimeEntriesNeedSignIn(t *testing.T) {
	in, e := portalApp(t)
	anon := in.Client(t)
	for _, p := range []string{"/time-entries", "/time-entries?from=2026-01-01", "/time-entries/export.csv", "/time-entries/export.xlsx",
		"/projects", "/projects/" + e.projA, "/projects/999999"} {
		r := anon.Get(p)
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Errorf("%s signed out: %d to %q, want a redirect to /login", p, r.StatusCode, r.Header.Get("Location"))
		}
	}
}

func TestTimeEntriesDateRange(t *testing.T) {
	in, e := portalApp(t)
	a := signedIn(t, in, "a@acme.example")
	// A day with several entries, to test that both ends are included.
	// A day in the middle, with entries before and after it.
	day := e.scalar(t, `SELECT work_date FROM time_entries t WHERE customer = ?1
		AND work_date > (SELECT MIN(work_date) FROM time_entries WHERE customer = ?1)
		AND work_date < (SELECT MAX(work_date) FROM time_entries WHERE customer = ?1)
		GROUP BY work_date HAVING COUNT(*) >= 2 ORDER BY work_date LIMIT 1`, e.custA)
	if day == "" {
		t.Fatal("no day in the middle with two entries")
	}
	day = day[:10]
	d, _ := time.Parse(time.DateOnly, day)
	next := d.AddDate(0, 0, 1).Format(time.DateOnly)
	prev := d.AddDate(0, 0, -1).Format(time.DateOnly)

	tests := []struct {
		name, query string
		status      int
		message     string // shown on a 400
		cond        string // the SQL for the expected rows (customer A)
		args        []any
	}{
		{"ReversedIsRefused", "from=" + next + "&to=" + prev, http.StatusBadRequest, "is after the end date", "", nil},
		{"MalformedStartIsRefused", "from=31/01/2026", http.StatusBadRequest, "is not a date", "", nil},
		{"MalformedEndIsRefused", "to=2026-02-30", http.StatusBadRequest, "is not a date", "", nil},
		{"FarFutureIsEmpty", "from=9000-01-01&to=9999-12-31", http.StatusOK, "", "work_date >= '9000-01-01'", nil},
		{"OneDayIncludesBothEnds", "from=" + day + "&to=" + day, http.StatusOK, "", "substr(work_date, 1, 10) = ?", []any{day}},
		{"StartOnlyIncludesTheDay", "from=" + day, http.StatusOK, "", "substr(work_date, 1, 10) >= ?", []any{day}},
		{"EndOnlyIncludesTheDay", "to=" + day, http.StatusOK, "", "substr(work_date, 1, 10) <= ?", []any{day}},
		{"BillableYes", "billable=yes", http.StatusOK, "", "billable = 1", nil},
		{"BillableNo", "billable=no", http.StatusOK, "", "billable = 0", nil},
		{"BillableNonsenseIsRefused", "billable=maybe", http.StatusBadRequest, "is not a choice", "", nil},
		{"RangeAndBillable", "from=" + prev + "&to=" + next + "&billable=yes", http.StatusOK, "", "substr(work_date, 1, 10) BETWEEN ? AND ? AND billable = 1", []any{prev, next}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := a.Get("/time-entries?" + tc.query)
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tc.status)
			}
			if tc.status == http.StatusBadRequest {
				if !strings.Contains(r.Body, tc.message) || !strings.Contains(r.Body, `class="field-error"`) {
					t.Errorf("the page does not explain the problem (%q)", tc.message)
				}
				if len(tableRows(t, r.Body)) != 0 {
					t.Error("rows shown for a filter that cannot be used")
				}
				if ex := a.Get("/time-entries/export.csv?" + tc.query); ex.StatusCode != http.StatusBadRequest {
					t.Errorf("export of the same filter: %d, want 400", ex.StatusCode)
				}
				return
			}
			wantN, wantHours := e.count(t, tc.cond, tc.args...)
			recs := readCSV(t, a.Get("/time-entries/export.csv?"+tc.query).Body)
			if got := len(recs) - 1; got != wantN {
				t.Errorf("export has %d rows, the ERP %d", got, wantN)
			}
			hours, billable, non := totals(t, r.Body)
			if hours != wantHours {
				t.Errorf("total hours %d/100, the ERP %d/100", hours, wantHours)
			}
			if billable+non != hours {
				t.Errorf("billable %d + not billable %d ≠ total %d", billable, non, hours)
			}
			// The totals add up the rows the export lists.
			var sum, sumBillable int64
			for _, rec := range recs[1:] {
				h := hundredths(t, rec[4])
				sum += h
				if rec[5] == "Yes" {
					sumBillable += h
				}
				if tc.query == "billable=yes" && rec[5] != "Yes" || tc.query == "billable=no" && rec[5] != "No" {
					t.Errorf("row %q under %s", rec, tc.query)
				}
				if strings.HasPrefix(tc.name, "OneDay") && rec[0] != day {
					t.Errorf("row of %s in a filter of %s", rec[0], day)
				}
			}
			if sum != hours || sumBillable != billable {
				t.Errorf("rows add up to %d (%d billable), the totals say %d (%d)", sum, sumBillable, hours, billable)
			}
			if wantN == 0 && !strings.Contains(r.Body, "No time entries match this filter") {
				t.Error("an empty filter does not say so")
			}
		})
	}
}

func TestTimeEntriesPagingAndSorting(t *testing.T) {
	in, e := portalApp(t)
	a := signedIn(t, in, "a@acme.example")
	n, _ := e.count(t, "")
	if n <= 50 {
		t.Skipf("customer A has only %d entries", n)
	}
	first := tableRows(t, a.Get("/time-entries").Body)
	if len(first) != 50 {
		t.Fatalf("first page has %d rows, want 50", len(first))
	}
	for i := 1; i < len(first); i++ {
		if first[i][0] > first[i-1][0] {
			t.Fatalf("default order is not newest first: %s after %s", first[i][0], first[i-1][0])
		}
	}
	var all [][]string
	for p := 1; ; p++ {
		rows := tableRows(t, a.Get("/time-entries?page="+strconv.Itoa(p)).Body)
		if len(rows) == 0 || p > 100 {
			break
		}
		all = append(all, rows...)
		if len(rows) < 50 {
			break
		}
	}
	if len(all) != n {
		t.Errorf("the pages hold %d rows, the ERP %d", len(all), n)
	}
	oldest := tableRows(t, a.Get("/time-entries?sort=date").Body)
	if oldest[0][0] != all[len(all)-1][0] {
		t.Errorf("oldest first starts with %s, want %s", oldest[0][0], all[len(all)-1][0])
	}
	if r := a.Get("/time-entries?page=99999"); r.StatusCode != http.StatusOK || len(tableRows(t, r.Body)) == 0 {
		t.Errorf("a page past the end: %d, %d rows (want the last page)", r.StatusCode, len(tableRows(t, r.Body)))
	}
}

func TestTimeEntriesExports(t *testing.T) {
	in, e := portalApp(t)
	a := signedIn(t, in, "a@acme.example")
	query := "project=" + url.QueryEscape(e.projA) + "&billable=yes&sort=hours"
	page := tableRows(t, a.Get("/time-entries?"+query).Body)
	if len(page) == 0 || len(page) >= 50 {
		t.Fatalf("%d rows for one project", len(page))
	}
	csvResp := a.Get("/time-entries/export.csv?" + query)
	if ct := csvResp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("CSV content type %q", ct)
	}
	recs := readCSV(t, csvResp.Body)
	if want := []string{"Date", "Project", "Person", "Description", "Hours", "Billable"}; strings.Join(recs[0], "|") != strings.Join(want, "|") {
		t.Errorf("CSV header %q, want %q", recs[0], want)
	}
	if len(recs)-1 != len(page) {
		t.Fatalf("CSV has %d rows, the page %d", len(recs)-1, len(page))
	}
	for i, row := range page {
		rec := recs[i+1]
		if rec[0] != row[0] || rec[1] != row[1] || rec[2] != row[2] || hundredths(t, rec[4]) != hundredths(t, row[4]) || rec[5] != "Yes" {
			t.Errorf("CSV row %d %q, page row %q", i, rec, row)
		}
	}

	xr := a.Get("/time-entries/export.xlsx?" + query)
	f, err := excelize.OpenReader(bytes.NewReader([]byte(xr.Body)))
	if err != nil {
		t.Fatalf("XLSX does not open: %v", err)
	}
	xrows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(xrows) != len(recs) {
		t.Fatalf("XLSX has %d rows, CSV %d", len(xrows), len(recs))
	}
	for i := 1; i < len(xrows); i++ {
		if xrows[i][0] != recs[i][0] || xrows[i][1] != recs[i][1] || xrows[i][4] != recs[i][4] {
			t.Errorf("XLSX row %q, CSV row %q", xrows[i], recs[i])
		}
	}

	entries, _, err := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: "data_exported", Actor: "a@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("%d export audit entries, want 2", len(entries))
	}
	for _, en := range entries {
		var d struct {
			Format string
			Rows   int
			Filter map[string]string
		}
		if err := json.Unmarshal([]byte(en.Details), &d); err != nil {
			t.Fatalf("details %s: %v", en.Details, err)
		}
		if d.Rows != len(page) || d.Filter["project"] != e.projA || d.Filter["billable"] != "yes" || d.Filter["sort"] != "hours" || en.TargetID != "time_entries" {
			t.Errorf("audit entry %s: %+v", en.TargetID, d)
		}
	}
}

func TestTimeEntriesHostileValues(t *testing.T) {
	in, e := portalApp(t)
	a := signedIn(t, in, "a@acme.example")
	q := "from=" + e.hostileDay + "&to=" + e.hostileDay
	r := a.Get("/time-entries?" + q)
	for _, raw := range []string{"<script>alert(1)", `"><img src=x`, `"><svg onload`} {
		if strings.Contains(r.Body, raw) {
			t.Errorf("the page holds %q unescaped", raw)
		}
	}
	rows := tableRows(t, r.Body)
	var seen bool
	for _, row := range rows {
		if row[3] == hostileDescription && row[1] == hostileProject {
			seen = true
		}
	}
	if !seen {
		t.Errorf("the hostile entry is not shown as text: %q", rows)
	}
	// The project filter offers the hostile name as text too.
	if !strings.Contains(r.Body, "&#34;&gt;&lt;svg onload=alert(3)&gt; &amp; Co") {
		t.Error("the hostile project name is not escaped in the page")
	}
	recs := readCSV(t, a.Get("/time-entries/export.csv?"+q).Body)
	var formula bool
	for _, rec := range recs[1:] {
		if rec[3] == "'"+hostileFormula {
			formula = true
		}
		if strings.HasPrefix(rec[3], "=") || rec[2] == hostilePerson {
			t.Errorf("CSV row %q is not defused", rec)
		}
	}
	if !formula {
		t.Error("the formula description is missing from the export")
	}
	// Customer B sees none of it.
	b := signedIn(t, in, "b@acme.example")
	rb := b.Get("/time-entries?" + q)
	if strings.Contains(rb.Body, "alert(") || strings.Contains(b.Get("/time-entries/export.csv").Body, "HYPERLINK") {
		t.Error("customer B sees customer A's entries")
	}
	if rows := tableRows(t, b.Get("/time-entries?project="+url.QueryEscape(e.projA)).Body); len(rows) != 0 {
		t.Errorf("customer B filtering by A's project sees %d rows", len(rows))
	}
}
