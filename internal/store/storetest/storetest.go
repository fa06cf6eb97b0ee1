// Package storetest opens fresh, migrated portal databases for tests: a
// SQLite file in a temporary directory always, and a PostgreSQL schema of
// its own when PORTICO_TEST_POSTGRES_URL names a database to use.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/portico-dev/portico/internal/store"
)

// PostgresURLVar names the variable that turns the PostgreSQL suites on.
const PostgresURLVar = "PORTICO_TEST_POSTGRES_URL"

// Target is one database a test can run against.
type Target struct {
	Name string
	// Options open this database; two stores opened with the same Options
	// share it, as two instances of Portico would.
	Options store.Options
}

// SQLite returns a target for a new SQLite file in a temporary directory.
func SQLite(tb testing.TB) Target {
	tb.Helper()
	return Target{Name: "sqlite", Options: store.Options{SQLitePath: filepath.Join(tb.TempDir(), "portico.db")}}
}

// Postgres returns a target for a new, empty schema in the test database,
// dropped when the test ends, or skips the test when no database is set.
func Postgres(tb testing.TB) Target {
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
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		tb.Fatalf("create schema in %s: %v", PostgresURLVar, err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", PostgresURLVar, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return Target{Name: "postgres", Options: store.Options{URL: u.String()}}
}

// Open opens and migrates the target, closing it when the test ends.
func Open(tb testing.TB, t Target) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), t.Options)
	if err != nil {
		tb.Fatalf("open %s store: %v", t.Name, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// Each runs fn as a subtest against a fresh database of every engine.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, mk := range []struct {
		name string
		make func(testing.TB) Target
	}{{"sqlite", SQLite}, {"postgres", Postgres}} {
		t.Run(mk.name, func(t *testing.T) {
			fn(t, Open(t, mk.make(t)))
		})
	}
}
