package source

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenRefusesConfigsItCannotUse(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"unknown driver", Config{Name: "erp", Driver: "oracle", DSN: "x"}, `unknown driver "oracle": use one of sqlserver, postgres, mysql, sqlite`},
		{"empty DSN names the variable to set", Config{Name: "erp", Driver: "postgres", DSNEnv: "ERP_DSN"}, "set the environment variable ERP_DSN"},
		{"empty DSN without a variable", Config{Name: "erp", Driver: "postgres"}, "no connection string (DSN) configured"},
		{"negative timeout", Config{Name: "erp", Driver: "postgres", DSN: "postgres://x@127.0.0.1/x", QueryTimeout: -time.Second}, "query timeout is -1s"},
		{"negative pool", Config{Name: "erp", Driver: "postgres", DSN: "postgres://x@127.0.0.1/x", MaxOpenConns: -1}, "max open connections"},
		{"sqlite file missing", Config{Name: "erp", Driver: "sqlite", DSN: filepath.Join(dir, "nope.db")}, "nope.db does not exist: check the path in the DSN"},
		{"sqlite file: URI missing", Config{Name: "erp", Driver: "sqlite", DSN: "file:" + filepath.Join(dir, "nope.db") + "?cache=shared"}, "nope.db does not exist"},
		{"sqlite directory", Config{Name: "erp", Driver: "sqlite", DSN: dir}, "is a directory"},
		{"sqlite in memory", Config{Name: "erp", Driver: "sqlite", DSN: ":memory:"}, "not an in-memory database"},
		{"bad postgres DSN", Config{Name: "erp", Driver: "postgres", DSN: "postgres://x@127.0.0.1/x?connect_timeout=soon"}, "parse the postgres connection string"},
		{"bad mysql DSN", Config{Name: "erp", Driver: "mysql", DSN: "root@tcp(127.0.0.1:3306)"}, "parse the mysql connection string"},
		{"sqlserver without a database", Config{Name: "erp", Driver: "sqlserver", DSN: "sqlserver://sa:secret@127.0.0.1:1433"}, "needs the database named in the DSN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.cfg)
			if err == nil {
				s.Close()
				t.Fatalf("Open = nil error, want one containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Open error = %q, want it to contain %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), `source "erp"`) {
				t.Errorf("error %q does not name the source", err)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q shows the DSN's password", err)
			}
		})
	}
}

func TestOpenAppliesDefaults(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want Config
	}{
		{"zero values get the defaults",
			Config{Name: "erp", Driver: "sqlserver", DSN: "sqlserver://u:p@h?database=erp"},
			Config{Name: "erp", Driver: "sqlserver", DSN: "sqlserver://u:p@h?database=erp", QueryTimeout: 10 * time.Second,
				ConnectTimeout: 3 * time.Second, MaxOpenConns: 10, BreakerFailures: 5, BreakerCooldown: 30 * time.Second}},
		{"set values are kept",
			Config{Name: "erp", Driver: "postgres", DSN: "postgres://u@h/erp", QueryTimeout: time.Second, ConnectTimeout: 2 * time.Second,
				MaxOpenConns: 3, BreakerFailures: 2, BreakerCooldown: time.Minute, CustomersSQL: "SELECT 1"},
			Config{Name: "erp", Driver: "postgres", DSN: "postgres://u@h/erp", QueryTimeout: time.Second, ConnectTimeout: 2 * time.Second,
				MaxOpenConns: 3, BreakerFailures: 2, BreakerCooldown: time.Minute, CustomersSQL: "SELECT 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := s.Config(); got != tt.want {
				t.Errorf("Config() = %+v\nwant       %+v", got, tt.want)
			}
			if s.Name() != "erp" || s.Dialect().Name() != tt.cfg.Driver {
				t.Errorf("Name, Dialect = %q, %q", s.Name(), s.Dialect().Name())
			}
			if state, _ := s.BreakerState(); state != StateClosed {
				t.Errorf("a new source's breaker is %s, want closed", state)
			}
			if got := s.db.Stats().MaxOpenConnections; got != tt.want.MaxOpenConns {
				t.Errorf("pool bound = %d, want %d", got, tt.want.MaxOpenConns)
			}
		})
	}
}

