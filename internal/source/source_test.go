package source_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/source"
	"github.com/portico-dev/portico/internal/source/sourcetest"
)

// hostile is a customer key written to break out of a string literal; it
// must stay data.
const hostile = "O'Brien; DROP TABLE inventory--"

// eachEngine runs fn on a fresh database of every engine.
func eachEngine(t *testing.T, fn func(t *testing.T, db sourcetest.DB)) {
	t.Helper()
	for i, open := range sourcetest.All() {
		t.Run(sourcetest.Names[i], func(t *testing.T) {
			t.Parallel()
			fn(t, open(t))
		})
	}
}

// insert adds rows to a table through the writer, with the engine's
// placeholders.
func insert(t *testing.T, db sourcetest.DB, table string, cols []string, rows ...[]any) {
	t.Helper()
	d, err := source.DialectFor(db.Name)
	if err != nil {
		t.Fatal(err)
	}
	ph := make([]string, len(cols))
	for i := range cols {
		ph[i] = d.Placeholder(i + 1)
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(cols, ", "), strings.Join(ph, ", "))
	for _, r := range rows {
		if _, err := db.Writer.Exec(q, r...); err != nil {
			t.Fatalf("%s: %s %v: %v", db.Name, q, r, err)
		}
	}
}

// inventory creates the table the scope tests read, with rows for
// customers A, B, C and the hostile key.
func inventory(t *testing.T, db sourcetest.DB) {
	t.Helper()
	db.Exec(t, "CREATE TABLE inventory (customer VARCHAR(100), part VARCHAR(50), qty DECIMAL(12,2))")
	insert(t, db, "inventory", []string{"customer", "part", "qty"},
		[]any{"A", "a1", 1.5}, []any{"A", "a2", 2}, []any{"B", "b1", 3}, []any{"C", "c1", 4}, []any{hostile, "h1", 5})
}

