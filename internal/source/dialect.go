package source

import (
	"fmt"
	"strconv"
	"strings"
)

// Dialect is what differs between ERP engines in the SQL the portal writes
// around a dataset's own SQL.
type Dialect interface {
	// Name is the driver name: "sqlserver", "postgres", "mysql" or "sqlite".
	Name() string
	// Placeholder is the n-th (1-based) bound parameter: "@p1", "$1", "?"
	// or "$1".
	Placeholder(n int) string
	// Quote quotes an identifier, doubling the closing quote inside it, so
	// any column name is taken as a name and never as SQL.
	Quote(ident string) string
	// Limit wraps query so that at most n rows come back. The inner query
	// is a derived table: on SQL Server it may not ORDER BY unless it also
	// uses TOP or OFFSET, every column must have a name, and a leading
	// WITH is moved in front of the wrapper (see ScopedQuery).
	Limit(query string, n int) string
}

// DialectFor returns the dialect of a driver named in Drivers.
func DialectFor(driver string) (Dialect, error) {
	switch driver {
	case "sqlserver":
		return sqlServer{}, nil
	case "postgres":
		return postgres{}, nil
	case "mysql":
		return mysql{}, nil
	case "sqlite":
		return sqlite{}, nil
	}
	return nil, fmt.Errorf("unknown source driver %q: use one of %s", driver, strings.Join(Drivers, ", "))
}

type sqlServer struct{}

func (sqlServer) Name() string              { return "sqlserver" }
func (sqlServer) Placeholder(n int) string  { return "@p" + strconv.Itoa(n) }
func (sqlServer) Quote(ident string) string { return "[" + strings.ReplaceAll(ident, "]", "]]") + "]" }
func (sqlServer) Limit(q string, n int) string {
	ctes, main := hoistWith(sqlServer{}, q)
	return ctes + "SELECT TOP (" + strconv.Itoa(max(n, 0)) + ") * FROM (" + main + ") AS src"
}

// hoistWith trims q and, on SQL Server, which does not allow a WITH inside
// a derived table, moves q's common table expressions in front of the
// wrapping SELECT: "WITH a AS (…) SELECT …" is wrapped as
// "WITH a AS (…) SELECT * FROM (SELECT …) AS src". Elsewhere ctes is empty.
func hoistWith(d Dialect, q string) (ctes, main string) {
	q = trimStatement(q)
	if d.Name() != "sqlserver" {
		return "", q
	}
	if w, m, ok := splitWith(q); ok {
		return w + " ", m
	}
	return "", q
}

type postgres struct{}

func (postgres) Name() string                 { return "postgres" }
func (postgres) Placeholder(n int) string     { return "$" + strconv.Itoa(n) }
func (postgres) Quote(ident string) string    { return quoteDouble(ident) }
func (postgres) Limit(q string, n int) string { return limitClause(q, n) }

type mysql struct{}

func (mysql) Name() string                 { return "mysql" }
func (mysql) Placeholder(int) string       { return "?" }
func (mysql) Quote(ident string) string    { return "`" + strings.ReplaceAll(ident, "`", "``") + "`" }
func (mysql) Limit(q string, n int) string { return limitClause(q, n) }

// sqlite numbers its placeholders like PostgreSQL: modernc.org/sqlite binds
// $N to the N-th argument, which keeps scoped queries identical on both.
type sqlite struct{}

func (sqlite) Name() string                 { return "sqlite" }
func (sqlite) Placeholder(n int) string     { return "$" + strconv.Itoa(n) }
func (sqlite) Quote(ident string) string    { return quoteDouble(ident) }
func (sqlite) Limit(q string, n int) string { return limitClause(q, n) }

func quoteDouble(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

func limitClause(q string, n int) string {
	return "SELECT * FROM (" + trimStatement(q) + ") AS src LIMIT " + strconv.Itoa(max(n, 0))
}

// MaxScopeKeys is the most customer keys ScopedQuery binds in one query on
// d's engine. SQL Server takes at most 2,100 parameters per request, so it
// stops at 2,000 to leave room; the others allow tens of thousands
// (SQLite 32,766, PostgreSQL and MySQL 65,535), and 30,000 stays under all.
func MaxScopeKeys(d Dialect) int {
	if d.Name() == "sqlserver" {
		return 2000
	}
	return 30000
}

// ScopedQuery wraps a dataset's SQL so that only the scope's customers come
// back, with the keys as bound parameters, never as SQL text:
//
//	SELECT * FROM (<inner>) AS src WHERE src.<customerColumn> IN (<p1>, <p2>, …)
//
// With all it returns the inner query wrapped without a WHERE and no
// arguments. Without all and without keys it returns a query that returns
// no rows ("WHERE 1=0"), never an unscoped one. Repeated keys are bound
// once. Trailing whitespace, comments and one ";" are cut off the inner SQL.
// On SQL Server, which allows no WITH inside a derived table, an inner
// "WITH … SELECT …" has its WITH moved in front: "WITH … SELECT * FROM
// (SELECT …) AS src WHERE …"; its main SELECT may not ORDER BY without TOP.
//
// customerColumn is the name of the inner query's output column exactly as
// the engine reports it (PostgreSQL folds unquoted aliases to lower case).
// More keys than MaxScopeKeys (2,000 on SQL Server) is an error wrapping
// ErrTooManyKeys.
func ScopedQuery(d Dialect, inner, customerColumn string, all bool, keys []string) (string, []any, error) {
	ctes, main := hoistWith(d, inner)
	base := ctes + "SELECT * FROM (" + main + ") AS src"
	if all {
		return base, nil, nil
	}
	if customerColumn == "" {
		return "", nil, fmt.Errorf("scoped query: no customer column given to scope by")
	}
	seen := make(map[string]bool, len(keys))
	args := make([]any, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			args = append(args, k)
		}
	}
	if len(args) == 0 {
		return base + " WHERE 1=0", nil, nil
	}
	if limit := MaxScopeKeys(d); len(args) > limit {
		return "", nil, fmt.Errorf("scoped query: the scope names %d customers, but %s takes at most %d as parameters of one query: %w",
			len(args), d.Name(), limit, ErrTooManyKeys)
	}
	var b strings.Builder
	b.WriteString(base)
	b.WriteString(" WHERE src.")
	b.WriteString(d.Quote(customerColumn))
	b.WriteString(" IN (")
	for i := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.Placeholder(i + 1))
	}
	b.WriteString(")")
	return b.String(), args, nil
}
