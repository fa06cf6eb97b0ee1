package billing

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/catalog"
)

func TestProjects(t *testing.T) {
	ctx := context.Background()
	b := bookFor(t, billingERP(), "A")
	list, err := b.Projects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list {
		names = append(names, p.Name)
	}
	// Active first (mapped case-insensitively), then by name ignoring
	// case; an unmapped status is listed as inactive.
	if want := []string{"Backlog", "website", "Archive scan", "Audit"}; !reflect.DeepEqual(names, want) {
		t.Errorf("order %v, want %v", names, want)
	}
	web, err := b.Project(ctx, "10")
	if err != nil {
		t.Fatal(err)
	}
	if !web.Active || !web.HoursKnown || web.HoursLogged != dec(t, "8.0") || web.BudgetHours != dec(t, "10") ||
		web.BudgetAmount != dec(t, "1500") || web.Currency != "EUR" || !web.HasBudgetAmount {
		t.Errorf("website = %+v", web)
	}
	if pc, ok := web.BudgetPercent(); !ok || pc != 80 || web.OverBudget() {
		t.Errorf("website budget %d%% %v", pc, ok)
	}
	if !web.LastActivity.Equal(time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("last activity from entries %v", web.LastActivity)
	}
	audit, _ := b.Project(ctx, "11")
	if audit.Active || audit.HoursLogged != dec(t, "3") || !audit.LastActivity.Equal(time.Date(2024, 11, 30, 16, 45, 0, 0, time.UTC)) {
		t.Errorf("audit = %+v (the dataset's last activity wins)", audit)
	}
	if s, ok := audit.BudgetShare(); !ok || s != 0.75 {
		t.Errorf("audit share %v", s)
	}
	scan, _ := b.Project(ctx, "13")
	if _, ok := scan.BudgetShare(); ok || scan.HasBudgetHours || !scan.LastActivity.IsZero() || scan.HoursLogged != 0 {
		t.Errorf("a project without budget or time: %+v", scan)
	}
	if got := b.Unmapped()[catalog.RoleProjects]; !reflect.DeepEqual(got, []string{"weird"}) {
		t.Errorf("unmapped %v", got)
	}
	for _, id := range []string{"20", "999", ""} {
		if _, err := b.Project(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Project(%q) = %v", id, err)
		}
	}
}

func TestBudgetPercent(t *testing.T) {
	tests := []struct {
		name          string
		logged, budg  string
		known, hasBud bool
		want          int
		ok, over      bool
	}{
		{"half", "5", "10", true, true, 50, true, false},
		{"a sliver still shows", "0.01", "100", true, true, 1, true, false},
		{"nothing logged is zero", "0", "100", true, true, 0, true, false},
		{"over budget", "12.5", "10", true, true, 125, true, true},
		{"no budget", "5", "0", true, false, 0, false, false},
		{"zero budget", "5", "0", true, true, 0, false, false},
		{"hours unknown", "0", "10", false, true, 0, false, false},
	}
	for _, tt := range tests {
		p := Project{HoursLogged: dec(t, tt.logged), BudgetHours: dec(t, tt.budg), HoursKnown: tt.known, HasBudgetHours: tt.hasBud}
		got, ok := p.BudgetPercent()
		if got != tt.want || ok != tt.ok || p.OverBudget() != tt.over {
			t.Errorf("%s: %d %v over %v", tt.name, got, ok, p.OverBudget())
		}
	}
}

