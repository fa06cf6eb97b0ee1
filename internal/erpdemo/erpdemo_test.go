package erpdemo

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
)

var testAnchor = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// openSQLite returns an empty SQLite database in the test's directory.
func openSQLite(tb testing.TB, name string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", filepath.Join(tb.TempDir(), name))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// writeSQLite writes the demo ERP with o into a new SQLite database.
func writeSQLite(tb testing.TB, o Options) *sql.DB {
	tb.Helper()
	db := openSQLite(tb, "erp.db")
	if err := Write(context.Background(), db, "sqlite", o); err != nil {
		tb.Fatalf("Write: %v", err)
	}
	return db
}

// dump hashes every row of a table in key order, so two databases can be
// compared value by value.
func dump(tb testing.TB, db *sql.DB, table string) string {
	tb.Helper()
	t := tableNamed(table)
	rows, err := db.Query(fmt.Sprintf("SELECT %s FROM %s ORDER BY %s", strings.Join(t.colNames(), ", "), table, t.pk))
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	h := sha256.New()
	vals := make([]any, len(t.cols))
	ptrs := make([]any, len(t.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		fmt.Fprintf(h, "%#v\n", vals)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func count(tb testing.TB, db *sql.DB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

// generated hashes the rows the generator emits for each table, without a
// database, so determinism can be checked at any size quickly.
func generated(tb testing.TB, o Options) map[string]string {
	tb.Helper()
	o, err := o.withDefaults()
	if err != nil {
		tb.Fatal(err)
	}
	g := newGenerator(o)
	out := map[string]string{}
	for table, fill := range map[string]func(func(...any) error) error{
		"customers": g.customers, "inventory": g.inventory, "projects": g.projects,
		"invoices": g.invoices, "invoice_lines": g.invoiceLines, "time_entries": g.timeEntries,
	} {
		h := sha256.New()
		n := 0
		if err := fill(func(v ...any) error { n++; fmt.Fprintf(h, "%#v\n", v); return nil }); err != nil {
			tb.Fatal(err)
		}
		if n == 0 {
			tb.Fatalf("%s is empty", table)
		}
		out[table] = hex.EncodeToString(h.Sum(nil))
	}
	return out
}

func TestGeneratorIsDeterministic(t *testing.T) {
	base := Options{InventoryRows: 3000, Seed: 7, Anchor: testAnchor}
	ref := generated(t, base)
	later := base
	later.Anchor = testAnchor.Add(5 * time.Hour) // same day, other time
	otherSeed := base
	otherSeed.Seed = 8
	fewerRows := base
	fewerRows.InventoryRows = 500
	otherDay := base
	otherDay.Anchor = testAnchor.AddDate(0, 0, 1)

	tests := []struct {
		name      string
		o         Options
		same      []string // tables that must be identical to ref
		different []string // tables that must differ from ref
	}{
		{"same seed and day gives identical tables", later,
			[]string{"customers", "inventory", "projects", "invoices", "invoice_lines", "time_entries"}, nil},
		{"another seed gives other data", otherSeed, []string{"customers"},
			[]string{"inventory", "projects", "invoices", "invoice_lines", "time_entries"}},
		{"another inventory size leaves the client-portal tables alone", fewerRows,
			[]string{"customers", "projects", "invoices", "invoice_lines", "time_entries"}, []string{"inventory"}},
		{"another day moves the dates", otherDay, []string{"customers"}, []string{"inventory", "projects", "invoices", "time_entries"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := generated(t, tt.o)
			for _, table := range tt.same {
				if got[table] != ref[table] {
					t.Errorf("%s differs from the reference", table)
				}
			}
			for _, table := range tt.different {
				if got[table] == ref[table] {
					t.Errorf("%s is identical to the reference", table)
				}
			}
		})
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	// What the generator emits is what the database holds: two writes
	// with the same options give the same tables, value for value.
	o := Options{InventoryRows: 400, Seed: 7, Anchor: testAnchor}
	a, b := writeSQLite(t, o), writeSQLite(t, o)
	for _, table := range tables {
		if dump(t, a, table.name) != dump(t, b, table.name) {
			t.Errorf("%s differs between two writes", table.name)
		}
	}
}

func TestWriteCounts(t *testing.T) {
	tests := []struct {
		name string
		rows int
		want int
	}{
		{"one row", 1, 1},
		{"as requested", 1234, 1234},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := writeSQLite(t, Options{InventoryRows: tt.rows, Anchor: testAnchor})
			if n := count(t, db, "SELECT COUNT(*) FROM inventory"); n != tt.want {
				t.Errorf("inventory has %d rows, want %d", n, tt.want)
			}
			if n := count(t, db, "SELECT COUNT(DISTINCT lot_id) FROM inventory"); n != tt.want {
				t.Errorf("inventory has %d distinct lot ids, want %d", n, tt.want)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM customers"); n != 40 {
				t.Errorf("customers has %d rows, want 40", n)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM time_entries"); n < 2000 || n > 6000 {
				t.Errorf("time_entries has %d rows, want a few thousand", n)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM invoices"); n < 40*8 || n > 40*12 {
				t.Errorf("invoices has %d rows, want about 10 per customer", n)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM invoices i WHERE NOT EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_id = i.invoice_id)"); n != 0 {
				t.Errorf("%d invoices have no lines", n)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM invoices i WHERE ABS(subtotal - (SELECT SUM(amount) FROM invoice_lines l WHERE l.invoice_id = i.invoice_id)) > 0.001 OR ABS(total - subtotal - tax) > 0.001"); n != 0 {
				t.Errorf("%d invoices whose totals disagree with their lines", n)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM time_entries t JOIN projects p ON p.project_id = t.project_id WHERE p.customer <> t.customer OR t.work_date < p.start_date"); n != 0 {
				t.Errorf("%d time entries disagree with their project", n)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM inventory WHERE customer <> '' AND customer NOT IN (SELECT customer_key FROM customers)"); n != 0 {
				t.Errorf("%d lots belong to unknown customers", n)
			}
		})
	}
}

func TestOptionDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   Options
		want Options
	}{
		{"zero values take the defaults", Options{Anchor: testAnchor},
			Options{InventoryRows: DefaultInventoryRows, Seed: DefaultSeed, Anchor: time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)}},
		{"given values are kept", Options{InventoryRows: 5, Seed: 9, Anchor: testAnchor},
			Options{InventoryRows: 5, Seed: 9, Anchor: time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)}},
		{"the anchor's own calendar day counts", Options{Anchor: time.Date(2026, 3, 14, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600))},
			Options{InventoryRows: DefaultInventoryRows, Seed: DefaultSeed, Anchor: time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.withDefaults()
			if err != nil || got != tt.want {
				t.Errorf("withDefaults() = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	t.Run("no anchor means today", func(t *testing.T) {
		got, _ := Options{}.withDefaults()
		if today := time.Now().UTC().Truncate(24 * time.Hour); !got.Anchor.Equal(today) {
			t.Errorf("anchor %v, want %v", got.Anchor, today)
		}
	})
}

func TestWriteRefuses(t *testing.T) {
	tests := []struct {
		name    string
		dialect string
		o       Options
		prepare string
		want    string
	}{
		{"unknown dialect", "oracle", Options{}, "", `unknown dialect "oracle"`},
		{"negative size", "sqlite", Options{InventoryRows: -1}, "", "InventoryRows is -1"},
		{"existing table", "sqlite", Options{InventoryRows: 10}, "CREATE TABLE inventory (x INTEGER)", "create table inventory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openSQLite(t, "erp.db")
			if tt.prepare != "" {
				if _, err := db.Exec(tt.prepare); err != nil {
					t.Fatal(err)
				}
			}
			err := Write(context.Background(), db, tt.dialect, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Write error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestHostileValuesPresent(t *testing.T) {
	db := writeSQLite(t, Options{InventoryRows: 3000, Anchor: testAnchor})
	total := count(t, db, "SELECT COUNT(*) FROM inventory")
	tests := []struct {
		name  string
		query string
		min   int
	}{
		{"script tag", "SELECT COUNT(*) FROM inventory WHERE description LIKE '%<script>alert(1)</script>%'", 1},
		{"attribute breakout", `SELECT COUNT(*) FROM inventory WHERE description LIKE '%"><img src=x onerror=%'`, 1},
		{"formula prefix =", "SELECT COUNT(*) FROM inventory WHERE substr(description, 1, 1) = '='", 1},
		{"formula prefix +", "SELECT COUNT(*) FROM inventory WHERE substr(description, 1, 1) = '+'", 1},
		{"formula prefix -", "SELECT COUNT(*) FROM inventory WHERE substr(description, 1, 1) = '-'", 1},
		{"formula prefix @", "SELECT COUNT(*) FROM inventory WHERE substr(description, 1, 1) = '@'", 1},
		{"formula in a part code", "SELECT COUNT(*) FROM inventory WHERE part = '=2+3'", 1},
		{"leading tab", "SELECT COUNT(*) FROM inventory WHERE substr(description, 1, 1) = char(9)", 1},
		{"leading carriage return", "SELECT COUNT(*) FROM inventory WHERE substr(description, 1, 1) = char(13)", 1},
		{"Arabic text", "SELECT COUNT(*) FROM inventory WHERE description LIKE '%ملصق%'", 1},
		{"Hebrew text", "SELECT COUNT(*) FROM inventory WHERE description LIKE '%תווית%'", 1},
		{"right-to-left override", "SELECT COUNT(*) FROM inventory WHERE instr(description, char(8238)) > 0", 1},
		{"2,000-character description", "SELECT COUNT(*) FROM inventory WHERE length(description) = 2000", 1},
		{"10 KB description", "SELECT COUNT(*) FROM inventory WHERE length(description) >= 10240", 1},
		{"long descriptions among ordinary ones", "SELECT COUNT(*) FROM inventory WHERE length(description) BETWEEN 200 AND 400", 5},
		{"NULL description", "SELECT COUNT(*) FROM inventory WHERE description IS NULL", 1},
		{"empty description", "SELECT COUNT(*) FROM inventory WHERE description = ''", 1},
		{"commas", "SELECT COUNT(*) FROM inventory WHERE description LIKE '%,%'", 100},
		{"double quotes", `SELECT COUNT(*) FROM inventory WHERE description LIKE '%"%'`, 100},
		{"accents", "SELECT COUNT(*) FROM inventory WHERE description LIKE '%é%' OR description LIKE '%ñ%' OR description LIKE '%ø%'", 50},
		{"decomposed accent", "SELECT COUNT(*) FROM inventory WHERE instr(description, char(769)) > 0", 1},
		{"emoji", "SELECT COUNT(*) FROM inventory WHERE description LIKE '%🎄%' OR description LIKE '%🌿%' OR description LIKE '%☕%'", 20},
		{"part codes with leading zeros", "SELECT COUNT(*) FROM inventory WHERE part LIKE '0%'", 100},
		{"the documented part code", "SELECT COUNT(*) FROM inventory WHERE part = '00123-A'", 1},
		{"part code read as a number by spreadsheets", "SELECT COUNT(*) FROM inventory WHERE part = '1E5'", 1},
		{"trailing space in a part code", "SELECT COUNT(*) FROM inventory WHERE part = 'PAD-0001 '", 1},
		{"quantities with decimals", "SELECT COUNT(*) FROM inventory WHERE on_hand_qty <> ROUND(on_hand_qty)", 100},
		{"tiny quantity", "SELECT COUNT(*) FROM inventory WHERE on_hand_qty = 0.001", 1},
		{"huge quantity", "SELECT COUNT(*) FROM inventory WHERE on_hand_qty > 9000000", 1},
		{"customer with an apostrophe", "SELECT COUNT(*) FROM inventory WHERE customer LIKE '%''%'", 1},
		{"customer with an ampersand", "SELECT COUNT(*) FROM inventory WHERE customer LIKE '%&%'", 1},
		{"customer with an accent", "SELECT COUNT(*) FROM inventory WHERE customer LIKE '%é%'", 1},
		{"stock with no customer", "SELECT COUNT(*) FROM inventory WHERE customer = ''", 1},
		{"NULL customer part", "SELECT COUNT(*) FROM inventory WHERE customer_part IS NULL", 100},
		{"NULL PO", "SELECT COUNT(*) FROM inventory WHERE po IS NULL", 100},
		{"expired lots", "SELECT COUNT(*) FROM inventory WHERE exp_date < '2026-03-14'", 50},
		{"quarantined lots in QC bins", "SELECT COUNT(*) FROM inventory WHERE status = 'Quarantined' AND bin LIKE 'QC-HOLD-%'", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := count(t, db, tt.query); n < tt.min {
				t.Errorf("%d rows, want at least %d", n, tt.min)
			}
		})
	}

	t.Run("about five percent without expiry", func(t *testing.T) {
		n := count(t, db, "SELECT COUNT(*) FROM inventory WHERE exp_date IS NULL")
		if share := float64(n) / float64(total); share < 0.02 || share > 0.09 {
			t.Errorf("%d of %d lots (%.1f%%) have no expiry date, want about 5%%", n, total, share*100)
		}
	})
	distinct := func(t *testing.T, col string) []string {
		rows, err := db.Query("SELECT DISTINCT " + col + " FROM inventory ORDER BY 1")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out = append(out, s)
		}
		return out
	}
	t.Run("only the documented statuses", func(t *testing.T) {
		if got, want := distinct(t, "status"), []string{"Allocated", "Available", "On Hold", "Pending QC", "Quarantined"}; !slices.Equal(got, want) {
			t.Errorf("statuses %q, want %q", got, want)
		}
	})
	t.Run("only the documented units", func(t *testing.T) {
		if got, want := distinct(t, "unit"), []string{"CS", "EA", "KG", "LB", "PLT"}; !slices.Equal(got, want) {
			t.Errorf("units %q, want %q", got, want)
		}
	})
	t.Run("bins look like warehouse locations", func(t *testing.T) {
		re := regexp.MustCompile(`^([A-H]-\d\d-\d\d|QC-\d\d|QC-HOLD-\d\d|DOCK-\d|FLOOR-\d\d)$`)
		for _, b := range distinct(t, "bin") {
			if !re.MatchString(b) {
				t.Errorf("bin %q", b)
			}
		}
	})
	t.Run("customer keys include the demo accounts' customers", func(t *testing.T) {
		keys := CustomerKeys()
		if keys[0] != "Alder & Finch Outfitters" {
			t.Errorf("first customer %q, want the demo account's", keys[0])
		}
		for _, k := range []string{"Bluewater Marine Supply", "Cobalt Coffee Roasters", "Dunmore Pharma", "Evergreen Garden Co.", "Foxglove Cosmetics"} {
			if !slices.Contains(keys, k) {
				t.Errorf("%q missing", k)
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM inventory WHERE customer = ?", keys[0]); n < 50 {
			t.Errorf("the demo account's customer has %d lots", n)
		}
	})
}

func fileHash(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestCreateSQLite(t *testing.T) {
	ctx := context.Background()
	base := Options{InventoryRows: 300, Seed: 11}
	dated := Options{InventoryRows: 300, Seed: 11, Anchor: testAnchor}
	// Files made once and copied into each case: building is what is slow.
	templates := t.TempDir()
	mustCreate(t, filepath.Join(templates, "base.db"), base)
	mustCreate(t, filepath.Join(templates, "dated.db"), dated)
	copyOf := func(name string) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			b, err := os.ReadFile(filepath.Join(templates, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name       string
		prepare    func(t *testing.T, path string) // what is at path before the call
		o          Options
		wantReused bool
	}{
		{"missing file is built, over a leftover temporary file", func(t *testing.T, path string) {
			os.WriteFile(path+".tmp", []byte("half a file"), 0o600)
		}, base, false},
		{"same size and seed is reused", copyOf("base.db"), base, true},
		{"same size and seed is reused on another day", copyOf("dated.db"), base, true},
		{"same size, seed and day is reused", copyOf("dated.db"), Options{InventoryRows: 300, Seed: 11, Anchor: testAnchor.Add(time.Hour)}, true},
		{"other size is rebuilt", copyOf("base.db"), Options{InventoryRows: 301, Seed: 11}, false},
		{"other seed is rebuilt", copyOf("base.db"), Options{InventoryRows: 300, Seed: 12}, false},
		{"other requested day is rebuilt", copyOf("dated.db"), Options{InventoryRows: 300, Seed: 11, Anchor: testAnchor.AddDate(0, 0, 1)}, false},
		{"older generator is rebuilt", func(t *testing.T, path string) {
			copyOf("base.db")(t, path)
			db, _ := sql.Open("sqlite", path)
			defer db.Close()
			if _, err := db.Exec("UPDATE demo_meta SET value = '0' WHERE key = 'generator_version'"); err != nil {
				t.Fatal(err)
			}
		}, base, false},
		{"a file that is not a database is rebuilt", func(t *testing.T, path string) {
			os.WriteFile(path, []byte("not a database"), 0o600)
		}, base, false},
		{"a database without meta is rebuilt", func(t *testing.T, path string) {
			db, _ := sql.Open("sqlite", path)
			defer db.Close()
			db.Exec("CREATE TABLE inventory (x INTEGER)")
		}, base, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "erp.db")
			tt.prepare(t, path)
			var before string
			if tt.wantReused {
				before = fileHash(t, path)
			}
			reused, err := CreateSQLite(ctx, path, tt.o)
			if err != nil {
				t.Fatalf("CreateSQLite: %v", err)
			}
			if reused != tt.wantReused {
				t.Fatalf("reused = %v, want %v", reused, tt.wantReused)
			}
			if tt.wantReused && fileHash(t, path) != before {
				t.Error("a reused file was changed")
			}
			if _, err := os.Stat(path + ".tmp"); err == nil {
				t.Error("the temporary file was left behind")
			}
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			want, _ := tt.o.withDefaults()
			if n := count(t, db, "SELECT COUNT(*) FROM inventory"); n != want.InventoryRows {
				t.Errorf("inventory has %d rows, want %d", n, want.InventoryRows)
			}
			var seed string
			db.QueryRow("SELECT value FROM demo_meta WHERE key = 'seed'").Scan(&seed)
			if seed != fmt.Sprint(want.Seed) {
				t.Errorf("meta seed %q, want %d", seed, want.Seed)
			}
		})
	}

	t.Run("a cancelled build leaves the old file alone", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "erp.db")
		copyOf("base.db")(t, path)
		before := fileHash(t, path)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := CreateSQLite(cctx, path, Options{InventoryRows: 5000, Seed: 11}); err == nil {
			t.Fatal("CreateSQLite succeeded with a cancelled context")
		}
		if fileHash(t, path) != before {
			t.Error("the existing file changed")
		}
		if _, err := os.Stat(path + ".tmp"); err == nil {
			t.Error("the temporary file was left behind")
		}
	})
}

func mustCreate(t *testing.T, path string, o Options) {
	t.Helper()
	if _, err := CreateSQLite(context.Background(), path, o); err != nil {
		t.Fatal(err)
	}
}

// Test databases for the other engines, one fresh schema or database per
// test, turned on by the same variables as the rest of the suite.
const (
	postgresURLVar = "PORTICO_TEST_POSTGRES_URL"
	mysqlURLVar    = "PORTICO_TEST_MYSQL_URL"
)

func randomName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "t_" + hex.EncodeToString(b)
}

func openPostgres(tb testing.TB) *sql.DB {
	tb.Helper()
	base := os.Getenv(postgresURLVar)
	if base == "" {
		tb.Skipf("PostgreSQL test skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/portico_test?sslmode=disable) to run it", postgresURLVar)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	schema := randomName()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if db, err := sql.Open("pgx", base); err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func openMySQL(tb testing.TB) *sql.DB {
	tb.Helper()
	base := os.Getenv(mysqlURLVar)
	if base == "" {
		tb.Skipf("MySQL/MariaDB test skipped: set %s (e.g. 'root@tcp(127.0.0.1:3306)/?parseTime=true') to run it", mysqlURLVar)
	}
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		tb.Fatalf("%s: %v", mysqlURLVar, err)
	}
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	name := randomName()
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4"); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		if db, err := sql.Open("mysql", cfg.FormatDSN()); err == nil {
			db.Exec("DROP DATABASE " + name)
			db.Close()
		}
	})
	cfg.DBName = name
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// TestWriteEngines writes the same demo into every engine and checks that
// each holds the same data as SQLite, down to the bytes of the hostile
// values.
func TestWriteEngines(t *testing.T) {
	o := Options{InventoryRows: 1500, Seed: 3, Anchor: testAnchor}
	ref := writeSQLite(t, o)
	type facts struct {
		counts     map[string]int
		qty, money float64
		nullExp    int
		projects   string // invoices without a project, and the sum of the ids of those with one
		texts      map[string]string
		lastDate   string
	}
	gather := func(t *testing.T, db *sql.DB, dollar bool) facts {
		f := facts{counts: map[string]int{}, texts: map[string]string{}}
		for _, tb := range tables {
			f.counts[tb.name] = count(t, db, "SELECT COUNT(*) FROM "+tb.name)
		}
		if err := db.QueryRow("SELECT SUM(on_hand_qty) FROM inventory").Scan(&f.qty); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow("SELECT SUM(total) + SUM(amount_paid) FROM invoices").Scan(&f.money); err != nil {
			t.Fatal(err)
		}
		f.nullExp = count(t, db, "SELECT COUNT(*) FROM inventory WHERE exp_date IS NULL")
		f.projects = fmt.Sprintf("%d without, ids add up to %d", count(t, db, "SELECT COUNT(*) FROM invoices WHERE project_id IS NULL"),
			count(t, db, "SELECT SUM(project_id) FROM invoices"))
		ph := "?"
		if dollar {
			ph = "$1"
		}
		for _, part := range []string{"XSS-0001", "RTL-AR-01", "BIDI-0001", "LONG-10K", "EMOJI-001", "000456", "TAB-0001", "CR-0001", "PAD-0001 "} {
			var desc, customer string
			if err := db.QueryRow("SELECT description, customer FROM inventory WHERE part = "+ph, part).Scan(&desc, &customer); err != nil {
				t.Fatalf("part %q: %v", part, err)
			}
			f.texts[part] = customer + "|" + desc
		}
		var last time.Time
		if err := db.QueryRow("SELECT MAX(last_rec_date) FROM inventory").Scan(&last); err != nil {
			// SQLite's MAX loses the column type; read it as text there.
			var s string
			if err := db.QueryRow("SELECT MAX(last_rec_date) FROM inventory").Scan(&s); err != nil {
				t.Fatal(err)
			}
			f.lastDate = s[:10]
		} else {
			f.lastDate = last.Format(time.DateOnly)
		}
		return f
	}
	want := gather(t, ref, false)

	for _, engine := range []struct {
		name   string
		open   func(testing.TB) *sql.DB
		dollar bool
	}{
		{"postgres", openPostgres, true},
		{"mysql", openMySQL, false},
	} {
		t.Run(engine.name+" holds the same data as sqlite", func(t *testing.T) {
			db := engine.open(t)
			start := time.Now()
			if err := Write(context.Background(), db, engine.name, o); err != nil {
				t.Fatalf("Write: %v", err)
			}
			t.Logf("%s: %d inventory rows written in %v", engine.name, o.InventoryRows, time.Since(start).Round(time.Millisecond))
			got := gather(t, db, engine.dollar)
			for table, n := range want.counts {
				if got.counts[table] != n {
					t.Errorf("%s: %d rows, want %d", table, got.counts[table], n)
				}
			}
			if math.Abs(got.qty-want.qty) > 0.01 {
				t.Errorf("sum of quantities %.3f, want %.3f", got.qty, want.qty)
			}
			if math.Abs(got.money-want.money) > 0.01 {
				t.Errorf("sum of invoice money %.2f, want %.2f", got.money, want.money)
			}
			if got.nullExp != want.nullExp {
				t.Errorf("%d lots without expiry, want %d", got.nullExp, want.nullExp)
			}
			if got.projects != want.projects {
				t.Errorf("invoice projects: %s, want %s", got.projects, want.projects)
			}
			for part, s := range want.texts {
				if got.texts[part] != s {
					t.Errorf("part %q: got %q, want %q", part, trunc(got.texts[part]), trunc(s))
				}
			}
			if got.lastDate != want.lastDate {
				t.Errorf("latest receipt %s, want %s", got.lastDate, want.lastDate)
			}
		})
	}
}

func trunc(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}

// BenchmarkCreateSQLite measures building the demo ERP file at the sizes
// the performance figures use:
//
//	go test -run '^$' -bench CreateSQLite -benchtime 1x ./internal/erpdemo
func BenchmarkCreateSQLite(b *testing.B) {
	for _, rows := range []int{20_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			dir := b.TempDir()
			for i := range b.N {
				path := filepath.Join(dir, fmt.Sprintf("erp%d.db", i))
				if _, err := CreateSQLite(context.Background(), path, Options{InventoryRows: rows}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
