package source

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Customer is one of the ERP's customers, for the admin's scope checklist.
type Customer struct {
	Key  string // the value of the datasets' customer column
	Name string // what the admin reads; the key when the ERP has no name
}

// Source is a read-only connection pool to one ERP database, with a
// deadline on every query and a breaker in front of it. It is safe for
// concurrent use.
type Source struct {
	cfg     Config
	dialect Dialect
	db      *sql.DB
	// readOnlyTx says queries run inside a read-only transaction
	// (PostgreSQL, MySQL). SQLite is read-only by its open mode and
	// query_only; go-mssqldb refuses read-only transactions, so SQL Server
	// rests on the login's permissions.
	readOnlyTx bool
	breaker    *breaker
}

// Open validates cfg, applies the defaults and opens a bounded pool with
// each engine's read-only settings. It does not connect: the first query
// does, so a source that is down at start-up does not stop the portal.
//
//   - sqlite: the DSN is a file path or a "file:" URI; it is opened with
//     mode=ro, query_only and a busy timeout, and must already exist.
//   - postgres: every session starts with default_transaction_read_only=on,
//     queries run in read-only transactions, a deadline sends the server a
//     cancel request, and the simple protocol (which allows several
//     statements in one query) is replaced by the extended one.
//   - mysql: parseTime is forced on and multiStatements off; every new
//     connection runs SET SESSION TRANSACTION READ ONLY (which, unlike a
//     read-only transaction alone, also refuses DDL) and, best effort, a
//     server-side statement time limit a little above QueryTimeout;
//     queries run in read-only transactions.
//   - sqlserver: go-mssqldb refuses read-only transactions, so read-only
//     rests on the login's permissions (give it db_datareader only) plus
//     ApplicationIntent=ReadOnly, which requires the database to be named
//     in the DSN.
//
// A connect timeout written in the DSN wins over ConnectTimeout.
func Open(cfg Config) (*Source, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	d, err := DialectFor(cfg.Driver)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", cfg.Name, err)
	}
	var db *sql.DB
	readOnlyTx := false
	switch cfg.Driver {
	case "sqlite":
		db, err = openSQLite(cfg)
	case "postgres":
		db, err = openPostgres(cfg)
		readOnlyTx = true
	case "mysql":
		db, err = openMySQL(cfg)
		readOnlyTx = true
	case "sqlserver":
		db, err = openSQLServer(cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", cfg.Name, err)
	}
	db.SetMaxOpenConns(cfg.MaxOpenConns)
	db.SetMaxIdleConns(min(cfg.MaxOpenConns, 4))
	// Recycling connections lets the ERP's DBA restart or fail over
	// without the portal holding on to dead sessions forever.
	db.SetConnMaxLifetime(30 * time.Minute)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &Source{
		cfg:        cfg,
		dialect:    d,
		db:         db,
		readOnlyTx: readOnlyTx,
		breaker:    newBreaker(cfg.Name, cfg.BreakerFailures, cfg.BreakerCooldown),
	}, nil
}

// Name is the source's name, as datasets reference it.
func (s *Source) Name() string { return s.cfg.Name }

// Config is the configuration the source was opened with, defaults
// applied. It includes the DSN, which callers must never log or show.
func (s *Source) Config() Config { return s.cfg }

// Dialect is the SQL dialect of the source's engine.
func (s *Source) Dialect() Dialect { return s.dialect }

// Query runs one query under the source's deadline (QueryTimeout, derived
// from ctx), through the breaker, inside a read-only transaction where the
// engine allows one, and hands the rows to fn (which must not be nil). It
// closes the rows and rolls the transaction back afterwards; fn must not
// keep them. args are bound as the query's parameters (see ScopedQuery).
//
// How errors read:
//   - the breaker is open, or its probe is in flight: returned at once
//     without touching the ERP, wrapping ErrBreakerOpen and ErrUnavailable,
//     saying when the source will be tried again;
//   - connecting, running the query or reading rows failed (including bad
//     SQL): wraps ErrUnavailable and the driver's error, and counts as a
//     breaker failure;
//   - the deadline passed (QueryTimeout, or an earlier deadline of ctx):
//     the same, also wrapping context.DeadlineExceeded;
//   - ctx was canceled (the client went away): wraps context.Canceled only,
//     and counts neither way, since it says nothing about the ERP; so a
//     caller that shares one load between requests (singleflight) should
//     detach it from any one request with context.WithoutCancel;
//   - fn returned an error (a conversion problem, say): wrapped with the
//     source's name, not ErrUnavailable, and it does not count as a
//     failure, since the ERP did answer.
func (s *Source) Query(ctx context.Context, query string, args []any, fn func(*sql.Rows) error) error {
	probe, err := s.breaker.allow()
	if err != nil {
		return err
	}
	qctx, cancel := context.WithTimeout(ctx, s.cfg.QueryTimeout)
	defer cancel()
	fnErr, srcErr := s.run(qctx, query, args, fn)
	if err := s.finish(ctx, qctx, probe, srcErr); err != nil {
		return err
	}
	if fnErr != nil {
		return fmt.Errorf("source %q: reading the query's rows: %w", s.cfg.Name, fnErr)
	}
	return nil
}

