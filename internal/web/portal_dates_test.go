package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/billing"
)

// TestPortalDateRangeParameters sends date ranges to the time-entries
// page, its CSV export and a project page: malformed days and days with a
// time or a time zone are refused with the field explained; a reversed
// range is refused, never silently emptied; far-past and far-future days
// are fine and match what they match.
func TestPortalDateRangeParameters(t *testing.T) {
	p := startDemoPortal(t, demoSetup{})
	a := p.signIn(t, "a@acme.example")
	pr := p.busiestProject(t)
	all := len(p.entriesOf(p.custA, func(rawEntry) bool { return true }))
	inProject := len(p.entriesOf(p.custA, func(e rawEntry) bool { return e.Project == pr.ID }))

	refused := []struct{ name, from, to, message string }{
		{"UTCTime", "2026-05-01T00:00:00Z", "", "is not a date"},
		{"OffsetTime", "2026-05-01T00:00:00+02:00", "", "is not a date"},
		{"NegativeOffset", "", "2026-05-01T23:59:59-10:00", "is not a date"},
		{"ZoneLetter", "2026-05-01Z", "", "is not a date"},
		{"ZoneName", "2026-05-01 Europe/Berlin", "", "is not a date"},
		{"SpaceTime", "", "2026-05-01 00:00", "is not a date"},
		{"Compact", "20260501", "", "is not a date"},
		{"Slashes", "2026/05/01", "", "is not a date"},
		{"DayFirst", "01.05.2026", "", "is not a date"},
		{"NoSuchMonth", "2026-13-01", "", "is not a date"},
		{"NotALeapYear", "", "2026-02-29", "is not a date"},
		{"YearZero", "0000-01-01", "", "is not a date"},
		{"FiveDigitYear", "", "10000-01-01", "is not a date"},
		{"NegativeYear", "-2026-05-01", "", "is not a date"},
		{"UnixTime", "1777852800", "", "is not a date"},
		{"Reversed", "2026-05-02", "2026-05-01", "is after the end date"},
		{"ReversedAcrossYears", "9999-12-31", "0001-01-01", "is after the end date"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"from": {tc.from}, "to": {tc.to}}.Encode()
			for _, path := range []string{"/time-entries?" + q, "/projects/" + pr.ID + "?" + q} {
				r := get(t, a, path, http.StatusBadRequest)
				if !strings.Contains(r.Body, tc.message) || !strings.Contains(r.Body, `class="field-error"`) {
					t.Errorf("%s: the page does not explain %q", path, tc.message)
				}
				if rows := tableRows(t, r.Body); len(rows) != 0 {
					t.Errorf("%s: %d rows under a filter that cannot be used", path, len(rows))
				}
			}
			for _, ext := range []string{"csv", "xlsx"} {
				get(t, a, "/time-entries/export."+ext+"?"+q, http.StatusBadRequest)
				get(t, a, "/time-entries/export."+ext+"?project="+pr.ID+"&"+q, http.StatusBadRequest)
			}
		})
	}

	accepted := []struct {
		name, from, to      string
		want, wantInProject int
	}{
		{"FarPastStart", "0001-01-01", "", all, inProject},
		{"FarFutureEnd", "", "9999-12-31", all, inProject},
		{"WholeCalendar", "0001-01-01", "9999-12-31", all, inProject},
		{"FarFutureStart", "9999-12-31", "", 0, 0},
		{"FarFutureDay", "9999-12-31", "9999-12-31", 0, 0},
		{"LeapDayInTheFuture", "2028-02-29", "2028-02-29", 0, 0},
		{"SpacesAround", " 0001-01-01 ", " 9999-12-31 ", all, inProject},
		{"BothEmpty", "", "", all, inProject},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"from": {tc.from}, "to": {tc.to}}.Encode()
			if recs := readCSV(t, get(t, a, "/time-entries/export.csv?"+q, http.StatusOK).Body); len(recs)-1 != tc.want {
				t.Errorf("export has %d rows, want %d", len(recs)-1, tc.want)
			}
			r := get(t, a, "/projects/"+pr.ID+"?"+q, http.StatusOK)
			if rows := tableRows(t, r.Body); len(rows) != min(tc.wantInProject, 50) {
				t.Errorf("project page: %d rows, want %d", len(rows), min(tc.wantInProject, 50))
			}
			if tc.want == 0 && !strings.Contains(get(t, a, "/time-entries?"+q, http.StatusOK).Body, "No time entries match this filter") {
				t.Error("an empty far-future range does not say so")
			}
		})
	}
}

