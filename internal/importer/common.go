// Package importer carries accounts (and, for WePackItAll, the audit log)
// over from the two portals Portico replaces, so customers keep signing in
// with the passwords they have: the Werkzeug hashes are stored as they are
// and upgraded to argon2id at each person's next successful sign-in.
//
// An import reads the original database read-only (through internal/source),
// then makes every change in one transaction of the portal database: it
// commits whole or not at all, and a dry run is the same transaction rolled
// back, so its counts are exactly what a real run would do. Importing again
// changes only what changed in the original since:
//
//   - accounts are matched by email (lower-cased); a matched account gets
//     the original's names, username, active flag, scope and newest
//     sign-in time;
//   - a password is carried over unless Portico's own password would be
//     lost: when the account's stored hash is not a Werkzeug hash (the
//     person signed in to Portico since the import, which upgraded it, or
//     set a password in Portico, or an admin created the account there), it
//     is kept unless Options.OverwritePasswords says otherwise. A Werkzeug
//     hash in Portico can only come from an earlier import nobody has used
//     since, so a newer one from the original replaces it;
//   - audit entries carry a stable key of their original row and are
//     skipped when an entry with that key was imported before.
//
// A run that changes anything is recorded as one "data_imported" audit
// event with its counts; a run that changes nothing records nothing.
package importer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/source"
	"github.com/portico-dev/portico/internal/store"
)

// Imported is the audit action of one import run that changed something.
// Its details hold the counts (see Report.details).
const Imported = audit.DataImported

// Options say where the original database is and how to import.
type Options struct {
	// Driver is the original's engine ("sqlserver", "postgres", "mysql"
	// or "sqlite"); DSN its connection string (never logged or echoed).
	Driver, DSN string
	// DryRun reports what would change and changes nothing.
	DryRun bool
	// OverwritePasswords replaces passwords set in Portico after an
	// earlier import with the original's (see the package comment).
	OverwritePasswords bool
	// Location is the time zone of the original's timestamps, which are
	// stored without one (WePackItAll writes the server's local time). Nil
	// means UTC.
	Location *time.Location
	// Customers, when not nil, are the ERP's customers: scope names not
	// among them are reported, and a name that differs only in case or
	// surrounding spaces is written as the ERP spells it.
	Customers []source.Customer
	// Now is the time of the import; zero means the current time.
	Now time.Time
	// Recorder writes the run's audit event; nil logs failures to the
	// default logger.
	Recorder *audit.Recorder
	// QueryTimeout bounds each read from the original; zero means 30 minutes.
	QueryTimeout time.Duration
}

// Counts say what happened to the rows of one kind.
type Counts struct {
	New, Updated, Unchanged, Skipped int
}

// Item is one account (or row) the report names, with why.
type Item struct {
	Who, Why string
}

// Report is what an import did, or would do in a dry run.
type Report struct {
	Source string // "wepackitall" or "timetracker"
	Title  string // the original's name for people
	DryRun bool
	// Accounts counts accounts; Audit counts audit entries, where
	// Unchanged means imported by an earlier run.
	Accounts, Audit Counts
	// Skipped lists accounts not imported, with the reason.
	Skipped []Item
	// Updated lists updated accounts with the fields that changed.
	Updated []Item
	// PasswordsKept lists accounts whose Portico password was kept
	// although the original's differs; PasswordsOverwritten those whose
	// Portico password was replaced (OverwritePasswords).
	PasswordsKept, PasswordsOverwritten []string
	// NoPassword lists accounts imported without a usable password: they
	// need an invitation or a reset link.
	NoPassword []Item
	// Notes are other things worth knowing about single accounts
	// (a username not kept, a scope name respelled).
	Notes []Item
	// NewCustomers are customer keys added to Portico's customer list.
	NewCustomers []string
	// CustomersChecked says whether scope names were checked against the
	// ERP; UnknownCustomers then maps each name the ERP does not have to
	// the accounts naming it.
	CustomersChecked bool
	UnknownCustomers map[string][]string
	// AuditLog says the original has an audit log that is imported.
	AuditLog bool
	// TimeZone is the zone the original's times were read in, when it
	// stored them without one.
	TimeZone string
	// NotImported says which parts of the original are left behind, and why.
	NotImported []string
	// AuditID is the run's "data_imported" entry (0 when none was written).
	AuditID int64
}

// Changed reports whether the run changed (or, dry, would change) anything.
func (r *Report) Changed() bool {
	return r.Accounts.New+r.Accounts.Updated+r.Audit.New+len(r.NewCustomers) > 0
}

