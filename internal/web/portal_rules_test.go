package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zone tests need no zone database on the machine

	"github.com/PuerkitoBio/goquery"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/billing"
	"github.com/portico-dev/portico/internal/config"
)

// inZone makes an instance's portal time zone name.
func inZone(t *testing.T, name string) apptest.Option {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time zone %s: %v", name, err)
	}
	return func(c *config.Config) { c.TimeZone, c.Location = name, loc }
}

var overdueNote = regexp.MustCompile(`(\d+) overdue`)

// TestPortalInvoiceStatusWithAFakeClock sets up invoices on the edges of
// the status rules and moves the fake clock across the due date, in UTC
// and in a portal whose time zone is twelve hours ahead:
//   - due today is unpaid, not overdue; a day later it is overdue;
//   - paid after its due date is paid, never overdue, nothing due;
//   - partially paid is unpaid: under Unpaid, counted open, the rest due;
//   - the ERP's own "overdue" before the due date is merely unpaid.
func TestPortalInvoiceStatusWithAFakeClock(t *testing.T) {
	today := apptest.Epoch.Format(time.DateOnly)
	var dueToday, paidLate, partial, erpOverdue rawInvoice
	p := startDemoPortal(t, demoSetup{edit: func(t *testing.T, p *demoPortal) {
		list := p.invoicesOf(p.custA, rawInvoice.visible)
		if len(list) < 4 {
			t.Fatalf("%d visible invoices", len(list))
		}
		dueToday, paidLate, partial, erpOverdue = list[len(list)-1], list[len(list)-2], list[len(list)-3], list[len(list)-4]
		p.exec(t, "UPDATE invoices SET status = 'sent', amount_paid = 0, due_date = ? WHERE invoice_id = ?", today, dueToday.ID)
		p.exec(t, "UPDATE invoices SET status = 'paid', amount_paid = total, due_date = ? WHERE invoice_id = ?", "2026-03-01", paidLate.ID)
		p.exec(t, "UPDATE invoices SET status = 'partially_paid', amount_paid = ROUND(total * 0.4, 2), due_date = ? WHERE invoice_id = ?", "2026-06-30", partial.ID)
		p.exec(t, "UPDATE invoices SET status = 'overdue', amount_paid = 0, due_date = ? WHERE invoice_id = ?", "2026-05-10", erpOverdue.ID)
	}})
	for _, v := range p.invoices {
		switch v.ID {
		case dueToday.ID:
			dueToday = v
		case paidLate.ID:
			paidLate = v
		case partial.ID:
			partial = v
		case erpOverdue.ID:
			erpOverdue = v
		}
	}
	auckland := p.start(t, inZone(t, "Pacific/Auckland")) // UTC+12 in May

	type want struct {
		inv      rawInvoice
		badge    string
		tabs     []string // the status tabs that list it
		balance  billing.Decimal
		daysLate int
	}
	check := func(t *testing.T, in *apptest.Instance, now string, wants []want) {
		t.Helper()
		c := signedIn(t, in, "a@acme.example") // sessions end after half an hour idle
		tabs := map[string][]string{}
		for _, tab := range []string{"all", "unpaid", "overdue", "paid"} {
			numbers, status, _, _ := listed(t, get(t, c, "/invoices?status="+tab, http.StatusOK).Body)
			tabs[tab] = numbers
			for _, w := range wants {
				if tab == "all" && status[w.inv.Number] != w.badge {
					t.Errorf("%s: the list shows %s as %q, want %q", now, w.inv.Number, status[w.inv.Number], w.badge)
				}
			}
		}
		for _, w := range wants {
			var in []string
			for _, tab := range []string{"all", "unpaid", "overdue", "paid"} {
				if slices.Contains(tabs[tab], w.inv.Number) {
					in = append(in, tab)
				}
			}
			if !slices.Equal(in, w.tabs) {
				t.Errorf("%s: %s is under %v, want %v", now, w.inv.Number, in, w.tabs)
			}
			badge, amounts, body := detail(t, c, w.inv.ID)
			if badge != w.badge || amounts["Balance due"] != w.inv.money(w.balance) {
				t.Errorf("%s: %s page says %q, %s due; want %q, %s", now, w.inv.Number, badge, amounts["Balance due"], w.badge, w.inv.money(w.balance))
			}
			late := fmt.Sprintf("%d day", w.daysLate)
			if (w.daysLate > 0) != strings.Contains(body, " overdue</span>") || w.daysLate > 0 && !strings.Contains(body, late) {
				t.Errorf("%s: %s page: want %d days overdue", now, w.inv.Number, w.daysLate)
			}
		}
		// The overview counts the open invoices (partially paid ones too)
		// and the overdue ones by the same day.
		doc, _ := dashboardDoc(t, c)
		day := billing.Today(in.Clock.Now(), in.App.Config.Location).String()
		open := p.invoicesOf(p.custA, rawInvoice.unpaid)
		var overdue int
		for _, v := range open {
			if v.overdue(day) {
				overdue++
			}
		}
		if got := text(doc.Find(`[data-figure="open-invoices"]`)); got != itoa(len(open)) {
			t.Errorf("%s: overview counts %s open, want %d", now, got, len(open))
		}
		m := overdueNote.FindStringSubmatch(text(doc.Find(`[data-figure="open-invoices"]`).Parent().Find(".stat-note")))
		if m == nil || m[1] != itoa(overdue) {
			t.Errorf("%s: overview overdue note %q, want %d overdue", now, m, overdue)
		}
	}

	partialBalance := partial.Total - partial.Paid
	if partial.Paid == 0 || partialBalance <= 0 {
		t.Fatalf("partially paid invoice paid %s of %s", partial.Paid, partial.Total)
	}
	before := []want{
		{dueToday, "Unpaid", []string{"all", "unpaid"}, dueToday.Total, 0},
		{paidLate, "Paid", []string{"all", "paid"}, 0, 0},
		{partial, "Partially paid", []string{"all", "unpaid"}, partialBalance, 0},
		{erpOverdue, "Unpaid", []string{"all", "unpaid"}, erpOverdue.Total, 0},
	}
	t.Run("OnTheDueDateInUTC", func(t *testing.T) { check(t, p.in, "08:00 UTC", before) })
	t.Run("OnTheDueDateInAuckland", func(t *testing.T) { check(t, auckland, "20:00 Auckland", before) })

	// 22:00 UTC is already the next morning in Auckland.
	p.in.Clock.Advance(14 * time.Hour)
	auckland.Clock.Advance(14 * time.Hour)
	after := []want{
		{dueToday, "Overdue", []string{"all", "unpaid", "overdue"}, dueToday.Total, 1},
		{paidLate, "Paid", []string{"all", "paid"}, 0, 0},
		{partial, "Partially paid", []string{"all", "unpaid"}, partialBalance, 0},
		{erpOverdue, "Unpaid", []string{"all", "unpaid"}, erpOverdue.Total, 0},
	}
	t.Run("LateEveningInUTCIsStillTheDueDate", func(t *testing.T) { check(t, p.in, "22:00 UTC", before) })
	t.Run("NextMorningInAucklandIsOverdue", func(t *testing.T) { check(t, auckland, "10:00 Auckland", after) })
	p.in.Clock.Advance(3 * time.Hour)
	t.Run("NextDayInUTCIsOverdue", func(t *testing.T) { check(t, p.in, "01:00 UTC", after) })
}

