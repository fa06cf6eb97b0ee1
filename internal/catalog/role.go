package catalog

import (
	"fmt"
	"slices"
	"strings"

	"github.com/portico-dev/portico/internal/dataset"
)

// Role is what a dataset is for when it is not a grid of its own: the rows
// behind the client-portal pages (projects, invoices with their lines, time
// entries). A role dataset returns the role's canonical columns, which the
// billing package reads; it never appears as a grid at /data/{name}, so
// rows the pages hide (draft and cancelled invoices) cannot be reached
// around them.
type Role string

// The roles.
const (
	RoleProjects     Role = "projects"
	RoleInvoices     Role = "invoices"
	RoleInvoiceLines Role = "invoice_lines"
	RoleTimeEntries  Role = "time_entries"
)

// Roles lists every role, in the order the documentation gives them.
var Roles = []Role{RoleProjects, RoleInvoices, RoleInvoiceLines, RoleTimeEntries}

// CustomerColumn is the canonical customer column of every role: the
// column the scope filters on, so customer_column must name it.
const CustomerColumn = "customer"

// IDColumn is the canonical id of projects, invoices and time entries;
// ids appear in URLs (/invoices/{id}), so key_column must name it.
const IDColumn = "id"

// RoleColumn is one canonical column of a role.
type RoleColumn struct {
	Name     string
	Required bool
	Types    []dataset.ColumnType // the column types it may be declared with
	Meaning  string               // for messages and documentation
}

var (
	idTypes   = []dataset.ColumnType{dataset.Text, dataset.Integer}
	textTypes = []dataset.ColumnType{dataset.Text}
	numTypes  = []dataset.ColumnType{dataset.Money, dataset.Number, dataset.Integer}
	dateTypes = []dataset.ColumnType{dataset.Date, dataset.DateTime}
	// Billable is a yes/no value: text such as "yes", "true", "1", or a
	// number where anything but 0 means billable.
	boolTypes = []dataset.ColumnType{dataset.Text, dataset.Integer, dataset.Number}
)

func req(name string, types []dataset.ColumnType, meaning string) RoleColumn {
	return RoleColumn{Name: name, Required: true, Types: types, Meaning: meaning}
}

func opt(name string, types []dataset.ColumnType, meaning string) RoleColumn {
	return RoleColumn{Name: name, Types: types, Meaning: meaning}
}

var roleColumns = map[Role][]RoleColumn{
	RoleProjects: {
		req("id", idTypes, "the project's id, used in its URL"),
		req("customer", textTypes, "the ERP customer key the scope filters on"),
		req("name", textTypes, "the project's name"),
		req("status", textTypes, "the ERP status, mapped by [dataset.statuses]"),
		opt("budget_hours", numTypes, "hours budgeted"),
		opt("budget_amount", numTypes, "money budgeted"),
		opt("currency", textTypes, "the currency of budget_amount"),
		opt("last_activity", dateTypes, "when work was last done (otherwise the latest time entry's date)"),
	},
	RoleInvoices: {
		req("id", idTypes, "the invoice's id, used in its URL"),
		req("customer", textTypes, "the ERP customer key the scope filters on"),
		req("number", idTypes, "the invoice number shown to the customer"),
		req("status", textTypes, "the ERP status, mapped by [dataset.statuses]"),
		req("issue_date", dateTypes, "the date the invoice was issued"),
		req("due_date", dateTypes, "the date payment is due"),
		req("currency", textTypes, "the ISO 4217 currency code, e.g. EUR"),
		req("total", numTypes, "the amount invoiced, tax included"),
		req("amount_paid", numTypes, "the amount paid (or otherwise settled) so far"),
		opt("subtotal", numTypes, "the amount before tax"),
		opt("tax", numTypes, "the tax amount"),
		opt("project_id", idTypes, "the project invoiced, for the project page"),
	},
	RoleInvoiceLines: {
		req("invoice_id", idTypes, "the id of the invoice the line belongs to"),
		req("customer", textTypes, "the invoice's ERP customer key the scope filters on"),
		req("description", textTypes, "what was sold"),
		req("quantity", numTypes, "how many"),
		req("unit_price", numTypes, "the price of one"),
		req("amount", numTypes, "the line's amount"),
	},
	RoleTimeEntries: {
		req("id", idTypes, "the time entry's id"),
		req("customer", textTypes, "the ERP customer key the scope filters on"),
		req("project_id", idTypes, "the project the time was spent on (may be NULL)"),
		req("date", dateTypes, "the day the work was done"),
		req("hours", numTypes, "hours worked"),
		req("description", textTypes, "what was done"),
		req("person", textTypes, "who did it"),
		req("billable", boolTypes, "whether the time is billable: yes/no, true/false or 1/0"),
	},
}