func TestProjectsWithoutTimeEntries(t *testing.T) {
	text := testCatalogText[:strings.Index(testCatalogText, "[[dataset]]\nname = \"time_entries\"")]
	cat, err := catalog.Parse("t.toml", []byte(text), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	b := NewBook(cat, billingERP().loader(t, cat, "A"), fakeToday)
	p, err := b.Project(context.Background(), "10")
	if err != nil || p.HoursKnown {
		t.Errorf("%+v, %v", p, err)
	}
	if _, ok := p.BudgetShare(); ok {
		t.Error("a share without hours")
	}
	s, err := b.Summary(context.Background())
	if err != nil || s.Time != nil || s.Projects == nil || s.Projects.Active != 2 || s.Projects.All != 4 || len(s.Unavailable) != 0 {
		t.Errorf("summary %+v, %v", s, err)
	}
}

func TestParseTimeEntryFilter(t *testing.T) {
	tests := []struct {
		name                        string
		project, from, to, billable string
		want                        TimeEntryFilter
		wantField, wantMsg          string
	}{
		{"empty is everything", "", "", "", "", TimeEntryFilter{}, "", ""},
		{"all fields", " 10 ", "2025-03-01", "2025-03-31", "yes", TimeEntryFilter{ProjectID: "10", From: Date{2025, 3, 1}, To: Date{2025, 3, 31}, Billable: BillableYes}, "", ""},
		{"one day", "", "2025-03-14", "2025-03-14", "no", TimeEntryFilter{From: Date{2025, 3, 14}, To: Date{2025, 3, 14}, Billable: BillableNo}, "", ""},
		{"open start", "", "", "2025-03-14", "all", TimeEntryFilter{To: Date{2025, 3, 14}}, "", ""},
		{"far future is fine", "", "2025-01-01", "9999-12-31", "", TimeEntryFilter{From: Date{2025, 1, 1}, To: Date{9999, 12, 31}}, "", ""},
		{"billable words", "", "", "", "TRUE", TimeEntryFilter{Billable: BillableYes}, "", ""},
		{"reversed range", "", "2025-03-10", "2025-03-01", "", TimeEntryFilter{}, "to",
			"the start date 2025-03-10 is after the end date 2025-03-01; the range runs from the earlier day to the later one, both included, so swap them"},
		{"malformed start", "", "10/03/2025", "", "", TimeEntryFilter{}, "from", `the start date "10/03/2025" is not a date; write it as YYYY-MM-DD, e.g. 2025-01-31`},
		{"impossible end", "", "", "2025-02-30", "", TimeEntryFilter{}, "to", `the end date "2025-02-30" is not a date`},
		{"a time zone is not a date", "", "2025-03-01T00:00:00+01:00", "", "", TimeEntryFilter{}, "from", `is not a date`},
		{"unknown billable", "", "", "", "maybe", TimeEntryFilter{}, "billable", `"maybe" is not a choice; use yes, no or all`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTimeEntryFilter(tt.project, tt.from, tt.to, tt.billable)
			if tt.wantField != "" {
				var fe *FilterError
				if !errors.As(err, &fe) || fe.Field != tt.wantField || !strings.Contains(fe.Message, tt.wantMsg) {
					t.Fatalf("error %v, want %s: %s", err, tt.wantField, tt.wantMsg)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestTimeEntries(t *testing.T) {
	ctx := context.Background()
	b := bookFor(t, billingERP(), "A")
	ids := func(list []TimeEntry) []string {
		var out []string
		for _, e := range list {
			out = append(out, e.ID)
		}
		return out
	}
	tests := []struct {
		name                        string
		project, from, to, billable string
		want                        []string
		hours, billableH, nonBill   string
	}{
		{"everything, newest first", "", "", "", "", []string{"105", "100", "101", "102", "103", "104"}, "12.25", "3.50", "8.75"},
		{"one project", "10", "", "", "", []string{"105", "100", "101", "102"}, "8.00", "0.50", "7.50"},
		{"inclusive range", "", "2025-02-28", "2025-03-01", "", []string{"101", "102"}, "7.70", "0.20", "7.50"},
		{"single day", "", "2025-03-14", "2025-03-14", "", []string{"105", "100"}, "0.30", "0.30", "0.00"},
		{"billable only", "", "", "", "yes", []string{"105", "100", "101", "103"}, "3.50", "3.50", "0.00"},
		{"non-billable only", "", "", "", "no", []string{"102", "104"}, "8.75", "0.00", "8.75"},
		{"future range finds nothing", "", "2030-01-01", "9999-12-31", "", nil, "0.00", "0.00", "0.00"},
		{"another customer's project finds nothing", "20", "", "", "", nil, "0.00", "0.00", "0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseTimeEntryFilter(tt.project, tt.from, tt.to, tt.billable)
			if err != nil {
				t.Fatal(err)
			}
			list, err := b.TimeEntries(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(list.Entries); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("entries %v, want %v", got, tt.want)
			}
			tot := list.Total
			if tot.Entries != len(tt.want) || tot.Hours.String() != tt.hours || tot.Billable.String() != tt.billableH || tot.NonBillable.String() != tt.nonBill {
				t.Errorf("total %+v (%s/%s/%s), want %s/%s/%s", tot, tot.Hours, tot.Billable, tot.NonBillable, tt.hours, tt.billableH, tt.nonBill)
			}
		})
	}
	all, _ := b.TimeEntries(ctx, TimeEntryFilter{})
	direct := all.Entries[len(all.Entries)-1]
	if direct.ProjectID != "" || direct.Description != "Direct" || direct.Person != "Zoë" || direct.Billable || direct.Date != (Date{2025, 1, 31}) {
		t.Errorf("direct entry %+v", direct)
	}
	if all.Entries[3].Description != "" {
		t.Errorf("NULL description reads %q", all.Entries[3].Description)
	}
}

func TestSummary(t *testing.T) {
	b := bookFor(t, billingERP(), "A")
	s, err := b.Summary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Today != fakeToday || s.Projects == nil || s.Projects.Active != 2 || s.Projects.All != 4 {
		t.Errorf("projects %+v", s.Projects)
	}
	if s.Time.ThisMonth.Hours.String() != "0.50" || s.Time.LastMonth.Hours.String() != "10.50" || len(s.Time.Recent) != 6 {
		t.Errorf("hours this month %s, last month %s, %d recent", s.Time.ThisMonth.Hours, s.Time.LastMonth.Hours, len(s.Time.Recent))
	}
	want := []CurrencyTotal{
		{Currency: "EUR", Count: 2, Total: dec(t, "500.50"), Paid: dec(t, "120.25"), Balance: dec(t, "380.25"), Overdue: dec(t, "200.50"), OverdueCount: 1},
		{Currency: "USD", Count: 2, Total: dec(t, "1050"), Balance: dec(t, "1050"), Overdue: dec(t, "50"), OverdueCount: 1},
	}
	if !reflect.DeepEqual(s.Invoices.Open, want) {
		t.Errorf("open\n got %+v\nwant %+v", s.Invoices.Open, want)
	}
	if len(s.Invoices.Recent) != RecentInvoices || s.Invoices.Recent[0].Number != "A-003" {
		t.Errorf("recent %v", numbers(s.Invoices.Recent))
	}
	if len(s.Unavailable) != 0 {
		t.Errorf("unavailable %v", s.Unavailable)
	}
}

func TestEntriesOfOtherCustomersNeverCount(t *testing.T) {
	// An account scoped to both customers sees both; one scoped to A never
	// sees B's 99 hours anywhere.
	both := bookFor(t, billingERP(), "A", "B")
	all, _ := both.TimeEntries(context.Background(), TimeEntryFilter{})
	if all.Total.Hours.String() != "111.25" {
		t.Errorf("both customers: %s hours", all.Total.Hours)
	}
	a := bookFor(t, billingERP(), "A")
	s, _ := a.Summary(context.Background())
	if s.Time.ThisMonth.Hours.String() != "0.50" {
		t.Errorf("A's month includes B's hours: %s", s.Time.ThisMonth.Hours)
	}
	none := bookFor(t, billingERP())
	list, err := none.Invoices(context.Background(), InvoiceQuery{})
	if err != nil || len(list.Invoices) != 0 || len(list.Totals) != 0 {
		t.Errorf("empty scope: %+v, %v", list, err)
	}
}
