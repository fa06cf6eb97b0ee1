package source

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib"
	_ "github.com/microsoft/go-mssqldb" // SQL Server driver "sqlserver"
	_ "modernc.org/sqlite"              // SQLite driver "sqlite"
)

// openSQLite opens the file read-only: mode=ro stops SQLite from creating
// or writing the file, and query_only refuses writes even where mode=ro
// would not (temporary tables, for one).
func openSQLite(cfg Config) (*sql.DB, error) {
	dsn, path, err := sqliteDSN(cfg.DSN, cfg.QueryTimeout)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("sqlite database file %s does not exist: check the path in the DSN (Portico opens ERP databases read-only and never creates them)", path)
	case err != nil:
		return nil, fmt.Errorf("sqlite database file: %w", err)
	case st.IsDir():
		return nil, fmt.Errorf("sqlite database file %s is a directory: the DSN must name the database file", path)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	return db, nil
}

// sqliteDSN turns a file path or "file:" URI into a URI with the read-only
// settings, and returns the file's path. modernc.org/sqlite only honours
// SQLite's own parameters such as mode=ro in the "file:" form, so a plain
// path is rewritten into one.
func sqliteDSN(dsn string, busy time.Duration) (uri, path string, err error) {
	var q url.Values
	var u *url.URL
	if strings.HasPrefix(dsn, "file:") {
		u, err = url.Parse(dsn)
		if err != nil {
			return "", "", fmt.Errorf("sqlite DSN is not a valid file: URI: %w", err)
		}
		path = u.Path
		if u.Opaque != "" {
			if path, err = url.PathUnescape(u.Opaque); err != nil {
				return "", "", fmt.Errorf("sqlite DSN is not a valid file: URI: %w", err)
			}
		}
		q = u.Query()
	} else {
		if dsn == ":memory:" {
			return "", "", fmt.Errorf("sqlite DSN must name a database file, not an in-memory database")
		}
		// A plain path may carry driver parameters after "?".
		path = dsn
		if i := strings.IndexByte(dsn, '?'); i >= 0 {
			path = dsn[:i]
			if q, err = url.ParseQuery(dsn[i+1:]); err != nil {
				return "", "", fmt.Errorf("sqlite DSN parameters: %w", err)
			}
		}
		if path, err = filepath.Abs(path); err != nil {
			return "", "", fmt.Errorf("sqlite DSN path: %w", err)
		}
		u = &url.URL{Scheme: "file", Path: filepath.ToSlash(path)}
	}
	if q == nil {
		q = url.Values{}
	}
	if path == "" || path == ":memory:" || q.Get("mode") == "memory" {
		return "", "", fmt.Errorf("sqlite DSN must name a database file, not an in-memory database")
	}
	q.Set("mode", "ro")
	pragmas := q["_pragma"]
	hasBusy := false
	for _, p := range pragmas {
		hasBusy = hasBusy || strings.HasPrefix(strings.ToLower(strings.TrimSpace(p)), "busy_timeout")
	}
	if !hasBusy {
		// Wait for a writer's lock rather than fail at once; the query's
		// deadline still bounds the whole wait.
		pragmas = append(pragmas, fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	}
	q["_pragma"] = append(pragmas, "query_only(1)")
	u.RawQuery = q.Encode()
	return u.String(), path, nil
}

// openPostgres makes every session read-only by default, on top of the
// read-only transaction each query runs in.
func openPostgres(cfg Config) (*sql.DB, error) {
	pc, err := pgx.ParseConfig(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("parse the postgres connection string: %w", err)
	}
	pc.RuntimeParams["default_transaction_read_only"] = "on"
	if _, ok := pc.RuntimeParams["application_name"]; !ok {
		// Lets the ERP's DBA see in pg_stat_activity whose sessions these are.
		pc.RuntimeParams["application_name"] = "portico"
	}
	if pc.ConnectTimeout == 0 {
		pc.ConnectTimeout = cfg.ConnectTimeout
	}
	// The simple protocol runs several ";"-separated statements in one
	// query; the extended protocol refuses that, a guard beside
	// ValidateSelect. Exec mode, like simple, needs no prepared statements,
	// so it still suits PgBouncer.
	if pc.DefaultQueryExecMode == pgx.QueryExecModeSimpleProtocol {
		pc.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	// By default pgx only drops the connection when a deadline passes and
	// the server keeps running the query; a cancel request stops it, so a
	// slow query does not go on loading the ERP after we gave up on it.
	pc.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: time.Second}
	}
	return stdlib.OpenDB(*pc), nil
}

// openMySQL connects with a session that refuses writes. A READ ONLY
// transaction alone refuses INSERT and UPDATE but not CREATE or DROP, whose
// implicit commit ends it; a read-only session refuses those too.
func openMySQL(cfg Config) (*sql.DB, error) {
	mc, err := mysqldrv.ParseDSN(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("parse the mysql connection string: %w", err)
	}
	mc.ParseTime = true
	if mc.Timeout == 0 {
		mc.Timeout = cfg.ConnectTimeout
	}
	mc.MultiStatements = false // one statement per query, a guard beside ValidateSelect
	mc.AllowAllFiles = false
	// The driver prints connection trouble to stderr on its own; the same
	// errors reach the caller, so its lines only go to the debug log.
	mc.Logger = mysqlLogger{}
	conn, err := mysqldrv.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("mysql connector: %w", err)
	}
	return sql.OpenDB(&mysqlReadOnly{Connector: conn, statementLimit: cfg.QueryTimeout + time.Second}), nil
}