// Columns returns the role's canonical columns, required ones first.
func (r Role) Columns() []RoleColumn { return roleColumns[r] }

// keyedByID reports whether the role's key column must be "id".
func (r Role) keyedByID() bool { return r != RoleInvoiceLines }

// Status categories: what an ERP status value means to the portal.
const (
	// StatusPaid invoices are settled; their balance is zero.
	StatusPaid = "paid"
	// StatusUnpaid invoices are open (partially paid ones included).
	StatusUnpaid = "unpaid"
	// StatusDraft invoices are never shown, counted or totalled.
	StatusDraft = "draft"
	// StatusCancelled invoices are never shown, counted or totalled.
	StatusCancelled = "cancelled"
	// StatusActive projects are listed first and counted on the dashboard.
	StatusActive = "active"
	// StatusInactive projects are listed after the active ones.
	StatusInactive = "inactive"
)

// statusCategories lists each status role's categories and which of them
// must list at least one value.
var statusCategories = map[Role][]struct {
	name     string
	required bool
}{
	RoleInvoices: {{StatusPaid, true}, {StatusUnpaid, true}, {StatusDraft, false}, {StatusCancelled, false}},
	RoleProjects: {{StatusActive, true}, {StatusInactive, false}},
}

// StatusMap maps an ERP status value, compared without regard to case or
// surrounding spaces, to its category. The zero StatusMap maps nothing.
type StatusMap map[string]string

// Category returns the category of an ERP status value, and false for a
// value the configuration does not map. What an unmapped value means is
// the reader's rule (billing hides unmapped invoices and lists unmapped
// projects as inactive), never a guess made here.
func (m StatusMap) Category(value string) (string, bool) {
	c, ok := m[normStatus(value)]
	return c, ok
}

