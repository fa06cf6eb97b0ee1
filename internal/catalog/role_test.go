package catalog

import (
	"reflect"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/dataset"
)

// invoicesFile is a valid file with an invoices role that test cases vary.
const invoicesFile = `
[[source]]
name = "erp"
driver = "postgres"
dsn_env = "PORTICO_ERP_DSN"

[[dataset]]
name = "bills"
source = "erp"
role = "invoices"
customer_column = "customer"
key_column = "id"
sql = "SELECT id, customer, number, status, issue_date, due_date, currency, total, amount_paid, po FROM bills"

  [dataset.statuses]
  paid = ["Paid", "settled"]
  unpaid = ["open", " Overdue "]
  draft = ["draft"]
  cancelled = ["void"]

  [[dataset.column]]
  name = "id"
  type = "integer"
  [[dataset.column]]
  name = "customer"
  [[dataset.column]]
  name = "number"
  [[dataset.column]]
  name = "status"
  [[dataset.column]]
  name = "issue_date"
  type = "date"
  [[dataset.column]]
  name = "due_date"
  type = "date"
  [[dataset.column]]
  name = "currency"
  [[dataset.column]]
  name = "total"
  type = "money"
  [[dataset.column]]
  name = "amount_paid"
  type = "money"
  [[dataset.column]]
  name = "po"
`

// linesDataset is a valid invoice_lines dataset to append.
const linesDataset = `
[[dataset]]
name = "lines"
source = "erp"
role = "invoice_lines"
customer_column = "customer"
key_column = "line_no"
sql = "SELECT line_no, invoice_id, customer, description, quantity, unit_price, amount FROM lines"
  [[dataset.column]]
  name = "line_no"
  type = "integer"
  [[dataset.column]]
  name = "invoice_id"
  type = "integer"
  [[dataset.column]]
  name = "customer"
  [[dataset.column]]
  name = "description"
  [[dataset.column]]
  name = "quantity"
  type = "number"
  [[dataset.column]]
  name = "unit_price"
  type = "money"
  [[dataset.column]]
  name = "amount"
  type = "money"
`

func replaceIn(t *testing.T, text, old, new string) string {
	t.Helper()
	if !strings.Contains(text, old) {
		t.Fatalf("file has no %q", old)
	}
	return strings.Replace(text, old, new, 1)
}

func TestRoleDataset(t *testing.T) {
	c := mustParse(t, invoicesFile+linesDataset, erpEnv)
	if len(c.Datasets) != 0 {
		t.Errorf("role datasets listed as grids: %v", c.Datasets)
	}
	if _, ok := c.Dataset("bills"); ok {
		t.Error("Dataset finds a role dataset, so it could be served as a grid")
	}
	inv, ok := c.Role(RoleInvoices)
	if !ok || inv.Spec.Name != "bills" || inv.Spec.Page != "invoices" || inv.Spec.Source != "erp" {
		t.Fatalf("Role(invoices) = %+v, %v", inv, ok)
	}
	if _, ok := c.Role(RoleProjects); ok {
		t.Error("Role(projects) found a role nobody declared")
	}
	lines, ok := c.Role(RoleInvoiceLines)
	if !ok || lines.Statuses != nil || lines.Spec.KeyColumn != "line_no" {
		t.Errorf("Role(invoice_lines) = %+v, %v", lines, ok)
	}
	if got := c.Specs(); len(got) != 2 || got[0] != inv.Spec || got[1] != lines.Spec {
		t.Errorf("Specs() = %v", got)
	}

	categories := []struct {
		value, want string
		ok          bool
	}{
		{"paid", StatusPaid, true},
		{"PAID", StatusPaid, true},
		{"  settled\t", StatusPaid, true},
		{"overdue", StatusUnpaid, true},
		{"Open", StatusUnpaid, true},
		{"draft", StatusDraft, true},
		{"void", StatusCancelled, true},
		{"refunded", "", false},
		{"", "", false},
	}
	for _, tt := range categories {
		got, ok := inv.Statuses.Category(tt.value)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Category(%q) = %q, %v; want %q, %v", tt.value, got, ok, tt.want, tt.ok)
		}
	}
	if got := inv.Statuses.Values(StatusPaid); !reflect.DeepEqual(got, []string{"paid", "settled"}) {
		t.Errorf("Values(paid) = %v", got)
	}
	if _, ok := StatusMap(nil).Category("paid"); ok {
		t.Error("the zero StatusMap maps a value")
	}
}

