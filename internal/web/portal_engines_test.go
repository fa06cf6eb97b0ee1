package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/portico-dev/portico/internal/billing"
	"github.com/portico-dev/portico/internal/source/sourcetest"
)

// TestPortalPagesOnEveryEngine writes the demo ERP into SQLite, PostgreSQL
// and MySQL/MariaDB, puts Portico with the demo preset in front of each,
// and checks every client-portal page through HTTP as the signed-in demo
// customer against the ERP's own rows. PostgreSQL and MariaDB run when
// PORTICO_TEST_POSTGRES_URL and PORTICO_TEST_MYSQL_URL name a server (see
// sourcetest), and skip saying which variable to set otherwise.
func TestPortalPagesOnEveryEngine(t *testing.T) {
	for i, open := range sourcetest.All() {
		t.Run(sourcetest.Names[i], func(t *testing.T) {
			t.Parallel()
			p := startDemoPortal(t, demoSetup{open: open})
			a := p.signIn(t, "a@acme.example")
			today := p.today()
			visible := p.invoicesOf(p.custA, rawInvoice.visible)

			t.Run("InvoiceListAndTotals", func(t *testing.T) {
				r := get(t, a, "/invoices", http.StatusOK)
				numbers, _, counts, doc := listed(t, r.Body)
				var want []string
				for _, v := range visible {
					want = append(want, v.Number)
				}
				slices.Sort(want)
				got := slices.Clone(numbers)
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("listed %q\nwant    %q", got, want)
				}
				if counts["All"] != itoa(len(want)) {
					t.Errorf("All tab counts %s, want %d", counts["All"], len(want))
				}
				for _, v := range p.invoicesOf(p.custA, func(v rawInvoice) bool { return !v.visible() }) {
					if strings.Contains(r.Body, v.Number) {
						t.Errorf("the %s invoice %s is listed", v.Status, v.Number)
					}
				}
				totals := perCurrency(visible, func(v rawInvoice) billing.Decimal { return v.Total })
				balances := perCurrency(visible, rawInvoice.balance)
				if len(totals) != 2 {
					t.Fatalf("the showcase has %d currencies, want 2", len(totals))
				}
				rows := doc.Find(".invoice-totals tbody tr")
				if rows.Length() != len(totals) {
					t.Errorf("%d total rows, want one per currency (%d)", rows.Length(), len(totals))
				}
				rows.Each(func(_ int, tr *goquery.Selection) {
					cur := text(tr.Find("th"))
					td := tr.Find("td")
					if got, want := text(td.Eq(1)), (billing.Money{Amount: totals[cur], Currency: cur}).String(); got != want {
						t.Errorf("%s total %q, want %q", cur, got, want)
					}
					if got, want := text(td.Eq(3)), (billing.Money{Amount: balances[cur], Currency: cur}).String(); got != want {
						t.Errorf("%s balance %q, want %q", cur, got, want)
					}
				})
			})

			// The showcase's partially paid invoice in its second currency.
			partial := p.invoice(t, p.custA, func(v rawInvoice) bool { return v.Status == "partially_paid" && v.Currency == "EUR" })

			t.Run("InvoicePage", func(t *testing.T) {
				status, amounts, body := detail(t, a, partial.ID)
				wantStatus := "Partially paid"
				if partial.overdue(today) {
					wantStatus = "Overdue"
				}
				if status != wantStatus {
					t.Errorf("status %q, want %q", status, wantStatus)
				}
				for label, want := range map[string]string{
					"Total": partial.money(partial.Total), "Paid": partial.money(partial.Paid), "Balance due": partial.money(partial.balance()),
				} {
					if amounts[label] != want {
						t.Errorf("%s %q, want %q", label, amounts[label], want)
					}
				}
				doc := docOf(t, body)
				if h := text(doc.Find("h1")); !strings.Contains(h, partial.Number) {
					t.Errorf("heading %q", h)
				}
				var descs []string
				doc.Find(".invoice-lines tbody .line-description").Each(func(_ int, s *goquery.Selection) { descs = append(descs, text(s)) })
				want := slices.Clone(p.lines[partial.ID])
				for i := range want {
					want[i] = strings.Join(strings.Fields(want[i]), " ")
				}
				if !slices.Equal(descs, want) {
					t.Errorf("lines %q, want %q", descs, want)
				}
			})

			t.Run("InvoicePDF", func(t *testing.T) {
				r := get(t, a, "/invoices/"+partial.ID+".pdf", http.StatusOK)
				if ct := r.Header.Get("Content-Type"); ct != "application/pdf" {
					t.Errorf("Content-Type %q", ct)
				}
				pages := pdfPages(t, []byte(r.Body))
				if len(pages) != 1 {
					t.Errorf("%d pages, want 1 for %d lines", len(pages), len(p.lines[partial.ID]))
				}
				all := strings.Join(pages, "\n")
				places := billing.CurrencyDecimals(partial.Currency)
				for _, want := range []string{partial.Number, partial.Total.Format(places), partial.balance().Format(places), p.custA} {
					if !strings.Contains(all, want) {
						t.Errorf("the PDF does not print %q:\n%.600s", want, all)
					}
				}
			})

			t.Run("Projects", func(t *testing.T) {
				doc := docOf(t, get(t, a, "/projects", http.StatusOK).Body)
				var names, active []string
				doc.Find(".project-card .project-name").Each(func(_ int, s *goquery.Selection) { names = append(names, text(s)) })
				doc.Find(`ul[aria-label="Active projects"] .project-name`).Each(func(_ int, s *goquery.Selection) { active = append(active, text(s)) })
				var wantNames, wantActive []string
				for _, pr := range p.projectsOf(p.custA) {
					wantNames = append(wantNames, pr.Name)
					if pr.Status == "active" {
						wantActive = append(wantActive, pr.Name)
					}
				}
				slices.Sort(names)
				slices.Sort(wantNames)
				slices.Sort(active)
				slices.Sort(wantActive)
				if !slices.Equal(names, wantNames) || !slices.Equal(active, wantActive) {
					t.Errorf("projects %q (active %q), want %q (active %q)", names, active, wantNames, wantActive)
				}
			})

			t.Run("ProjectPages", func(t *testing.T) {
				var withInvoices int
				for _, pr := range p.projectsOf(p.custA) {
					body := get(t, a, "/projects/"+pr.ID, http.StatusOK).Body
					if h := text(docOf(t, body).Find("h1")); h != pr.Name {
						t.Errorf("project %s: heading %q, want %q", pr.ID, h, pr.Name)
					}
					entries := p.entriesOf(p.custA, func(e rawEntry) bool { return e.Project == pr.ID })
					all, billable, _ := sumHours(entries)
					if h, b, _ := totals(t, body); h != hundredths(t, all.Format(2)) || b != hundredths(t, billable.Format(2)) {
						t.Errorf("project %s: %d/100 h (%d billable), the ERP %s (%s)", pr.ID, h, b, all, billable)
					}
					if rows := tableRows(t, body); len(rows) != min(len(entries), 50) {
						t.Errorf("project %s: %d rows, the ERP has %d entries", pr.ID, len(rows), len(entries))
					}
					want := map[string]rawInvoice{}
					for _, v := range p.invoicesOf(p.custA, func(v rawInvoice) bool { return v.visible() && v.Project == pr.ID }) {
						want[v.Number] = v
					}
					got := projectInvoices(t, body)
					if len(got) != len(want) {
						t.Errorf("project %s lists %d invoices, the ERP has %d visible", pr.ID, len(got), len(want))
					}
					for _, row := range got {
						v, ok := want[row[0]]
						if !ok {
							t.Errorf("project %s lists %q, not one of its visible invoices", pr.ID, row[0])
							continue
						}
						if row[1] != "/invoices/"+v.ID || row[3] != v.money(v.Total) || row[4] != v.money(v.balance()) {
							t.Errorf("project %s invoice row %q; want link /invoices/%s, total %s, balance %s", pr.ID, row, v.ID, v.money(v.Total), v.money(v.balance()))
						}
					}
					for _, v := range p.invoicesOf(p.custA, func(v rawInvoice) bool { return !v.visible() && v.Project == pr.ID }) {
						if strings.Contains(body, v.Number) {
							t.Errorf("project %s shows its %s invoice %s", pr.ID, v.Status, v.Number)
						}
					}
					if len(got) > 0 {
						withInvoices++
					}
				}
				if withInvoices == 0 {
					t.Error("no project page lists an invoice")
				}
			})

			// A filter on the busiest project: the middle half of its days,
			// billable only.
			pr := p.busiestProject(t)
			var days []string
			for _, e := range p.entriesOf(p.custA, func(e rawEntry) bool { return e.Project == pr.ID }) {
				days = append(days, e.Date)
			}
			slices.Sort(days)
			from, to := days[len(days)/4], days[len(days)*3/4]
			query := url.Values{"project": {pr.ID}, "from": {from}, "to": {to}, "billable": {"yes"}}.Encode()
			match := p.entriesOf(p.custA, func(e rawEntry) bool {
				return e.Project == pr.ID && e.Date >= from && e.Date <= to && e.Billable
			})
			wantHours, _, _ := sumHours(match)

			t.Run("TimeEntriesFiltered", func(t *testing.T) {
				everything, _, _ := sumHours(p.entriesOf(p.custA, func(rawEntry) bool { return true }))
				if h, _, _ := totals(t, get(t, a, "/time-entries", http.StatusOK).Body); h != hundredths(t, everything.Format(2)) {
					t.Errorf("unfiltered: %d/100 h, the ERP %s", h, everything)
				}
				body := get(t, a, "/time-entries?"+query, http.StatusOK).Body
				h, b, n := totals(t, body)
				if h != hundredths(t, wantHours.Format(2)) || b != h || n != 0 {
					t.Errorf("filtered: %d/100 h (%d billable, %d not), the ERP %s, all billable", h, b, n, wantHours)
				}
				if wantHours == everything {
					t.Error("the filter does not narrow anything")
				}
				rows := tableRows(t, body)
				if len(rows) != min(len(match), 50) || len(match) == 0 {
					t.Errorf("%d rows, the ERP has %d", len(rows), len(match))
				}
				for _, row := range rows {
					if row[0] < from || row[0] > to || row[1] != pr.Name || row[5] != "Billable" {
						t.Errorf("row %q outside the filter", row)
					}
				}
			})

			t.Run("CSVExport", func(t *testing.T) {
				r := get(t, a, "/time-entries/export.csv?"+query, http.StatusOK)
				recs := readCSV(t, r.Body)
				if len(recs)-1 != len(match) {
					t.Fatalf("CSV has %d rows, the ERP %d", len(recs)-1, len(match))
				}
				var sum int64
				for _, rec := range recs[1:] {
					if rec[0] < from || rec[0] > to || rec[1] != pr.Name || rec[5] != "Yes" {
						t.Errorf("CSV row %q outside the filter", rec)
					}
					sum += hundredths(t, rec[4])
				}
				if sum != hundredths(t, wantHours.Format(2)) {
					t.Errorf("CSV hours add up to %d/100, the ERP %s", sum, wantHours)
				}
			})

			t.Run("Overview", func(t *testing.T) {
				doc, body := dashboardDoc(t, a)
				figure := func(name string) string { return text(doc.Find(`[data-figure="` + name + `"]`)) }
				var active int
				for _, pr := range p.projectsOf(p.custA) {
					if pr.Status == "active" {
						active++
					}
				}
				open := p.invoicesOf(p.custA, rawInvoice.unpaid)
				month := today[:7]
				lastMonth := lastMonthOf(t, today)
				thisH, _, _ := sumHours(p.entriesOf(p.custA, func(e rawEntry) bool { return e.Date[:7] == month }))
				lastH, _, _ := sumHours(p.entriesOf(p.custA, func(e rawEntry) bool { return e.Date[:7] == lastMonth }))
				for name, want := range map[string]string{
					"active-projects":  itoa(active),
					"open-invoices":    itoa(len(open)),
					"hours-this-month": thisH.Format(2),
					"hours-last-month": lastH.Format(2),
				} {
					if got := figure(name); got != want {
						t.Errorf("%s: %q, the ERP says %q", name, got, want)
					}
				}
				balances := perCurrency(open, rawInvoice.balance)
				overdue := perCurrency(open, func(v rawInvoice) billing.Decimal {
					if v.overdue(today) {
						return v.balance()
					}
					return 0
				})
				amounts := doc.Find(".dash-amount")
				if amounts.Length() != len(balances) {
					t.Errorf("%d open amounts, want one per currency (%d)", amounts.Length(), len(balances))
				}
				for cur, bal := range balances {
					a := doc.Find(`.dash-amount[data-currency="` + cur + `"]`)
					if got, want := text(a.Find(".dash-open")), (billing.Money{Amount: bal, Currency: cur}).String(); got != want {
						t.Errorf("%s due %q, want %q", cur, got, want)
					}
					if o := overdue[cur]; o != 0 {
						if got, want := text(a.Find(".overdue-amount")), (billing.Money{Amount: o, Currency: cur}).String()+" overdue"; got != want {
							t.Errorf("%s overdue %q, want %q", cur, got, want)
						}
					}
				}
				for _, v := range p.invoicesOf(p.custA, func(v rawInvoice) bool { return !v.visible() }) {
					if strings.Contains(body, ">"+v.Number+"<") {
						t.Errorf("the overview shows the %s invoice %s", v.Status, v.Number)
					}
				}
			})

			t.Run("AnotherCustomerSeesNoneOfIt", func(t *testing.T) {
				b := p.signIn(t, "b@acme.example")
				for _, path := range []string{"/invoices/" + partial.ID, "/invoices/" + partial.ID + ".pdf", "/projects/" + pr.ID} {
					get(t, b, path, http.StatusNotFound)
				}
				if recs := readCSV(t, get(t, b, "/time-entries/export.csv?project="+pr.ID, http.StatusOK).Body); len(recs) != 1 {
					t.Errorf("B's export of A's project has %d rows", len(recs)-1)
				}
			})
		})
	}
}

// lastMonthOf returns the month before day's, as YYYY-MM.
func lastMonthOf(t *testing.T, day string) string {
	t.Helper()
	d, err := billing.ParseDate(day)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := d.MonthRange()
	return first.AddDays(-1).String()[:7]
}