// details is the run's audit event content.
func (r *Report) details(overwrite bool) map[string]any {
	return map[string]any{
		"source": r.Source,
		"accounts": map[string]int{"new": r.Accounts.New, "updated": r.Accounts.Updated,
			"unchanged": r.Accounts.Unchanged, "skipped": r.Accounts.Skipped},
		"audit_entries":         map[string]int{"new": r.Audit.New, "already_imported": r.Audit.Unchanged, "skipped": r.Audit.Skipped},
		"customers_added":       len(r.NewCustomers),
		"passwords_kept":        len(r.PasswordsKept),
		"passwords_overwritten": len(r.PasswordsOverwritten),
		"overwrite_passwords":   overwrite,
	}
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("importer: dry run")

// ErrMissingTable and ErrMissingColumn are wrapped by the errors that say
// the original database lacks a table or a column the import reads.
var (
	ErrMissingTable  = errors.New("importer: table not found")
	ErrMissingColumn = errors.New("importer: column not found")
)

// schemaError reads as its own sentence and unwraps to ErrMissingTable or
// ErrMissingColumn.
type schemaError struct {
	msg  string
	kind error
}

func (e *schemaError) Error() string { return e.msg }
func (e *schemaError) Unwrap() error { return e.kind }

// person is one account as the original has it, ready to import.
type person struct {
	origin    string // the original row, for people: `client "Acme" (id 1)`
	email     string // as the original stores it; normalized on import
	username  string
	first     string
	last      string
	hash      string
	noHashWhy string // why the original has no password for this person
	emailHint string // how to give the person an email in the original
	active    bool
	mustReset bool
	all       bool
	scope     []string
	rawScope  string // for messages
	created   time.Time
	lastLogin *time.Time
}

// run is one import in progress.
type run struct {
	o   Options
	rep *Report
	now time.Time
	// accounts maps the email of every imported (or matched) account to
	// its id, for the audit entries that name them.
	accounts map[string]int64
}

func newRun(o Options, name, title string) *run {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.QueryTimeout == 0 {
		o.QueryTimeout = 30 * time.Minute
	}
	if o.Recorder == nil {
		o.Recorder = &audit.Recorder{Log: slog.Default(), Now: func() time.Time { return now }}
	}
	return &run{o: o, now: now.UTC(), accounts: map[string]int64{},
		rep: &Report{Source: name, Title: title, DryRun: o.DryRun, CustomersChecked: o.Customers != nil, UnknownCustomers: map[string][]string{}}}
}

// openSource opens the original read-only and checks that it answers.
func (r *run) openSource(ctx context.Context, drivers []string) (*source.Source, error) {
	if !slices.Contains(drivers, r.o.Driver) {
		return nil, fmt.Errorf("--driver %q: the %s database runs on %s", r.o.Driver, r.rep.Title, strings.Join(drivers, ", "))
	}
	if strings.TrimSpace(r.o.DSN) == "" {
		return nil, fmt.Errorf("no connection string: give the %s database's DSN with --dsn", r.rep.Title)
	}
	src, err := source.Open(source.Config{Name: r.rep.Source, Driver: r.o.Driver, DSN: r.o.DSN,
		QueryTimeout: r.o.QueryTimeout, ConnectTimeout: 15 * time.Second, MaxOpenConns: 2, BreakerFailures: 1 << 20})
	if err != nil {
		return nil, fmt.Errorf("cannot open the %s database: %w (check --driver and --dsn)", r.rep.Title, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := src.Ping(pctx); err != nil {
		src.Close()
		return nil, fmt.Errorf("cannot connect to the %s database (%s): %w (check --driver and --dsn)", r.rep.Title, r.o.Driver, err)
	}
	return src, nil
}

// table is a table of the original as found in its catalog, with its
// columns as they are spelled there.
type table struct {
	name   string            // as the import asked for it
	from   string            // quoted, schema-qualified where the engine has schemas
	cols   map[string]string // lower-cased name → name as spelled
	listed []string
}

// findTable finds a table by name, ignoring case (SQL Server ignores it,
// and a copy moved to PostgreSQL or MySQL may have lower-cased names), and
// checks that it has the columns the import reads.
func findTable(ctx context.Context, src *source.Source, title, name string, want []string, hint string) (*table, error) {
	d := src.Dialect()
	var q string
	switch d.Name() {
	case "sqlite":
		q = `SELECT '', name FROM sqlite_master WHERE type IN ('table', 'view') AND LOWER(name) = LOWER($1)`
	case "postgres":
		q = `SELECT table_schema, table_name FROM information_schema.tables
			WHERE table_schema::name = ANY (current_schemas(false)) AND LOWER(table_name) = LOWER($1)
			ORDER BY array_position(current_schemas(false), table_schema::name)`
	case "mysql":
		q = `SELECT '', table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND LOWER(table_name) = LOWER(?)`
	case "sqlserver":
		q = `SELECT TABLE_SCHEMA, TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE LOWER(TABLE_NAME) = LOWER(@p1)
			ORDER BY CASE WHEN TABLE_SCHEMA = SCHEMA_NAME() THEN 0 WHEN TABLE_SCHEMA = 'dbo' THEN 1 ELSE 2 END`
	}
	type found struct{ schema, name string }
	var all []found
	err := src.Query(ctx, q, []any{name}, func(rows *sql.Rows) error {
		for rows.Next() {
			var s, n any
			if err := rows.Scan(&s, &n); err != nil {
				return err
			}
			all = append(all, found{text(s), text(n)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read the %s database's list of tables: %w", title, err)
	}
	if len(all) == 0 {
		return nil, &schemaError{fmt.Sprintf("the %s database has no table %s%s", title, name, hint), ErrMissingTable}
	}
	pick := all[0]
	for _, f := range all {
		if f.name == name {
			pick = f
			break
		}
	}
	t := &table{name: name, from: d.Quote(pick.name), cols: map[string]string{}}
	if pick.schema != "" {
		t.from = d.Quote(pick.schema) + "." + t.from
	}
	err = src.Query(ctx, `SELECT * FROM `+t.from+` WHERE 1 = 0`, nil, func(rows *sql.Rows) error {
		cols, err := rows.Columns()
		for _, c := range cols {
			t.cols[strings.ToLower(c)] = c
		}
		t.listed = cols
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read table %s of the %s database: %w", name, title, err)
	}
	var missing []string
	for _, c := range want {
		if _, ok := t.cols[strings.ToLower(c)]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		noun := "column"
		if len(missing) > 1 {
			noun = "columns"
		}
		return nil, &schemaError{fmt.Sprintf("table %s of the %s database has no %s %s (it has: %s); is this the right database, and is the original at its latest version?",
			name, title, noun, strings.Join(missing, ", "), strings.Join(t.listed, ", ")), ErrMissingColumn}
	}
	return t, nil
}

// selectAll is "SELECT the columns FROM the table ORDER BY the first".
func (t *table) selectAll(d source.Dialect, cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = d.Quote(t.cols[strings.ToLower(c)])
	}
	return "SELECT " + strings.Join(q, ", ") + " FROM " + t.from + " ORDER BY " + q[0]
}

// scanRow reads one row of any types into values by column position.
func scanRow(rows *sql.Rows, n int) ([]any, error) {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, rows.Scan(ptrs...)
}

// text reads a string column of any driver.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		return x.Format("2006-01-02 15:04:05")
	default:
		return fmt.Sprint(x)
	}
}

// boolean reads a BIT, BOOLEAN, TINYINT or text flag.
func boolean(v any) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case int32:
		return x != 0, nil
	case int:
		return x != 0, nil
	case float64:
		return x != 0, nil
	case []byte:
		if len(x) == 1 && x[0] <= 1 { // MySQL BIT(1)
			return x[0] == 1, nil
		}
		return boolean(string(x))
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "1", "true", "t", "yes", "y", "on":
			return true, nil
		case "0", "false", "f", "no", "n", "off", "":
			return false, nil
		}
	}
	return false, fmt.Errorf("%v is not a true/false value", v)
}

// integer reads an integer column; ok is false for NULL.
func integer(v any) (n int64, ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return 0, false, nil
	case int64:
		return x, true, nil
	case int32:
		return int64(x), true, nil
	case int:
		return int64(x), true, nil
	case float64:
		return int64(x), true, nil
	case []byte, string:
		s := strings.TrimSpace(text(x))
		if s == "" {
			return 0, false, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, false, fmt.Errorf("%q is not a whole number", s)
		}
		return n, true, nil
	}
	return 0, false, fmt.Errorf("%v is not a whole number", v)
}

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
}

var zonedLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 -0700 MST",
}

// timestamp reads a date and time that the original stored without a time
// zone, as wall-clock time in loc; nil for NULL. A value that carries its
// own zone (text with an offset) is taken as the instant it names.
func timestamp(v any, loc *time.Location) (*time.Time, error) {
	var t time.Time
	switch x := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		t = time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond(), loc)
	case []byte, string:
		s := strings.TrimSpace(text(x))
		if s == "" {
			return nil, nil
		}
		var err error
		for _, l := range zonedLayouts {
			if t, err = time.Parse(l, s); err == nil {
				break
			}
		}
		if err != nil {
			for _, l := range timeLayouts {
				if t, err = time.ParseInLocation(l, s, loc); err == nil {
					break
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%q is not a date and time", s)
		}
	default:
		return nil, fmt.Errorf("%v is not a date and time", v)
	}
	t = t.UTC()
	return &t, nil
}

// Werkzeug and Portico hash formats the sign-in path verifies (see
// internal/auth/password): pbkdf2 with its digest and iteration count,
// scrypt with or without its parameters, argon2id. Anything else cannot be
// checked, so it is not carried over.
var (
	werkzeugHash = regexp.MustCompile(`^(pbkdf2:sha256:[0-9]+\$[^$]+\$[0-9a-f]{64}|pbkdf2:sha512:[0-9]+\$[^$]+\$[0-9a-f]{128}|scrypt(:[0-9]+:[0-9]+:[0-9]+)?\$[^$]+\$[0-9a-f]{128})$`)
	argonHash    = regexp.MustCompile(`^\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$`)
)