func TestRoleColumnsAreDocumentedShape(t *testing.T) {
	// Every role names its customer column, and the roles keyed by id
	// have one; these are what validation and billing rely on.
	for _, r := range Roles {
		cols := r.Columns()
		names := map[string]RoleColumn{}
		for _, c := range cols {
			names[c.Name] = c
			if len(c.Types) == 0 || c.Meaning == "" {
				t.Errorf("%s.%s lacks types or meaning", r, c.Name)
			}
		}
		if c, ok := names[CustomerColumn]; !ok || !c.Required {
			t.Errorf("role %s has no required customer column", r)
		}
		if _, ok := names[IDColumn]; ok != r.keyedByID() {
			t.Errorf("role %s: id column present = %v, keyed by id = %v", r, ok, r.keyedByID())
		}
	}
	want := map[Role][]string{
		RoleInvoices:     {"id", "customer", "number", "status", "issue_date", "due_date", "currency", "total", "amount_paid"},
		RoleInvoiceLines: {"invoice_id", "customer", "description", "quantity", "unit_price", "amount"},
		RoleProjects:     {"id", "customer", "name", "status"},
		RoleTimeEntries:  {"id", "customer", "project_id", "date", "hours", "description", "person", "billable"},
	}
	for r, names := range want {
		var got []string
		for _, c := range r.Columns() {
			if c.Required {
				got = append(got, c.Name)
			}
		}
		if !reflect.DeepEqual(got, names) {
			t.Errorf("role %s requires %v, want %v", r, got, names)
		}
	}
}

