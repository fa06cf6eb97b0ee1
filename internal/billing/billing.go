// Package billing is the client portal's domain: it turns the rows of the
// role datasets (projects, invoices, invoice lines, time entries), already
// scoped to the signed-in account, into typed values and applies the
// rules the pages share:
//
//   - draft and cancelled invoices, and invoices whose ERP status the
//     configuration does not map, are dropped when rows are read, so no
//     list, lookup, count or total can include them;
//   - an unpaid invoice is overdue when its due date is before today in the
//     portal's time zone (due today is not overdue); a paid one never is;
//     a partially paid invoice is unpaid with a balance of total − paid;
//   - money is exact (Decimal), and totals come per currency, never adding
//     two currencies together;
//   - a lookup by id answers ErrNotFound alike for another customer's id,
//     a hidden invoice's id and an id that never existed.
//
// billing never applies a scope itself: customerdata is the one path from
// an account to rows, and a Book reads through a Loader bound to it.
package billing

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/dataset"
)

// Errors a Book returns.
var (
	// ErrNotFound is a project or invoice id the account cannot see,
	// whatever the reason; pages answer it with the same 404.
	ErrNotFound = errors.New("billing: not found")
	// ErrNotConfigured means no dataset has the role the call needs: the
	// section does not exist in this portal (pages answer 404).
	ErrNotConfigured = errors.New("billing: section not configured")
	// ErrUnavailable wraps a failure to read a role dataset with no earlier
	// snapshot to fall back on (pages say the data is unavailable).
	ErrUnavailable = errors.New("billing: data unavailable")
)

// Loader returns the snapshot of a role dataset for the signed-in
// account's scope. customerdata satisfies it with a closure over the
// account:
//
//	func(ctx context.Context, spec *dataset.Spec) (*dataset.Snapshot, error) {
//		return data.Snapshot(ctx, account, spec, false)
//	}
//
// Like customerdata.Service.Snapshot, it may return an older snapshot
// (marked Stale) together with the error of a failed reload; the Book
// then reads the stale snapshot and reports it in Freshness.
type Loader func(ctx context.Context, spec *dataset.Spec) (*dataset.Snapshot, error)

// Freshness says how current the data behind a page is.
type Freshness struct {
	// AsOf is when the oldest snapshot read was loaded; zero before any.
	AsOf time.Time
	// Stale is true when a reload failed and older data stands in.
	Stale bool
	// Err is the reload failure behind Stale, for the log.
	Err error
}

func (f *Freshness) add(s *dataset.Snapshot, err error) {
	if f.AsOf.IsZero() || s.AsOf.Before(f.AsOf) {
		f.AsOf = s.AsOf
	}
	if s.Stale || err != nil {
		f.Stale = true
		if f.Err == nil {
			f.Err = err
		}
	}
}

// Book reads one account's billing data for one request. It loads each
// role dataset at most once, when first needed, and is safe for concurrent
// use. Make one per request with NewBook.
type Book struct {
	cat   *catalog.Catalog
	load  Loader
	today Date

	mu       sync.Mutex
	snaps    map[catalog.Role]*dataset.Snapshot
	fresh    Freshness
	invoices *InvoiceSet
	projects *ProjectSet
	entries  []TimeEntry
	lines    []Line
	unmapped map[catalog.Role][]string
	hidden   map[catalog.Role]bool
}

// NewBook returns a Book reading cat's role datasets through load, with
// today (see Today) as the day overdue is decided against.
func NewBook(cat *catalog.Catalog, load Loader, today Date) *Book {
	return &Book{cat: cat, load: load, today: today, snaps: map[catalog.Role]*dataset.Snapshot{}, unmapped: map[catalog.Role][]string{}}
}

// Today returns the day the Book decides overdue against.
func (b *Book) Today() Date { return b.today }

// Hide makes the Book treat roles as not configured: the account has
// their sections switched off, so its pages answer 404 and nothing else
// (the overview, a project's invoices, hours per project) reads them.
// Call it before the first read.
func (b *Book) Hide(roles ...catalog.Role) {
	if b.hidden == nil {
		b.hidden = map[catalog.Role]bool{}
	}
	for _, r := range roles {
		b.hidden[r] = true
	}
}

// Configured reports whether a dataset has the role and the role is not
// hidden, that is, whether this account has that section.
func (b *Book) Configured(r catalog.Role) bool {
	_, ok := b.role(r)
	return ok
}

// role returns the dataset with the role unless the Book hides it.
func (b *Book) role(r catalog.Role) (*catalog.RoleDataset, bool) {
	if b.cat == nil || b.hidden[r] {
		return nil, false
	}
	return b.cat.Role(r)
}

// Freshness returns how current the data read so far is.
func (b *Book) Freshness() Freshness {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fresh
}

// Unmapped returns, per role, the ERP status values read so far that the
// configuration maps to nothing (hidden invoices, inactive projects), for
// the operator's log.
func (b *Book) Unmapped() map[catalog.Role][]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[catalog.Role][]string{}
	for r, v := range b.unmapped {
		if len(v) > 0 {
			out[r] = append([]string(nil), v...)
		}
	}
	return out
}

// snapshot loads a role's snapshot once; b.mu must be held.
func (b *Book) snapshot(ctx context.Context, r catalog.Role) (*dataset.Snapshot, *catalog.RoleDataset, error) {
	rd, _ := b.role(r)
	if rd == nil {
		return nil, nil, fmt.Errorf("%w: no dataset has role %q", ErrNotConfigured, r)
	}
	if s, ok := b.snaps[r]; ok {
		return s, rd, nil
	}
	s, err := b.load(ctx, rd.Spec)
	if s == nil {
		if err == nil {
			err = errors.New("no snapshot")
		}
		return nil, nil, fmt.Errorf("%w: %s: %w", ErrUnavailable, r, err)
	}
	b.fresh.add(s, err)
	b.snaps[r] = s
	return s, rd, nil
}