// isWerkzeug reports whether a stored hash was written by Werkzeug, that
// is, carried over by an import: Portico itself writes only argon2id.
func isWerkzeug(h string) bool { return werkzeugHash.MatchString(h) }

// usableHash says why a hash from the original cannot be carried over, or
// "" when it can.
func usableHash(h string) string {
	switch {
	case h == "":
		return "no password"
	case werkzeugHash.MatchString(h), argonHash.MatchString(h):
		return ""
	}
	method, _, _ := strings.Cut(h, "$")
	if len(method) > 24 {
		method = method[:24] + "…"
	}
	return fmt.Sprintf("the stored password is in a format Portico cannot check (%q)", method)
}

// normalEmail lower-cases and trims an email, or says what is wrong with it.
func normalEmail(s string) (string, string) {
	e := strings.ToLower(strings.TrimSpace(s))
	switch {
	case e == "":
		return "", "no email address (Portico signs people in and sends password links by email)"
	case len(e) > 254 || strings.ContainsFunc(e, unicode.IsSpace) || strings.ContainsFunc(e, unicode.IsControl):
		return "", fmt.Sprintf("email %q is not a valid address", s)
	}
	if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
		return "", fmt.Sprintf("email %q is not a valid address", s)
	}
	return e, ""
}

// looksLikeEmail is true for a sign-in name that is an email address.
func looksLikeEmail(s string) bool {
	_, why := normalEmail(s)
	return why == ""
}

// normalUsername lower-cases and trims a sign-in name, or says why it
// cannot be kept.
func normalUsername(s string) (string, string) {
	u := strings.ToLower(strings.TrimSpace(s))
	switch {
	case u == "":
		return "", ""
	case len(u) > 200 || strings.ContainsFunc(u, unicode.IsControl):
		return "", fmt.Sprintf("username %q cannot be used to sign in", s)
	}
	return u, ""
}

// splitName splits a full name at its first space.
func splitName(full string) (first, last string) {
	full = strings.Join(strings.Fields(full), " ")
	first, last, _ = strings.Cut(full, " ")
	return first, last
}

// resolveScope checks scope names against the ERP's customers: a known
// name stays, one that differs only in case is respelled as the ERP has
// it, others are reported as unknown.
func (r *run) resolveScope(p *person, email string) {
	if r.o.Customers == nil || p.all {
		return
	}
	exact := map[string]bool{}
	folded := map[string][]string{}
	for _, c := range r.o.Customers {
		exact[c.Key] = true
		k := strings.ToLower(strings.TrimSpace(c.Key))
		folded[k] = append(folded[k], c.Key)
	}
	for i, k := range p.scope {
		if exact[k] {
			continue
		}
		if m := folded[strings.ToLower(k)]; len(m) == 1 {
			r.rep.Notes = append(r.rep.Notes, Item{email, fmt.Sprintf("customer %q written as the ERP spells it, %q", k, m[0])})
			p.scope[i] = m[0]
			continue
		}
		r.rep.UnknownCustomers[k] = append(r.rep.UnknownCustomers[k], email)
	}
	p.scope = store.NormalizeKeys(p.scope)
}