// queryer is what *sql.DB and *sql.Tx have in common for Query.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// run executes the query and fn, telling fn's own error apart from the
// source's, because only the latter says the ERP is in trouble.
func (s *Source) run(ctx context.Context, query string, args []any, fn func(*sql.Rows) error) (fnErr, srcErr error) {
	var q queryer = s.db
	if s.readOnlyTx {
		tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return nil, fmt.Errorf("begin a read-only transaction: %w", err)
		}
		// Nothing is ever committed: the transaction is there so the
		// engine refuses writes.
		defer tx.Rollback()
		q = tx
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("run the query: %w", err)
	}
	defer rows.Close()
	fnErr = fn(rows)
	// A connection lost or a deadline hit while fn iterated ends the
	// iteration early; rows.Err tells that apart from fn's own failure.
	if err := rows.Err(); err != nil {
		return fnErr, fmt.Errorf("read the rows: %w", err)
	}
	if err := rows.Close(); err != nil {
		return fnErr, fmt.Errorf("close the rows: %w", err)
	}
	return fnErr, nil
}

// finish records a request's outcome with the breaker and turns the
// source's error into the one callers get (see Query).
func (s *Source) finish(ctx, qctx context.Context, probe bool, srcErr error) error {
	if srcErr == nil {
		s.breaker.done(probe, success)
		return nil
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		s.breaker.done(probe, neutral)
		return fmt.Errorf("source %q: abandoned by the caller: %w", s.cfg.Name, ctx.Err())
	}
	s.breaker.done(probe, failure)
	if errors.Is(qctx.Err(), context.DeadlineExceeded) {
		return unavailable(fmt.Sprintf("source %q unavailable: no answer before the deadline (query timeout %s): %v",
			s.cfg.Name, s.cfg.QueryTimeout, srcErr), context.DeadlineExceeded, srcErr)
	}
	return unavailable(fmt.Sprintf("source %q unavailable: %v", s.cfg.Name, srcErr), srcErr)
}

// Ping checks that the source answers, through the breaker and under the
// query deadline like Query, with errors that read the same way.
func (s *Source) Ping(ctx context.Context) error {
	probe, err := s.breaker.allow()
	if err != nil {
		return err
	}
	qctx, cancel := context.WithTimeout(ctx, s.cfg.QueryTimeout)
	defer cancel()
	var srcErr error
	if err := s.db.PingContext(qctx); err != nil {
		srcErr = fmt.Errorf("ping: %w", err)
	}
	return s.finish(ctx, qctx, probe, srcErr)
}

// Customers runs the source's CustomersSQL: the key from the first column,
// the name from the second (the key when there is no second column or it
// is NULL). Rows with a NULL key are skipped and repeated keys kept once.
// The list is sorted by name, ignoring case, then by key. Without
// CustomersSQL it returns an error wrapping ErrNoCustomersSQL; otherwise
// errors read as Query's.
func (s *Source) Customers(ctx context.Context) ([]Customer, error) {
	if strings.TrimSpace(s.cfg.CustomersSQL) == "" {
		return nil, fmt.Errorf("source %q: %w", s.cfg.Name, ErrNoCustomersSQL)
	}
	var out []Customer
	err := s.Query(ctx, s.cfg.CustomersSQL, nil, func(rows *sql.Rows) error {
		cols, err := rows.Columns()
		if err != nil {
			return fmt.Errorf("customers query columns: %w", err)
		}
		if len(cols) == 0 {
			return errors.New("the customers query returns no columns: it must return the customer key first and, optionally, the name second")
		}
		var key, name sql.NullString
		dest := make([]any, len(cols))
		dest[0] = &key
		if len(cols) > 1 {
			dest[1] = &name
		}
		for i := 2; i < len(cols); i++ {
			dest[i] = new(any)
		}
		seen := map[string]bool{}
		for rows.Next() {
			name = sql.NullString{}
			if err := rows.Scan(dest...); err != nil {
				return fmt.Errorf("customers query row: %w", err)
			}
			if !key.Valid || seen[key.String] {
				continue
			}
			seen[key.String] = true
			c := Customer{Key: key.String, Name: name.String}
			if !name.Valid || strings.TrimSpace(name.String) == "" {
				c.Name = key.String
			}
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Customer) int {
		return cmp.Or(
			cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)),
			cmp.Compare(a.Name, b.Name),
			cmp.Compare(a.Key, b.Key),
		)
	})
	return out, nil
}

// BreakerState reports the breaker for the admin console and `portico
// check`: StateClosed, StateOpen with the time it will let a probe through,
// or StateHalfOpen (the cooldown has passed and the next request probes).
func (s *Source) BreakerState() (state string, until time.Time) {
	return s.breaker.snapshot()
}

// Close closes the pool.
func (s *Source) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("source %q: close: %w", s.cfg.Name, err)
	}
	return nil
}