func TestRoleValidationErrors(t *testing.T) {
	const file = "datasets.toml: "
	const at = file + `dataset "bills": `
	tests := []struct {
		name string
		text func(t *testing.T) string
		want []string
	}{
		{"unknown role", func(t *testing.T) string { return replaceIn(t, invoicesFile, `role = "invoices"`, `role = "orders"`) },
			[]string{at + `role "orders" is not one of "projects", "invoices", "invoice_lines", "time_entries" (or leave role out for a grid of its own)`}},
		{"missing canonical column", func(t *testing.T) string {
			return replaceIn(t, invoicesFile, "  [[dataset.column]]\n  name = \"due_date\"\n  type = \"date\"\n", "")
		}, []string{at + `role "invoices" needs a column "due_date" (the date payment is due); return it from the SQL under that name (… AS due_date) and declare it with [[dataset.column]]`}},
		{"several missing columns, each named", func(t *testing.T) string {
			s := replaceIn(t, invoicesFile, "  [[dataset.column]]\n  name = \"currency\"\n", "")
			return replaceIn(t, s, "  [[dataset.column]]\n  name = \"amount_paid\"\n  type = \"money\"\n", "")
		}, []string{at + `role "invoices" needs a column "currency"`, at + `role "invoices" needs a column "amount_paid"`}},
		{"canonical column of the wrong type", func(t *testing.T) string {
			return replaceIn(t, invoicesFile, "name = \"total\"\n  type = \"money\"", "name = \"total\"")
		}, []string{at + `column "total": role "invoices" needs it to be of type money, number or integer, not "text"`}},
		{"date column declared as text", func(t *testing.T) string {
			return replaceIn(t, invoicesFile, "name = \"issue_date\"\n  type = \"date\"", "name = \"issue_date\"")
		}, []string{at + `column "issue_date": role "invoices" needs it to be of type date or datetime, not "text"`}},
		{"page on a role dataset", func(t *testing.T) string {
			return replaceIn(t, invoicesFile, `role = "invoices"`, "role = \"invoices\"\npage = \"data\"")
		}, []string{at + `page does not apply to a dataset with a role: its rows are shown only on the invoices pages, never as a grid of their own; remove page`}},
		{"customer column not canonical", func(t *testing.T) string {
			s := replaceIn(t, invoicesFile, `customer_column = "customer"`, `customer_column = "po"`)
			return s
		}, []string{at + `role "invoices" needs customer_column = "customer", its canonical customer column`}},
		{"key column not id", func(t *testing.T) string {
			return replaceIn(t, invoicesFile, `key_column = "id"`, `key_column = "number"`)
		}, []string{at + `role "invoices" needs key_column = "id", its canonical id column, since ids appear in URLs`}},
		{"two datasets with one role", func(t *testing.T) string {
			return invoicesFile + "\n[[dataset]]" + strings.Replace(strings.SplitN(invoicesFile, "[[dataset]]", 2)[1], `name = "bills"`, `name = "bills2"`, 1)
		}, []string{file + `datasets "bills" and "bills2" both have role = "invoices"; only one dataset can have a role, remove it from one of them`}},
		{"no statuses table", func(t *testing.T) string {
			return replaceIn(t, invoicesFile, "  [dataset.statuses]\n  paid = [\"Paid\", \"settled\"]\n  unpaid = [\"open\", \" Overdue \"]\n  draft = [\"draft\"]\n  cancelled = [\"void\"]\n", "")
		}, []string{at + `role "invoices" needs a [dataset.statuses] table saying which ERP status values mean paid, unpaid, draft, cancelled, e.g. paid = ["paid"]`}},
		{"required category empty", func(t *testing.T) string {
			return replaceIn(t, invoicesFile, `paid = ["Paid", "settled"]`, `paid = []`)
		}, []string{at + `statuses.paid is missing or empty; list the ERP status values that mean paid`}},
		{"a value in two categories", func(t *testing.T) string {
			return replaceIn(t, invoicesFile, `draft = ["draft"]`, `draft = ["draft", "OPEN"]`)
		}, []string{at + `status "OPEN" is listed under both statuses.unpaid and statuses.draft; a value can mean only one thing`}},
		{"a value twice in one category", func(t *testing.T) string {
			return replaceIn(t, invoicesFile, `cancelled = ["void"]`, `cancelled = ["void", "Void"]`)
		}, []string{at + `statuses.cancelled lists "Void" twice`}},
		{"an empty value", func(t *testing.T) string {
			return replaceIn(t, invoicesFile, `cancelled = ["void"]`, `cancelled = ["void", " "]`)
		}, []string{at + `statuses.cancelled has an empty value`}},
		{"a project category on invoices", func(t *testing.T) string {
			return replaceIn(t, invoicesFile, `cancelled = ["void"]`, "cancelled = [\"void\"]\n  active = [\"open\"]")
		}, []string{at + `statuses.active does not apply to role "invoices", whose categories are paid, unpaid, draft, cancelled`}},
		{"a misspelt category", func(t *testing.T) string {
			return replaceIn(t, invoicesFile, `cancelled = ["void"]`, `canceled = ["void"]`)
		}, []string{file + `unknown key "dataset.statuses.canceled" (did you mean "cancelled"?)`}},
		{"an unknown category", func(t *testing.T) string {
			return replaceIn(t, invoicesFile, `cancelled = ["void"]`, "cancelled = [\"void\"]\n  overdue = [\"late\"]")
		}, []string{file + `unknown key "dataset.statuses.overdue" (the keys of [dataset.statuses] are paid, unpaid, draft, cancelled, active, inactive)`}},
		{"a category written as text", func(t *testing.T) string {
			return replaceIn(t, invoicesFile, `draft = ["draft"]`, `draft = "draft"`)
		}, []string{`(dataset.statuses.draft): must be a list such as ["a", "b"], not quoted text`}},
		{"statuses on a role without statuses", func(t *testing.T) string {
			return invoicesFile + strings.Replace(linesDataset, "  [[dataset.column]]\n  name = \"line_no\"", "  [dataset.statuses]\n  paid = [\"x\"]\n  [[dataset.column]]\n  name = \"line_no\"", 1)
		}, []string{file + `dataset "lines": [dataset.statuses] does not apply to role "invoice_lines"; only projects and invoices map statuses`}},
		{"statuses without a role", func(t *testing.T) string {
			return minimal + "  [dataset.statuses]\n  paid = [\"x\"]\n"
		}, []string{file + `dataset "stock": [dataset.statuses] applies only to a dataset with role = "projects" or "invoices"`}},
		{"projects need active statuses", func(t *testing.T) string {
			return invoicesFile + `
[[dataset]]
name = "projects"
source = "erp"
role = "projects"
customer_column = "customer"
key_column = "id"
sql = "SELECT id, customer, name, status FROM projects"
  [dataset.statuses]
  inactive = ["closed"]
  [[dataset.column]]
  name = "id"
  [[dataset.column]]
  name = "customer"
  [[dataset.column]]
  name = "name"
  [[dataset.column]]
  name = "status"
  [[dataset.column]]
  name = "budget_hours"
`
		}, []string{
			file + `dataset "projects": statuses.active is missing or empty; list the ERP status values that mean active`,
			file + `dataset "projects": column "budget_hours": role "projects" needs it to be of type money, number or integer, not "text"`,
		}},
		{"every problem at once", func(t *testing.T) string {
			s := replaceIn(t, invoicesFile, "  [[dataset.column]]\n  name = \"number\"\n", "")
			s = replaceIn(t, s, `paid = ["Paid", "settled"]`, `paid = ["open"]`)
			return replaceIn(t, s, `source = "erp"`, `source = "nope"`)
		}, []string{
			at + `source "nope" is not declared`,
			at + `role "invoices" needs a column "number"`,
			at + `status "open" is listed under both statuses.paid and statuses.unpaid`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("datasets.toml", []byte(tt.text(t)), erpEnv)
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", c)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q; got:\n%s", w, msg)
				}
			}
			for _, line := range strings.Split(msg, "\n") {
				if !strings.HasPrefix(line, "datasets.toml: ") {
					t.Errorf("message does not name the file: %q", line)
				}
			}
		})
	}
}