func (b *Book) invoiceSet(ctx context.Context) (*InvoiceSet, error) {
	if b.invoices != nil {
		return b.invoices, nil
	}
	s, rd, err := b.snapshot(ctx, catalog.RoleInvoices)
	if err != nil {
		return nil, err
	}
	set, err := ReadInvoices(s, rd.Statuses, b.today)
	if err != nil {
		return nil, err
	}
	b.invoices, b.unmapped[catalog.RoleInvoices] = set, set.Unmapped
	return set, nil
}

func (b *Book) timeEntries(ctx context.Context) ([]TimeEntry, error) {
	if b.entries != nil {
		return b.entries, nil
	}
	s, _, err := b.snapshot(ctx, catalog.RoleTimeEntries)
	if err != nil {
		return nil, err
	}
	if b.entries, err = ReadTimeEntries(s); err != nil {
		return nil, err
	}
	return b.entries, nil
}

func (b *Book) invoiceLines(ctx context.Context) ([]Line, error) {
	if b.lines != nil {
		return b.lines, nil
	}
	s, _, err := b.snapshot(ctx, catalog.RoleInvoiceLines)
	if err != nil {
		return nil, err
	}
	if b.lines, err = ReadLines(s); err != nil {
		return nil, err
	}
	return b.lines, nil
}

// projectSet reads the projects with their hours when time entries are
// configured.
func (b *Book) projectSet(ctx context.Context) (*ProjectSet, error) {
	if b.projects != nil {
		return b.projects, nil
	}
	s, rd, err := b.snapshot(ctx, catalog.RoleProjects)
	if err != nil {
		return nil, err
	}
	set, err := ReadProjects(s, rd.Statuses)
	if err != nil {
		return nil, err
	}
	if _, ok := b.role(catalog.RoleTimeEntries); ok {
		entries, err := b.timeEntries(ctx)
		if err != nil {
			return nil, err
		}
		set.AddHours(entries)
	}
	b.projects, b.unmapped[catalog.RoleProjects] = set, set.Unmapped
	return set, nil
}

// Projects returns the account's projects, active ones first, each with
// its hours logged when time entries are configured.
func (b *Book) Projects(ctx context.Context) ([]Project, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	set, err := b.projectSet(ctx)
	if err != nil {
		return nil, err
	}
	return append([]Project(nil), set.Projects...), nil
}

// Project returns one project, or ErrNotFound.
func (b *Book) Project(ctx context.Context, id string) (Project, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	set, err := b.projectSet(ctx)
	if err != nil {
		return Project{}, err
	}
	return set.Find(id)
}

// InvoiceQuery selects and orders invoices.
type InvoiceQuery struct {
	Status    string // a status filter (FilterAll … FilterOverdue); "" = all
	ProjectID string // only the invoices of this project; "" = all
	Sort      InvoiceSort
}

// InvoiceList is the invoices a query selects.
type InvoiceList struct {
	Invoices []Invoice // in the query's order
	// Totals add up Invoices per currency.
	Totals []CurrencyTotal
	// Counts are how many invoices each status filter would show (for the
	// filter tabs), within the query's project.
	Counts InvoiceCounts
}

// Invoices returns the invoices a query selects, with their totals per
// currency. Drafts and cancelled invoices are never among them.
func (b *Book) Invoices(ctx context.Context, q InvoiceQuery) (*InvoiceList, error) {
	status, err := ParseInvoiceFilter(q.Status)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	set, err := b.invoiceSet(ctx)
	if err != nil {
		return nil, err
	}
	var inProject []Invoice
	for _, inv := range set.Invoices {
		if q.ProjectID == "" || inv.ProjectID == q.ProjectID {
			inProject = append(inProject, inv)
		}
	}
	out := &InvoiceList{Counts: CountInvoices(inProject)}
	for _, inv := range inProject {
		if InvoiceMatches(inv, status) {
			out.Invoices = append(out.Invoices, inv)
		}
	}
	SortInvoices(out.Invoices, q.Sort)
	out.Totals = Totals(out.Invoices)
	return out, nil
}

// Invoice returns one invoice with its lines, or ErrNotFound for an id
// the account cannot see (another customer's, a draft's, a cancelled
// invoice's, or one that never existed).
func (b *Book) Invoice(ctx context.Context, id string) (*InvoiceDetail, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	set, err := b.invoiceSet(ctx)
	if err != nil {
		return nil, err
	}
	inv, err := set.Find(id)
	if err != nil {
		return nil, err
	}
	d := &InvoiceDetail{Invoice: inv}
	if _, ok := b.role(catalog.RoleInvoiceLines); ok {
		lines, err := b.invoiceLines(ctx)
		if err != nil {
			return nil, err
		}
		d.Lines, d.LinesConfigured = LinesOf(lines, inv), true
	}
	return d, nil
}

// TimeEntryList is the time entries a filter selects.
type TimeEntryList struct {
	Entries []TimeEntry // newest first
	Total   HoursTotal
}

// TimeEntries returns the entries a filter selects, newest first, with
// their hours added up.
func (b *Book) TimeEntries(ctx context.Context, f TimeEntryFilter) (*TimeEntryList, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	all, err := b.timeEntries(ctx)
	if err != nil {
		return nil, err
	}
	sel := FilterTimeEntries(all, f)
	return &TimeEntryList{Entries: sel, Total: SumHours(sel)}, nil
}