// customerName is the ERP's name for a customer key, or the key.
func (r *run) customerName(key string) string {
	for _, c := range r.o.Customers {
		if c.Key == key && c.Name != "" {
			return c.Name
		}
	}
	return key
}

// inTx runs fn in the portal database's one transaction of this import,
// rolling it back for a dry run; then it records the run in the audit log
// when it changed something.
func (r *run) inTx(ctx context.Context, st *store.Store, fn func(tx *store.Tx) error) (*Report, error) {
	err := st.InTx(ctx, func(tx *store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if r.o.DryRun {
			return errDryRun
		}
		if !r.rep.Changed() {
			return nil
		}
		e := &store.AuditEntry{}
		err := r.o.Recorder.Record(ctx, auditCapture{tx, e}, Imported, audit.System,
			audit.Target{Kind: "import", ID: r.rep.Source, Label: r.rep.Title}, r.rep.details(r.o.OverwritePasswords))
		r.rep.AuditID = e.ID
		return err
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, err
	}
	return r.rep, nil
}

// auditCapture inserts through a transaction and keeps the entry's id.
type auditCapture struct {
	tx *store.Tx
	e  *store.AuditEntry
}

func (a auditCapture) InsertAudit(ctx context.Context, e *store.AuditEntry) error {
	err := a.tx.InsertAudit(ctx, e)
	a.e.ID = e.ID
	return err
}

// importPeople creates or updates the accounts, in the order given (the
// first of two people with one email wins), and records the scope's
// customers.
func (r *run) importPeople(ctx context.Context, tx *store.Tx, people []person) error {
	existing, err := tx.AccountsWithScopes(ctx)
	if err != nil {
		return err
	}
	byEmail := map[string]*store.Account{}
	byUsername := map[string]*store.Account{}
	for i := range existing {
		a := &existing[i]
		byEmail[a.Email] = a
		if a.Username != "" {
			byUsername[a.Username] = a
		}
	}
	seenEmail := map[string]string{}    // email → origin, within this import
	seenUsername := map[string]string{} // username → email, within this import
	// Every email this import brings, so that nobody's username can be
	// someone else's email: sign-in takes either in one field.
	importEmails := map[string]bool{}
	for _, p := range people {
		if e, why := normalEmail(p.email); why == "" {
			importEmails[e] = true
		}
	}
	for i := range people {
		p := &people[i]
		email, why := normalEmail(p.email)
		if why != "" {
			if strings.TrimSpace(p.email) == "" && p.emailHint != "" {
				why += "; " + p.emailHint
			}
			r.skip(p.origin, why)
			continue
		}
		if other, ok := seenEmail[email]; ok {
			r.skip(p.origin+" <"+email+">", "the same email is used by "+other+", imported first")
			continue
		}
		cur := byEmail[email]
		if owner, ok := byUsername[email]; ok && owner != cur {
			r.skip(p.origin+" <"+email+">", fmt.Sprintf("the email is the username of another Portico account (%s)", owner.Email))
			continue
		}
		seenEmail[email] = p.origin
		username, why := normalUsername(p.username)
		if why != "" {
			r.rep.Notes = append(r.rep.Notes, Item{email, why + "; they sign in with their email"})
		}
		if username == email {
			username = ""
		}
		if username != "" {
			owner := byUsername[username]
			if owner == nil {
				owner = byEmail[username]
			}
			taken := (owner != nil && owner != cur) || importEmails[username]
			if prev, ok := seenUsername[username]; ok && prev != email {
				taken = true
			}
			if taken {
				r.rep.Notes = append(r.rep.Notes, Item{email, fmt.Sprintf("username %q not kept: another account signs in with it; they sign in with their email", username)})
				username = ""
			} else {
				seenUsername[username] = email
			}
		}
		if why := usableHash(p.hash); why != "" {
			if p.hash == "" && p.noHashWhy != "" {
				why = p.noHashWhy
			}
			if cur == nil || cur.PasswordHash == "" {
				r.rep.NoPassword = append(r.rep.NoPassword, Item{email, why})
			}
			p.hash = ""
		}
		r.resolveScope(p, email)
		if cur == nil {
			err = r.create(ctx, tx, p, email, username)
		} else {
			err = r.update(ctx, tx, p, cur, username)
		}
		if err != nil {
			return err
		}
		for _, k := range p.scope {
			if p.all {
				break
			}
			added, err := tx.InsertCustomerIfMissing(ctx, &store.Customer{Key: k, DisplayName: r.customerName(k), PortalEnabled: true, CreatedAt: r.now})
			if err != nil {
				return err
			}
			if added {
				r.rep.NewCustomers = append(r.rep.NewCustomers, k)
			}
		}
	}
	sort.Strings(r.rep.NewCustomers)
	return nil
}

func (r *run) skip(who, why string) {
	r.rep.Accounts.Skipped++
	r.rep.Skipped = append(r.rep.Skipped, Item{who, why})
}

func (r *run) create(ctx context.Context, tx *store.Tx, p *person, email, username string) error {
	created := p.created
	if created.IsZero() {
		created = r.now
	}
	a := &store.Account{Email: email, Username: username, FirstName: p.first, LastName: p.last, PasswordHash: p.hash,
		Active: p.active, MustChangePassword: p.mustReset && p.hash != "", AllCustomers: p.all, Scope: p.scope,
		CreatedAt: created.UTC(), LastLoginAt: p.lastLogin}
	if err := tx.InsertImportedAccount(ctx, a, r.now); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("import %s: its email or username is taken in Portico", p.origin)
		}
		return err
	}
	r.accounts[email] = a.ID
	r.rep.Accounts.New++
	return nil
}

