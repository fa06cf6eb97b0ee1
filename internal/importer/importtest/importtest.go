// Package importtest builds the originals' databases that `portico import`
// reads, for tests: the WePackItAll portal's own tables (Customers,
// PasswordResetTokens, AuditLog, ActiveSessions) with their SQL Server
// names, and TimeTracker client portal sign-ins on top of
// timetrackertest's schema; with password hashes made by Werkzeug itself.
package importtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/source/sourcetest"
)

// Werkzeug hashes, generated once with Werkzeug 3.1.8 on Python 3.11.7,
// each with
//
//	python3 -c "from werkzeug.security import generate_password_hash as g; print(g(PASSWORD, METHOD))"
//
// (METHOD is in each name: pbkdf2:sha256:600000, the WePackItAll original's
// default under its pinned Werkzeug 2.3.6, or scrypt:32768:8:1, Werkzeug
// 3's default and what its README tells admins to use) and checked with
// werkzeug.security.check_password_hash before being copied here.
const (
	AlicePassword = "Harbour lights at dusk 2019"
	AliceHash     = "pbkdf2:sha256:600000$dC5QcdcbGVc3LgBP$1bc2378d8cdfe2d9b364f8cbf86b79a981c0d68a8311402838d21fd3df0baad1"

	BobPassword = "Forklift ballet on a Tuesday"
	BobHash     = "scrypt:32768:8:1$7pIz0WpldmBonX6p$ec23f7926692f9d1beb1fd187af44977205d4b1d0d57a21df424023098ec8b3c9f7beda2e022d13c70c1a8f1bc6c4d954706300cb155fa363c9be9de42e4da0b"

	CarolPassword = "TempPass_xY9-kQ2"
	CarolHash     = "pbkdf2:sha256:600000$PESdKQaF1i1DffuH$73729f1ff91d3324dc00d782bf983ae1cc68e31a31216b070baab000b2ce542a"

	DavePassword = "Retired pallet jack 77"
	DaveHash     = "scrypt:32768:8:1$aJXEo7NH2btquuRX$67e09097986cc091fda8d6aa23d82a915f419a6a5f2669bdcdf2413dc31011fbb7e7f9d84f19f5905f3d04dbfdf13bda63855073983afbd9f3c2e7c8d5fb9998"

	ErinPassword = "Three customers one login"
	ErinHash     = "pbkdf2:sha256:600000$9CGLiZoaXYjFw4tK$f50218eb202c264b84e8fec807f81e916fcad132f8c9e1036393b92028d7ebf8"

	FrankPassword = "Frank first password 2023"
	FrankHash     = "pbkdf2:sha256:600000$7cGCKJrC2lKVczHw$d3be142434fc925224affc719be81744afadf4664776f03b46958f84c4b92cf1"
	// FrankNewPassword is the password Frank sets in the original after a
	// first import (see ChangeFrankPassword).
	FrankNewPassword = "Changed in the original later"
	FrankNewHash     = "scrypt:32768:8:1$cX47Bv1yI3AJgajb$cb41bff7dd53d4fc20ee67a6ed2879ac49a8a5529eafa6cc97ac143ee006c4e9b606fe280ba763bae09818a4d5f0d97d4c9712d5106461b67d14d6d087350635"

	// TimeTracker's client Acme signs in to its portal as "Acme.Portal".
	AcmePortalPassword = "Acme portal evening tide"
	AcmePortalHash     = "scrypt:32768:8:1$UmkDLz6ua1lLi2n4$515893a45ee63dad6af6be95354f3c8184397d86650a23586a9667e696e978507b1ab8f4d6b27ec2e44a0fccf59a6e7b38d81f7600d427de043b1fb51170fd85"
	// A TimeTracker user with the legacy portal flag, for client Globex.
	LiaisonPassword  = "Globex liaison spring 2024"
	LiaisonHash      = "pbkdf2:sha256:600000$WFOZ7sScghpp9DeP$a171e545259759e77b7e5e6d91df7be8b9305c14e4cc104f7d9c73e88f251d62"
	UmbrellaPassword = "Iris typed her own email"
	UmbrellaHash     = "pbkdf2:sha256:600000$qeWzD0M0Z7xbyP0H$f2815540b9d27c0e5daefd04b6cfe8c676dec3492150054eb8f2d0159e5a96c5"
	// HugoHash is a user's hash that is never imported (no client chosen).
	HugoHash = "scrypt:32768:8:1$JJxrQ2FalcQFLeRP$e239466f75a22dec985766d7c7f1b64aafdaf2493a7dc3dc5a5276553e0020282a0140252a640087878f66e4de483905e0f6e4ced49b939c6d80d6e74c8a6a97"
)

