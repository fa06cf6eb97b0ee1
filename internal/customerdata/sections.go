package customerdata

import (
	"context"
	"fmt"
	"sync"

	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/dataset"
	"github.com/portico-dev/portico/internal/store"
)

// Section is one part of the customer portal: a grid dataset, or one of
// the client-portal pages. The operator decides which sections exist by
// configuring datasets; an admin can switch any of them off per customer.
type Section struct {
	// Key names the section in the portal database: "projects",
	// "invoices", "time_entries", or "data/" and a grid dataset's name
	// (prefixed so a dataset can never share a key with a page).
	Key   string
	Title string
	Href  string
}

// The client-portal sections, in navigation order, with the role datasets
// that make each exist. Invoice lines belong to the invoices section.
var roleSections = []struct {
	role  catalog.Role
	key   string
	title string
	href  string
}{
	{catalog.RoleProjects, "projects", "Projects", "/projects"},
	{catalog.RoleInvoices, "invoices", "Invoices", "/invoices"},
	{catalog.RoleTimeEntries, "time_entries", "Time", "/time-entries"},
}

// SectionProjects, SectionInvoices and SectionTimeEntries are the keys of
// the client-portal sections.
const (
	SectionProjects    = "projects"
	SectionInvoices    = "invoices"
	SectionTimeEntries = "time_entries"
)

// DatasetSection is the section key of a grid dataset.
func DatasetSection(name string) string { return "data/" + name }

// SectionOf is the section a dataset's rows belong to; every read of the
// dataset is limited to the customers that have that section on.
func SectionOf(spec *dataset.Spec) string {
	switch catalog.Role(spec.Page) {
	case catalog.RoleProjects:
		return SectionProjects
	case catalog.RoleInvoices, catalog.RoleInvoiceLines:
		return SectionInvoices
	case catalog.RoleTimeEntries:
		return SectionTimeEntries
	}
	return DatasetSection(spec.Name)
}

// Sections lists the sections the configuration gives the portal, in
// navigation order: the grid datasets (inventory first), then projects,
// invoices and time entries when their datasets exist.
func (s *Service) Sections() []Section {
	var out []Section
	for _, d := range s.Datasets() {
		href := "/data/" + d.Name
		if d.Page == catalog.PageInventory {
			href = "/inventory"
		}
		out = append(out, Section{Key: DatasetSection(d.Name), Title: d.Title, Href: href})
	}
	if s == nil || s.Catalog == nil {
		return out
	}
	for _, rs := range roleSections {
		if _, ok := s.Catalog.Role(rs.role); ok {
			out = append(out, Section{Key: rs.key, Title: rs.title, Href: rs.href})
		}
	}
	return out
}

// access is what an account may see: the customers whose portal access is
// on, and the sections each of them has switched off.
type access struct {
	all  bool
	keys []string
	off  map[string]map[string]bool
}

// accessMemo keeps one account's access for the rest of a request: the
// navigation, the overview and every dataset a page reads need the same
// answer, and a request is short enough that a switch flipped meanwhile
// applies from the next one.
type accessMemo struct {
	mu sync.Mutex
	id int64
	ac *access
}

type memoKey struct{}

// WithAccessMemo returns a context in which an account's access is read
// from the portal database once; the web layer makes one per request.
func WithAccessMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &accessMemo{})
}

func (s *Service) accessOf(ctx context.Context, a *store.Account) (access, error) {
	m, _ := ctx.Value(memoKey{}).(*accessMemo)
	if m == nil {
		return s.readAccess(ctx, a)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ac != nil && m.id == a.ID {
		return *m.ac, nil
	}
	ac, err := s.readAccess(ctx, a)
	if err == nil {
		m.id, m.ac = a.ID, &ac
	}
	return ac, err
}

func (s *Service) readAccess(ctx context.Context, a *store.Account) (access, error) {
	if a.AllCustomers {
		// Accounts that see every customer are not limited per customer:
		// neither portal access nor section switches name them.
		return access{all: true}, nil
	}
	disabled, err := s.Store.DisabledCustomers(ctx, a.Scope)
	if err != nil {
		return access{}, fmt.Errorf("customerdata: scope of account %d: %w", a.ID, err)
	}
	var keys []string
	for _, k := range a.Scope {
		if !disabled[k] {
			keys = append(keys, k)
		}
	}
	off, err := s.Store.SectionsOff(ctx, keys)
	if err != nil {
		return access{}, fmt.Errorf("customerdata: sections of account %d: %w", a.ID, err)
	}
	return access{keys: keys, off: off}, nil
}

// scope is the account's scope for one section: its enabled customers
// that have the section on.
func (ac access) scope(section string) dataset.Scope {
	if ac.all {
		return dataset.NewScope(true, nil)
	}
	var keys []string
	for _, k := range ac.keys {
		if !ac.off[k][section] {
			keys = append(keys, k)
		}
	}
	return dataset.NewScope(false, keys)
}

// on reports whether the account has the section: some customer it sees
// has it on. An account none of whose customers are enabled keeps its
// sections (it shows no rows); sign-in refuses such accounts anyway.
func (ac access) on(section string) bool {
	if ac.all || len(ac.keys) == 0 {
		return true
	}
	for _, k := range ac.keys {
		if !ac.off[k][section] {
			return true
		}
	}
	return false
}

// SectionsOf returns the sections this account has, in navigation order:
// the configured sections minus those switched off for every customer it
// sees.
func (s *Service) SectionsOf(ctx context.Context, a *store.Account) ([]Section, error) {
	if s == nil || s.Catalog == nil {
		return nil, nil
	}
	ac, err := s.accessOf(ctx, a)
	if err != nil {
		return nil, err
	}
	var out []Section
	for _, sec := range s.Sections() {
		if ac.on(sec.Key) {
			out = append(out, sec)
		}
	}
	return out, nil
}