// Values returns the status values mapped to a category, sorted.
func (m StatusMap) Values(category string) []string {
	var out []string
	for v, c := range m {
		if c == category {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

func normStatus(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// RoleDataset is a dataset with a role: the Spec the dataset engine loads
// (scoped like any other) and the role's status mapping.
type RoleDataset struct {
	Role Role
	// Spec is the dataset; its Page is the role's name, since it is shown
	// only on the role's pages.
	Spec *dataset.Spec
	// Statuses maps the ERP's status values for projects and invoices; nil
	// for the other roles.
	Statuses StatusMap
}

// Role returns the dataset that has the role, if one is configured; a
// portal without it has no such section.
func (c *Catalog) Role(r Role) (*RoleDataset, bool) {
	for _, d := range c.Roles {
		if d.Role == r {
			return d, true
		}
	}
	return nil, false
}

// Specs returns every dataset the catalog reads: the grid datasets, then
// the role datasets, each in file order. `portico check` runs them all.
func (c *Catalog) Specs() []*dataset.Spec {
	out := append([]*dataset.Spec(nil), c.Datasets...)
	for _, r := range c.Roles {
		out = append(out, r.Spec)
	}
	return out
}

func roleList() string {
	q := make([]string, len(Roles))
	for i, r := range Roles {
		q[i] = fmt.Sprintf("%q", r)
	}
	return strings.Join(q, ", ")
}

func typeList(types []dataset.ColumnType) string {
	s := make([]string, len(types))
	for i, t := range types {
		s[i] = string(t)
	}
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// validateRole checks a dataset that has a role against the role's
// canonical columns and status categories, and returns it as a
// RoleDataset (nil when the role itself is unknown).
func validateRole(p *problems, at string, fd fileDataset, spec *dataset.Spec) *RoleDataset {
	role := Role(fd.Role)
	if !slices.Contains(Roles, role) {
		p.add("%s: role %q is not one of %s (or leave role out for a grid of its own)", at, fd.Role, roleList())
		return nil
	}
	if fd.Page != "" {
		p.add("%s: page does not apply to a dataset with a role: its rows are shown only on the %s pages, never as a grid of their own; remove page (or remove role and give it a name of its own for a grid)",
			at, strings.ReplaceAll(string(role), "_", " "))
	}
	spec.Page = string(role)
	if fd.CustomerColumn != "" && fd.CustomerColumn != CustomerColumn {
		p.add("%s: role %q needs customer_column = %q, its canonical customer column (alias the ERP's column in the SQL, e.g. … AS customer)", at, role, CustomerColumn)
	}
	if role.keyedByID() && fd.KeyColumn != "" && fd.KeyColumn != IDColumn {
		p.add("%s: role %q needs key_column = %q, its canonical id column, since ids appear in URLs (alias the ERP's key in the SQL, e.g. … AS id)", at, role, IDColumn)
	}
	for _, rc := range role.Columns() {
		col, _, ok := spec.Column(rc.Name)
		switch {
		case !ok && rc.Required:
			p.add("%s: role %q needs a column %q (%s); return it from the SQL under that name (… AS %s) and declare it with [[dataset.column]]",
				at, role, rc.Name, rc.Meaning, rc.Name)
		case ok && !slices.Contains(rc.Types, col.Type):
			p.add("%s: column %q: role %q needs it to be of type %s, not %q", at, rc.Name, role, typeList(rc.Types), col.Type)
		}
	}
	rd := &RoleDataset{Role: role, Spec: spec}
	rd.Statuses = validateStatuses(p, at, role, fd.Statuses)
	return rd
}

// validateStatuses checks [dataset.statuses] for a role and builds its map.
func validateStatuses(p *problems, at string, role Role, fs *fileStatuses) StatusMap {
	cats, hasStatuses := statusCategories[role]
	if !hasStatuses {
		if fs != nil {
			p.add("%s: [dataset.statuses] does not apply to role %q; only projects and invoices map statuses", at, role)
		}
		return nil
	}
	names := make([]string, len(cats))
	for i, c := range cats {
		names[i] = c.name
	}
	if fs == nil {
		example := `paid = ["paid"], unpaid = ["sent", "overdue"], draft = ["draft"], cancelled = ["void"]`
		if role == RoleProjects {
			example = `active = ["active"], inactive = ["closed"]`
		}
		p.add("%s: role %q needs a [dataset.statuses] table saying which ERP status values mean %s, e.g. %s",
			at, role, strings.Join(names, ", "), example)
		return nil
	}
	given := map[string][]string{
		StatusPaid: fs.Paid, StatusUnpaid: fs.Unpaid, StatusDraft: fs.Draft, StatusCancelled: fs.Cancelled,
		StatusActive: fs.Active, StatusInactive: fs.Inactive,
	}
	for _, cat := range []string{StatusPaid, StatusUnpaid, StatusDraft, StatusCancelled, StatusActive, StatusInactive} {
		if given[cat] != nil && !slices.Contains(names, cat) {
			p.add("%s: statuses.%s does not apply to role %q, whose categories are %s", at, cat, role, strings.Join(names, ", "))
		}
	}
	m := StatusMap{}
	for _, c := range cats {
		vals := given[c.name]
		if c.required && len(vals) == 0 {
			p.add("%s: statuses.%s is missing or empty; list the ERP status values that mean %s", at, c.name, c.name)
		}
		for _, v := range vals {
			n := normStatus(v)
			if n == "" {
				p.add("%s: statuses.%s has an empty value; list ERP status values such as %q", at, c.name, c.name)
				continue
			}
			if prev, dup := m[n]; dup {
				if prev == c.name {
					p.add("%s: statuses.%s lists %q twice (values are compared without regard to case)", at, c.name, v)
				} else {
					p.add("%s: status %q is listed under both statuses.%s and statuses.%s; a value can mean only one thing", at, v, prev, c.name)
				}
				continue
			}
			m[n] = c.name
		}
	}
	return m
}