// The ERP customer names the WePackItAll seed's scopes use.
const (
	CustomerAcme  = "Acme Corp"
	CustomerBeta  = "Beta Foods"
	CustomerGamma = "Gamma Ltd"
)

// Quote quotes an identifier for the engine, keeping its case.
func Quote(engine, ident string) string {
	switch engine {
	case "mysql":
		return "`" + ident + "`"
	case "sqlserver":
		return "[" + ident + "]"
	}
	return `"` + ident + `"`
}

// types maps the SQL Server types of the original (database/*.py) to each
// engine. sqlserver gives the original's own DDL.
var types = map[string]map[string]string{
	"sqlserver": {"ID": "INT IDENTITY(1,1) NOT NULL PRIMARY KEY", "NV": "NVARCHAR", "MAX": "NVARCHAR(MAX)", "BIT": "BIT",
		"DT": "DATETIME", "NOW": "GETDATE()", "UTCNOW": "GETUTCDATE()", "TRUE": "1", "FALSE": "0"},
	"postgres": {"ID": "SERIAL NOT NULL PRIMARY KEY", "NV": "VARCHAR", "MAX": "TEXT", "BIT": "BOOLEAN",
		"DT": "TIMESTAMP", "NOW": "LOCALTIMESTAMP", "UTCNOW": "(NOW() AT TIME ZONE 'UTC')", "TRUE": "TRUE", "FALSE": "FALSE"},
	"mysql": {"ID": "INT NOT NULL AUTO_INCREMENT PRIMARY KEY", "NV": "VARCHAR", "MAX": "LONGTEXT", "BIT": "TINYINT(1)",
		"DT": "DATETIME", "NOW": "CURRENT_TIMESTAMP", "UTCNOW": "CURRENT_TIMESTAMP", "TRUE": "1", "FALSE": "0"},
	"sqlite": {"ID": "INTEGER NOT NULL PRIMARY KEY", "NV": "NVARCHAR", "MAX": "TEXT", "BIT": "BIT",
		"DT": "DATETIME", "NOW": "CURRENT_TIMESTAMP", "UTCNOW": "CURRENT_TIMESTAMP", "TRUE": "1", "FALSE": "0"},
}

