package billing

import (
	"slices"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/dataset"
)

// Project is one of the customer's projects.
type Project struct {
	ID       string // the id in its URL (/projects/{id})
	Customer string
	Name     string
	Status   string // the ERP's own status value, for display
	// Active is true for a status mapped to active. Any other status,
	// including one the configuration does not map, is inactive: the
	// project is still listed, after the active ones.
	Active bool

	BudgetHours     Decimal
	HasBudgetHours  bool
	BudgetAmount    Decimal
	HasBudgetAmount bool
	Currency        string // of BudgetAmount; may be empty

	// HoursLogged adds up every time entry of the project, billable or
	// not; HoursKnown is false when no time entries are configured.
	HoursLogged Decimal
	HoursKnown  bool

	// LastActivity is the dataset's last_activity, or else the day of the
	// project's latest time entry (midnight); zero when neither is known.
	LastActivity time.Time

	Row int
}

// BudgetShare returns the share of the hours budget used (1 = all of it;
// more when over budget). ok is false without hours logged and a positive
// hours budget.
func (p Project) BudgetShare() (share float64, ok bool) {
	if !p.HoursKnown || !p.HasBudgetHours || p.BudgetHours <= 0 {
		return 0, false
	}
	return float64(p.HoursLogged) / float64(p.BudgetHours), true
}

// BudgetPercent is BudgetShare in whole percent, rounded half up; a small
// share that is not zero is at least 1, so a bar never reads "0%" for work
// done. It may exceed 100.
func (p Project) BudgetPercent() (percent int, ok bool) {
	s, ok := p.BudgetShare()
	if !ok {
		return 0, false
	}
	pc := int(s*100 + 0.5)
	if pc == 0 && p.HoursLogged > 0 {
		pc = 1
	}
	return pc, true
}

// OverBudget reports whether more hours were logged than budgeted.
func (p Project) OverBudget() bool {
	s, ok := p.BudgetShare()
	return ok && s > 1
}

// ProjectSet is the projects of one snapshot.
type ProjectSet struct {
	// Projects are active ones first, then by name.
	Projects []Project
	// Unmapped lists status values mapped to nothing (listed as inactive),
	// for the operator's log.
	Unmapped []string
}

// ReadProjects reads a projects snapshot (already scoped). Rows without
// an id are dropped, since they could not be opened.
func ReadProjects(snap *dataset.Snapshot, statuses catalog.StatusMap) (*ProjectSet, error) {
	r, err := newRowReader(snap, catalog.RoleProjects)
	if err != nil {
		return nil, err
	}
	set := &ProjectSet{}
	unmapped := map[string]bool{}
	for row := range snap.Len() {
		p := Project{ID: r.text(row, "id"), Customer: r.text(row, "customer"), Name: r.text(row, "name"),
			Status: r.text(row, "status"), Currency: strings.TrimSpace(r.text(row, "currency")),
			LastActivity: r.time(row, "last_activity"), Row: row}
		if p.ID == "" {
			continue
		}
		cat, ok := statuses.Category(p.Status)
		if !ok {
			unmapped[p.Status] = true
		}
		p.Active = cat == catalog.StatusActive
		if p.BudgetHours, p.HasBudgetHours, err = r.decimal(row, "budget_hours"); err != nil {
			return nil, err
		}
		if p.BudgetAmount, p.HasBudgetAmount, err = r.decimal(row, "budget_amount"); err != nil {
			return nil, err
		}
		set.Projects = append(set.Projects, p)
	}
	SortProjects(set.Projects)
	set.Unmapped = sortedKeys(unmapped)
	return set, nil
}

// SortProjects orders active projects first, then by name (ignoring
// case), then by id.
func SortProjects(list []Project) {
	slices.SortStableFunc(list, func(a, b Project) int {
		if a.Active != b.Active {
			if a.Active {
				return -1
			}
			return 1
		}
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return compareIDs(a.ID, b.ID)
	})
}

// AddHours fills in each project's hours logged, and its last activity
// where the dataset gives none, from the customer's time entries.
func (s *ProjectSet) AddHours(entries []TimeEntry) {
	type agg struct {
		hours  Decimal
		latest Date
	}
	by := map[string]*agg{}
	for _, e := range entries {
		if e.ProjectID == "" {
			continue
		}
		a := by[e.ProjectID]
		if a == nil {
			a = &agg{}
			by[e.ProjectID] = a
		}
		a.hours += e.Hours
		if e.Date.After(a.latest) {
			a.latest = e.Date
		}
	}
	for i := range s.Projects {
		p := &s.Projects[i]
		p.HoursKnown, p.HoursLogged = true, 0
		if a := by[p.ID]; a != nil {
			p.HoursLogged = a.hours
			if p.LastActivity.IsZero() {
				p.LastActivity = a.latest.Time()
			}
		}
	}
}

// Find returns the project with that id; another customer's project and
// an id that never existed both give ErrNotFound.
func (s *ProjectSet) Find(id string) (Project, error) {
	if id != "" {
		for _, p := range s.Projects {
			if p.ID == id {
				return p, nil
			}
		}
	}
	return Project{}, ErrNotFound
}

// Active counts the active projects.
func (s *ProjectSet) Active() int {
	n := 0
	for _, p := range s.Projects {
		if p.Active {
			n++
		}
	}
	return n
}
