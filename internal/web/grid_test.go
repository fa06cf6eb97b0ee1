package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/erpdemo"
	"github.com/portico-dev/portico/internal/source"
	"github.com/portico-dev/portico/internal/source/sourcetest"
	"github.com/portico-dev/portico/internal/store"
)

// gridApp fills a fresh ERP database with demo data and starts Portico with
// the demo datasets reading it.
func gridApp(t *testing.T, db sourcetest.DB, rows int) *apptest.Instance {
	t.Helper()
	if err := erpdemo.Write(context.Background(), db.Writer, db.Name, erpdemo.Options{InventoryRows: rows}); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Preset("demo", catalog.PresetOptions{DemoERPPath: "unused.db"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := db.Config
	cfg.Name, cfg.CustomersSQL = cat.Sources[0].Name, cat.Sources[0].CustomersSQL
	cat.Sources[0] = cfg
	return apptest.StartWithCatalog(t, cat)
}

func countRows(t *testing.T, db sourcetest.DB, customer string) int {
	t.Helper()
	d, _ := source.DialectFor(db.Name)
	var n int
	q := "SELECT COUNT(*) FROM inventory"
	var args []any
	if customer != "" {
		q += " WHERE customer = " + d.Placeholder(1)
		args = append(args, customer)
	}
	if err := db.Writer.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	if !strings.HasPrefix(body, "\ufeff") {
		t.Error("CSV export has no UTF-8 byte order mark")
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("export is not valid CSV: %v", err)
	}
	return recs
}

func column(t *testing.T, recs [][]string, label string) int {
	t.Helper()
	for i, h := range recs[0] {
		if h == label {
			return i
		}
	}
	t.Fatalf("no %q column in %q", label, recs[0])
	return -1
}

func TestGridScopeIsolation(t *testing.T) {
	for i, mk := range sourcetest.All() {
		t.Run([]string{"sqlite", "postgres", "mysql"}[i], func(t *testing.T) {
			db := mk(t)
			in := gridApp(t, db, 800)
			keys := erpdemo.CustomerKeys()
			custA, custB, custC := keys[0], keys[1], keys[2]
			ctx := context.Background()
			in.CreateAccount(t, "a@acme.example", goodPassword, func(a *store.Account) { a.Scope = []string{custA} })
			in.CreateAccount(t, "all@acme.example", goodPassword, func(a *store.Account) { a.AllCustomers = true; a.Scope = nil })
			in.CreateAccount(t, "off@acme.example", goodPassword, func(a *store.Account) { a.Scope = []string{custC} })
			in.Store().InTx(ctx, func(tx *store.Tx) error {
				tx.UpsertCustomer(ctx, &store.Customer{Key: custC, DisplayName: custC, PortalEnabled: true, CreatedAt: in.Clock.Now()})
				return tx.SetCustomerPortalEnabled(ctx, custC, false, in.Clock.Now())
			})

			a := in.Client(t)
			a.SignIn("a@acme.example", goodPassword)
			t.Run("PageAndExportHoldOnlyTheirRows", func(t *testing.T) {
				r := a.Get("/inventory?per_page=500")
				if r.StatusCode != http.StatusOK {
					t.Fatalf("inventory: %d", r.StatusCode)
				}
				recs := readCSV(t, a.Get("/inventory/export.csv").Body)
				ci := column(t, recs, "Customer")
				for _, rec := range recs[1:] {
					if rec[ci] != custA {
						t.Fatalf("export row of %q for an account scoped to %q", rec[ci], custA)
					}
				}
				if got, want := len(recs)-1, countRows(t, db, custA); got != want || want == 0 {
					t.Errorf("export rows = %d, want %d (all of %s)", got, want, custA)
				}
			})
			t.Run("NoParameterWidensTheScope", func(t *testing.T) {
				for _, p := range []string{
					"f.customer=" + url.QueryEscape(custB), "customer=" + url.QueryEscape(custB), "scope=*", "all=1",
					"q=" + url.QueryEscape("' OR 1=1 --"), "f.part=" + url.QueryEscape("' OR '1'='1"),
					"sort=" + url.QueryEscape("customer; DROP TABLE inventory"), "f.nope=1", "sort=nope", "sort=-", "page=0",
					"page=1000000000", "per_page=1000000", "per_page=-5", "min.on_hand_qty=abc", "max.exp_date=yesterday",
					"q=" + strings.Repeat("x", 5000), "f.status=a&f.status=b&f.status=c", "page=1&page=2", "%zz=1",
				} {
					for _, path := range []string{"/inventory?" + p, "/inventory/export.csv?" + p} {
						r := a.Get(path)
						if r.StatusCode != http.StatusOK && r.StatusCode != http.StatusBadRequest {
							t.Errorf("%s: status %d, want 200 or 400", path, r.StatusCode)
						}
						if strings.Contains(r.Body, custB) || strings.Contains(r.Body, html.EscapeString(custB)) {
							t.Errorf("%s: response mentions %q", path, custB)
						}
					}
				}
			})
			t.Run("FacetOptionsAreScoped", func(t *testing.T) {
				r := a.Get("/inventory")
				doc, _ := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
				doc.Find("select option").Each(func(_ int, o *goquery.Selection) {
					if strings.Contains(o.Text(), custB) {
						t.Errorf("facet offers %q", o.Text())
					}
				})
			})
			t.Run("AllSeesEverything", func(t *testing.T) {
				all := in.Client(t)
				all.SignIn("all@acme.example", goodPassword)
				recs := readCSV(t, all.Get("/inventory/export.csv").Body)
				if got, want := len(recs)-1, countRows(t, db, ""); got != want {
					t.Errorf("All export rows = %d, want %d", got, want)
				}
			})
			t.Run("PortalAccessOffExcludesTheCustomer", func(t *testing.T) {
				// Its only customer is off, so the account has nothing to see
				// and cannot sign in (TestAdminCustomers covers a session
				// that was already open when access went off).
				if r := in.Client(t).SignIn("off@acme.example", goodPassword); r.StatusCode != http.StatusUnauthorized {
					t.Errorf("account whose only customer is off signed in: %d", r.StatusCode)
				}
			})
		})
	}
}

func TestGridHostileValuesAndExports(t *testing.T) {
	db := sourcetest.SQLite(t)
	in := gridApp(t, db, 1500)
	in.CreateAccount(t, "all@acme.example", goodPassword, func(a *store.Account) { a.AllCustomers = true; a.Scope = nil })
	c := in.Client(t)
	c.SignIn("all@acme.example", goodPassword)

	t.Run("ScriptInERPDataIsEscaped", func(t *testing.T) {
		r := c.Get("/inventory?q=script&per_page=500")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d", r.StatusCode)
		}
		if strings.Contains(r.Body, "<script>alert") || strings.Contains(r.Body, "onerror=") && !strings.Contains(r.Body, "&#34;") {
			t.Error("ERP value rendered unescaped")
		}
		if !strings.Contains(r.Body, "&lt;script&gt;") {
			t.Error("the hostile demo value was not found escaped; the search or the demo data changed")
		}
	})
	view := "q=a&sort=-on_hand_qty&sort=part&per_page=500"
	page := c.Get("/inventory?" + view)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page.Body))
	if err != nil {
		t.Fatal(err)
	}
	var gridParts []string
	partCol := -1
	doc.Find("table.grid thead th").Each(func(i int, th *goquery.Selection) {
		if strings.HasPrefix(strings.TrimSpace(th.Text()), "Part") && partCol < 0 {
			partCol = i
		}
	})
	doc.Find("table.grid tbody tr").Each(func(_ int, tr *goquery.Selection) {
		gridParts = append(gridParts, strings.TrimSpace(tr.Find("td").Eq(partCol).Text()))
	})
	if len(gridParts) == 0 {
		t.Fatal("grid shows no rows for the view")
	}
	t.Run("CSVEqualsTheGrid", func(t *testing.T) {
		recs := readCSV(t, c.Get("/inventory/export.csv?"+view).Body)
		pc := column(t, recs, "Part")
		for i, p := range gridParts {
			if i+1 >= len(recs) || strings.TrimPrefix(recs[i+1][pc], "'") != p {
				t.Fatalf("row %d: export %q, grid %q", i+1, recs[i+1][pc], p)
			}
		}
		for _, rec := range recs[1:] {
			for _, cell := range rec {
				if cell != "" && strings.ContainsAny(cell[:1], "=+@\t\r") {
					t.Fatalf("CSV cell can become a formula: %q", cell)
				}
			}
		}
	})
	t.Run("XLSXEqualsTheGridWithTypes", func(t *testing.T) {
		r := c.Get("/inventory/export.xlsx?" + view)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("status %d disposition %q", r.StatusCode, r.Header.Get("Content-Disposition"))
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
		if err != nil {
			t.Fatalf("not an XLSX file: %v", err)
		}
		sheet := f.GetSheetName(0)
		rows, _ := f.GetRows(sheet)
		if len(rows)-1 < len(gridParts) {
			t.Fatalf("xlsx has %d rows, grid page %d", len(rows)-1, len(gridParts))
		}
		pc := -1
		qc := -1
		for i, h := range rows[0] {
			switch h {
			case "Part":
				pc = i
			case "On Hand Qty":
				qc = i
			}
		}
		if pc < 0 || qc < 0 {
			t.Fatalf("headers %q", rows[0])
		}
		for i, p := range gridParts {
			if strings.TrimPrefix(rows[i+1][pc], "'") != p {
				t.Fatalf("row %d: xlsx %q, grid %q", i+1, rows[i+1][pc], p)
			}
		}
		qtyCell, _ := excelize.CoordinatesToCellName(qc+1, 2)
		if typ, _ := f.GetCellType(sheet, qtyCell); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("quantity cell type = %v, want a number", typ)
		}
		partCell, _ := excelize.CoordinatesToCellName(pc+1, 2)
		if typ, _ := f.GetCellType(sheet, partCell); typ == excelize.CellTypeNumber {
			t.Errorf("part code stored as a number")
		}
	})
	t.Run("ExportIsAudited", func(t *testing.T) {
		entries, _, _ := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: "data_exported"})
		if len(entries) < 2 || !strings.Contains(entries[0].Details, `"rows"`) {
			t.Errorf("export audit entries: %+v", entries)
		}
	})
	t.Run("DashboardAndNavigation", func(t *testing.T) {
		r := c.Get("/")
		if !strings.Contains(r.Body, `href="/inventory"`) {
			t.Error("no Inventory link in the navigation")
		}
	})
	t.Run("HTMXGetsOnlyTheResults", func(t *testing.T) {
		req, _ := http.NewRequest("GET", in.URL+"/inventory?q=a", nil)
		req.Header.Set("HX-Request", "true")
		r := c.Do(req)
		if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<html") || !strings.Contains(r.Body, `id="grid-results"`) {
			t.Errorf("htmx response: %d, full page = %v", r.StatusCode, strings.Contains(r.Body, "<html"))
		}
		if r.Header.Get("Vary") != "HX-Request" {
			t.Errorf("Vary = %q", r.Header.Get("Vary"))
		}
	})
}

