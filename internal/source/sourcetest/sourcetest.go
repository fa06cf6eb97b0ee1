// Package sourcetest gives tests a fresh, empty ERP database per engine: a
// writable *sql.DB to create tables and insert rows with, and a
// source.Config that opens the same database read-only, as Portico would.
// SQLite always runs; PostgreSQL and MySQL/MariaDB run when their variable
// names a server, and skip saying which variable to set otherwise.
package sourcetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite"

	"github.com/portico-dev/portico/internal/source"
)

// Variables that turn on the suites needing a server.
const (
	// PostgresURLVar names a PostgreSQL database in which each test gets a
	// schema of its own, e.g.
	// postgres://postgres@127.0.0.1:5432/portico_test?sslmode=disable.
	PostgresURLVar = "PORTICO_TEST_POSTGRES_URL"
	// MySQLURLVar is a go-sql-driver DSN for a MySQL or MariaDB server on
	// which each test creates a database of its own, e.g.
	// root@tcp(127.0.0.1:3306)/?parseTime=true.
	MySQLURLVar = "PORTICO_TEST_MYSQL_URL"
)

// DB is one fresh ERP database for a test.
type DB struct {
	// Name is the engine: "sqlite", "postgres" or "mysql", which is also
	// the source driver name.
	Name string
	// Writer can create tables and insert rows; it is closed when the
	// test ends.
	Writer *sql.DB
	// Config opens the same database as a read-only source. Its timeouts
	// and breaker are left at zero, so source.Open applies the defaults;
	// tests set what they need.
	Config source.Config
}

// Open opens d.Config as a source and closes it when the test ends.
func (d DB) Open(tb testing.TB) *source.Source {
	tb.Helper()
	s, err := source.Open(d.Config)
	if err != nil {
		tb.Fatalf("open %s source: %v", d.Name, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// Exec runs each statement on the writer, failing the test on an error.
func (d DB) Exec(tb testing.TB, stmts ...string) {
	tb.Helper()
	for _, q := range stmts {
		if _, err := d.Writer.Exec(q); err != nil {
			tb.Fatalf("%s: %s: %v", d.Name, q, err)
		}
	}
}

// All lists the engines, for tests that run one suite on each:
//
//	for _, open := range sourcetest.All() {
//		t.Run(…, func(t *testing.T) { db := open(t); … })
//	}
func All() []func(testing.TB) DB {
	return []func(testing.TB) DB{SQLite, Postgres, MySQL}
}

// Names are the engines in the order All returns them.
var Names = []string{"sqlite", "postgres", "mysql"}

// SQLite returns a new, empty SQLite database file in the test's temporary
// directory.
func SQLite(tb testing.TB) DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "erp.db")
	// An empty file is an empty SQLite database; creating it here lets the
	// read-only source open it before anything has been written.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		tb.Fatalf("create sqlite file: %v", err)
	}
	w, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		tb.Fatalf("open sqlite writer: %v", err)
	}
	w.SetMaxOpenConns(1) // one writer, so tests never meet SQLITE_BUSY
	tb.Cleanup(func() { w.Close() })
	return DB{Name: "sqlite", Writer: w, Config: source.Config{Name: "erp-sqlite", Driver: "sqlite", DSN: path}}
}

// Postgres returns a new, empty schema in the database named by
// PORTICO_TEST_POSTGRES_URL, first on the search_path of both the writer
// and the source, and drops it when the test ends.
func Postgres(tb testing.TB) DB {
	tb.Helper()
	base := os.Getenv(PostgresURLVar)
	if base == "" {
		tb.Skipf("PostgreSQL suite skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/portico_test?sslmode=disable) to run it", PostgresURLVar)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open %s: %v", PostgresURLVar, err)
	}
	defer admin.Close()
	schema := "t_" + randomHex(tb)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		tb.Fatalf("create schema in %s: %v", PostgresURLVar, err)
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", PostgresURLVar, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	dsn := u.String()
	w, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatalf("open postgres writer: %v", err)
	}
	// Cleanups run last-registered first: the writer closes, then the
	// schema goes.
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`)
	})
	tb.Cleanup(func() { w.Close() })
	return DB{Name: "postgres", Writer: w, Config: source.Config{Name: "erp-postgres", Driver: "postgres", DSN: dsn}}
}

// MySQL returns a new, empty database on the server named by
// PORTICO_TEST_MYSQL_URL and drops it when the test ends.
func MySQL(tb testing.TB) DB {
	tb.Helper()
	base := os.Getenv(MySQLURLVar)
	if base == "" {
		tb.Skipf("MySQL/MariaDB suite skipped: set %s (e.g. root@tcp(127.0.0.1:3306)/?parseTime=true) to run it", MySQLURLVar)
	}
	cfg, err := mysqldrv.ParseDSN(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", MySQLURLVar, err)
	}
	cfg.ParseTime = true
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		tb.Fatalf("open %s: %v", MySQLURLVar, err)
	}
	defer admin.Close()
	name := "t_" + randomHex(tb)
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4"); err != nil {
		tb.Fatalf("create database on %s: %v", MySQLURLVar, err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name)
	})
	dbCfg := cfg.Clone()
	dbCfg.DBName = name
	dsn := dbCfg.FormatDSN()
	w, err := sql.Open("mysql", dsn)
	if err != nil {
		tb.Fatalf("open mysql writer: %v", err)
	}
	tb.Cleanup(func() { w.Close() })
	return DB{Name: "mysql", Writer: w, Config: source.Config{Name: "erp-mysql", Driver: "mysql", DSN: dsn}}
}

func randomHex(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		tb.Fatalf("random name: %v", err)
	}
	return hex.EncodeToString(b)
}
