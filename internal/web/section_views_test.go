package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/erpdemo"
	"github.com/portico-dev/portico/internal/source/sourcetest"
	"github.com/portico-dev/portico/internal/store"
)

// sectionsApp starts Portico on the demo datasets plus a second grid dataset
// whose title is hostile markup.
func sectionsApp(t *testing.T) *apptest.Instance {
	t.Helper()
	db := sourcetest.SQLite(t)
	if err := erpdemo.Write(context.Background(), db.Writer, db.Name, erpdemo.Options{InventoryRows: 200}); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Preset("demo", catalog.PresetOptions{DemoERPPath: "unused.db"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := db.Config
	cfg.Name = cat.Sources[0].Name
	cat.Sources[0] = cfg
	extra := *cat.Datasets[0]
	extra.Name, extra.Title, extra.Page = "lots", `<img src=x onerror=alert(1)> Lots`, "data"
	cat.Datasets = append(cat.Datasets, &extra)
	return apptest.StartWithCatalog(t, cat)
}

// sectionViews reads the "Views per section" table: section label → views.
func sectionViews(t *testing.T, c *apptest.Client, query string) (map[string]string, *goquery.Document) {
	t.Helper()
	r := c.Get("/admin/analytics" + query)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("analytics: %d", r.StatusCode)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	doc.Find(".section-views tbody tr").Each(func(_ int, tr *goquery.Selection) {
		td := tr.Find("td")
		label := strings.TrimSpace(td.Eq(0).Contents().First().Text())
		got[label] = strings.TrimSpace(td.Eq(1).Text())
	})
	return got, doc
}

func TestViewsPerSection(t *testing.T) {
	in := sectionsApp(t)
	in.CreateAccount(t, "all@acme.example", goodPassword, func(a *store.Account) { a.AllCustomers = true; a.Scope = nil })
	in.CreateAdmin(t, "ops", goodPassword)
	customer := in.Client(t)
	if r := customer.SignIn("all@acme.example", goodPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", r.StatusCode)
	}
	admin := in.Client(t)
	admin.AdminSignIn("ops", goodPassword)
	htmx := func(path string, headers ...string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, in.URL+path, nil)
		req.Header.Set("HX-Request", "true")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		if r := customer.Do(req); r.StatusCode != http.StatusOK {
			t.Fatalf("htmx %s: %d", path, r.StatusCode)
		}
	}

	for path, times := range map[string]int{"/": 2, "/inventory": 3, "/inventory?q=a&sort=-part": 1, "/data/lots": 1} {
		for range times {
			if r := customer.Get(path); r.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", path, r.StatusCode)
			}
		}
	}
	// Not views: grid fragments swapped in by htmx (search, sort, page),
	// exports, refreshes (redirected to the plain address), unknown
	// datasets, the inventory under its dataset address, admin pages.
	for range 5 {
		htmx("/inventory?q=b")
	}
	htmx("/data/lots?page=2")
	for _, path := range []string{"/inventory/export.csv", "/data/lots/export.csv", "/inventory?refresh=1", "/data/nope", "/data/inventory", "/admin"} {
		customer.Get(path)
	}
	// A history restore is a whole page again: it counts.
	htmx("/data/lots", "HX-History-Restore-Request", "true")

	t.Run("RecordedAndShown", func(t *testing.T) {
		got, doc := sectionViews(t, admin, "")
		want := map[string]string{"Overview": "2", "Inventory": "4", `<img src=x onerror=alert(1)> Lots`: "2"}
		if len(got) != len(want) {
			t.Errorf("rows = %v, want %v", got, want)
		}
		for label, n := range want {
			if got[label] != n {
				t.Errorf("%q: %q views, want %s (all rows: %v)", label, got[label], n, got)
			}
		}
		if total := strings.TrimSpace(doc.Find(".section-views tfoot td").First().Text()); total != "8" {
			t.Errorf("total = %q, want 8", total)
		}
		if first := doc.Find(".section-views tbody tr").First().Find("td").First().Text(); !strings.HasPrefix(first, "Inventory") {
			t.Errorf("first row %q; the most viewed section comes first", first)
		}
		if share := doc.Find(".section-views tbody tr").First().Find(".share-value").Text(); share != "50%" {
			t.Errorf("inventory share = %q, want 50%%", share)
		}
		if w := doc.Find(".section-views tbody tr").First().Find("rect.share-fill").AttrOr("width", ""); w != "50" {
			t.Errorf("inventory bar width = %q, want 50", w)
		}
	})

	t.Run("HostileNamesAreEscaped", func(t *testing.T) {
		ctx := context.Background()
		// A section no longer configured keeps its stored address as its name.
		if err := in.Store().AddSectionViews(ctx, []store.SectionViews{{Day: in.Clock.Now(), Section: `/data/"><script>alert(2)</script>`, Views: 1}}); err != nil {
			t.Fatal(err)
		}
		r := admin.Get("/admin/analytics")
		for _, raw := range []string{"<img src=x", "<script>alert(2)"} {
			if strings.Contains(r.Body, raw) {
				t.Errorf("%q rendered unescaped", raw)
			}
		}
		if !strings.Contains(r.Body, "&lt;img src=x onerror=alert(1)&gt; Lots") || !strings.Contains(r.Body, "&lt;script&gt;alert(2)&lt;/script&gt;") {
			t.Error("the hostile names are not shown (escaped)")
		}
		if !strings.Contains(r.Body, "no longer offered") {
			t.Error("a section that is gone is not marked")
		}
	})

	t.Run("WindowFollowsTheClock", func(t *testing.T) {
		ctx := context.Background()
		old := in.Clock.Now().AddDate(0, 0, -20)
		if err := in.Store().AddSectionViews(ctx, []store.SectionViews{{Day: old, Section: "/data/lots", Views: 100}}); err != nil {
			t.Fatal(err)
		}
		if got, _ := sectionViews(t, admin, "?days=14"); got[`<img src=x onerror=alert(1)> Lots`] != "2" {
			t.Errorf("14 days counts views of 20 days ago: %v", got)
		}
		if got, _ := sectionViews(t, admin, "?days=30"); got[`<img src=x onerror=alert(1)> Lots`] != "102" {
			t.Errorf("30 days: %v, want 102 views of lots", got)
		}
		in.Clock.Advance(13 * 24 * time.Hour) // today's views are now 13 days old: still in a 14-day window
		admin.AdminSignIn("ops", goodPassword)
		if got, _ := sectionViews(t, admin, "?days=14"); got["Overview"] != "2" {
			t.Errorf("13 days later: %v", got)
		}
		in.Clock.Advance(24 * time.Hour)
		admin.AdminSignIn("ops", goodPassword)
		got, doc := sectionViews(t, admin, "?days=14")
		if len(got) != 0 {
			t.Errorf("14 days later the 14-day window still has %v", got)
		}
		if !strings.Contains(doc.Find(".section-views").Text(), "No customer has opened a page in this period.") {
			t.Error("no empty-state message")
		}
	})
}

// TestViewsAreWrittenAtShutdown: views counted in memory reach the database
// when the instance stops, after its last requests.
func TestViewsAreWrittenAtShutdown(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	c := in.Client(t)
	c.SignIn("buyer@acme.example", goodPassword)
	for range 3 {
		if r := c.Get("/"); r.StatusCode != http.StatusOK {
			t.Fatalf("overview: %d", r.StatusCode)
		}
	}
	now := in.Clock.Now()
	path := in.App.Config.SQLitePath()
	if err := in.App.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), store.Options{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.SectionViewTotals(context.Background(), now, now)
	if err != nil || len(got) != 1 || got[0].Section != "/" || got[0].Views != 3 {
		t.Errorf("after shutdown: %+v, %v; want 3 views of /", got, err)
	}
}
