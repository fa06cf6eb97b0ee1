package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// withoutRequestID blanks the request id, the one part of an error page
// that differs per request by design (it is sent as X-Request-Id too).
func withoutRequestID(h http.Header, body string) string {
	return strings.ReplaceAll(body, h.Get("X-Request-Id"), "REQUEST-ID")
}

func TestProjectIDOR(t *testing.T) {
	in, e := portalApp(t)
	a := signedIn(t, in, "a@acme.example")
	if r := a.Get("/projects/" + e.projA); r.StatusCode != http.StatusOK {
		t.Fatalf("own project: %d", r.StatusCode)
	}
	paths := map[string]string{
		"AnotherCustomersProject": "/projects/" + e.projB,
		"Nonexistent":             "/projects/999999",
		"Malformed":               "/projects/" + url.PathEscape(`abc'"<x>`),
		"AnotherWithFilter":       "/projects/" + e.projB + "?from=2026-01-01&billable=yes",
		"Empty-ish":               "/projects/%20",
	}
	var want, wantName string
	for name, p := range paths {
		r := a.Get(p)
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("%s (%s): %d, want 404", name, p, r.StatusCode)
			continue
		}
		body := withoutRequestID(r.Header, r.Body)
		if want == "" {
			want, wantName = body, name
		} else if body != want {
			t.Errorf("%s and %s give different 404 bodies", name, wantName)
		}
	}
	// The same project ids exports' project filter cannot see either.
	if recs := readCSV(t, a.Get("/time-entries/export.csv?project="+e.projB).Body); len(recs) != 1 {
		t.Errorf("export filtered by another customer's project has %d rows", len(recs)-1)
	}
}

func TestProjectsList(t *testing.T) {
	in, e := portalApp(t)
	a := signedIn(t, in, "a@acme.example")
	r := a.Get("/projects")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("/projects: %d", r.StatusCode)
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	active := doc.Find(`ul[aria-label="Active projects"] .project-card`)
	wantActive := e.scalar(t, "SELECT COUNT(*) FROM projects WHERE customer = ? AND status = 'active'", e.custA)
	if got := active.Length(); wantActive == "" || got == 0 || strings.TrimSpace(wantActive) != itoa(got) {
		t.Errorf("%d active projects listed, the ERP has %s", got, wantActive)
	}
	all := doc.Find(".project-card").Length()
	if want := e.scalar(t, "SELECT COUNT(*) FROM projects WHERE customer = ?", e.custA); itoa(all) != want {
		t.Errorf("%d projects listed, the ERP has %s", all, want)
	}
	// Active projects come first: the first list is the active one.
	if first := doc.Find("ul.project-list").First().AttrOr("aria-label", ""); first != "Active projects" {
		t.Errorf("first list is %q", first)
	}
	// The hostile project has 3 h of 10 h: its bar says so in words.
	var found bool
	doc.Find(".project-card").Each(func(_ int, c *goquery.Selection) {
		if c.Find(".project-name").Text() == hostileProject {
			found = true
			if txt := strings.TrimSpace(c.Find(".budget-text").Text()); txt != "30 % of 10 h" {
				t.Errorf("budget text %q, want 30 %% of 10 h", txt)
			}
		}
	})
	if !found {
		t.Error("the hostile project name is not shown as text")
	}
	if strings.Contains(r.Body, "<svg onload") {
		t.Error("the project name is not escaped")
	}
	// Customer B's list holds none of A's projects.
	b := signedIn(t, in, "b@acme.example")
	if strings.Contains(b.Get("/projects").Body, "svg onload") {
		t.Error("customer B sees customer A's project")
	}
}

func TestProjectPage(t *testing.T) {
	in, e := portalApp(t)
	a := signedIn(t, in, "a@acme.example")
	n, hours := e.count(t, "project_id = ?", e.projA)
	r := a.Get("/projects/" + e.projA)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("project: %d", r.StatusCode)
	}
	got, _, _ := totals(t, r.Body)
	if got != hours {
		t.Errorf("project total %d/100 h, the ERP %d/100", got, hours)
	}
	if rows := tableRows(t, r.Body); len(rows) != min(n, 50) {
		t.Errorf("%d rows, the ERP has %d", len(rows), n)
	}
	name := e.scalar(t, "SELECT name FROM projects WHERE project_id = ?", e.projA)
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if h := doc.Find("h1").Text(); h != name {
		t.Errorf("heading %q, want %q", h, name)
	}
	// The page's filter is the time entries' filter, on this project only.
	bn, bh := e.count(t, "project_id = ? AND billable = 1", e.projA)
	rb := a.Get("/projects/" + e.projA + "?billable=yes&project=" + e.projB)
	if got, _, _ := totals(t, rb.Body); got != bh || len(tableRows(t, rb.Body)) != min(bn, 50) {
		t.Errorf("billable only: %d/100 h in %d rows, the ERP %d/100 in %d", got, len(tableRows(t, rb.Body)), bh, bn)
	}
	if rr := a.Get("/projects/" + e.projA + "?from=2026-05-01&to=2026-04-01"); rr.StatusCode != http.StatusBadRequest ||
		!strings.Contains(rr.Body, "is after the end date") {
		t.Errorf("reversed range on a project: %d", rr.StatusCode)
	}
	if rr := a.Get("/projects/" + e.projA + "?from=9000-01-01"); rr.StatusCode != http.StatusOK || len(tableRows(t, rr.Body)) != 0 {
		t.Errorf("far future on a project: %d", rr.StatusCode)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