// wpiaDDL is the original's CREATE TABLE and CREATE INDEX statements
// (database/customer_data.py, audit_log.py, session_store.py at HEAD, with
// the must_reset_password column its migration adds), with {{…}} for the
// types and {Name} for quoted identifiers.
var wpiaDDL = []string{
	`CREATE TABLE {Customers} (
    {customer_id} {{ID}},
    {first_name} {{NV}}(100) NOT NULL,
    {last_name} {{NV}}(100) NOT NULL,
    {email} {{NV}}(255) NOT NULL UNIQUE,
    {password_hash} {{NV}}(255) NOT NULL,
    {erp_customer_name} {{NV}}(4000) NOT NULL,
    {is_active} {{BIT}} DEFAULT {{TRUE}} NOT NULL,
    {created_date} {{DT}} DEFAULT {{NOW}} NOT NULL,
    {last_login_date} {{DT}} NULL,
    {must_reset_password} {{BIT}} DEFAULT {{FALSE}} NOT NULL
)`,
	`CREATE INDEX {IX_Customers_Active} ON {Customers} ({is_active})`,
	`CREATE TABLE {PasswordResetTokens} (
    {token_id} {{ID}},
    {customer_id} INT NOT NULL REFERENCES {Customers} ({customer_id}),
    {token_hash} {{NV}}(255) NOT NULL UNIQUE,
    {expiry_date} {{DT}} NOT NULL,
    {is_used} {{BIT}} DEFAULT {{FALSE}} NOT NULL
)`,
	`CREATE TABLE {AuditLog} (
    {log_id} {{ID}},
    {timestamp} {{DT}} DEFAULT {{NOW}} NOT NULL,
    {admin_username} {{NV}}(100) NOT NULL,
    {action_type} {{NV}}(50) NOT NULL,
    {target_customer_id} INT NULL,
    {target_customer_email} {{NV}}(255) NULL,
    {details} {{MAX}} NULL
)`,
	`CREATE INDEX {IX_AuditLog_Timestamp} ON {AuditLog} ({timestamp})`,
	`CREATE INDEX {IX_AuditLog_Action} ON {AuditLog} ({action_type})`,
	`CREATE TABLE {ActiveSessions} (
    {session_id} {{NV}}(255) NOT NULL PRIMARY KEY,
    {customer_id} INT NOT NULL REFERENCES {Customers} ({customer_id}) ON DELETE CASCADE,
    {last_seen} {{DT}} NOT NULL,
    {ip_address} {{NV}}(100) NULL,
    {user_agent} {{NV}}(500) NULL,
    {created_at} {{DT}} DEFAULT {{UTCNOW}} NOT NULL
)`,
}

// Fill replaces {{TYPE}} and {Name} in a statement for the engine.
func Fill(engine, stmt string) string {
	t, ok := types[engine]
	if !ok {
		panic("importtest: no engine " + engine)
	}
	for k, v := range t {
		stmt = strings.ReplaceAll(stmt, "{{"+k+"}}", v)
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(stmt, '{')
		if i < 0 {
			b.WriteString(stmt)
			return b.String()
		}
		j := strings.IndexByte(stmt[i:], '}')
		b.WriteString(stmt[:i])
		b.WriteString(Quote(engine, stmt[i+1:i+j]))
		stmt = stmt[i+j+1:]
	}
}

// WePackItAllSchema returns the original's DDL for "sqlserver" (as it
// creates its tables), "postgres", "mysql" or "sqlite".
func WePackItAllSchema(engine string) []string {
	out := make([]string, len(wpiaDDL))
	for i, s := range wpiaDDL {
		out[i] = Fill(engine, s)
	}
	return out
}

// CreateWePackItAll makes the original's tables in a fresh database.
func CreateWePackItAll(tb testing.TB, db sourcetest.DB) {
	tb.Helper()
	db.Exec(tb, WePackItAllSchema(db.Name)...)
}

