// Package customerdata is the one path from a signed-in customer to ERP
// rows. Every page and export that shows customer data gets its snapshot
// through Service.Snapshot, which derives the scope from the account stored
// in the portal database — never from the request — so nothing a browser
// sends can widen what it sees.
package customerdata

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"github.com/portico-dev/portico/internal/billing"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/dataset"
	"github.com/portico-dev/portico/internal/source"
	"github.com/portico-dev/portico/internal/store"
)

// ErrNoSource means a dataset names a source that is not open; start-up
// validation makes this a programming error.
var ErrNoSource = errors.New("customerdata: dataset's source is not open")

// Service reads datasets for accounts.
type Service struct {
	Catalog *catalog.Catalog
	Sources map[string]*source.Source
	Engine  *dataset.Engine
	Store   *store.Store
}

// Inventory returns the dataset shown at /inventory, if one is configured.
func (s *Service) Inventory() (*dataset.Spec, bool) {
	if s == nil || s.Catalog == nil {
		return nil, false
	}
	for _, d := range s.Catalog.Datasets {
		if d.Page == "inventory" {
			return d, true
		}
	}
	return nil, false
}

// Dataset returns a configured dataset by name.
func (s *Service) Dataset(name string) (*dataset.Spec, bool) {
	if s == nil || s.Catalog == nil {
		return nil, false
	}
	return s.Catalog.Dataset(name)
}

// Datasets lists the grid datasets in configuration order, inventory first.
func (s *Service) Datasets() []*dataset.Spec {
	if s == nil || s.Catalog == nil {
		return nil
	}
	out := append([]*dataset.Spec(nil), s.Catalog.Datasets...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Page == "inventory" && out[j].Page != "inventory" })
	return out
}

// ScopeOf is the account's scope for one dataset as the ERP sees it: all
// customers, or the account's customer keys minus customers whose portal
// access is off and customers that have the dataset's section switched off.
func (s *Service) ScopeOf(ctx context.Context, a *store.Account, spec *dataset.Spec) (dataset.Scope, error) {
	ac, err := s.accessOf(ctx, a)
	if err != nil {
		return dataset.Scope{}, err
	}
	return ac.scope(SectionOf(spec)), nil
}

// Snapshot returns the account's snapshot of a dataset. On a source failure
// it returns the last snapshot marked stale (if any) together with the
// error; the caller shows "unavailable" when the snapshot is nil.
func (s *Service) Snapshot(ctx context.Context, a *store.Account, spec *dataset.Spec, refresh bool) (*dataset.Snapshot, error) {
	scope, err := s.ScopeOf(ctx, a, spec)
	if err != nil {
		return nil, err // fail closed: never query without the scope
	}
	src, ok := s.Sources[spec.Source]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoSource, spec.Source)
	}
	query, args, err := source.ScopedQuery(src.Dialect(), spec.SQL, spec.CustomerColumn, scope.All, scope.Keys)
	if err != nil {
		return nil, err
	}
	fetch := func(ctx context.Context, fn func(*sql.Rows) error) error {
		return src.Query(ctx, query, args, fn)
	}
	return s.Engine.Get(ctx, spec, scope, fetch, refresh)
}

// ERPCustomers lists the ERP's customers from the first source that has a
// customers query (the inventory's source first). ok is false when no source
// has one.
func (s *Service) ERPCustomers(ctx context.Context) (list []source.Customer, ok bool, err error) {
	if s == nil || s.Catalog == nil {
		return nil, false, nil
	}
	var order []string
	if inv, found := s.Inventory(); found {
		order = append(order, inv.Source)
	}
	for _, c := range s.Catalog.Sources {
		order = append(order, c.Name)
	}
	for _, name := range order {
		src, found := s.Sources[name]
		if !found || src.Config().CustomersSQL == "" {
			continue
		}
		list, err := src.Customers(ctx)
		return list, true, err
	}
	return nil, false, nil
}

// Book returns the billing view of one account's data for one request:
// projects, invoices and time entries, read through Snapshot so the
// account's scope applies to every row. sections are the account's
// sections (SectionsOf): a client-portal section missing from them is
// hidden in the Book. today is the current day in the portal's time zone
// (billing.Today).
func (s *Service) Book(a *store.Account, sections []Section, today billing.Date) *billing.Book {
	var cat *catalog.Catalog
	if s != nil {
		cat = s.Catalog
	}
	b := billing.NewBook(cat, func(ctx context.Context, spec *dataset.Spec) (*dataset.Snapshot, error) {
		return s.Snapshot(ctx, a, spec, false)
	}, today)
	has := map[string]bool{}
	for _, sec := range sections {
		has[sec.Key] = true
	}
	if !has[SectionProjects] {
		b.Hide(catalog.RoleProjects)
	}
	if !has[SectionInvoices] {
		b.Hide(catalog.RoleInvoices, catalog.RoleInvoiceLines)
	}
	if !has[SectionTimeEntries] {
		b.Hide(catalog.RoleTimeEntries)
	}
	return b
}