func TestTimetrackerPreset(t *testing.T) {
	env := envOf(map[string]string{"PORTICO_TIMETRACKER_DSN": "postgres://portal@tt-db/timetracker"})
	c, err := Preset("timetracker", PresetOptions{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Datasets) != 0 || len(c.Roles) != len(Roles) {
		t.Fatalf("%d grids and %d roles, want 0 and %d", len(c.Datasets), len(c.Roles), len(Roles))
	}
	src, _ := c.Source("timetracker")
	if src.Driver != "postgres" || src.DSN != "postgres://portal@tt-db/timetracker" || !strings.Contains(src.CustomersSQL, "FROM clients") {
		t.Errorf("source = %+v", src)
	}
	inv, _ := c.Role(RoleInvoices)
	for raw, want := range map[string]string{"draft": StatusDraft, "issued": StatusUnpaid, "sent": StatusUnpaid, "overdue": StatusUnpaid, "paid": StatusPaid, "cancelled": StatusCancelled} {
		if got, _ := inv.Statuses.Category(raw); got != want {
			t.Errorf("TimeTracker status %q maps to %q, want %q", raw, got, want)
		}
	}
	proj, _ := c.Role(RoleProjects)
	for raw, want := range map[string]string{"active": StatusActive, "inactive": StatusInactive, "archived": StatusInactive} {
		if got, _ := proj.Statuses.Category(raw); got != want {
			t.Errorf("TimeTracker project status %q maps to %q, want %q", raw, got, want)
		}
	}
	t.Run("without the DSN", func(t *testing.T) {
		_, err := Preset("timetracker", PresetOptions{Env: noEnv})
		if err == nil || !strings.Contains(err.Error(), `preset "timetracker": source "timetracker": set the environment variable PORTICO_TIMETRACKER_DSN`) {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("a SQLite TimeTracker replaces the source", func(t *testing.T) {
		c := mustParse(t, "preset = \"timetracker\"\n[[source]]\nname = \"timetracker\"\ndriver = \"sqlite\"\ndsn = \"/srv/timetracker/app.db\"\n", noEnv)
		if src, _ := c.Source("timetracker"); src.Driver != "sqlite" || src.DSN != "/srv/timetracker/app.db" {
			t.Errorf("source = %+v", src)
		}
		if len(c.Roles) != len(Roles) {
			t.Errorf("%d roles", len(c.Roles))
		}
	})
	t.Run("a role can be replaced by name", func(t *testing.T) {
		own := strings.NewReplacer(`name = "bills"`, `name = "invoices"`, `source = "erp"`, `source = "timetracker"`).
			Replace(strings.SplitN(invoicesFile, "[[dataset]]", 2)[1])
		c := mustParse(t, "preset = \"timetracker\"\n[[dataset]]"+own, env)
		inv, _ := c.Role(RoleInvoices)
		if got, _ := inv.Statuses.Category("settled"); got != StatusPaid || len(c.Roles) != len(Roles) {
			t.Errorf("invoices role not replaced: %+v", inv)
		}
	})
}

func TestDemoRoles(t *testing.T) {
	c, err := Preset("demo", PresetOptions{DemoERPPath: "/data/erp.db", Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	inv, _ := c.Role(RoleInvoices)
	for raw, want := range map[string]string{"draft": StatusDraft, "sent": StatusUnpaid, "partially_paid": StatusUnpaid, "overdue": StatusUnpaid, "paid": StatusPaid, "cancelled": StatusCancelled} {
		if got, _ := inv.Statuses.Category(raw); got != want {
			t.Errorf("demo status %q maps to %q, want %q", raw, got, want)
		}
	}
	te, _ := c.Role(RoleTimeEntries)
	if col, _, _ := te.Spec.Column("date"); col.Type != dataset.Date {
		t.Errorf("time entry date is %q", col.Type)
	}
}