func TestSQLiteDSN(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "my erp.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dsn   string
		wantPragmas []string
	}{
		{"plain path", path, []string{"busy_timeout(2000)", "query_only(1)"}},
		{"plain path with driver parameters", path + "?_pragma=cache_size(100)", []string{"cache_size(100)", "busy_timeout(2000)", "query_only(1)"}},
		{"file URI asking for read-write", "file:" + filepath.ToSlash(path) + "?mode=rw", []string{"busy_timeout(2000)", "query_only(1)"}},
		{"file URI with its own busy timeout", "file:" + filepath.ToSlash(path) + "?_pragma=busy_timeout(50)", []string{"busy_timeout(50)", "query_only(1)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uri, gotPath, err := sqliteDSN(tt.dsn, 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if gotPath != path {
				t.Errorf("path = %q, want %q", gotPath, path)
			}
			if !strings.HasPrefix(uri, "file:") {
				t.Fatalf("uri %q is not a file: URI, so SQLite would ignore mode=ro", uri)
			}
			u, err := url.Parse(uri)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if q.Get("mode") != "ro" {
				t.Errorf("mode = %q, want ro", q.Get("mode"))
			}
			if got := strings.Join(q["_pragma"], " "); got != strings.Join(tt.wantPragmas, " ") {
				t.Errorf("pragmas = %s, want %s", got, strings.Join(tt.wantPragmas, " "))
			}
		})
	}
}

func TestSQLServerDSN(t *testing.T) {
	tests := []struct {
		name, dsn string
		want      string
	}{
		{"URL form gets every setting",
			"sqlserver://portal:pw@erp.local:1433?database=DEACOM",
			"sqlserver://portal:pw@erp.local:1433?database=DEACOM&ApplicationIntent=ReadOnly&app+name=Portico&connection+timeout=13&dial+timeout=3"},
		{"URL form keeps the operator's settings, whatever their case",
			"sqlserver://portal:pw@erp.local?database=D&Dial+Timeout=9&applicationintent=ReadOnly&connection+timeout=0&app+name=X",
			"sqlserver://portal:pw@erp.local?database=D&Dial+Timeout=9&applicationintent=ReadOnly&connection+timeout=0&app+name=X"},
		{"ADO form gets every setting",
			"server=erp.local;user id=portal;password=pw;database=DEACOM",
			"server=erp.local;user id=portal;password=pw;database=DEACOM;dial timeout=3;connection timeout=13;ApplicationIntent=ReadOnly;app name=Portico"},
		{"ADO form with a trailing semicolon and synonyms",
			"server=erp.local;database=D;Connect Timeout=20;Application Intent=ReadWrite;",
			"server=erp.local;database=D;Connect Timeout=20;Application Intent=ReadWrite;dial timeout=3;app name=Portico"},
		{"ODBC form",
			"odbc:server=erp.local;database=D",
			"odbc:server=erp.local;database=D;dial timeout=3;connection timeout=13;ApplicationIntent=ReadOnly;app name=Portico"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sqlServerDSN(tt.dsn, 3*time.Second, 10*time.Second); got != tt.want {
				t.Errorf("sqlServerDSN =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestSQLServerSourceUsesNoTransaction(t *testing.T) {
	// No SQL Server runs here: Open only parses the DSN, so a valid one
	// opens, and a read-only transaction is never asked of go-mssqldb.
	s, err := Open(Config{Name: "erp", Driver: "sqlserver", DSN: "server=127.0.0.1;port=1;database=D;user id=u;password=p"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.readOnlyTx {
		t.Error("sqlserver source would ask go-mssqldb for read-only transactions, which it refuses")
	}
}