// SeedWePackItAll fills Customers, AuditLog and ActiveSessions with the
// cases the import must get right. Times are the original server's local
// wall-clock time.
//
//	1 alice  pbkdf2, All
//	2 bob    scrypt, one customer; email stored with capitals
//	3 carol  pbkdf2, must reset her (temporary) password
//	4 dave   scrypt, deactivated
//	5 erin   pbkdf2, three customers with stray spaces and a duplicate
//	6 frank  pbkdf2, one customer (changes his password later)
//	7 "not-an-email": skipped
//	8 grace  a hash in a format Portico cannot check: no password
func SeedWePackItAll(tb testing.TB, db sourcetest.DB) {
	tb.Helper()
	e := db.Name
	insert := func(table string, cols string, rows ...string) string {
		qc := strings.Split(cols, ",")
		for i, c := range qc {
			qc[i] = Quote(e, strings.TrimSpace(c))
		}
		return fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", Quote(e, table), strings.Join(qc, ", "), strings.Join(rows, ",\n"))
	}
	row := func(vals ...string) string { return "(" + strings.Join(vals, ", ") + ")" }
	s := func(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }
	b := func(v bool) string {
		if v {
			return types[e]["TRUE"]
		}
		return types[e]["FALSE"]
	}
	stmts := []string{insert("Customers",
		"customer_id, first_name, last_name, email, password_hash, erp_customer_name, is_active, created_date, last_login_date, must_reset_password",
		row("1", s("Alice"), s("Archer"), s("alice@wepack.example"), s(AliceHash), s("All"), b(true), s("2023-01-10 09:00:00"), s("2024-05-01 10:00:00"), b(false)),
		row("2", s("Bob"), s("Baker"), s("Bob.Baker@WePack.Example"), s(BobHash), s(CustomerAcme), b(true), s("2023-02-11 09:30:00"), s("2024-05-02 16:45:30"), b(false)),
		row("3", s("Carol"), s("Cho"), s("carol@beta.example"), s(CarolHash), s(CustomerBeta), b(true), s("2024-04-30 11:00:00"), "NULL", b(true)),
		row("4", s("Dave"), s("Dunn"), s("dave@acme.example"), s(DaveHash), s(CustomerAcme), b(false), s("2022-06-01 08:00:00"), s("2023-01-01 07:00:00"), b(false)),
		row("5", s("Erin"), s(""), s("erin@group.example"), s(ErinHash), s(" Gamma Ltd | Acme Corp|Beta Foods | Gamma Ltd |"), b(true), s("2023-03-03 12:00:00"), "NULL", b(false)),
		row("6", s("Frank"), s("Fox"), s("frank@acme.example"), s(FrankHash), s(CustomerAcme), b(true), s("2023-05-05 05:05:05"), "NULL", b(false)),
		row("7", s("Nobody"), s(""), s("not-an-email"), s(AliceHash), s(CustomerAcme), b(true), s("2023-05-05 05:05:05"), "NULL", b(false)),
		row("8", s("Grace"), s("Gill"), s("grace@beta.example"), s("sha1$Xy$0123456789abcdef0123456789abcdef01234567"), s(CustomerBeta), b(true), s("2023-05-05 05:05:05"), "NULL", b(false)),
	),
		insert("AuditLog", "log_id, timestamp, admin_username, action_type, target_customer_id, target_customer_email, details",
			row("1", s("2023-01-10 09:00:01"), s("cp_admin"), s("CUSTOMER_CREATE"), "1", s("alice@wepack.example"), s("Created customer Alice Archer with ERP names: 'All'")),
			row("2", s("2024-05-02 16:45:30"), s("SYSTEM"), s("CUSTOMER_LOGIN"), "2", s("bob.baker@wepack.example"), s("Login from IP: 203.0.113.7")),
			row("3", s("2024-05-03 08:00:00"), s("cp_admin"), s("CUSTOMER_UPDATE"), "5", s("erin@group.example"),
				s(`{"erp_customer_name": {"from": "Acme Corp", "to": "Acme Corp|Beta Foods|Gamma Ltd"}, "is_active": {"from": false, "to": true}}`)),
			row("4", s("2024-05-03 12:00:00"), s("SYSTEM"), s("CUSTOMER_SESSION_KICK"), "2", s("bob.baker@wepack.example"), s("Auto-kicked session: inactive for > 3 hours.")),
			row("5", s("2024-05-04 09:00:00"), s("cp_admin"), s("SYSTEM_SETTING_CHANGE"), "NULL", "NULL", s("Admin cp_admin ENABLED 3-hour session auto-kick.")),
			row("6", s("2024-05-05 10:00:00"), s("cp_admin"), s("CUSTOMER_EXPORT_TEST"), "99", s("gone@wepack.example"), "NULL"),
		),
		insert("ActiveSessions", "session_id, customer_id, last_seen, ip_address, user_agent, created_at",
			row(s("k3Jq0vWmR9sY2bL8xT4nZ6cF1hP7dA5eG0iU3oK9wQy"), "2", s("2024-05-02 23:00:00"), s("203.0.113.7"), s("Mozilla/5.0"), s("2024-05-02 22:00:00")),
		),
	}
	if e == "postgres" {
		// Rows were inserted with their ids; move the sequences past them,
		// as the original's IDENTITY columns would be.
		stmts = append(stmts, `SELECT setval(pg_get_serial_sequence('"Customers"', 'customer_id'), 100)`,
			`SELECT setval(pg_get_serial_sequence('"AuditLog"', 'log_id'), 100)`)
	}
	db.Exec(tb, stmts...)
}

