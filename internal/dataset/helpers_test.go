package dataset

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
)

// fakeDriver serves canned results so tests control exactly which Go types
// reach Build: []byte decimals as MySQL sends them, time.Time, bool, NULL.
// The DSN names a result registered with fakeResults.
type fakeDriver struct{}

type fakeResult struct {
	cols []string
	rows [][]driver.Value
	err  error // returned after the rows, as a dropped connection would
}

var (
	fakeMu      sync.Mutex
	fakeResults = map[string]fakeResult{}
	fakeSeq     atomic.Int64
)

func init() { sql.Register("datasetfake", fakeDriver{}) }

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
		if r.r.err != nil {
			return r.r.err
		}
		return io.EOF
	}
	copy(dest, r.r.rows[r.i])
	r.i++
	return nil
}

// registerFake stores a result and returns a DB that serves it.
func registerFake(tb testing.TB, res fakeResult) *sql.DB {
	tb.Helper()
	dsn := fmt.Sprintf("r%d", fakeSeq.Add(1))
	fakeMu.Lock()
	fakeResults[dsn] = res
	fakeMu.Unlock()
	db, err := sql.Open("datasetfake", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		db.Close()
		fakeMu.Lock()
		delete(fakeResults, dsn)
		fakeMu.Unlock()
	})
	return db
}

// queryFake returns *sql.Rows over the given columns and rows.
func queryFake(tb testing.TB, cols []string, rows [][]driver.Value) *sql.Rows {
	tb.Helper()
	db := registerFake(tb, fakeResult{cols: cols, rows: rows})
	r, err := db.Query("SELECT")
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// fakeFetcher returns a Fetcher reading db, counting its calls.
func fakeFetcher(db *sql.DB, calls *atomic.Int64) Fetcher {
	return func(ctx context.Context, fn func(*sql.Rows) error) error {
		if calls != nil {
			calls.Add(1)
		}
		rows, err := db.QueryContext(ctx, "SELECT")
		if err != nil {
			return err
		}
		defer rows.Close()
		return fn(rows)
	}
}

// testSpec is a small inventory: id is the key, customer/part/bin/status are
// facets, part/descr/qty searchable.
func testSpec() *Spec {
	return &Spec{
		Name:           "inventory",
		Title:          "Inventory",
		CustomerColumn: "customer",
		KeyColumn:      "id",
		Columns: []Column{
			{Name: "id", Label: "ID", Type: Text, Hidden: true},
			{Name: "customer", Label: "Customer", Type: Text, Facet: true},
			{Name: "part", Label: "Part", Type: Text, Searchable: true, Facet: true},
			{Name: "descr", Label: "Description", Type: Text, Searchable: true},
			{Name: "qty", Label: "On Hand Qty", Type: Number, Searchable: true, Format: "#,##0.###"},
			{Name: "bin", Label: "Bin", Type: Text, Facet: true},
			{Name: "exp", Label: "Exp Date", Type: Date},
			{Name: "recv", Label: "Last Rec Date", Type: DateTime},
			{Name: "status", Label: "Status", Type: Text, Facet: true},
		},
		DefaultSort: []SortKey{{Column: "part"}},
		Refresh:     time.Minute,
	}
}

// snap builds a snapshot from rows given in spec column order, the way the
// benchmarks do, without a database.
func snap(tb testing.TB, spec *Spec, rows [][]any) *Snapshot {
	tb.Helper()
	b := newBuilder(spec)
	for _, r := range rows {
		if err := b.addRow(r...); err != nil {
			tb.Fatal(err)
		}
	}
	s, err := b.finish(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// inventoryRows is the fixture most Run tests use.
func inventoryRows() [][]any {
	return [][]any{
		// id, customer, part, descr, qty, bin, exp, recv, status
		{"L1", "ACME", "00123", "Café crème", 10.0, "A-01", day("2024-06-01"), "2024-04-01 08:00:00", "Available"},
		{"L2", "ACME", "B-200", "ÉCLAIR box", 5.5, "A-02", day("2024-07-01"), "2024-04-02 09:30:00", "Quarantined"},
		{"L3", "Globex", "00123", "Cafe latte", nil, "B-01", nil, nil, "Available"},
		{"L4", "Globex", "c-300", "Plain widget", 1234.5, "A-01", day("2024-06-15"), "2024-04-03 10:00:00", "Pending QC"},
		{"L5", "Initech", "B-200", "eclair tray", 0.0, "B-01", day("2024-05-20"), "2024-04-04 11:00:00", "Available"},
		{"L6", "Initech", "a-100", "Naïve thing", 42.0, "", day("2024-08-01"), "2024-04-05 12:00:00", "Available"},
	}
}

func ids(s *Snapshot, rows []int) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = s.Cell(r, 0).Text
	}
	return out
}