type mysqlLogger struct{}

func (mysqlLogger) Print(v ...any) { slog.Debug("mysql driver", "msg", fmt.Sprint(v...)) }

// mysqlReadOnly sets up every new MySQL or MariaDB connection before the
// pool hands it out.
type mysqlReadOnly struct {
	driver.Connector
	// statementLimit is the server-side limit on a statement's run time, a
	// little above the query deadline: when the deadline passes the driver
	// drops the connection, but the server would go on running the query.
	statementLimit time.Duration
}

func (c *mysqlReadOnly) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		conn.Close()
		return nil, errors.New("mysql driver connection cannot run statements")
	}
	if _, err := ex.ExecContext(ctx, "SET SESSION TRANSACTION READ ONLY", nil); err != nil {
		conn.Close()
		return nil, fmt.Errorf("make the mysql session read-only: %w", err)
	}
	// MariaDB calls the limit max_statement_time (seconds), MySQL
	// max_execution_time (milliseconds, SELECT only); each refuses the
	// other's, and a server with neither just goes without.
	secs := strconv.FormatFloat(c.statementLimit.Seconds(), 'f', 3, 64)
	if _, err := ex.ExecContext(ctx, "SET SESSION max_statement_time = "+secs, nil); err != nil {
		ex.ExecContext(ctx, "SET SESSION max_execution_time = "+strconv.FormatInt(c.statementLimit.Milliseconds(), 10), nil)
	}
	if err := ctx.Err(); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// openSQLServer adds the connection settings Portico needs to the DSN. The
// driver parses the DSN here, so a malformed one fails at start-up.
func openSQLServer(cfg Config) (*sql.DB, error) {
	db, err := sql.Open("sqlserver", sqlServerDSN(cfg.DSN, cfg.ConnectTimeout, cfg.QueryTimeout))
	if err != nil {
		if strings.Contains(err.Error(), "database must be specified") {
			return nil, fmt.Errorf("sqlserver connection string: %w (Portico connects with ApplicationIntent=ReadOnly, which needs the database named in the DSN, e.g. database=ERP)", err)
		}
		return nil, fmt.Errorf("sqlserver connection string: %w", err)
	}
	return db, nil
}

// sqlServerDSN adds to a go-mssqldb DSN (URL, ADO or ODBC form) whichever
// of these it does not set already:
//
//   - dial timeout: ConnectTimeout, for the TCP connection;
//   - connection timeout: go-mssqldb applies it to every read on the
//     connection for its whole life, not just to logging in, so it is set
//     above the query deadline (which, through the context, is what really
//     bounds both connecting and queries) to catch only a dead connection;
//   - ApplicationIntent=ReadOnly, which routes to a readable secondary in
//     an availability group and documents the intent;
//   - app name, so the ERP's DBA can tell Portico's sessions apart.
func sqlServerDSN(dsn string, connect, query time.Duration) string {
	seconds := func(d time.Duration) string {
		return strconv.FormatInt(int64(max((d+time.Second-1)/time.Second, 1)), 10)
	}
	add := []struct{ key, value string }{
		{"dial timeout", seconds(connect)},
		{"connection timeout", seconds(query + connect)},
		{"ApplicationIntent", "ReadOnly"},
		{"app name", "Portico"},
	}
	if strings.HasPrefix(dsn, "sqlserver://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn // the driver reports it, without echoing the DSN
		}
		have := map[string]bool{}
		for k := range u.Query() {
			have[strings.ToLower(k)] = true
		}
		extra := url.Values{}
		for _, a := range add {
			if !have[strings.ToLower(a.key)] {
				extra.Set(a.key, a.value)
			}
		}
		if len(extra) == 0 {
			return dsn
		}
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += extra.Encode()
		return u.String()
	}
	// ADO ("server=…;user id=…") and ODBC ("odbc:server=…;…") forms.
	synonyms := map[string]string{
		"connect timeout":    "connection timeout",
		"timeout":            "connection timeout",
		"application intent": "applicationintent",
		"application name":   "app name",
	}
	have := map[string]bool{}
	for part := range strings.SplitSeq(strings.TrimPrefix(dsn, "odbc:"), ";") {
		k, _, _ := strings.Cut(part, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if s, ok := synonyms[k]; ok {
			k = s
		}
		have[k] = true
	}
	out := strings.TrimRightFunc(dsn, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	for _, a := range add {
		if have[strings.ToLower(a.key)] {
			continue
		}
		if !strings.HasSuffix(out, ";") {
			out += ";"
		}
		out += a.key + "=" + a.value
	}
	return out
}