// ChangeFrankPassword is Frank choosing a new password in the original.
func ChangeFrankPassword(tb testing.TB, db sourcetest.DB) {
	tb.Helper()
	db.Exec(tb, fmt.Sprintf("UPDATE %s SET %s = '%s' WHERE %s = 6", Quote(db.Name, "Customers"),
		Quote(db.Name, "password_hash"), FrankNewHash, Quote(db.Name, "customer_id")))
}

// AddAuditRow appends one more row to AuditLog (an admin still working in
// the original between two imports).
func AddAuditRow(tb testing.TB, db sourcetest.DB, id int, at, action, email string) {
	tb.Helper()
	q := func(s string) string { return Quote(db.Name, s) }
	db.Exec(tb, fmt.Sprintf("INSERT INTO %s (%s, %s, %s, %s, %s, %s) VALUES (%d, '%s', 'cp_admin', '%s', NULL, '%s')",
		q("AuditLog"), q("log_id"), q("timestamp"), q("admin_username"), q("action_type"), q("target_customer_id"),
		q("target_customer_email"), id, at, action, email))
}

// SeedTimeTrackerPortal adds client portal sign-ins to timetrackertest's
// Seed (which must have run):
//
//	client 1 Acme: portal username "Acme.Portal", scrypt hash, email ap@acme.example
//	client 2 Globex: portal not enabled (skipped)
//	client 3 Initech: portal enabled, username "initech", no email (skipped)
//	client 4 Umbrella: portal username is an email and there is no other
//	user 4 globex.liaison: legacy portal flag for Globex, pbkdf2 hash
//	user 5 hugo: legacy portal flag without a client (skipped)
//	user 6 iris: legacy portal flag for Acme, no password (LDAP)
func SeedTimeTrackerPortal(tb testing.TB, db sourcetest.DB) {
	tb.Helper()
	const ts = "'2025-01-01 08:00:00.000000'"
	db.Exec(tb,
		`UPDATE clients SET portal_username = 'Acme.Portal', portal_password_hash = '`+AcmePortalHash+`', contact_person = 'Ada Acme' WHERE id = 1`,
		`UPDATE clients SET portal_enabled = TRUE, portal_username = 'initech', portal_password_hash = '`+LiaisonHash+`' WHERE id = 3`,
		`INSERT INTO clients (id, name, status, prepaid_reset_day, created_at, updated_at, portal_enabled, portal_issues_enabled, email, portal_username, portal_password_hash)
		 VALUES (4, 'Umbrella Pharma', 'active', 1, `+ts+`, `+ts+`, TRUE, TRUE, NULL, 'Ops@Umbrella.example', '`+UmbrellaHash+`')`,
		`INSERT INTO users (id, username, email, full_name, role, created_at, last_login, is_active, password_hash, auth_provider, client_portal_enabled, client_id, portal_only)
		 VALUES (4, 'globex.liaison', 'Liaison@Globex.example', 'Gina van Liaison', 'user', `+ts+`, '2025-03-01 12:00:00.000000', TRUE, '`+LiaisonHash+`', 'local', TRUE, 2, TRUE),
		        (5, 'hugo', NULL, 'Hugo', 'user', `+ts+`, NULL, TRUE, '`+HugoHash+`', 'local', TRUE, NULL, TRUE),
		        (6, 'iris', 'iris@acme.example', 'Iris', 'user', `+ts+`, NULL, TRUE, NULL, 'ldap', TRUE, 1, TRUE)`,
	)
}