// customerParts runs a query whose rows start with customer and part and
// returns "customer/part" for each, sorted.
func customerParts(ctx context.Context, s *source.Source, q string, args []any) ([]string, error) {
	var out []string
	err := s.Query(ctx, q, args, func(rows *sql.Rows) error {
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		dest := make([]any, len(cols))
		var customer, part string
		dest[0], dest[1] = &customer, &part
		for i := 2; i < len(dest); i++ {
			dest[i] = new(any)
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			out = append(out, customer+"/"+part)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

func TestScopedQueryOnEngines(t *testing.T) {
	eachEngine(t, func(t *testing.T, db sourcetest.DB) {
		inventory(t, db)
		s := db.Open(t)
		tests := []struct {
			name string
			all  bool
			keys []string
			want []string
		}{
			{"one customer sees only its rows", false, []string{"A"}, []string{"A/a1", "A/a2"}},
			{"the hostile key is matched as data", false, []string{"A", hostile}, []string{"A/a1", "A/a2", hostile + "/h1"}},
			{"all sees every row", true, nil, []string{"A/a1", "A/a2", "B/b1", "C/c1", hostile + "/h1"}},
			{"no keys see nothing", false, nil, nil},
			{"an injected key matches nothing", false, []string{"A' OR '1'='1"}, nil},
			{"an injected key with a comment matches nothing", false, []string{"x') OR 1=1 --"}, nil},
			{"unknown customer sees nothing", false, []string{"Z"}, nil},
		}
		inners := map[string]string{
			"select": "SELECT customer, part, qty FROM inventory;",
			"with":   "WITH inv AS (SELECT customer, part FROM inventory)\nSELECT customer, part FROM inv -- every lot\n",
		}
		for _, tt := range tests {
			for kind, inner := range inners {
				t.Run(kind+"/"+tt.name, func(t *testing.T) {
					q, args, err := source.ScopedQuery(s.Dialect(), inner, "customer", tt.all, tt.keys)
					if err != nil {
						t.Fatal(err)
					}
					got, err := customerParts(context.Background(), s, q, args)
					if err != nil {
						t.Fatalf("query %q: %v", q, err)
					}
					if !slices.Equal(got, tt.want) {
						t.Errorf("rows = %q, want %q", got, tt.want)
					}
				})
			}
		}
		t.Run("the table survives the hostile key", func(t *testing.T) {
			var n int
			if err := db.Writer.QueryRow("SELECT COUNT(*) FROM inventory").Scan(&n); err != nil || n != 5 {
				t.Fatalf("inventory rows = %d, %v; want 5", n, err)
			}
		})
		t.Run("limit caps the rows", func(t *testing.T) {
			got, err := customerParts(context.Background(), s, s.Dialect().Limit("SELECT customer, part FROM inventory -- all", 2), nil)
			if err != nil || len(got) != 2 {
				t.Fatalf("limited rows = %q, %v; want 2 rows", got, err)
			}
		})
	})
}

func TestSourceRefusesWrites(t *testing.T) {
	eachEngine(t, func(t *testing.T, db sourcetest.DB) {
		db.Exec(t, "CREATE TABLE t (a INTEGER)")
		insert(t, db, "t", []string{"a"}, []any{1})
		cfg := db.Config
		cfg.BreakerFailures = 100 // every refusal counts; keep the breaker out of the way
		s, err := source.Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		writes := []string{
			"INSERT INTO t (a) VALUES (2)",
			"UPDATE t SET a = 5",
			"DELETE FROM t",
			"CREATE TABLE u (a INTEGER)",
			"DROP TABLE t",
			"CREATE TABLE u AS SELECT * FROM t",
		}
		for _, w := range writes {
			t.Run(w, func(t *testing.T) {
				err := s.Query(context.Background(), w, nil, func(rows *sql.Rows) error {
					for rows.Next() {
					}
					return nil
				})
				if err == nil {
					t.Fatalf("%s went through a read-only source", w)
				}
				if !errors.Is(err, source.ErrUnavailable) {
					t.Errorf("err = %v, want it to wrap ErrUnavailable", err)
				}
			})
		}
		var n, sum int
		if err := db.Writer.QueryRow("SELECT COUNT(*), SUM(a) FROM t").Scan(&n, &sum); err != nil || n != 1 || sum != 1 {
			t.Fatalf("table t after the writes: %d rows summing to %d (%v); want it unchanged", n, sum, err)
		}
		if _, err := db.Writer.Exec("SELECT * FROM u"); err == nil {
			t.Fatal("table u exists: CREATE TABLE went through")
		}
	})
}

func TestQueryDeadline(t *testing.T) {
	sleeps := map[string]string{
		"postgres": "SELECT pg_sleep(5)",
		"mysql":    "SELECT SLEEP(5)",
		"sqlite":   "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000000) SELECT COUNT(*) FROM c",
	}
	eachEngine(t, func(t *testing.T, db sourcetest.DB) {
		cfg := db.Config
		cfg.QueryTimeout = 300 * time.Millisecond
		s, err := source.Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		start := time.Now()
		err = s.Query(context.Background(), sleeps[db.Name], nil, func(rows *sql.Rows) error {
			for rows.Next() {
			}
			return nil
		})
		elapsed := time.Since(start)
		if !errors.Is(err, source.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ErrUnavailable and context.DeadlineExceeded", err)
		}
		if !strings.Contains(err.Error(), "300ms") {
			t.Errorf("err = %q, want it to state the query timeout", err)
		}
		if elapsed > 3*time.Second {
			t.Errorf("the query returned after %s, long past its 300ms deadline", elapsed)
		}
		// The pool recovers: the next query gets a working connection.
		got, err := customerParts(context.Background(), s, "SELECT 'x' AS customer, 'y' AS part", nil)
		if err != nil || !slices.Equal(got, []string{"x/y"}) {
			t.Fatalf("query after the deadline = %q, %v", got, err)
		}
	})
}

func TestQueryErrors(t *testing.T) {
	eachEngine(t, func(t *testing.T, db sourcetest.DB) {
		cfg := db.Config
		cfg.BreakerFailures = 2
		s, err := source.Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		ctx := context.Background()
		drain := func(rows *sql.Rows) error {
			for rows.Next() {
			}
			return nil
		}

		errConvert := errors.New("cannot convert the quantity")
		for range 5 {
			err := s.Query(ctx, "SELECT 1", nil, func(*sql.Rows) error { return errConvert })
			if !errors.Is(err, errConvert) || errors.Is(err, source.ErrUnavailable) {
				t.Fatalf("fn's error came back as %v; want it wrapped, without ErrUnavailable", err)
			}
		}
		if state, _ := s.BreakerState(); state != source.StateClosed {
			t.Fatalf("after errors from fn the breaker is %s; they must not count", state)
		}

		canceled, cancel := context.WithCancel(ctx)
		cancel()
		for range 3 {
			err := s.Query(canceled, "SELECT 1", nil, drain)
			if !errors.Is(err, context.Canceled) || errors.Is(err, source.ErrUnavailable) {
				t.Fatalf("canceled query: err = %v; want context.Canceled without ErrUnavailable", err)
			}
		}
		if state, _ := s.BreakerState(); state != source.StateClosed {
			t.Fatalf("after canceled queries the breaker is %s; they must not count", state)
		}

		err = s.Query(ctx, "SELECT no_such_column FROM no_such_table", nil, drain)
		if !errors.Is(err, source.ErrUnavailable) || errors.Is(err, source.ErrBreakerOpen) {
			t.Fatalf("bad SQL: err = %v, want ErrUnavailable from the engine", err)
		}
		if !strings.Contains(err.Error(), "no_such") {
			t.Errorf("bad SQL: err = %q, want the engine's message", err)
		}
		if state, _ := s.BreakerState(); state != source.StateClosed {
			t.Fatalf("one failure opened the breaker (%s)", state)
		}
		s.Query(ctx, "SELECT no_such_column FROM no_such_table", nil, drain)
		if state, until := s.BreakerState(); state != source.StateOpen || until.IsZero() {
			t.Fatalf("after 2 failures the breaker is %s until %v; want open", state, until)
		}
		err = s.Query(ctx, "SELECT 1", nil, drain)
		if !errors.Is(err, source.ErrBreakerOpen) || !errors.Is(err, source.ErrUnavailable) {
			t.Fatalf("query while open: err = %v, want ErrBreakerOpen", err)
		}
		if err := s.Ping(ctx); !errors.Is(err, source.ErrBreakerOpen) {
			t.Fatalf("ping while open: err = %v, want ErrBreakerOpen", err)
		}
	})
}

func TestCallerCancellationDuringAQueryDoesNotCount(t *testing.T) {
	db := sourcetest.Postgres(t)
	cfg := db.Config
	cfg.BreakerFailures = 1
	s, err := source.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	time.AfterFunc(100*time.Millisecond, cancel)
	err = s.Query(ctx, "SELECT pg_sleep(5)", nil, func(rows *sql.Rows) error {
		for rows.Next() {
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || errors.Is(err, source.ErrUnavailable) {
		t.Fatalf("err = %v; want context.Canceled without ErrUnavailable", err)
	}
	if state, _ := s.BreakerState(); state != source.StateClosed {
		t.Fatalf("the client going away opened the breaker (%s)", state)
	}
}

func TestCustomers(t *testing.T) {
	eachEngine(t, func(t *testing.T, db sourcetest.DB) {
		db.Exec(t, "CREATE TABLE customers (code VARCHAR(100), name VARCHAR(100), id INTEGER)")
		insert(t, db, "customers", []string{"code", "name", "id"},
			[]any{"B2", "beta Corp", 2}, []any{"A1", "Alpha Inc", 1}, []any{"C3", nil, 3},
			[]any{nil, "No Key Ltd", 4}, []any{"A1", "Alpha again", 1}, []any{hostile, "Zed & Co", 10})
		tests := []struct {
			name string
			sql  string
			want []source.Customer
		}{
			{"key and name, sorted by name ignoring case", "SELECT code, name FROM customers",
				[]source.Customer{{Key: "A1", Name: "Alpha Inc"}, {Key: "B2", Name: "beta Corp"}, {Key: "C3", Name: "C3"}, {Key: hostile, Name: "Zed & Co"}}},
			{"key only, names are the keys", "SELECT code FROM customers WHERE code <> 'C3'",
				[]source.Customer{{Key: "A1", Name: "A1"}, {Key: "B2", Name: "B2"}, {Key: hostile, Name: hostile}}},
			{"numeric keys read as text", "SELECT id, name, code FROM customers WHERE id < 3",
				[]source.Customer{{Key: "1", Name: "Alpha Inc"}, {Key: "2", Name: "beta Corp"}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				cfg := db.Config
				cfg.CustomersSQL = tt.sql
				s, err := source.Open(cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				got, err := s.Customers(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("Customers() = %q\nwant          %q", got, tt.want)
				}
			})
		}
		t.Run("without a customers query", func(t *testing.T) {
			s := db.Open(t)
			if _, err := s.Customers(context.Background()); !errors.Is(err, source.ErrNoCustomersSQL) {
				t.Fatalf("err = %v, want ErrNoCustomersSQL", err)
			}
		})
	})
}

func TestPing(t *testing.T) {
	eachEngine(t, func(t *testing.T, db sourcetest.DB) {
		if err := db.Open(t).Ping(context.Background()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}

func TestSourceDownFailsFast(t *testing.T) {
	s, err := source.Open(source.Config{Name: "erp", Driver: "postgres",
		DSN: "postgres://portal@127.0.0.1:1/erp?sslmode=disable", ConnectTimeout: time.Second, BreakerFailures: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 3 {
		start := time.Now()
		err := s.Query(context.Background(), "SELECT 1", nil, func(*sql.Rows) error { return nil })
		if !errors.Is(err, source.ErrUnavailable) || errors.Is(err, source.ErrBreakerOpen) {
			t.Fatalf("query %d: err = %v, want ErrUnavailable from the refused connection", i+1, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("query %d took %s to find the source down", i+1, d)
		}
	}
	if state, _ := s.BreakerState(); state != source.StateOpen {
		t.Fatalf("after 3 failures the breaker is %s, want open", state)
	}
	err = s.Ping(context.Background())
	if !errors.Is(err, source.ErrBreakerOpen) || !strings.Contains(err.Error(), "not tried again until") {
		t.Fatalf("ping while open: err = %v, want it to say when the source is tried again", err)
	}
	if strings.Contains(err.Error(), "portal@") {
		t.Errorf("error %q shows the DSN", err)
	}
}

// deadServer accepts connections and closes them at once, counting them,
// so a test can tell whether a source dialled.
type deadServer struct {
	ln    net.Listener
	dials atomic.Int64
}

// settle waits until no dial has arrived for a short while and returns the
// count, so dials begun earlier are not blamed on what comes next.
func (d *deadServer) settle() int64 {
	n := d.dials.Load()
	for range 40 {
		time.Sleep(50 * time.Millisecond)
		m := d.dials.Load()
		if m == n {
			return m
		}
		n = m
	}
	return n
}

func newDeadServer(t *testing.T) *deadServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &deadServer{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d.dials.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return d
}

func TestOpenBreakerDoesNotDial(t *testing.T) {
	dsns := map[string]func(addr string) string{
		"postgres":  func(a string) string { return "postgres://portal@" + a + "/erp?sslmode=disable" },
		"mysql":     func(a string) string { return "portal@tcp(" + a + ")/erp" },
		"sqlserver": func(a string) string { return "sqlserver://portal:pw@" + a + "?database=erp&encrypt=disable" },
	}
	for _, driver := range []string{"postgres", "mysql", "sqlserver"} {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			srv := newDeadServer(t)
			s, err := source.Open(source.Config{Name: "erp", Driver: driver, DSN: dsns[driver](srv.ln.Addr().String()),
				ConnectTimeout: time.Second, QueryTimeout: 2 * time.Second, BreakerFailures: 2, BreakerCooldown: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			clock := time.Date(2026, 7, 1, 14, 0, 0, 0, time.UTC)
			var mu sync.Mutex
			source.SetClock(s, func() time.Time { mu.Lock(); defer mu.Unlock(); return clock })
			advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
			query := func() error {
				return s.Query(context.Background(), "SELECT 1", nil, func(*sql.Rows) error { return nil })
			}

			for i := range 2 {
				if err := query(); !errors.Is(err, source.ErrUnavailable) || errors.Is(err, source.ErrBreakerOpen) {
					t.Fatalf("failure %d: err = %v, want ErrUnavailable from the dead server", i+1, err)
				}
			}
			// A driver may still be finishing a dial it began for the failed
			// queries (database/sql opens connections in the background);
			// let those land before counting what the open breaker lets
			// through.
			dialled := srv.settle()
			if dialled == 0 {
				t.Fatal("the source never dialled the server")
			}
			state, until := s.BreakerState()
			if state != source.StateOpen || !until.Equal(clock.Add(time.Minute)) {
				t.Fatalf("breaker %s until %v, want open for the cooldown", state, until)
			}
			for range 10 {
				if err := query(); !errors.Is(err, source.ErrBreakerOpen) {
					t.Fatalf("query while open: err = %v, want ErrBreakerOpen", err)
				}
			}
			if n := srv.dials.Load(); n != dialled {
				t.Fatalf("the open breaker let %d dials through", n-dialled)
			}

			advance(time.Minute)
			if state, _ := s.BreakerState(); state != source.StateHalfOpen {
				t.Fatalf("after the cooldown the breaker is %s, want half-open", state)
			}
			if err := query(); !errors.Is(err, source.ErrUnavailable) || errors.Is(err, source.ErrBreakerOpen) {
				t.Fatalf("probe: err = %v, want it sent and failing", err)
			}
			if n := srv.dials.Load(); n == dialled {
				t.Fatal("the probe did not dial")
			}
			if state, until := s.BreakerState(); state != source.StateOpen || !until.Equal(clock.Add(time.Minute)) {
				t.Fatalf("after a failed probe the breaker is %s until %v, want open for a new cooldown", state, until)
			}
		})
	}
}

func TestBreakerRecoversWhenTheSourceComesBack(t *testing.T) {
	db := sourcetest.SQLite(t)
	db.Exec(t, "CREATE TABLE inventory (customer TEXT, part TEXT)", "INSERT INTO inventory VALUES ('A', 'a1')")
	cfg := db.Config
	cfg.BreakerFailures = 2
	cfg.BreakerCooldown = 30 * time.Second
	s, err := source.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	clock := time.Date(2026, 7, 1, 14, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	source.SetClock(s, func() time.Time { mu.Lock(); defer mu.Unlock(); return clock })
	ctx := context.Background()
	read := func() ([]string, error) { return customerParts(ctx, s, "SELECT customer, part FROM inventory", nil) }

	// The ERP goes away: the file is moved before the source ever connected.
	away := cfg.DSN + ".away"
	if err := os.Rename(cfg.DSN, away); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := read(); !errors.Is(err, source.ErrUnavailable) || errors.Is(err, source.ErrBreakerOpen) {
			t.Fatalf("failure %d: err = %v, want ErrUnavailable", i+1, err)
		}
	}
	if state, _ := s.BreakerState(); state != source.StateOpen {
		t.Fatalf("breaker %s, want open", state)
	}

	// It comes back, but the breaker waits out its cooldown.
	if err := os.Rename(away, cfg.DSN); err != nil {
		t.Fatal(err)
	}
	if _, err := read(); !errors.Is(err, source.ErrBreakerOpen) {
		t.Fatalf("before the cooldown: err = %v, want ErrBreakerOpen", err)
	}
	mu.Lock()
	clock = clock.Add(30 * time.Second)
	mu.Unlock()

	// One probe goes through; callers arriving meanwhile are answered at once.
	release := make(chan struct{})
	probeErr := make(chan error, 1)
	inProbe := make(chan struct{})
	go func() {
		probeErr <- s.Query(ctx, "SELECT customer, part FROM inventory", nil, func(rows *sql.Rows) error {
			close(inProbe)
			<-release
			for rows.Next() {
			}
			return nil
		})
	}()
	<-inProbe
	start := time.Now()
	if _, err := read(); !errors.Is(err, source.ErrBreakerOpen) {
		t.Fatalf("during the probe: err = %v, want ErrBreakerOpen", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("a caller during the probe waited %s", d)
	}
	close(release)
	if err := <-probeErr; err != nil {
		t.Fatalf("probe: %v", err)
	}
	if state, _ := s.BreakerState(); state != source.StateClosed {
		t.Fatalf("after a good probe the breaker is %s, want closed", state)
	}
	got, err := read()
	if err != nil || !slices.Equal(got, []string{"A/a1"}) {
		t.Fatalf("after recovery rows = %q, %v", got, err)
	}
}