// TestPortalDaysAreCalendarDaysInEveryZone: the ERP records the day work
// was done, the same day wherever it is read. Portals in Auckland
// (UTC+12) and Honolulu (UTC−10) over the same ERP list the same entries
// for the same day. What "this month" means follows the portal's zone: at
// 22:30 UTC on the last day of the month it is already next month in
// Auckland and still this month in Honolulu.
func TestPortalDaysAreCalendarDaysInEveryZone(t *testing.T) {
	p := startDemoPortal(t, demoSetup{opts: []apptest.Option{inZone(t, "Pacific/Auckland")}})
	honolulu := p.start(t, inZone(t, "Pacific/Honolulu"))
	auckland := p.in

	// A day with several entries.
	byDay := map[string]int{}
	for _, e := range p.entriesOf(p.custA, func(rawEntry) bool { return true }) {
		byDay[e.Date]++
	}
	var day string
	for d, n := range byDay {
		if n >= 2 && (day == "" || d > day) {
			day = d
		}
	}
	if day == "" {
		t.Fatal("no day with two entries")
	}
	want := p.entriesOf(p.custA, func(e rawEntry) bool { return e.Date == day })
	wantHours, _, _ := sumHours(want)
	rowsOf := func(in *apptest.Instance) [][]string {
		c := signedIn(t, in, "a@acme.example")
		q := "from=" + day + "&to=" + day
		r := get(t, c, "/time-entries?"+q, http.StatusOK)
		if h, _, _ := totals(t, r.Body); h != hundredths(t, wantHours.Format(2)) {
			t.Errorf("%s on %s: %d/100 h, the ERP %s", in.App.Config.TimeZone, day, h, wantHours)
		}
		return readCSV(t, get(t, c, "/time-entries/export.csv?"+q, http.StatusOK).Body)
	}
	a, h := rowsOf(auckland), rowsOf(honolulu)
	if len(a)-1 != len(want) || !slices.EqualFunc(a, h, slices.Equal) {
		t.Errorf("entries of %s: Auckland %d rows, Honolulu %d rows, the ERP %d", day, len(a)-1, len(h)-1, len(want))
	}
	for _, rec := range a[1:] {
		if rec[0] != day {
			t.Errorf("row of %s in the filter of %s", rec[0], day)
		}
	}

	// Move both clocks to 22:30 UTC on the last day of the anchor's month.
	now := apptest.Epoch
	first, last := billing.DateOf(now).MonthRange()
	target := last.Time().Add(22*time.Hour + 30*time.Minute)
	for _, in := range []*apptest.Instance{auckland, honolulu} {
		in.Clock.Advance(target.Sub(now))
	}
	month := first.String()[:7]
	prev := lastMonthOf(t, first.String())
	hoursIn := func(m string) string {
		h, _, _ := sumHours(p.entriesOf(p.custA, func(e rawEntry) bool { return e.Date[:7] == m }))
		return h.Format(2)
	}
	next := last.AddDays(1).String()[:7]
	for _, tc := range []struct {
		in              *apptest.Instance
		zone            string
		thisMonth, last string
	}{
		{auckland, "Auckland, already " + next, hoursIn(next), hoursIn(month)},
		{honolulu, "Honolulu, still " + month, hoursIn(month), hoursIn(prev)},
	} {
		doc, _ := dashboardDoc(t, signedIn(t, tc.in, "a@acme.example"))
		got := fmt.Sprintf("%s/%s", text(doc.Find(`[data-figure="hours-this-month"]`)), text(doc.Find(`[data-figure="hours-last-month"]`)))
		if want := tc.thisMonth + "/" + tc.last; got != want {
			t.Errorf("%s: hours this/last month %s, want %s", tc.zone, got, want)
		}
	}
	if hoursIn(month) == "0.00" {
		t.Error("no hours in the anchor's month to tell the zones apart")
	}
}

