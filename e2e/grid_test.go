//go:build e2e

package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/erpdemo"
	"github.com/portico-dev/portico/internal/store"
)

// TestInventoryJourney: sign in, search, pick a facet, sort, page, go back,
// and export — checking the address bar keeps the view and the exported file
// holds exactly the rows the grid counts.
func TestInventoryJourney(t *testing.T) {
	erp := filepath.Join(t.TempDir(), "erp.db")
	if _, err := erpdemo.CreateSQLite(context.Background(), erp, erpdemo.Options{InventoryRows: 3000}); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Preset("demo", catalog.PresetOptions{DemoERPPath: erp})
	if err != nil {
		t.Fatal(err)
	}
	in := apptest.StartWithCatalog(t, cat)
	in.CreateAccount(t, "all@acme.example", pw, func(a *store.Account) { a.AllCustomers = true; a.Scope = nil })
	b := newBrowser(t)
	signIn(b, in.URL, "/login", "email", "all@acme.example")
	b.run(chromedp.Navigate(in.URL+"/inventory"), chromedp.WaitVisible(`table.grid`, chromedp.ByQuery))
	b.checkPage("inventory")
	summary := func() string { return b.text(`.grid-summary p`) }
	before := summary()

	// Typing searches after a pause, without a page load, keeping focus.
	b.run(chromedp.SendKeys(`#grid-q`, "coffee", chromedp.ByQuery))
	b.run(chromedp.Poll(`document.querySelector(".grid-summary p").textContent.includes("filtered")`, nil))
	if loc := b.location(); !strings.Contains(loc, "q=coffee") {
		t.Errorf("address after search: %s", loc)
	}
	var focused string
	b.run(chromedp.Evaluate(`document.activeElement && document.activeElement.id`, &focused))
	if focused != "grid-q" {
		t.Errorf("focus moved to %q while typing", focused)
	}
	if s := summary(); s == before {
		t.Errorf("summary did not change: %q", s)
	}

	// A facet narrows the view and lands in the address.
	b.run(chromedp.SetValue(`#f-status`, "Available", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#f-status").dispatchEvent(new Event("change", {bubbles: true}))`, nil),
		chromedp.Poll(`location.search.includes("f.status=Available")`, nil))

	// Sorting by a header: ascending, then descending.
	sortBy := func(label string) string {
		b.run(chromedp.Click(`//th/a[contains(., "`+label+`")]`, chromedp.BySearch))
		b.poll(`location.search.includes("sort=")`, nil)
		b.run(chromedp.WaitReady(`table.grid`, chromedp.ByQuery))
		var aria string
		b.poll(`(() => { const th = [...document.querySelectorAll("th")].find(t => t.textContent.includes("`+label+`")); return th && th.getAttribute("aria-sort") !== "none" ? th.getAttribute("aria-sort") : null })()`, &aria)
		return aria
	}
	if got := sortBy("On Hand Qty"); got != "ascending" {
		t.Errorf("first click: aria-sort %q", got)
	}
	b.poll(`location.search.includes("sort=on_hand_qty")`, nil)
	b.run(chromedp.Click(`//th/a[contains(., "On Hand Qty")]`, chromedp.BySearch))
	b.poll(`location.search.includes("sort=-on_hand_qty")`, nil)

	// Shift-click adds a second sort key instead of replacing the first.
	var nodes []*cdp.Node
	b.run(chromedp.Nodes(`//th/a[contains(., "Bin")]`, &nodes, chromedp.BySearch))
	b.run(chromedp.MouseClickNode(nodes[0], chromedp.ButtonModifiers(input.ModifierShift)))
	b.poll(`location.search.includes("sort=-on_hand_qty&sort=bin")`, nil)

	// Paging, then the back button restores the earlier page.
	hasNext := false
	b.run(chromedp.Evaluate(`!!document.querySelector('.pager a[rel=next]')`, &hasNext))
	if hasNext {
		b.run(chromedp.Click(`.pager a[rel=next]`, chromedp.ByQuery))
		b.poll(`location.search.includes("page=2")`, nil)
		// With no history cache (customer data stays out of localStorage)
		// the back button reloads the earlier address in full.
		b.run(chromedp.NavigateBack())
		var loc string
		for range 50 {
			if err := chromedp.Run(b.ctx, chromedp.Location(&loc)); err == nil && !strings.Contains(loc, "page=2") {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		b.run(chromedp.WaitVisible(`table.grid`, chromedp.ByQuery))
		if strings.Contains(loc, "page=2") || !strings.Contains(loc, "sort=-on_hand_qty&sort=bin") {
			t.Errorf("after back: %s", loc)
		}
	}
	b.checkPage("after interactions")

	// The export of this view holds exactly the rows the summary counts.
	var res map[string]any
	b.run(chromedp.Evaluate(`(async () => {
		const a = [...document.querySelectorAll(".head-actions a")].find(x => x.textContent.includes("CSV"));
		const href = a.getAttribute("href");
		const r = await fetch(href);
		const text = await r.text();
		return {href, status: r.status, rows: r.headers.get("X-Row-Count"), lines: text.trim().split("\n").length - 1,
			disposition: r.headers.get("Content-Disposition"), summary: document.querySelector(".grid-summary p").textContent};
	})()`, &res, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	href, _ := res["href"].(string)
	if !strings.Contains(href, "q=coffee") || !strings.Contains(href, "f.status=Available") || !strings.Contains(href, "sort=-on_hand_qty&sort=bin") {
		t.Errorf("export link does not carry the view: %s", href)
	}
	if res["status"] != float64(200) || !strings.Contains(res["disposition"].(string), "inventory-all-") {
		t.Errorf("export answer: %v", res)
	}
	rows, _ := res["rows"].(string)
	if !strings.Contains(strings.ReplaceAll(res["summary"].(string), ",", ""), "of "+rows) {
		t.Errorf("export has %s rows; the grid says %q", rows, res["summary"])
	}
}