// Markers of the invoices that must never be shown.
const (
	hiddenDraftTotal     = "987654.32"
	hiddenCancelledTotal = "876543.21"
	hiddenUnmappedTotal  = "765432.10"
)

// TestPortalHiddenInvoicesNeverLeak gives the showcase customer's draft,
// its cancelled invoice and one with a status the configuration does not
// map (refunded) huge totals and marked lines, puts all three on a project
// with visible invoices, and looks for them on every page and export: the
// lists under every filter and sort, the overview, the projects, the
// project pages, the invoice pages and PDFs by id, and the role datasets
// as grids.
func TestPortalHiddenInvoicesNeverLeak(t *testing.T) {
	var project string
	var hidden []rawInvoice
	p := startDemoPortal(t, demoSetup{edit: func(t *testing.T, p *demoPortal) {
		project = p.busiestProject(t).ID
		draft := p.invoice(t, p.custA, func(v rawInvoice) bool { return v.Status == "draft" })
		cancelled := p.invoice(t, p.custA, func(v rawInvoice) bool { return v.Status == "cancelled" })
		refunded := p.invoice(t, p.custA, func(v rawInvoice) bool { return v.Status == "paid" && v.Currency == "USD" })
		for _, h := range []struct {
			inv           rawInvoice
			status, total string
		}{{draft, "draft", hiddenDraftTotal}, {cancelled, "cancelled", hiddenCancelledTotal}, {refunded, "refunded", hiddenUnmappedTotal}} {
			p.exec(t, "UPDATE invoices SET status = ?, subtotal = "+h.total+", tax = 0, total = "+h.total+", amount_paid = 0, due_date = '2026-01-01', project_id = ? WHERE invoice_id = ?",
				h.status, project, h.inv.ID)
			p.exec(t, "UPDATE invoice_lines SET description = ? WHERE invoice_id = ?", "HIDDEN-LINE-"+h.status, h.inv.ID)
			hidden = append(hidden, h.inv)
		}
	}})
	a := p.signIn(t, "a@acme.example")
	markers := []string{"HIDDEN-LINE", "987,654", "987654", "876,543", "876543", "765,432", "765432"}
	for _, v := range hidden {
		markers = append(markers, v.Number)
	}
	pages := []string{"/", "/projects", "/time-entries", "/time-entries/export.csv"}
	for _, tab := range []string{"", "all", "paid", "unpaid", "overdue"} {
		for _, sort := range []string{"", "-total", "total", "status", "-due_date", "number"} {
			pages = append(pages, "/invoices?status="+tab+"&sort="+sort)
		}
	}
	for _, pr := range p.projectsOf(p.custA) {
		pages = append(pages, "/projects/"+pr.ID, "/projects/"+pr.ID+"?billable=yes")
	}
	for _, path := range pages {
		r := get(t, a, path, http.StatusOK)
		for _, m := range markers {
			if strings.Contains(r.Body, m) {
				t.Errorf("%s shows %q", path, m)
			}
		}
	}
	// The project holds visible invoices beside the hidden ones.
	if rows := projectInvoices(t, get(t, a, "/projects/"+project, http.StatusOK).Body); len(rows) == 0 {
		t.Error("the project lists none of its visible invoices either")
	}
	for _, v := range hidden {
		for _, path := range []string{"/invoices/" + v.ID, "/invoices/" + v.ID + ".pdf"} {
			get(t, a, path, http.StatusNotFound)
		}
	}
	// Role datasets are never grids, so their rows cannot be reached
	// around the pages' rules, nor exported.
	for _, ds := range []string{"invoices", "invoice_lines", "projects", "time_entries"} {
		for _, path := range []string{"/data/" + ds, "/data/" + ds + "/export.csv", "/data/" + ds + "/export.xlsx"} {
			get(t, a, path, http.StatusNotFound)
		}
	}

	// The totals are the visible invoices' totals, per currency.
	visible := p.invoicesOf(p.custA, rawInvoice.visible)
	_, _, counts, doc := listed(t, get(t, a, "/invoices", http.StatusOK).Body)
	if counts["All"] != itoa(len(visible)) || counts["Paid"] != itoa(len(p.invoicesOf(p.custA, func(v rawInvoice) bool { return v.Status == "paid" }))) {
		t.Errorf("tab counts %v with %d visible invoices", counts, len(visible))
	}
	sums := perCurrency(visible, func(v rawInvoice) billing.Decimal { return v.Total })
	doc.Find(".invoice-totals tbody tr").Each(func(_ int, tr *goquery.Selection) {
		cur := text(tr.Find("th"))
		if got, want := text(tr.Find("td").Eq(1)), (billing.Money{Amount: sums[cur], Currency: cur}).String(); got != want {
			t.Errorf("%s total %q, want %q", cur, got, want)
		}
	})
	ddoc, _ := dashboardDoc(t, a)
	if got := text(ddoc.Find(`[data-figure="open-invoices"]`)); got != itoa(len(p.invoicesOf(p.custA, rawInvoice.unpaid))) {
		t.Errorf("the overview counts %s open invoices", got)
	}
}