func TestGridWhenTheSourceIsDown(t *testing.T) {
	cat, err := catalog.Preset("demo", catalog.PresetOptions{DemoERPPath: "unused.db"})
	if err != nil {
		t.Fatal(err)
	}
	cat.Sources[0] = source.Config{Name: cat.Sources[0].Name, Driver: "postgres", DSN: "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"}
	in := apptest.StartWithCatalog(t, cat)
	in.CreateAccount(t, "all@acme.example", goodPassword, func(a *store.Account) { a.AllCustomers = true; a.Scope = nil })
	c := in.Client(t)
	c.SignIn("all@acme.example", goodPassword)
	for i := range 7 {
		r := c.Get("/inventory")
		if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.Body, "unavailable right now") {
			t.Fatalf("attempt %d: status %d", i+1, r.StatusCode)
		}
		if r := c.Get("/inventory/export.csv"); r.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("export while down: %d", r.StatusCode)
		}
	}
	for _, p := range []string{"/", "/password/change", "/admin/login", "/healthz", "/readyz"} {
		if r := c.Get(p); r.StatusCode != http.StatusOK {
			t.Errorf("%s while the ERP is down: %d", p, r.StatusCode)
		}
	}
}

// TestExtraDatasetPages: any further dataset gets its own grid and exports
// under /data/{name}, and appears in the navigation.
func TestExtraDatasetPages(t *testing.T) {
	db := sourcetest.SQLite(t)
	if err := erpdemo.Write(context.Background(), db.Writer, db.Name, erpdemo.Options{InventoryRows: 300}); err != nil {
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
	extra.Name, extra.Title, extra.Page = "lots", "Lots by bin", "data"
	cat.Datasets = append(cat.Datasets, &extra)
	in := apptest.StartWithCatalog(t, cat)
	in.CreateAccount(t, "all@acme.example", goodPassword, func(a *store.Account) { a.AllCustomers = true; a.Scope = nil })
	c := in.Client(t)
	c.SignIn("all@acme.example", goodPassword)
	for path, want := range map[string]int{
		"/data/lots": 200, "/data/lots?sort=bin&q=a": 200, "/data/lots/export.csv": 200, "/data/lots/export.xlsx": 200,
		"/data/inventory": 404, "/data/nope": 404, "/data/nope/export.csv": 404, "/data/lots/export.pdf": 404,
	} {
		if r := c.Get(path); r.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, r.StatusCode, want)
		}
	}
	if r := c.Get("/data/lots"); !strings.Contains(r.Body, "<h1>Lots by bin</h1>") || !strings.Contains(r.Body, `href="/data/lots"`) {
		t.Error("the extra dataset's page lacks its title or its navigation link")
	}
	if r := c.Get("/data/lots/export.csv"); !strings.Contains(r.Header.Get("Content-Disposition"), "lots-all-") {
		t.Errorf("export file name %q", r.Header.Get("Content-Disposition"))
	}
	if r := in.Client(t).Get("/data/lots"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous /data/lots: %d, want redirect to sign-in", r.StatusCode)
	}
}