func (r *run) update(ctx context.Context, tx *store.Tx, p *person, cur *store.Account, username string) error {
	r.accounts[cur.Email] = cur.ID
	var changed []string
	next := *cur
	set := func(field string, differs bool) {
		if differs {
			changed = append(changed, field)
		}
	}
	set("first name", cur.FirstName != p.first)
	next.FirstName = p.first
	set("last name", cur.LastName != p.last)
	next.LastName = p.last
	if username != "" {
		set("username", cur.Username != username)
		next.Username = username
	}
	set("active", cur.Active != p.active)
	next.Active = p.active
	if p.lastLogin != nil && (cur.LastLoginAt == nil || p.lastLogin.After(*cur.LastLoginAt)) {
		// Compared to the second: engines keep different precisions.
		if cur.LastLoginAt == nil || !p.lastLogin.Truncate(time.Second).Equal(cur.LastLoginAt.Truncate(time.Second)) {
			changed = append(changed, "last sign-in")
			next.LastLoginAt = p.lastLogin
		}
	}

	// The password: see the package comment.
	writePassword, overwrite := false, false
	switch {
	case p.hash == "" || p.hash == cur.PasswordHash:
	case cur.PasswordHash == "" || isWerkzeug(cur.PasswordHash):
		writePassword = true
	case r.o.OverwritePasswords:
		writePassword, overwrite = true, true
	default:
		r.rep.PasswordsKept = append(r.rep.PasswordsKept, cur.Email)
	}
	// The must-change flag goes with the password it belongs to: the
	// original's for the original's password, Portico's for Portico's.
	if writePassword || (p.hash != "" && p.hash == cur.PasswordHash) {
		set("must change password", cur.MustChangePassword != p.mustReset)
		next.MustChangePassword = p.mustReset
	}
	scopeChanged := cur.AllCustomers != p.all || (!p.all && !slices.Equal(store.NormalizeKeys(cur.Scope), store.NormalizeKeys(p.scope)))
	set("scope", scopeChanged)

	if writePassword {
		changed = append(changed, "password")
	}
	if len(changed) == 0 {
		r.rep.Accounts.Unchanged++
		return nil
	}
	r.rep.Accounts.Updated++
	r.rep.Updated = append(r.rep.Updated, Item{cur.Email, strings.Join(changed, ", ")})
	if err := tx.UpdateImportedAccount(ctx, &next, r.now); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("import %s: its username is taken in Portico", p.origin)
		}
		return err
	}
	if scopeChanged {
		if err := tx.SetAccountScope(ctx, cur.ID, p.all, p.scope, r.now); err != nil {
			return err
		}
	}
	if writePassword {
		if overwrite {
			r.rep.PasswordsOverwritten = append(r.rep.PasswordsOverwritten, cur.Email)
		}
		if err := tx.SetImportedPassword(ctx, cur.ID, p.hash, next.MustChangePassword, r.now); err != nil {
			return err
		}
		// A new password ends the sessions and links made for the old one,
		// as every password change in Portico does.
		if _, err := tx.DeleteSessionsOf(ctx, store.KindCustomer, cur.ID, 0); err != nil {
			return err
		}
		if err := tx.RevokeTokens(ctx, store.KindCustomer, cur.ID, r.now); err != nil {
			return err
		}
	}
	return nil
}
