package billing

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/dataset"
)

// fakeDriver serves canned rows, so the tests read them through the real
// dataset.Build with exactly the Go types drivers hand over (float64,
// decimal text, []byte, bool, time.Time, NULL).
type fakeDriver struct{}

type fakeResult struct {
	cols []string
	rows [][]driver.Value
}

var (
	fakeMu      sync.Mutex
	fakeResults = map[string]fakeResult{}
	fakeSeq     atomic.Int64
)

func init() { sql.Register("billingfake", fakeDriver{}) }

func (fakeDriver) Open(dsn string) (driver.Conn, error) { return &fakeConn{dsn: dsn}, nil }

type fakeConn struct{ dsn string }

func (c *fakeConn) Prepare(string) (driver.Stmt, error) { return &fakeStmt{c}, nil }
func (c *fakeConn) Close() error                        { return nil }
func (c *fakeConn) Begin() (driver.Tx, error)           { return nil, errors.New("fake: no transactions") }

type fakeStmt struct{ c *fakeConn }

func (s *fakeStmt) Close() error  { return nil }
func (s *fakeStmt) NumInput() int { return -1 }
func (s *fakeStmt) Exec([]driver.Value) (driver.Result, error) {
	return nil, errors.New("fake: read only")
}
func (s *fakeStmt) Query([]driver.Value) (driver.Rows, error) {
	fakeMu.Lock()
	r, ok := fakeResults[s.c.dsn]
	fakeMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("fake: no result %q", s.c.dsn)
	}
	return &fakeRows{r: r}, nil
}

type fakeRows struct {
	r fakeResult
	i int
}

func (r *fakeRows) Columns() []string { return r.r.cols }
func (r *fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.i >= len(r.r.rows) {
		return io.EOF
	}
	copy(dest, r.r.rows[r.i])
	r.i++
	return nil
}

// row is one ERP row by column name; missing columns are NULL.
type row map[string]any

// snapshotOf builds a snapshot of spec from rows, as Build would from a
// driver.
func snapshotOf(tb testing.TB, spec *dataset.Spec, rows []row) *dataset.Snapshot {
	tb.Helper()
	res := fakeResult{}
	for _, c := range spec.Columns {
		res.cols = append(res.cols, c.Name)
	}
	for _, r := range rows {
		vals := make([]driver.Value, len(spec.Columns))
		for i, c := range spec.Columns {
			vals[i] = r[c.Name]
		}
		res.rows = append(res.rows, vals)
	}
	dsn := fmt.Sprintf("r%d", fakeSeq.Add(1))
	fakeMu.Lock()
	fakeResults[dsn] = res
	fakeMu.Unlock()
	db, err := sql.Open("billingfake", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	rs, err := db.Query("SELECT")
	if err != nil {
		tb.Fatal(err)
	}
	snap, err := dataset.Build(spec, rs, testAsOf)
	if err != nil {
		tb.Fatalf("Build %s: %v", spec.Name, err)
	}
	return snap
}

var testAsOf = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

// testCatalogText declares the four roles with their canonical columns
// (and some optional ones), as an operator would.
const testCatalogText = `
[[source]]
name = "erp"
driver = "sqlite"
dsn = "erp.db"

[[dataset]]
name = "projects"
source = "erp"
role = "projects"
customer_column = "customer"
key_column = "id"
sql = "SELECT * FROM projects"
  [dataset.statuses]
  active = ["active", "Running"]
  inactive = ["closed"]
  [[dataset.column]]
  name = "id"
  type = "integer"
  [[dataset.column]]
  name = "customer"
  [[dataset.column]]
  name = "name"
  [[dataset.column]]
  name = "status"
  [[dataset.column]]
  name = "budget_hours"
  type = "number"
  [[dataset.column]]
  name = "budget_amount"
  type = "money"
  [[dataset.column]]
  name = "currency"
  [[dataset.column]]
  name = "last_activity"
  type = "datetime"

[[dataset]]
name = "invoices"
source = "erp"
role = "invoices"
customer_column = "customer"
key_column = "id"
sql = "SELECT * FROM invoices"
  [dataset.statuses]
  paid = ["paid"]
  unpaid = ["sent", "partially_paid", "overdue"]
  draft = ["draft"]
  cancelled = ["cancelled"]
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
  name = "subtotal"
  type = "money"
  [[dataset.column]]
  name = "tax"
  type = "money"
  [[dataset.column]]
  name = "total"
  type = "money"
  [[dataset.column]]
  name = "amount_paid"
  type = "money"
  [[dataset.column]]
  name = "project_id"
  type = "integer"

[[dataset]]
name = "invoice_lines"
source = "erp"
role = "invoice_lines"
customer_column = "customer"
key_column = "line_no"
sql = "SELECT * FROM lines"
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

[[dataset]]
name = "time_entries"
source = "erp"
role = "time_entries"
customer_column = "customer"
key_column = "id"
sql = "SELECT * FROM entries"
  [[dataset.column]]
  name = "id"
  type = "integer"
  [[dataset.column]]
  name = "customer"
  [[dataset.column]]
  name = "project_id"
  type = "integer"
  [[dataset.column]]
  name = "date"
  type = "date"
  [[dataset.column]]
  name = "hours"
  type = "number"
  [[dataset.column]]
  name = "description"
  [[dataset.column]]
  name = "person"
  [[dataset.column]]
  name = "billable"
`

func testCatalog(tb testing.TB) *catalog.Catalog {
	tb.Helper()
	c, err := catalog.Parse("test.toml", []byte(testCatalogText), func(string) (string, bool) { return "", false })
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// erp is a fake ERP: rows per role for every customer. Its loader scopes
// them to a set of customers, as customerdata does, so the tests see what
// one account sees.
type erp struct {
	rows  map[catalog.Role][]row
	fail  map[catalog.Role]error // the load fails with this error
	stale map[catalog.Role]bool  // the load returns a stale snapshot with its error
	loads map[catalog.Role]int
}

func newERP() *erp {
	return &erp{rows: map[catalog.Role][]row{}, fail: map[catalog.Role]error{}, stale: map[catalog.Role]bool{}, loads: map[catalog.Role]int{}}
}

func (e *erp) loader(tb testing.TB, cat *catalog.Catalog, customers ...string) Loader {
	return func(ctx context.Context, spec *dataset.Spec) (*dataset.Snapshot, error) {
		var role catalog.Role
		for _, r := range cat.Roles {
			if r.Spec == spec {
				role = r.Role
			}
		}
		e.loads[role]++
		if err := e.fail[role]; err != nil && !e.stale[role] {
			return nil, err
		}
		var scoped []row
		for _, r := range e.rows[role] {
			for _, c := range customers {
				if r["customer"] == c {
					scoped = append(scoped, r)
				}
			}
		}
		snap := snapshotOf(tb, spec, scoped)
		if e.stale[role] {
			s := *snap
			s.Stale = true
			return &s, e.fail[role]
		}
		return snap, nil
	}
}

// day parses a test date.
func day(tb testing.TB, s string) Date {
	tb.Helper()
	d, err := ParseDate(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func dec(tb testing.TB, s string) Decimal {
	tb.Helper()
	d, err := ParseDecimal(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}
