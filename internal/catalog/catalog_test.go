package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/dataset"
	"github.com/portico-dev/portico/internal/source"
)

// envOf returns an environment lookup holding only vars.
func envOf(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

var noEnv = envOf(nil)

// canonical are the inventory columns of both presets, in display order,
// with the original grid's headers.
var canonical = []struct{ name, label string }{
	{"lot_id", "Lot ID"},
	{"customer", "Customer"},
	{"part", "Part"},
	{"customer_part", "Customer Part"},
	{"description", "Description"},
	{"on_hand_qty", "On Hand Qty"},
	{"unit", "Unit"},
	{"bin", "Bin"},
	{"reference", "Reference"},
	{"user_lot", "User Lot"},
	{"exp_date", "Exp Date"},
	{"last_txn_date", "Last Transaction Date"},
	{"last_rec_date", "Last Rec Date"},
	{"po", "PO"},
	{"status", "Status"},
}

// minimal is a valid file that test cases vary.
const minimal = `
[[source]]
name = "erp"
driver = "postgres"
dsn_env = "PORTICO_ERP_DSN"

[[dataset]]
name = "stock"
source = "erp"
customer_column = "customer"
key_column = "id"
sql = "SELECT id, customer, qty FROM stock"

  [[dataset.column]]
  name = "id"
  type = "integer"

  [[dataset.column]]
  name = "customer"

  [[dataset.column]]
  name = "qty"
  type = "number"
`

var erpEnv = envOf(map[string]string{"PORTICO_ERP_DSN": "postgres://reader:pw@erp/db", "PORTICO_DEACOM_DSN": "sqlserver://r:pw@erp?database=D"})

func mustParse(t *testing.T, text string, env func(string) (string, bool)) *Catalog {
	t.Helper()
	c, err := Parse("datasets.toml", []byte(text), env)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestDemoPresetEqualsDemoFile(t *testing.T) {
	tests := []struct {
		name string
		path string
	}{
		{"unix path", "/var/lib/portico-demo/erp.db"},
		{"windows path with backslashes", `C:\Users\Zoë\portico demo\erp.db`},
		{"path with quotes and a tab", "/tmp/\"odd\"\tname.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			preset, err := Preset("demo", PresetOptions{DemoERPPath: tt.path, Env: noEnv})
			if err != nil {
				t.Fatalf("Preset: %v", err)
			}
			file := mustParse(t, DemoFile(tt.path), noEnv)
			if !reflect.DeepEqual(preset, file) {
				t.Errorf("Preset(demo) and Parse(DemoFile) differ:\n%+v\n%+v", preset, file)
			}
			if src, _ := preset.Source("demo"); src.DSN != tt.path || src.Driver != "sqlite" {
				t.Errorf("demo source = %+v, want sqlite at %q", src, tt.path)
			}
		})
	}
}

func TestDemoPreset(t *testing.T) {
	c, err := Preset("demo", PresetOptions{DemoERPPath: "/data/erp.db", Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	checkInventory(t, c, "demo")
	d, _ := c.Dataset("inventory")
	if col, _, _ := d.Column("customer_part"); col.Hidden {
		t.Error("the demo fills customer_part, so it should be shown")
	}
	if !strings.Contains(d.SQL, "FROM inventory") {
		t.Errorf("demo SQL does not read the inventory table: %s", d.SQL)
	}
	src, _ := c.Source("demo")
	if !strings.Contains(src.CustomersSQL, "FROM customers") {
		t.Errorf("customers_sql = %q", src.CustomersSQL)
	}
	if len(c.Datasets) != 1 {
		t.Errorf("%d grid datasets, want only the inventory", len(c.Datasets))
	}
	var roles []Role
	for _, r := range c.Roles {
		roles = append(roles, r.Role)
		if r.Spec.Source != "demo" || r.Spec.Page != string(r.Role) || r.Spec.CustomerColumn != CustomerColumn {
			t.Errorf("role %s: spec %+v", r.Role, r.Spec)
		}
	}
	if !reflect.DeepEqual(roles, Roles) {
		t.Errorf("roles %v, want %v", roles, Roles)
	}
}

// checkInventory checks what both presets share: the original grid's
// columns, facets, the hidden key, page and refresh.
func checkInventory(t *testing.T, c *Catalog, src string) {
	t.Helper()
	d, ok := c.Inventory()
	if !ok || d.Name != "inventory" || d.Page != PageInventory || d.Source != src {
		t.Fatalf("inventory dataset = %+v", d)
	}
	if len(d.Columns) != len(canonical) {
		t.Fatalf("%d columns, want %d", len(d.Columns), len(canonical))
	}
	for i, want := range canonical {
		if got := d.Columns[i]; got.Name != want.name || got.Label != want.label {
			t.Errorf("column %d = %s %q, want %s %q", i, got.Name, got.Label, want.name, want.label)
		}
	}
	var facets []string
	for _, col := range d.Columns {
		if col.Facet {
			facets = append(facets, col.Name)
		}
	}
	if want := []string{"customer", "part", "bin", "status"}; !reflect.DeepEqual(facets, want) {
		t.Errorf("facets %v, want %v", facets, want)
	}
	key, _, _ := d.Column("lot_id")
	if d.KeyColumn != "lot_id" || !key.Hidden || key.Type != dataset.Integer {
		t.Errorf("key column %q = %+v, want hidden integer lot_id", d.KeyColumn, key)
	}
	if d.CustomerColumn != "customer" {
		t.Errorf("customer column %q", d.CustomerColumn)
	}
	types := map[string]dataset.ColumnType{"on_hand_qty": dataset.Number, "exp_date": dataset.Date, "last_txn_date": dataset.Date, "last_rec_date": dataset.Date, "part": dataset.Text}
	for name, typ := range types {
		if col, _, _ := d.Column(name); col.Type != typ {
			t.Errorf("%s has type %q, want %q", name, col.Type, typ)
		}
	}
	if want := []dataset.SortKey{{Column: "part"}, {Column: "exp_date"}}; !reflect.DeepEqual(d.DefaultSort, want) {
		t.Errorf("default sort %v, want %v", d.DefaultSort, want)
	}
	if d.Refresh != 60*time.Second {
		t.Errorf("refresh %v, want 60s", d.Refresh)
	}
}

func TestDeacomPreset(t *testing.T) {
	tests := []struct {
		name    string
		env     func(string) (string, bool)
		wantErr string
	}{
		{"DSN from the environment", envOf(map[string]string{"PORTICO_DEACOM_DSN": " sqlserver://r:pw@erp:1433?database=DEACOM \n"}), ""},
		{"DSN missing", noEnv, `preset "deacom": source "erp": set the environment variable PORTICO_DEACOM_DSN (named by dsn_env)`},
		{"DSN empty", envOf(map[string]string{"PORTICO_DEACOM_DSN": "  "}), `source "erp": the environment variable PORTICO_DEACOM_DSN (named by dsn_env) is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Preset("deacom", PresetOptions{Env: tt.env})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkInventory(t, c, "erp")
			src, _ := c.Source("erp")
			if src.Driver != "sqlserver" || src.DSN != "sqlserver://r:pw@erp:1433?database=DEACOM" || src.DSNEnv != "PORTICO_DEACOM_DSN" {
				t.Errorf("source = %+v", src)
			}
			d, _ := c.Dataset("inventory")
			if col, _, _ := d.Column("customer_part"); !col.Hidden {
				t.Error("Deacom's customer_part is always empty and should be hidden, as in the original")
			}
		})
	}
}

func TestDeacomSQLText(t *testing.T) {
	c, err := Preset("deacom", PresetOptions{Env: erpEnv})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := c.Dataset("inventory")
	src, _ := c.Source("erp")
	sql := d.SQL

	t.Run("passes ValidateSelect", func(t *testing.T) {
		for _, q := range []string{sql, src.CustomersSQL} {
			if err := source.ValidateSelect(q); err != nil {
				t.Errorf("%v\n%s", err, q)
			}
		}
	})
	t.Run("every canonical column is an output alias once", func(t *testing.T) {
		for _, c := range canonical {
			re := regexp.MustCompile(`(?i)\bAS\s+` + c.name + `\s*(,|\n\s*FROM\b)`)
			if n := len(re.FindAllString(sql, -1)); n != 1 {
				t.Errorf("alias %s appears %d times", c.name, n)
			}
		}
	})
	t.Run("uses T-SQL forms", func(t *testing.T) {
		for _, want := range []string{"TOP (1)", "ISNULL(dmpr1.p1_name, '')", "ISNULL(dmunit.un_name, '')", "CONVERT(date, dtfifo.fi_expires)",
			"CONVERT(date, dtfifo.fi_date)", "CONVERT(date, dtfifo.fi_lotdate)", "TRY_CAST(SUBSTRING(fj.fi_postref, 4, 20) AS int)", "N''"} {
			if !strings.Contains(sql, want) {
				t.Errorf("missing %q", want)
			}
		}
		for _, bad := range []string{"LIMIT ", "::", "`", "$1", "?", "NOW()", "||"} {
			if strings.Contains(sql, bad) {
				t.Errorf("contains %q, which is not T-SQL", bad)
			}
		}
	})
	t.Run("wraps as a SQL Server derived table", func(t *testing.T) {
		if !strings.HasPrefix(sql, "SELECT") {
			t.Error("must start with SELECT: SQL Server allows no WITH inside a derived table")
		}
		if strings.Contains(sql, ";") {
			t.Error("contains a semicolon")
		}
		// The only ORDER BY is the TOP (1) subquery's; a top-level one is
		// refused by SQL Server inside the wrapping subquery.
		if n := strings.Count(sql, "ORDER BY"); n != 1 {
			t.Errorf("%d ORDER BY, want only the one inside TOP (1)", n)
		}
		top, order, end := strings.Index(sql, "TOP (1)"), strings.Index(sql, "ORDER BY"), strings.Index(sql, "), 'N/A') AS po")
		if !(top < order && order < end) {
			t.Error("ORDER BY is not inside the PO subquery")
		}
		d, err := source.DialectFor("sqlserver")
		if err != nil {
			t.Fatal(err)
		}
		q, args, err := source.ScopedQuery(d, sql, "customer", false, []string{"O'Sullivan's Bakery Supplies"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(q, "\nWHERE dtfifo.fi_balance > 0) AS src WHERE src.[customer] IN (@p1)") || len(args) != 1 {
			t.Errorf("scoped query ends %q with %d args", q[len(q)-80:], len(args))
		}
	})
	t.Run("keeps the original's joins and filter", func(t *testing.T) {
		for _, want := range []string{
			"FROM dtfifo\n", "INNER JOIN dmprod ON dmprod.pr_id = dtfifo.fi_prid", "LEFT JOIN dmpr1 ON dmpr1.p1_id = dmprod.pr_user5",
			"LEFT JOIN dmunit ON dmunit.un_id = dmprod.pr_unid", "INNER JOIN dmloc ON dmloc.lo_id = dtfifo.fi_loid",
			"WHERE dtfifo.fi_balance > 0", "fj.fi_action = 'Finish Job'", "fj.fi_postref LIKE 'JJ-%'", "ORDER BY lj.lj_jobnum DESC",
			"INNER JOIN dttord AS tor ON tor.to_ordnum = o.or_ordnum", "INNER JOIN dtord AS o ON o.or_id = lj.lj_orid",
		} {
			if !strings.Contains(sql, want) {
				t.Errorf("missing %q", want)
			}
		}
	})
	t.Run("status rules in the original's order", func(t *testing.T) {
		last := -1
		for _, s := range []string{"'quarantine' THEN 'Quarantined'", "'job' THEN 'Issued to Job'", "'sal-reserv' THEN 'Sales Reserved'",
			"'staging' THEN 'Staged to Job'", "fi_action = 'Failed QC'", "'Pending' THEN 'Pending QC'", "= '' THEN 'Approved QC'", "ELSE 'Available'"} {
			i := strings.Index(sql, s)
			if i < 0 || i < last {
				t.Errorf("%q missing or out of order", s)
			}
			last = i
		}
	})
	t.Run("customers are the distinct ERP customer names", func(t *testing.T) {
		for _, want := range []string{"SELECT DISTINCT p1_name", "FROM dmpr1", "p1_name IS NOT NULL AND p1_name <> ''", "ORDER BY p1_name"} {
			if !strings.Contains(src.CustomersSQL, want) {
				t.Errorf("customers_sql lacks %q", want)
			}
		}
	})
}

func TestDefaults(t *testing.T) {
	c := mustParse(t, minimal+`
  [[dataset.column]]
  name = "note_text"
  searchable = false

  [[dataset.column]]
  name = "lot_code"
  type = "integer"
  searchable = true
  label = "  Lot  "
`, erpEnv)
	d, _ := c.Dataset("stock")
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"page defaults to data", d.Page, PageData},
		{"title from the name", d.Title, "Stock"},
		{"refresh defaults to 60s", d.Refresh, DefaultRefresh},
		{"no default sort", len(d.DefaultSort), 0},
		{"type defaults to text", d.Columns[1].Type, dataset.Text},
		{"text is searchable", d.Columns[1].Searchable, true},
		{"numbers are not searchable", d.Columns[2].Searchable, false},
		{"searchable can be turned off", d.Columns[3].Searchable, false},
		{"searchable can be turned on", d.Columns[4].Searchable, true},
		{"label from the name", d.Columns[3].Label, "Note text"},
		{"label trimmed", d.Columns[4].Label, "Lot"},
		{"source defaults left to the source package", c.Sources[0].QueryTimeout, time.Duration(0)},
		{"DSN resolved", c.Sources[0].DSN, "postgres://reader:pw@erp/db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
}

func TestSettings(t *testing.T) {
	c := mustParse(t, `
[[source]]
name = "erp"
driver = "mysql"
dsn_env = "PORTICO_ERP_DSN"
query_timeout = "45s"
connect_timeout = "1500ms"
max_open_conns = 3
breaker_failures = 2
breaker_cooldown = "2m"
customers_sql = "SELECT code, name FROM customers"

[[dataset]]
name = "lots-2"
title = "Lots"
source = "erp"
page = "inventory"
customer_column = "customer"
key_column = "id"
default_sort = ["-expires", " part "]
refresh = "0s"
sql = '''
SELECT id, customer, part, expires FROM lots;
'''
  [[dataset.column]]
  name = "id"
  type = "integer"
  hidden = true
  [[dataset.column]]
  name = "customer"
  [[dataset.column]]
  name = "part"
  align = "center"
  format = "@"
  facet = true
  [[dataset.column]]
  name = "expires"
  type = "datetime"
`, erpEnv)
	want := source.Config{Name: "erp", Driver: "mysql", DSN: "postgres://reader:pw@erp/db", DSNEnv: "PORTICO_ERP_DSN",
		QueryTimeout: 45 * time.Second, ConnectTimeout: 1500 * time.Millisecond, MaxOpenConns: 3, BreakerFailures: 2,
		BreakerCooldown: 2 * time.Minute, CustomersSQL: "SELECT code, name FROM customers"}
	if got, _ := c.Source("erp"); got != want {
		t.Errorf("source\n got %+v\nwant %+v", got, want)
	}
	d, ok := c.Dataset("lots-2")
	if !ok {
		t.Fatal("dataset lots-2 missing")
	}
	wantSpec := &dataset.Spec{Name: "lots-2", Title: "Lots", Source: "erp", SQL: "SELECT id, customer, part, expires FROM lots;",
		CustomerColumn: "customer", KeyColumn: "id", Page: PageInventory, Refresh: 0,
		DefaultSort: []dataset.SortKey{{Column: "expires", Desc: true}, {Column: "part"}},
		Columns: []dataset.Column{
			{Name: "id", Label: "Id", Type: dataset.Integer, Hidden: true},
			{Name: "customer", Label: "Customer", Type: dataset.Text, Searchable: true},
			{Name: "part", Label: "Part", Type: dataset.Text, Align: "center", Format: "@", Facet: true, Searchable: true},
			{Name: "expires", Label: "Expires", Type: dataset.DateTime},
		}}
	if !reflect.DeepEqual(d, wantSpec) {
		t.Errorf("dataset\n got %+v\nwant %+v", d, wantSpec)
	}
	if _, ok := c.Dataset("nope"); ok {
		t.Error("Dataset found a dataset that does not exist")
	}
	if _, ok := c.Source("nope"); ok {
		t.Error("Source found a source that does not exist")
	}
	if inv, ok := c.Inventory(); !ok || inv.Name != "lots-2" {
		t.Errorf("Inventory() = %v, %v", inv, ok)
	}
}

// replace returns minimal with old replaced by new, failing if old is not
// there, so a case never tests an unchanged file by mistake.
func replace(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(minimal, old) {
		t.Fatalf("minimal has no %q", old)
	}
	return strings.Replace(minimal, old, new, 1)
}

func TestValidationErrors(t *testing.T) {
	const file = "datasets.toml: "
	tests := []struct {
		name string
		text func(t *testing.T) string
		env  func(string) (string, bool)
		want []string
	}{
		{"unknown preset", func(t *testing.T) string { return `preset = "sap"` + minimal }, erpEnv,
			[]string{file + `preset "sap" is not a shipped preset; use one of "deacom", "demo", "timetracker"`}},
		{"DSN variable not set", func(t *testing.T) string { return minimal }, noEnv,
			[]string{file + `source "erp": set the environment variable PORTICO_ERP_DSN (named by dsn_env)`}},
		{"DSN variable empty", func(t *testing.T) string { return minimal }, envOf(map[string]string{"PORTICO_ERP_DSN": ""}),
			[]string{file + `source "erp": the environment variable PORTICO_ERP_DSN (named by dsn_env) is empty; set it to the connection string`}},
		{"dsn_env holding a value", func(t *testing.T) string {
			return replace(t, `dsn_env = "PORTICO_ERP_DSN"`, `dsn_env = "postgres://x@y/z"`)
		}, erpEnv, []string{file + `source "erp": dsn_env "postgres://x@y/z" is not an environment variable name`}},
		{"dsn and dsn_env", func(t *testing.T) string {
			return replace(t, `dsn_env = "PORTICO_ERP_DSN"`, `dsn_env = "PORTICO_ERP_DSN"`+"\ndsn = \"postgres://erp/db\"")
		}, erpEnv, []string{file + `source "erp": set either dsn or dsn_env, not both`}},
		{"no DSN for a server", func(t *testing.T) string { return replace(t, `dsn_env = "PORTICO_ERP_DSN"`, "") }, erpEnv,
			[]string{file + `source "erp": dsn_env is missing; set it to the name of the environment variable that holds the connection string`}},
		{"no path for sqlite", func(t *testing.T) string {
			return replace(t, "driver = \"postgres\"\ndsn_env = \"PORTICO_ERP_DSN\"", `driver = "sqlite"`)
		}, erpEnv, []string{file + `source "erp": dsn is missing; set it to the SQLite database file's path`}},
		{"password in a URL DSN", func(t *testing.T) string {
			return replace(t, `dsn_env = "PORTICO_ERP_DSN"`, `dsn = "postgres://reader:s3cret@erp/db"`)
		}, erpEnv, []string{file + `source "erp": dsn holds a password; put the connection string in an environment variable and name it with dsn_env`}},
		{"password in a MySQL DSN", func(t *testing.T) string {
			return replace(t, "driver = \"postgres\"\ndsn_env = \"PORTICO_ERP_DSN\"", "driver = \"mysql\"\ndsn = \"reader:s3cret@tcp(erp:3306)/db\"")
		}, erpEnv, []string{file + `source "erp": dsn holds a password`}},
		{"password in an ADO DSN", func(t *testing.T) string {
			return replace(t, "driver = \"postgres\"\ndsn_env = \"PORTICO_ERP_DSN\"", "driver = \"sqlserver\"\ndsn = \"server=erp;user id=r;Password=s3cret;database=D\"")
		}, erpEnv, []string{file + `source "erp": dsn holds a password`}},
		{"password in an ODBC DSN", func(t *testing.T) string {
			return replace(t, "driver = \"postgres\"\ndsn_env = \"PORTICO_ERP_DSN\"", "driver = \"sqlserver\"\ndsn = \"SERVER=erp;UID=r;PWD=s3cret\"")
		}, erpEnv, []string{file + `source "erp": dsn holds a password`}},
		{"password in a URL query", func(t *testing.T) string {
			return replace(t, "driver = \"postgres\"\ndsn_env = \"PORTICO_ERP_DSN\"", "driver = \"sqlserver\"\ndsn = \"sqlserver://r@erp?database=D&password=s3cret\"")
		}, erpEnv, []string{file + `source "erp": dsn holds a password`}},
		{"password in a libpq DSN", func(t *testing.T) string {
			return replace(t, `dsn_env = "PORTICO_ERP_DSN"`, `dsn = "host=erp user=r password=s3cret dbname=erp"`)
		}, erpEnv, []string{file + `source "erp": dsn holds a password`}},
		{"unknown driver", func(t *testing.T) string { return replace(t, `driver = "postgres"`, `driver = "oracle"`) }, erpEnv,
			[]string{file + `source "erp": driver "oracle" is not supported; use one of sqlserver, postgres, mysql, sqlite`}},
		{"no driver", func(t *testing.T) string { return replace(t, `driver = "postgres"`, "") }, erpEnv,
			[]string{file + `source "erp": driver is missing; use one of sqlserver, postgres, mysql, sqlite`}},
		{"source without a name", func(t *testing.T) string { return replace(t, `name = "erp"`, "") }, erpEnv,
			[]string{file + `source #1: name is missing`, file + `dataset "stock": source "erp" is not declared (declare one with [[source]])`}},
		{"bad source name", func(t *testing.T) string { return strings.ReplaceAll(minimal, `"erp"`, `"ERP main"`) }, erpEnv,
			[]string{file + `source "ERP main": name must start with a lower-case letter`}},
		{"duplicate source", func(t *testing.T) string {
			return minimal + "\n[[source]]\nname = \"erp\"\ndriver = \"sqlite\"\ndsn = \"x.db\"\n"
		}, erpEnv, []string{file + `source "erp" is declared twice; source names must be unique`}},
		{"bad durations", func(t *testing.T) string {
			return replace(t, `dsn_env = "PORTICO_ERP_DSN"`, `dsn_env = "PORTICO_ERP_DSN"`+"\nquery_timeout = \"soon\"\nconnect_timeout = \"0s\"\nbreaker_cooldown = \"-1m\"")
		}, erpEnv, []string{
			file + `source "erp": query_timeout "soon" is not a duration; write it like "10s", "1m30s" or "500ms"`,
			file + `source "erp": connect_timeout "0s" must be positive (leave it out for the default)`,
			file + `source "erp": breaker_cooldown "-1m" must be positive`,
		}},
		{"bad counts", func(t *testing.T) string {
			return replace(t, `dsn_env = "PORTICO_ERP_DSN"`, `dsn_env = "PORTICO_ERP_DSN"`+"\nmax_open_conns = 0\nbreaker_failures = -2")
		}, erpEnv, []string{
			file + `source "erp": max_open_conns is 0; it must be at least 1 (leave it out for the default)`,
			file + `source "erp": breaker_failures is -2; it must be at least 1`,
		}},
		{"customers_sql that writes", func(t *testing.T) string {
			return replace(t, `dsn_env = "PORTICO_ERP_DSN"`, `dsn_env = "PORTICO_ERP_DSN"`+"\ncustomers_sql = \"DELETE FROM customers\"")
		}, erpEnv, []string{file + `source "erp": customers_sql: dataset SQL must be a single SELECT or WITH statement; found "DELETE"`}},
		{"dataset without a name", func(t *testing.T) string { return replace(t, `name = "stock"`, "") }, erpEnv,
			[]string{file + `dataset #1: name is missing; it is the dataset's URL name`}},
		{"bad dataset name", func(t *testing.T) string { return replace(t, `name = "stock"`, `name = "Stock levels"`) }, erpEnv,
			[]string{file + `dataset "Stock levels": name must start with a lower-case letter and hold only a-z, 0-9, _ and - (at most 41 characters), since it appears in URLs`}},
		{"dataset name too long", func(t *testing.T) string {
			return replace(t, `name = "stock"`, `name = "s`+strings.Repeat("x", 41)+`"`)
		}, erpEnv,
			[]string{`name must start with a lower-case letter`}},
		{"duplicate dataset", func(t *testing.T) string {
			return minimal + "\n[[dataset]]" + strings.SplitN(minimal, "[[dataset]]", 2)[1]
		}, erpEnv, []string{file + `dataset "stock" is declared twice; dataset names must be unique`}},
		{"no source", func(t *testing.T) string { return replace(t, `source = "erp"`, "") }, erpEnv,
			[]string{file + `dataset "stock": source is missing; name the [[source]] it reads from (declared: "erp")`}},
		{"unknown source", func(t *testing.T) string { return replace(t, `source = "erp"`, `source = "erq"`) }, erpEnv,
			[]string{file + `dataset "stock": source "erq" is not declared (declared: "erp")`}},
		{"unknown page", func(t *testing.T) string { return replace(t, `source = "erp"`, "source = \"erp\"\npage = \"grid\"") }, erpEnv,
			[]string{file + `dataset "stock": page "grid" is not "inventory" or "data"`}},
		{"two inventory pages", func(t *testing.T) string {
			two := replace(t, `source = "erp"`, "source = \"erp\"\npage = \"inventory\"")
			return two + strings.Replace("\n[[dataset]]"+strings.SplitN(two, "[[dataset]]", 2)[1], `name = "stock"`, `name = "lots"`, 1)
		}, erpEnv, []string{file + `datasets "stock" and "lots" both have page = "inventory"; only one dataset can be the inventory page, give the other page = "data"`}},
		{"no SQL", func(t *testing.T) string { return replace(t, `sql = "SELECT id, customer, qty FROM stock"`, "") }, erpEnv,
			[]string{file + `dataset "stock": sql is missing; write the SELECT that returns the dataset's rows`}},
		{"SQL that writes", func(t *testing.T) string {
			return replace(t, `sql = "SELECT id, customer, qty FROM stock"`, `sql = "UPDATE stock SET qty = 0"`)
		}, erpEnv, []string{file + `dataset "stock": sql: dataset SQL must be a single SELECT or WITH statement; found "UPDATE"`}},
		{"two statements", func(t *testing.T) string {
			return replace(t, `sql = "SELECT id, customer, qty FROM stock"`, `sql = "SELECT 1; DROP TABLE stock"`)
		}, erpEnv, []string{file + `dataset "stock": sql: dataset SQL must be a single SELECT or WITH statement; found a second statement`}},
		{"bad refresh", func(t *testing.T) string {
			return replace(t, `source = "erp"`, "source = \"erp\"\nrefresh = \"hourly\"")
		}, erpEnv,
			[]string{file + `dataset "stock": refresh "hourly" is not a duration; write it like "60s", "5m" or "0s" (read live on every request)`}},
		{"negative refresh", func(t *testing.T) string { return replace(t, `source = "erp"`, "source = \"erp\"\nrefresh = \"-1s\"") }, erpEnv,
			[]string{file + `dataset "stock": refresh "-1s" is negative; use "0s" to read live on every request or a duration such as "60s"`}},
		{"no columns", func(t *testing.T) string { return strings.SplitN(minimal, "  [[dataset.column]]", 2)[0] }, erpEnv,
			[]string{file + `dataset "stock": no columns; declare each column the SQL returns with [[dataset.column]]`,
				file + `dataset "stock": customer_column "customer" is not one of its columns; declare it with [[dataset.column]] or fix the name`,
				file + `dataset "stock": key_column "id" is not one of its columns`}},
		{"column without a name", func(t *testing.T) string { return replace(t, `name = "qty"`, `label = "Qty"`) }, erpEnv,
			[]string{file + `dataset "stock": column #3: name is missing; use the name the SQL returns the column under`}},
		{"column name in mixed case", func(t *testing.T) string { return replace(t, `name = "qty"`, `name = "OnHand"`) }, erpEnv,
			[]string{file + `dataset "stock": column "OnHand": name must be lower-case letters, digits and _ (alias the column in the SQL, e.g. AS on_hand_qty)`}},
		{"duplicate column", func(t *testing.T) string { return replace(t, `name = "qty"`, `name = "customer"`) }, erpEnv,
			[]string{file + `dataset "stock": column "customer": declared twice`}},
		{"bad column type", func(t *testing.T) string { return replace(t, `type = "number"`, `type = "float"`) }, erpEnv,
			[]string{file + `dataset "stock": column "qty": type "float" is not one of text, number, integer, money, date, datetime`}},
		{"bad alignment", func(t *testing.T) string {
			return replace(t, `type = "number"`, "type = \"number\"\nalign = \"centre\"")
		}, erpEnv,
			[]string{file + `dataset "stock": column "qty": align "centre" is not one of left, right, center`}},
		{"no customer column", func(t *testing.T) string { return replace(t, `customer_column = "customer"`, "") }, erpEnv,
			[]string{file + `dataset "stock": customer_column is missing; name the column holding the ERP customer key, which the scope filters on`}},
		{"undeclared customer column", func(t *testing.T) string {
			return replace(t, `customer_column = "customer"`, `customer_column = "cust"`)
		}, erpEnv,
			[]string{file + `dataset "stock": customer_column "cust" is not one of its columns; declare it with [[dataset.column]] or fix the name`}},
		{"no key column", func(t *testing.T) string { return replace(t, `key_column = "id"`, "") }, erpEnv,
			[]string{file + `dataset "stock": key_column is missing; name a column unique per row, the last sort tie-breaker`}},
		{"undeclared key column", func(t *testing.T) string { return replace(t, `key_column = "id"`, `key_column = "lot"`) }, erpEnv,
			[]string{file + `dataset "stock": key_column "lot" is not one of its columns; declare it with [[dataset.column]] or fix the name`}},
		{"default sort on an unknown column", func(t *testing.T) string {
			return replace(t, `key_column = "id"`, "key_column = \"id\"\ndefault_sort = [\"-expiry\", \"qty\"]")
		}, erpEnv, []string{file + `dataset "stock": default_sort "-expiry": no column "expiry" in this dataset`}},
		{"default sort naming a column twice", func(t *testing.T) string {
			return replace(t, `key_column = "id"`, "key_column = \"id\"\ndefault_sort = [\"qty\", \"-qty\"]")
		}, erpEnv, []string{file + `dataset "stock": default_sort names "qty" twice`}},
		{"empty default sort entry", func(t *testing.T) string {
			return replace(t, `key_column = "id"`, "key_column = \"id\"\ndefault_sort = [\"-\"]")
		}, erpEnv, []string{file + `dataset "stock": default_sort has an empty entry; write column names, with "-" in front for descending`}},
		{"misspelt key", func(t *testing.T) string {
			return replace(t, `customer_column = "customer"`, `costumer_column = "customer"`)
		}, erpEnv,
			[]string{file + `unknown key "dataset.costumer_column" (did you mean "customer_column"?)`}},
		{"unknown key", func(t *testing.T) string { return replace(t, `type = "number"`, "type = \"number\"\ncolour = \"red\"") }, erpEnv,
			[]string{file + `unknown key "dataset.column.colour" (the keys of [[dataset.column]] are name, label, type, format, align, hidden, searchable, facet)`}},
		{"misspelt table", func(t *testing.T) string { return "[[sources]]\nname = \"x\"\n" + minimal }, erpEnv,
			[]string{file + `unknown key "sources" (did you mean "source"?)`}},
		{"single brackets for a list of tables", func(t *testing.T) string { return "[source]\nname = \"x\"\n" }, erpEnv,
			[]string{file + `line 1 (source): write [[source]] with double brackets; each one adds an entry`}},
		{"default sort as text", func(t *testing.T) string {
			return replace(t, `key_column = "id"`, "key_column = \"id\"\ndefault_sort = \"qty\"")
		}, erpEnv,
			[]string{file + `line 12 (dataset.default_sort): must be a list such as ["a", "b"], not quoted text`}},
		{"duration written as a number", func(t *testing.T) string { return replace(t, `source = "erp"`, "source = \"erp\"\nrefresh = 60") }, erpEnv,
			[]string{file + `line 10 (dataset.refresh): durations are quoted text with a unit, such as "60s", "5m" or "1h"; found 60`}},
		{"TOML syntax error", func(t *testing.T) string { return replace(t, `name = "stock"`, `name = "stock`) }, erpEnv,
			[]string{file + `line 8 (dataset.name): strings cannot contain newlines`}},
		{"wrong kind of value", func(t *testing.T) string { return replace(t, `type = "number"`, "type = \"number\"\nhidden = \"yes\"") }, erpEnv,
			[]string{file + `line 24 (dataset.column.hidden): must be true or false, not quoted text`}},
		{"every problem at once", func(t *testing.T) string {
			s := replace(t, `driver = "postgres"`, `driver = "db2"`)
			s = strings.Replace(s, `source = "erp"`, `source = "nope"`, 1)
			return strings.Replace(s, `type = "number"`, `type = "real"`, 1)
		}, noEnv, []string{
			file + `source "erp": driver "db2" is not supported`,
			file + `source "erp": set the environment variable PORTICO_ERP_DSN (named by dsn_env)`,
			file + `dataset "stock": source "nope" is not declared`,
			file + `dataset "stock": column "qty": type "real" is not one of`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("datasets.toml", []byte(tt.text(t)), tt.env)
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", c)
			}
			if c != nil {
				t.Error("Parse returned a catalog with its error")
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
			// Problems come one per error, so callers can list them.
			var multi interface{ Unwrap() []error }
			if errors.As(err, &multi) && len(multi.Unwrap()) != len(strings.Split(msg, "\n")) {
				t.Errorf("%d errors for %d lines", len(multi.Unwrap()), len(strings.Split(msg, "\n")))
			}
		})
	}
}

func TestAcceptedDSNs(t *testing.T) {
	tests := []struct {
		name, driver, dsn string
	}{
		{"postgres URL without a password", "postgres", "postgres://reader@erp:5432/erp?sslmode=verify-full"},
		{"SQL Server with Windows authentication", "sqlserver", "sqlserver://erp-sql?database=DEACOM&trusted_connection=yes"},
		{"MySQL DSN without a password", "mysql", "reader@tcp(erp:3306)/erp"},
		{"SQLite path that looks like a password", "sqlite", "/data/user:pass@host.db"},
		{"SQLite URI", "sqlite", "file:/data/erp.db?mode=ro"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(minimal, "driver = \"postgres\"\ndsn_env = \"PORTICO_ERP_DSN\"", "driver = \""+tt.driver+"\"\ndsn = '"+tt.dsn+"'", 1)
			c := mustParse(t, text, noEnv)
			if src, _ := c.Source("erp"); src.DSN != tt.dsn {
				t.Errorf("DSN %q, want %q", src.DSN, tt.dsn)
			}
		})
	}
}

func TestEnvironment(t *testing.T) {
	t.Run("nil env reads the process environment", func(t *testing.T) {
		t.Setenv("PORTICO_ERP_DSN", "postgres://from-os@erp/db")
		c := mustParse(t, minimal, nil)
		if src, _ := c.Source("erp"); src.DSN != "postgres://from-os@erp/db" {
			t.Errorf("DSN %q", src.DSN)
		}
	})
	t.Run("the value is trimmed", func(t *testing.T) {
		c := mustParse(t, minimal, envOf(map[string]string{"PORTICO_ERP_DSN": "  postgres://r@erp/db\n"}))
		if src, _ := c.Source("erp"); src.DSN != "postgres://r@erp/db" || src.DSNEnv != "PORTICO_ERP_DSN" {
			t.Errorf("source %+v", src)
		}
	})
	t.Run("only named variables are read", func(t *testing.T) {
		var asked []string
		mustParse(t, minimal, func(k string) (string, bool) { asked = append(asked, k); return "x", true })
		if !reflect.DeepEqual(asked, []string{"PORTICO_ERP_DSN"}) {
			t.Errorf("looked up %v", asked)
		}
	})
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sqliteFile := func(dsn string) string {
		return strings.Replace(minimal, "driver = \"postgres\"\ndsn_env = \"PORTICO_ERP_DSN\"", "driver = \"sqlite\"\ndsn = '"+dsn+"'", 1)
	}
	abs := filepath.Join(dir, "elsewhere", "erp.db")
	tests := []struct {
		name    string
		path    string
		wantDSN string
		wantErr string
	}{
		{"relative sqlite path is taken from the file's directory", write("rel.toml", sqliteFile("data/erp.db")), filepath.Join(dir, "data", "erp.db"), ""},
		{"absolute sqlite path is kept", write("abs.toml", sqliteFile(abs)), abs, ""},
		{"sqlite URI is kept", write("uri.toml", sqliteFile("file:erp.db?mode=ro")), "file:erp.db?mode=ro", ""},
		{"missing file", filepath.Join(dir, "missing.toml"), "", "(check PORTICO_CONFIG)"},
		{"messages name the path", write("bad.toml", "[[dataset]]\nname = 1\n"), "", filepath.Join(dir, "bad.toml") + ": line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.path, noEnv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if src, _ := c.Source("erp"); src.DSN != tt.wantDSN {
				t.Errorf("DSN %q, want %q", src.DSN, tt.wantDSN)
			}
		})
	}
	t.Run("Parse leaves relative paths alone", func(t *testing.T) {
		c := mustParse(t, sqliteFile("data/erp.db"), noEnv)
		if src, _ := c.Source("erp"); src.DSN != "data/erp.db" {
			t.Errorf("DSN %q", src.DSN)
		}
	})
}

func TestPresetInFile(t *testing.T) {
	extra := `
[[dataset]]
name = "open_orders"
source = "erp"
customer_column = "customer"
key_column = "id"
sql = "SELECT id, customer FROM orders"
  [[dataset.column]]
  name = "id"
  [[dataset.column]]
  name = "customer"
`
	override := `
[[dataset]]
name = "inventory"
title = "Stock on hand"
source = "erp"
page = "inventory"
customer_column = "customer"
key_column = "lot"
sql = "SELECT lot, customer FROM lots"
  [[dataset.column]]
  name = "lot"
  [[dataset.column]]
  name = "customer"
`
	source2 := `
[[source]]
name = "erp"
driver = "sqlserver"
dsn_env = "PORTICO_REPLICA_DSN"
query_timeout = "90s"
`
	env := envOf(map[string]string{"PORTICO_DEACOM_DSN": "sqlserver://a@b?database=D", "PORTICO_REPLICA_DSN": "sqlserver://replica?database=D"})
	tests := []struct {
		name     string
		text     string
		datasets []string
		check    func(t *testing.T, c *Catalog)
		wantErr  string
	}{
		{"preset alone", `preset = "deacom"`, []string{"inventory"}, func(t *testing.T, c *Catalog) {
			want, _ := Preset("deacom", PresetOptions{Env: env})
			if !reflect.DeepEqual(c, want) {
				t.Error("differs from Preset(deacom)")
			}
		}, ""},
		{"a new dataset is added after the preset's", `preset = "deacom"` + extra, []string{"inventory", "open_orders"}, nil, ""},
		{"a dataset of the same name replaces the preset's whole", `preset = "deacom"` + override, []string{"inventory"}, func(t *testing.T, c *Catalog) {
			d, _ := c.Dataset("inventory")
			if d.Title != "Stock on hand" || d.KeyColumn != "lot" || len(d.Columns) != 2 || len(d.DefaultSort) != 0 {
				t.Errorf("inventory = %+v", d)
			}
		}, ""},
		{"a source of the same name replaces the preset's", `preset = "deacom"` + source2, []string{"inventory"}, func(t *testing.T, c *Catalog) {
			if len(c.Sources) != 1 {
				t.Fatalf("%d sources", len(c.Sources))
			}
			src := c.Sources[0]
			if src.DSN != "sqlserver://replica?database=D" || src.QueryTimeout != 90*time.Second || src.MaxOpenConns != 0 || src.CustomersSQL != "" {
				t.Errorf("source = %+v", src)
			}
		}, ""},
		{"the file's own duplicates are still duplicates", `preset = "deacom"` + override + override, nil, nil,
			`datasets.toml: dataset "inventory" is declared twice`},
		{"demo preset needs its path", `preset = "demo"`, nil, nil,
			`datasets.toml: source "demo": dsn is missing; the preset "demo" cannot know the SQLite file's path: declare [[source]] name = "demo" with driver and dsn in this file, which replaces the preset's`},
		{"demo preset with its path", "preset = \"demo\"\n[[source]]\nname = \"demo\"\ndriver = \"sqlite\"\ndsn = \"/srv/erp.db\"\n", []string{"inventory"}, func(t *testing.T, c *Catalog) {
			want, _ := Preset("demo", PresetOptions{DemoERPPath: "/srv/erp.db", Env: env})
			want.Sources[0].CustomersSQL = "" // the file's source replaced the preset's whole
			if !reflect.DeepEqual(c, want) {
				t.Errorf("got %+v\nwant %+v", c, want)
			}
		}, ""},
		{"unknown preset", `preset = "sap"`, nil, nil, `datasets.toml: preset "sap" is not a shipped preset; use one of "deacom", "demo", "timetracker", or remove the preset line`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("datasets.toml", []byte(tt.text), env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, d := range c.Datasets {
				names = append(names, d.Name)
			}
			if !reflect.DeepEqual(names, tt.datasets) {
				t.Errorf("datasets %v, want %v", names, tt.datasets)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
	if _, err := Preset("nope", PresetOptions{}); err == nil || !strings.Contains(err.Error(), `preset "nope": preset "nope" is not a shipped preset`) {
		t.Errorf("Preset(nope) error = %v", err)
	}
	if got := Presets(); !reflect.DeepEqual(got, []string{"deacom", "demo", "timetracker"}) {
		t.Errorf("Presets() = %v", got)
	}
}

// docsPath is the datasets reference, whose examples must keep working.
const docsPath = "../../docs/datasets.md"

// tomlBlocks returns the ```toml blocks of a Markdown text.
func tomlBlocks(t *testing.T, md string) []string {
	t.Helper()
	var blocks []string
	var cur *strings.Builder
	for _, line := range strings.Split(md, "\n") {
		switch {
		case cur == nil && strings.TrimSpace(line) == "```toml":
			cur = &strings.Builder{}
		case cur != nil && strings.TrimSpace(line) == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	if cur != nil {
		t.Fatal("an unclosed ```toml block")
	}
	return blocks
}

func TestDocsExamples(t *testing.T) {
	raw, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	md := string(raw)
	// Every variable an example names is set, as an operator would.
	env := func(k string) (string, bool) { return "dsn-for-" + k, true }
	blocks := tomlBlocks(t, md)
	if len(blocks) < 6 {
		t.Fatalf("found %d toml examples; the extraction is broken", len(blocks))
	}
	for i, b := range blocks {
		first := strings.SplitN(strings.TrimSpace(b), "\n", 2)[0]
		t.Run(first, func(t *testing.T) {
			c, err := Parse("docs example "+string(rune('1'+i)), []byte(b), env)
			if err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			if len(c.Specs()) == 0 {
				t.Error("the example declares no dataset")
			}
		})
	}
	for name, text := range map[string]string{"deacom": deacomTOML, "timetracker": timetrackerTOML} {
		t.Run("the "+name+" preset is shown exactly as shipped", func(t *testing.T) {
			if !slices.Contains(blocks, text) {
				t.Errorf("docs/datasets.md has no toml block equal to presets/%s.toml; copy the preset into the docs", name)
			}
		})
	}
	t.Run("the error examples are what Portico says", func(t *testing.T) {
		section := md[strings.Index(md, "## When the file is wrong"):]
		section = section[:strings.Index(section, "\n## ")]
		var lines []string
		for _, part := range strings.Split(section, "```")[1:] {
			if strings.HasPrefix(part, "\n/etc/") {
				lines = append(lines, strings.Split(strings.TrimSpace(part), "\n")...)
			}
		}
		if len(lines) < 11 {
			t.Fatalf("found %d example messages", len(lines))
		}
		const name = "/etc/portico/datasets.toml"
		var got strings.Builder
		for _, text := range []string{
			strings.Replace(minimal, "customer_column", "costumer_column", 1),
			strings.NewReplacer(`name = "stock"`, `name = "stock"`+"\npage = \"inventory\"\ndefault_sort = [\"-expiry\"]",
				`SELECT id, customer, qty FROM stock`, `DELETE FROM stock`, `name = "id"`, `name = "lot_id"`).Replace(minimal) +
				"[[dataset]]\nname = \"lots\"\npage = \"inventory\"\nsource = \"erp\"\nsql = \"SELECT 1\"\ncustomer_column = \"customer\"\nkey_column = \"customer\"\n[[dataset.column]]\nname = \"customer\"\n",
			strings.Replace(minimal, `source = "erp"`, "source = \"erp\"\n\n\nrefresh = 60", 1),
			strings.NewReplacer(`name = "bills"`, `name = "invoices"`,
				"  [[dataset.column]]\n  name = \"due_date\"\n  type = \"date\"\n", "",
				"name = \"total\"\n  type = \"money\"", "name = \"total\"",
				`draft = ["draft"]`, `draft = ["draft", "open"]`).Replace(invoicesFile) +
				"\n[[dataset]]\nname = \"invoices2\"\nsource = \"erp\"\nrole = \"invoice\"\nsql = \"SELECT 1\"\ncustomer_column = \"customer\"\nkey_column = \"customer\"\n[[dataset.column]]\nname = \"customer\"\n",
		} {
			_, err := Parse(name, []byte(text), noEnv)
			if err == nil {
				t.Fatalf("no error for\n%s", text)
			}
			got.WriteString(err.Error() + "\n")
		}
		for _, l := range lines {
			if !strings.Contains(got.String(), l) {
				t.Errorf("docs show %q, but Portico says:\n%s", l, got.String())
			}
		}
	})
}