// TestPortalInvoicePDFPages parses the PDFs the portal serves: a short
// invoice is one page with its number and total; an invoice with many
// lines runs over pages, each numbered "Page i of n" with the invoice
// number, every line printed exactly once, and the total on the last.
func TestPortalInvoicePDFPages(t *testing.T) {
	const extra = 90
	var long rawInvoice
	p := startDemoPortal(t, demoSetup{edit: func(t *testing.T, p *demoPortal) {
		long = p.invoice(t, p.custA, func(v rawInvoice) bool { return v.Status == "paid" })
		var maxLine int64
		if err := p.db.Writer.QueryRow("SELECT MAX(line_id) FROM invoice_lines").Scan(&maxLine); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= extra; i++ {
			p.exec(t, "INSERT INTO invoice_lines (line_id, invoice_id, description, quantity, unit_price, amount) VALUES (?, ?, ?, 1, 10, 10)",
				maxLine+int64(i), long.ID, fmt.Sprintf("Extra line %03d", i))
		}
		p.exec(t, fmt.Sprintf("UPDATE invoices SET subtotal = subtotal + %d, total = total + %d, amount_paid = amount_paid + %d WHERE invoice_id = ?", extra*10, extra*10, extra*10), long.ID)
	}})
	a := p.signIn(t, "a@acme.example")
	for _, v := range p.invoices {
		if v.ID == long.ID {
			long = v
		}
	}
	short := p.invoice(t, p.custA, func(v rawInvoice) bool { return v.visible() && v.ID != long.ID && len(p.lines[v.ID]) <= 10 })

	pdfOf := func(v rawInvoice) []string {
		r := get(t, a, "/invoices/"+v.ID+".pdf", http.StatusOK)
		if !safeAttachment.MatchString(r.Header.Get("Content-Disposition")) || !strings.Contains(r.Header.Get("Content-Disposition"), v.Number) {
			t.Errorf("invoice %s downloads as %q", v.Number, r.Header.Get("Content-Disposition"))
		}
		return pdfPages(t, []byte(r.Body))
	}
	total := func(v rawInvoice) string { return v.Total.Format(billing.CurrencyDecimals(v.Currency)) }

	pages := pdfOf(short)
	if len(pages) != 1 {
		t.Fatalf("a %d-line invoice has %d pages, want 1", len(p.lines[short.ID]), len(pages))
	}
	for _, want := range []string{short.Number, total(short), "Page 1 of 1"} {
		if !strings.Contains(pages[0], want) {
			t.Errorf("the short invoice's PDF lacks %q", want)
		}
	}

	pages = pdfOf(long)
	n := len(pages)
	if n < 2 {
		t.Fatalf("a %d-line invoice has %d page", len(p.lines[long.ID]), n)
	}
	for i, page := range pages {
		for _, want := range []string{long.Number, fmt.Sprintf("Page %d of %d", i+1, n)} {
			if !strings.Contains(page, want) {
				t.Errorf("page %d lacks %q", i+1, want)
			}
		}
	}
	all := strings.Join(pages, "\n")
	for _, d := range p.lines[long.ID] {
		if c := strings.Count(all, d); c != 1 && strings.HasPrefix(d, "Extra line") {
			t.Errorf("%q is printed %d times", d, c)
		}
	}
	if !strings.Contains(pages[n-1], total(long)) {
		t.Errorf("the last page lacks the total %s", total(long))
	}
	if !strings.Contains(pages[0], "PAID") {
		t.Error("the first page lacks the status")
	}
}
