package source

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func mustDialect(t *testing.T, driver string) Dialect {
	t.Helper()
	d, err := DialectFor(driver)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDialectForNamesEveryDriver(t *testing.T) {
	for _, driver := range Drivers {
		if got := mustDialect(t, driver).Name(); got != driver {
			t.Errorf("DialectFor(%q).Name() = %q", driver, got)
		}
	}
	if _, err := DialectFor("oracle"); err == nil || !strings.Contains(err.Error(), "sqlserver, postgres, mysql, sqlite") {
		t.Errorf("unknown driver: err = %v, want one listing the drivers", err)
	}
}

func TestPlaceholders(t *testing.T) {
	tests := []struct {
		driver string
		want   [3]string
	}{
		{"sqlserver", [3]string{"@p1", "@p2", "@p10"}},
		{"postgres", [3]string{"$1", "$2", "$10"}},
		{"mysql", [3]string{"?", "?", "?"}},
		{"sqlite", [3]string{"$1", "$2", "$10"}},
	}
	for _, tt := range tests {
		t.Run(tt.driver, func(t *testing.T) {
			d := mustDialect(t, tt.driver)
			got := [3]string{d.Placeholder(1), d.Placeholder(2), d.Placeholder(10)}
			if got != tt.want {
				t.Errorf("placeholders 1, 2, 10 = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestQuoteEscapesHostileIdentifiers(t *testing.T) {
	tests := []struct {
		driver, ident, want string
	}{
		{"sqlserver", "Customer", "[Customer]"},
		{"sqlserver", "a]b", "[a]]b]"},
		{"sqlserver", "a]; DROP TABLE x--", "[a]]; DROP TABLE x--]"},
		{"sqlserver", `a"b`, `[a"b]`},
		{"postgres", "customer", `"customer"`},
		{"postgres", `a"b`, `"a""b"`},
		{"postgres", `x" ; DROP TABLE t; --`, `"x"" ; DROP TABLE t; --"`},
		{"postgres", "a]b", `"a]b"`},
		{"mysql", "customer", "`customer`"},
		{"mysql", "a`b", "`a``b`"},
		{"mysql", `a"b`, "`a\"b`"},
		{"sqlite", `a"b`, `"a""b"`},
		{"sqlite", "a`b", "\"a`b\""},
	}
	for _, tt := range tests {
		t.Run(tt.driver+"/"+tt.ident, func(t *testing.T) {
			if got := mustDialect(t, tt.driver).Quote(tt.ident); got != tt.want {
				t.Errorf("Quote(%q) = %s, want %s", tt.ident, got, tt.want)
			}
		})
	}
}

func TestLimitText(t *testing.T) {
	tests := []struct {
		name, driver, query string
		n                   int
		want                string
	}{
		{"sqlserver uses TOP", "sqlserver", "SELECT a FROM t", 100,
			"SELECT TOP (100) * FROM (SELECT a FROM t) AS src"},
		{"postgres uses LIMIT", "postgres", "SELECT a FROM t", 100,
			"SELECT * FROM (SELECT a FROM t) AS src LIMIT 100"},
		{"mysql uses LIMIT", "mysql", "SELECT a FROM t", 5,
			"SELECT * FROM (SELECT a FROM t) AS src LIMIT 5"},
		{"sqlite uses LIMIT", "sqlite", "SELECT a FROM t", 0,
			"SELECT * FROM (SELECT a FROM t) AS src LIMIT 0"},
		{"negative limit reads as zero", "postgres", "SELECT 1", -3,
			"SELECT * FROM (SELECT 1) AS src LIMIT 0"},
		{"trailing semicolon and space are cut", "postgres", "  SELECT a FROM t ;\n ", 1,
			"SELECT * FROM (SELECT a FROM t) AS src LIMIT 1"},
		{"trailing line comment cannot swallow the parenthesis", "sqlserver", "SELECT a FROM t -- all of them", 1,
			"SELECT TOP (1) * FROM (SELECT a FROM t) AS src"},
		{"sqlserver moves a WITH in front", "sqlserver", "WITH a AS (SELECT x FROM t) SELECT x FROM a;", 10,
			"WITH a AS (SELECT x FROM t) SELECT TOP (10) * FROM (SELECT x FROM a) AS src"},
		{"postgres keeps a WITH inside", "postgres", "WITH a AS (SELECT x FROM t) SELECT x FROM a", 10,
			"SELECT * FROM (WITH a AS (SELECT x FROM t) SELECT x FROM a) AS src LIMIT 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustDialect(t, tt.driver).Limit(tt.query, tt.n); got != tt.want {
				t.Errorf("Limit = %q\nwant    %q", got, tt.want)
			}
		})
	}
}

func TestScopedQueryText(t *testing.T) {
	const inner = "SELECT customer, part FROM inventory;"
	const withInner = "WITH inv AS (SELECT customer, part FROM inventory)\nSELECT customer AS Customer, part FROM inv -- scoped below\n"
	tests := []struct {
		name, driver string
		column       string
		all          bool
		keys         []string
		want         string
		wantArgs     []any
	}{
		{"sqlserver one key", "sqlserver", "Customer", false, []string{"A"},
			"SELECT * FROM (SELECT customer, part FROM inventory) AS src WHERE src.[Customer] IN (@p1)", []any{"A"}},
		{"sqlserver two keys", "sqlserver", "Customer", false, []string{"A", "B"},
			"SELECT * FROM (SELECT customer, part FROM inventory) AS src WHERE src.[Customer] IN (@p1, @p2)", []any{"A", "B"}},
		{"postgres two keys", "postgres", "customer", false, []string{"A", "O'Brien; DROP TABLE x--"},
			`SELECT * FROM (SELECT customer, part FROM inventory) AS src WHERE src."customer" IN ($1, $2)`, []any{"A", "O'Brien; DROP TABLE x--"}},
		{"mysql two keys", "mysql", "customer", false, []string{"A", "B"},
			"SELECT * FROM (SELECT customer, part FROM inventory) AS src WHERE src.`customer` IN (?, ?)", []any{"A", "B"}},
		{"sqlite two keys", "sqlite", "customer", false, []string{"A", "B"},
			`SELECT * FROM (SELECT customer, part FROM inventory) AS src WHERE src."customer" IN ($1, $2)`, []any{"A", "B"}},
		{"repeated keys bound once", "postgres", "customer", false, []string{"A", "B", "A"},
			`SELECT * FROM (SELECT customer, part FROM inventory) AS src WHERE src."customer" IN ($1, $2)`, []any{"A", "B"}},
		{"hostile column name stays a name", "sqlserver", "x] = 1 OR 1=1 --", false, []string{"A"},
			"SELECT * FROM (SELECT customer, part FROM inventory) AS src WHERE src.[x]] = 1 OR 1=1 --] IN (@p1)", []any{"A"}},
		{"sqlserver moves a WITH in front of the scope", "sqlserver", "Customer", false, []string{"A"},
			"WITH inv AS (SELECT customer, part FROM inventory) SELECT * FROM (SELECT customer AS Customer, part FROM inv) AS src WHERE src.[Customer] IN (@p1)", []any{"A"}},
		{"all is unscoped and has no args", "sqlserver", "Customer", true, []string{"A"},
			"SELECT * FROM (SELECT customer, part FROM inventory) AS src", nil},
		{"all with no column is fine", "postgres", "", true, nil,
			"SELECT * FROM (SELECT customer, part FROM inventory) AS src", nil},
		{"no keys returns no rows", "sqlserver", "Customer", false, nil,
			"SELECT * FROM (SELECT customer, part FROM inventory) AS src WHERE 1=0", nil},
		{"empty key list returns no rows", "mysql", "customer", false, []string{},
			"SELECT * FROM (SELECT customer, part FROM inventory) AS src WHERE 1=0", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := inner
			if strings.HasPrefix(tt.want, "WITH") {
				in = withInner
			}
			got, args, err := ScopedQuery(mustDialect(t, tt.driver), in, tt.column, tt.all, tt.keys)
			if err != nil {
				t.Fatalf("ScopedQuery: %v", err)
			}
			if got != tt.want {
				t.Errorf("query = %q\nwant    %q", got, tt.want)
			}
			if len(args) != len(tt.wantArgs) || (len(args) > 0 && !reflect.DeepEqual(args, tt.wantArgs)) {
				t.Errorf("args = %#v, want %#v", args, tt.wantArgs)
			}
		})
	}
}

func keys(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("C%05d", i)
	}
	return out
}

func TestScopedQueryKeyLimits(t *testing.T) {
	tests := []struct {
		name, driver string
		n            int
		wantErr      bool
	}{
		{"sqlserver takes 2000 keys", "sqlserver", 2000, false},
		{"sqlserver refuses 2001 keys", "sqlserver", 2001, true},
		{"sqlserver refuses 5000 keys", "sqlserver", 5000, true},
		{"postgres takes 5000 keys", "postgres", 5000, false},
		{"sqlite refuses 30001 keys", "sqlite", 30001, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, args, err := ScopedQuery(mustDialect(t, tt.driver), "SELECT * FROM t", "c", false, keys(tt.n))
			if tt.wantErr {
				if !errors.Is(err, ErrTooManyKeys) {
					t.Fatalf("err = %v, want ErrTooManyKeys", err)
				}
				if q != "" || args != nil {
					t.Errorf("refused scope still returned a query %q with %d args", q, len(args))
				}
				return
			}
			if err != nil {
				t.Fatalf("ScopedQuery: %v", err)
			}
			if len(args) != tt.n {
				t.Errorf("%d args, want %d", len(args), tt.n)
			}
		})
	}
}

func TestScopedQueryNeedsAColumnToScopeBy(t *testing.T) {
	if _, _, err := ScopedQuery(mustDialect(t, "postgres"), "SELECT 1", "", false, []string{"A"}); err == nil {
		t.Fatal("no customer column: got a query, want an error")
	}
}

func TestTrimStatement(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "SELECT 1", "SELECT 1"},
		{"one semicolon", "SELECT 1;", "SELECT 1"},
		{"semicolon and whitespace", "SELECT 1 ; \n\t", "SELECT 1"},
		{"trailing line comment", "SELECT 1 -- note", "SELECT 1"},
		{"trailing block comment after semicolon", "SELECT 1; /* done */", "SELECT 1"},
		{"inner comments stay", "SELECT 1 -- one\n, 2", "SELECT 1 -- one\n, 2"},
		{"semicolon in a string stays", "SELECT ';'", "SELECT ';'"},
		{"only one semicolon is cut", "SELECT 1;;", "SELECT 1;"},
		{"unclosed quote falls back to plain trimming", "SELECT 'x ;", "SELECT 'x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := trimStatement(tt.in); got != tt.want {
				t.Errorf("trimStatement(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
