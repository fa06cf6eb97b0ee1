// Package store is the portal database: accounts, admins, sessions, tokens,
// audit log, settings, outbox and sign-in throttling. It speaks portable SQL
// ($N placeholders work on both SQLite and PostgreSQL) and nothing else: no
// rules, no side effects. One file per table or aggregate.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // SQLite driver "sqlite"
)

// Dialect names the portal database engine.
type Dialect string

// The two portal database engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// ErrNotFound is returned when the row asked for does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a unique value (an email, a username) is taken.
var ErrConflict = errors.New("store: already exists")

//go:embed migrations
var migrations embed.FS

// Store is the portal database. Reads go to a pool of readers; writes go to
// the writer, which for SQLite is a single connection so that concurrent
// writers queue in Go instead of failing with SQLITE_BUSY.
type Store struct {
	Dialect Dialect
	w, r    *sql.DB
}

// Options say where the portal database is.
type Options struct {
	// URL is a postgres:// URL; empty means SQLite at SQLitePath.
	URL        string
	SQLitePath string
	// Logger receives migration progress; nil means silent.
	Logger *slog.Logger
}

// Open connects to the portal database and applies any pending migrations.
func Open(ctx context.Context, o Options) (*Store, error) {
	s, err := Connect(ctx, o)
	if err != nil {
		return nil, err
	}
	if _, err := s.Migrate(ctx, o.Logger); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Connect opens the database without migrating it.
func Connect(ctx context.Context, o Options) (*Store, error) {
	if o.URL != "" && (strings.HasPrefix(o.URL, "postgres://") || strings.HasPrefix(o.URL, "postgresql://")) {
		return connectPostgres(ctx, o.URL)
	}
	return connectSQLite(ctx, o.SQLitePath)
}

func connectSQLite(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: no SQLite path given")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: create data directory %s: %w", dir, err)
		}
	}
	// busy_timeout must come first so the WAL switch can wait for a lock;
	// synchronous(FULL) keeps acknowledged audit rows through a power loss.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(ON)&_pragma=synchronous(FULL)&_time_format=sqlite"
	dsn := "file:" + filepath.ToSlash(path) + "?" + pragmas
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("store: open SQLite database %s: %w", path, err)
	}
	return &Store{Dialect: SQLite, w: w, r: r}, nil
}

func connectPostgres(ctx context.Context, raw string) (*Store, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("store: PORTICO_DATABASE_URL is not a valid postgres:// URL")
	}
	q := u.Query()
	if q.Get("timezone") == "" {
		q.Set("timezone", "UTC")
	}
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return nil, fmt.Errorf("store: open PostgreSQL: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxLifetime(30 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to PostgreSQL at %s: %w", u.Redacted(), err)
	}
	return &Store{Dialect: Postgres, w: db, r: db}, nil
}

// Migrate applies pending migrations and returns how many ran. On PostgreSQL
// it holds an advisory lock, so instances starting together take turns.
func (s *Store) Migrate(ctx context.Context, logger *slog.Logger) (int, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(s.Dialect))
	if err != nil {
		return 0, err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if s.Dialect == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return 0, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	if logger != nil {
		opts = append(opts, goose.WithSlog(logger))
	}
	p, err := goose.NewProvider(dialect, s.w, sub, opts...)
	if err != nil {
		return 0, fmt.Errorf("store: migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: apply migrations: %w", err)
	}
	return len(res), nil
}

// Version reports the newest migration applied.
func (s *Store) Version(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT MAX(version_id) FROM goose_db_version WHERE is_applied = TRUE`).Scan(&v)
	return v.Int64, err
}

// Ping checks that the database answers; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.r.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}

// Close closes both pools.
func (s *Store) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// DB returns the writer pool, for tests that need to reach under the store.
func (s *Store) DB() *sql.DB { return s.w }

// querier is what both *sql.DB and *sql.Tx offer; store methods that may run
// inside a caller's transaction take one.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a write transaction. Services use it to make a change, its audit
// row and its outbox row succeed or fail together.
type Tx struct {
	s  *Store
	tx *sql.Tx
}

// InTx runs fn in one write transaction, committing when fn returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(&Tx{s: s, tx: t}); err != nil {
		t.Rollback()
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// isUnique reports whether err is a unique-constraint violation on either engine.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}

// utc normalises a scanned time: PostgreSQL returns local time zones and
// SQLite a zero zone, and callers compare and print UTC.
func utc(t time.Time) time.Time { return t.UTC() }

func nullTime(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

func nullString(s *string) sql.NullString {
	if s == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *s, Valid: true}
}