// TestPortalCurrencyTotalsNeverMix adds a third currency without decimals
// (JPY) to the showcase's USD and EUR, and checks that the list, every
// status filter and the overview add each currency up on its own, with its
// own decimals, and never show a sum across currencies.
func TestPortalCurrencyTotalsNeverMix(t *testing.T) {
	p := startDemoPortal(t, demoSetup{edit: func(t *testing.T, p *demoPortal) {
		v := p.invoice(t, p.custA, func(v rawInvoice) bool { return v.Status == "paid" && v.Currency == "USD" })
		p.exec(t, "UPDATE invoices SET currency = 'JPY', status = 'sent', subtotal = 123456, tax = 0, total = 123456, amount_paid = 0, due_date = '2026-04-01' WHERE invoice_id = ?", v.ID)
	}})
	a := p.signIn(t, "a@acme.example")
	today := p.today()
	filters := map[string]func(rawInvoice) bool{
		"all":     rawInvoice.visible,
		"paid":    func(v rawInvoice) bool { return v.Status == "paid" },
		"unpaid":  rawInvoice.unpaid,
		"overdue": func(v rawInvoice) bool { return v.overdue(today) },
	}
	for tab, keep := range filters {
		list := p.invoicesOf(p.custA, keep)
		totals := perCurrency(list, func(v rawInvoice) billing.Decimal { return v.Total })
		balances := perCurrency(list, rawInvoice.balance)
		r := get(t, a, "/invoices?status="+tab, http.StatusOK)
		_, _, _, doc := listed(t, r.Body)
		rows := doc.Find(".invoice-totals tbody tr")
		if rows.Length() != len(totals) {
			t.Errorf("%s: %d total rows for %d currencies", tab, rows.Length(), len(totals))
		}
		rows.Each(func(_ int, tr *goquery.Selection) {
			cur := text(tr.Find("th"))
			td := tr.Find("td")
			if got, want := text(td.Eq(1)), (billing.Money{Amount: totals[cur], Currency: cur}).String(); got != want {
				t.Errorf("%s: %s total %q, want %q", tab, cur, got, want)
			}
			if got, want := text(td.Eq(3)), (billing.Money{Amount: balances[cur], Currency: cur}).String(); got != want {
				t.Errorf("%s: %s balance %q, want %q", tab, cur, got, want)
			}
		})
		// No figure anywhere is a sum across currencies.
		if len(totals) > 1 {
			var all, due billing.Decimal
			for cur := range totals {
				all += totals[cur]
				due += balances[cur]
			}
			for _, mixed := range []billing.Decimal{all, due} {
				for _, places := range []int{0, 2} {
					if s := mixed.Format(places); mixed != 0 && strings.Contains(doc.Find("main").Text(), s) {
						t.Errorf("%s: the page shows %s, a sum across currencies", tab, s)
					}
				}
			}
		}
	}
	jpy := docOf(t, get(t, a, "/invoices", http.StatusOK).Body).Find(".invoice-totals tbody tr").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return text(s.Find("th")) == "JPY"
	})
	if got := text(jpy.Find("td").Eq(1)); got != "JPY 123,456" {
		t.Errorf("JPY total %q, want JPY 123,456 (no decimals)", got)
	}
	// The overview: one open amount per currency.
	doc, _ := dashboardDoc(t, a)
	balances := perCurrency(p.invoicesOf(p.custA, rawInvoice.unpaid), rawInvoice.balance)
	if n := doc.Find(".dash-amount").Length(); n != len(balances) || n < 3 {
		t.Errorf("%d open amounts on the overview, want one per currency (%d)", n, len(balances))
	}
	for cur, bal := range balances {
		if got, want := text(doc.Find(`.dash-amount[data-currency="`+cur+`"] .dash-open`)), (billing.Money{Amount: bal, Currency: cur}).String(); got != want {
			t.Errorf("overview %s due %q, want %q", cur, got, want)
		}
	}
}
