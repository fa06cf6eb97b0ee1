package importer_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/importer"
	"github.com/portico-dev/portico/internal/importer/importtest"
	"github.com/portico-dev/portico/internal/source"
	"github.com/portico-dev/portico/internal/source/sourcetest"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

func TestParseScope(t *testing.T) {
	cases := []struct {
		name, raw string
		all       bool
		keys      []string
	}{
		{"All", "All", true, nil},
		{"Single", "Acme Corp", false, []string{"Acme Corp"}},
		{"Several", "A|B|C", false, []string{"A", "B", "C"}},
		{"StraySpacesAndDuplicates", " Gamma Ltd | Acme Corp|Beta Foods | Gamma Ltd |", false, []string{"Acme Corp", "Beta Foods", "Gamma Ltd"}},
		{"Empty", "", false, nil},
		{"OnlyBars", " | |", false, nil},
		// The original compared with "All" exactly; anything else was a
		// customer name to it, so the import never widens access.
		{"AllWithSpacesStaysAName", " All ", false, []string{"All"}},
		{"AllLowerCaseStaysAName", "all", false, []string{"all"}},
		{"AllInAListStaysAName", "All|Acme Corp", false, []string{"Acme Corp", "All"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			all, keys := importer.ParseScope(tc.raw)
			if all != tc.all || !sameKeys(keys, tc.keys) {
				t.Errorf("ParseScope(%q) = %v %q, want %v %q", tc.raw, all, keys, tc.all, tc.keys)
			}
		})
	}
}

func TestWePackItAllActions(t *testing.T) {
	cases := []struct {
		original string
		want     audit.Action
		known    bool
	}{
		{"CUSTOMER_LOGIN", audit.SignIn, true},
		{"CUSTOMER_LOGOUT", audit.SignOut, true},
		{"CUSTOMER_CREATE", audit.AccountCreated, true},
		{"CUSTOMER_UPDATE", audit.AccountUpdated, true},
		{"CUSTOMER_PW_SET_BY_ADMIN", audit.PasswordChanged, true},
		{"CUSTOMER_DEACTIVATE", audit.AccountDeactivated, true},
		{"CUSTOMER_REACTIVATE", audit.AccountReactivated, true},
		{"ADMIN_PW_RESET_EMAIL", audit.TempPasswordSent, true},
		{"CUSTOMER_SESSION_KICK", audit.SessionEnded, true},
		{"SYSTEM_SETTING_CHANGE", audit.SettingsChanged, true},
		{"SOMETHING_ELSE", "SOMETHING_ELSE", false},
	}
	for _, tc := range cases {
		got, known := importer.WePackItAllAction(tc.original)
		if got != tc.want || known != tc.known {
			t.Errorf("%s: %q %v, want %q %v", tc.original, got, known, tc.want, tc.known)
		}
		if known && !slices.Contains(audit.Actions, got) {
			t.Errorf("%s maps to %q, which the audit page does not list", tc.original, got)
		}
	}
}

// TestWePackItAll imports the seed's Customers and AuditLog, signs the
// people in through the HTTP endpoint with their original passwords, and
// imports again after each thing that can happen in between.
func TestWePackItAll(t *testing.T) {
	for _, eng := range []engine{sqliteEngine, postgresEngine, mysqlEngine} {
		t.Run(eng.name, func(t *testing.T) { testWePackItAll(t, eng) })
	}
}

func testWePackItAll(t *testing.T, eng engine) {
	ctx := context.Background()
	db := eng.source(t)
	importtest.CreateWePackItAll(t, db)
	importtest.SeedWePackItAll(t, db)
	in := apptest.Start(t, eng.portal(t), nil)
	st := in.Store()
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	erp := []source.Customer{{Key: importtest.CustomerAcme, Name: "Acme Corporation"}, {Key: importtest.CustomerBeta}}
	run := func(edit ...func(*importer.Options)) *importer.Report {
		t.Helper()
		o := importer.Options{Driver: db.Config.Driver, DSN: db.Config.DSN, Location: la, Customers: erp, Now: in.Clock.Now()}
		for _, e := range edit {
			e(&o)
		}
		rep, err := importer.WePackItAll(ctx, st, o)
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		return rep
	}
	const imported = 7 // alice … frank, grace; "not-an-email" is skipped
	wantCounts := func(step string, rep *importer.Report, accounts, auditLog importer.Counts) {
		t.Helper()
		if rep.Accounts != accounts || rep.Audit != auditLog {
			var b strings.Builder
			rep.Write(&b)
			t.Fatalf("%s: accounts %+v audit %+v, want %+v and %+v\n%s", step, rep.Accounts, rep.Audit, accounts, auditLog, b.String())
		}
	}

	// A dry run says what would happen and changes nothing.
	rep := run(func(o *importer.Options) { o.DryRun = true })
	wantCounts("dry run", rep, importer.Counts{New: imported, Skipped: 1}, importer.Counts{New: 6})
	if !rep.DryRun || rep.AuditID != 0 {
		t.Errorf("dry run: DryRun %v, audit entry %d", rep.DryRun, rep.AuditID)
	}
	if n, a, c := accountCount(t, st), len(auditEntries(t, st)), customerCount(t, st); n+a+c != 0 {
		t.Fatalf("dry run left %d accounts, %d audit entries, %d customers", n, a, c)
	}

	// The real run.
	rep = run()
	wantCounts("first import", rep, importer.Counts{New: imported, Skipped: 1}, importer.Counts{New: 6})
	if rep.AuditID == 0 {
		t.Error("first import: no audit entry recorded")
	}
	if len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Why, "not a valid address") {
		t.Errorf("skipped: %+v", rep.Skipped)
	}
	if len(rep.NoPassword) != 1 || rep.NoPassword[0].Who != "grace@beta.example" || !strings.Contains(rep.NoPassword[0].Why, `"sha1"`) {
		t.Errorf("without a password: %+v", rep.NoPassword)
	}
	if want := map[string][]string{importtest.CustomerGamma: {"erin@group.example"}}; !reflect.DeepEqual(rep.UnknownCustomers, want) {
		t.Errorf("unknown customers: %v, want %v", rep.UnknownCustomers, want)
	}
	if want := []string{importtest.CustomerAcme, importtest.CustomerBeta, importtest.CustomerGamma}; !slices.Equal(rep.NewCustomers, want) {
		t.Errorf("new customers: %q, want %q", rep.NewCustomers, want)
	}
	if c, err := st.CustomerByKey(ctx, importtest.CustomerAcme); err != nil || c.DisplayName != "Acme Corporation" || !c.PortalEnabled {
		t.Errorf("customer Acme: %+v %v", c, err)
	}

	// Accounts, as the original had them.
	pst := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", s, la)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	alice := account(t, st, "alice@wepack.example")
	if !alice.AllCustomers || len(alice.Scope) != 0 || !alice.Active || alice.MustChangePassword || alice.FirstName != "Alice" || alice.LastName != "Archer" {
		t.Errorf("alice: %+v", alice)
	}
	if alice.PasswordHash != importtest.AliceHash || alice.PasswordChangedAt != nil {
		t.Errorf("alice's password: %q changed %v, want the Werkzeug hash as it was", alice.PasswordHash, alice.PasswordChangedAt)
	}
	if !alice.CreatedAt.Equal(pst("2023-01-10 09:00:00")) || alice.LastLoginAt == nil || !alice.LastLoginAt.Equal(pst("2024-05-01 10:00:00")) {
		t.Errorf("alice's times: created %v, last sign-in %v", alice.CreatedAt, alice.LastLoginAt)
	}
	bob := account(t, st, "BOB.BAKER@wepack.example")
	if bob.Email != "bob.baker@wepack.example" || bob.AllCustomers || !sameKeys(bob.Scope, []string{importtest.CustomerAcme}) {
		t.Errorf("bob: %+v", bob)
	}
	if carol := account(t, st, "carol@beta.example"); !carol.MustChangePassword || carol.PasswordExpiresAt != nil {
		t.Errorf("carol must change her password: %+v", carol)
	}
	if dave := account(t, st, "dave@acme.example"); dave.Active {
		t.Errorf("dave is inactive in the original: %+v", dave)
	}
	erin := account(t, st, "erin@group.example")
	if want := []string{importtest.CustomerAcme, importtest.CustomerBeta, importtest.CustomerGamma}; erin.AllCustomers || !sameKeys(erin.Scope, want) {
		t.Errorf("erin's scope: %v %q, want %q", erin.AllCustomers, erin.Scope, want)
	}
	if grace := account(t, st, "grace@beta.example"); grace.PasswordHash != "" {
		t.Errorf("grace's unreadable hash was kept: %q", grace.PasswordHash)
	}

	// The audit log: the original's rows, marked imported, at their
	// original times, then the run itself.
	entries := auditEntries(t, st)
	if len(entries) != 7 {
		t.Fatalf("audit entries: %d, want 6 imported and the run", len(entries))
	}
	byKey := map[string]store.AuditEntry{}
	for _, e := range entries {
		if e.Action == string(importer.Imported) {
			d := details(t, e)
			if e.Imported || e.ActorKind != "system" || e.ID != rep.AuditID || d["source"] != "wepackitall" ||
				d["accounts"].(map[string]any)["new"] != float64(imported) || d["audit_entries"].(map[string]any)["new"] != float64(6) {
				t.Errorf("the run's entry: %+v %v", e, d)
			}
			continue
		}
		if !e.Imported {
			t.Errorf("entry %s not marked imported", e.Action)
		}
		d := details(t, e)
		if d["imported_from"] != "wepackitall" {
			t.Errorf("entry %s: details %v", e.Action, d)
		}
		byKey[d["import_key"].(string)] = e
	}
	login := byKey["AuditLog:2"]
	if login.Action != string(audit.SignIn) || !login.At.Equal(pst("2024-05-02 16:45:30")) || login.ActorKind != "customer" ||
		login.ActorID != bob.ID || login.TargetID != fmt.Sprint(bob.ID) || login.ClientIP != "203.0.113.7" {
		t.Errorf("imported sign-in: %+v", login)
	}
	update := byKey["AuditLog:3"]
	if d := details(t, update); update.Action != string(audit.AccountUpdated) || update.ActorKind != "admin" || update.ActorLabel != "cp_admin" ||
		d["to"].(map[string]any)["scope"] != "Acme Corp|Beta Foods|Gamma Ltd" || d["original_action"] != "CUSTOMER_UPDATE" {
		t.Errorf("imported update: %+v %v", update, d)
	}
	if e := byKey["AuditLog:5"]; e.Action != string(audit.SettingsChanged) || e.TargetKind != "setting" {
		t.Errorf("imported setting change: %+v", e)
	}
	if e := byKey["AuditLog:6"]; e.Action != "CUSTOMER_EXPORT_TEST" || e.TargetLabel != "gone@wepack.example" || e.TargetID != "" {
		t.Errorf("imported unknown action: %+v", e)
	}

	// Running it again changes nothing, and records nothing.
	rep = run()
	wantCounts("second import", rep, importer.Counts{Unchanged: imported, Skipped: 1}, importer.Counts{Unchanged: 6})
	if rep.Changed() || rep.AuditID != 0 || len(auditEntries(t, st)) != 7 {
		t.Errorf("second import changed something: %+v", rep)
	}
	if again := account(t, st, "alice@wepack.example"); !again.UpdatedAt.Equal(alice.UpdatedAt) {
		t.Errorf("second import touched alice: updated %v, was %v", again.UpdatedAt, alice.UpdatedAt)
	}

	// People sign in with their original passwords; the hash becomes argon2id.
	wantSignIn(t, in, "alice@wepack.example", importtest.AlicePassword, "/")
	wantSignIn(t, in, "BOB.BAKER@WEPACK.EXAMPLE", importtest.BobPassword, "/")
	wantSignIn(t, in, "carol@beta.example", importtest.CarolPassword, "/password/change")
	wantSignIn(t, in, "dave@acme.example", importtest.DavePassword, "")
	wantSignIn(t, in, "grace@beta.example", importtest.AlicePassword, "")
	wantSignIn(t, in, "frank@acme.example", importtest.AlicePassword, "")
	for _, who := range []string{"alice@wepack.example", "bob.baker@wepack.example", "carol@beta.example"} {
		if a := account(t, st, who); !isArgon(a.PasswordHash) || a.PasswordChangedAt != nil {
			t.Errorf("%s after signing in: hash %.20q…, changed %v; want argon2id, no change time", who, a.PasswordHash, a.PasswordChangedAt)
		}
	}
	if a := account(t, st, "dave@acme.example"); a.PasswordHash != importtest.DaveHash {
		t.Errorf("inactive dave's hash changed: %q", a.PasswordHash)
	}
	if a := account(t, st, "frank@acme.example"); a.PasswordHash != importtest.FrankHash {
		t.Errorf("a wrong password changed frank's hash: %q", a.PasswordHash)
	}

	// Importing again keeps the upgraded hashes: they are Portico's now.
	rep = run()
	wantCounts("import after sign-ins", rep, importer.Counts{Unchanged: imported, Skipped: 1}, importer.Counts{Unchanged: 6})
	if want := []string{"alice@wepack.example", "bob.baker@wepack.example", "carol@beta.example"}; !slices.Equal(rep.PasswordsKept, want) {
		t.Errorf("passwords kept: %q, want %q", rep.PasswordsKept, want)
	}
	if a := account(t, st, "carol@beta.example"); !isArgon(a.PasswordHash) || !a.MustChangePassword {
		t.Errorf("carol after import: %+v", a)
	}

	// Frank changes his password in the original (he has not used Portico
	// yet), and an admin does something there: the next import brings both.
	importtest.ChangeFrankPassword(t, db)
	importtest.AddAuditRow(t, db, 7, "2024-06-01 09:00:00", "CUSTOMER_REACTIVATE", "frank@acme.example")
	rep = run()
	wantCounts("import after changes in the original", rep, importer.Counts{Updated: 1, Unchanged: imported - 1, Skipped: 1}, importer.Counts{New: 1, Unchanged: 6})
	if len(rep.Updated) != 1 || rep.Updated[0] != (importer.Item{Who: "frank@acme.example", Why: "password"}) || rep.AuditID == 0 {
		t.Errorf("updated: %+v, audit entry %d", rep.Updated, rep.AuditID)
	}
	wantSignIn(t, in, "frank@acme.example", importtest.FrankPassword, "")
	wantSignIn(t, in, "frank@acme.example", importtest.FrankNewPassword, "/")

	// Bob sets a password of his own in Portico: imports keep it...
	bob = account(t, st, "bob.baker@wepack.example")
	own, err := in.App.Auth.Hasher.Hash(ctx, "bob's own portico password")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetAccountPassword(ctx, bob.ID, own, false, true, in.Clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	bobClient := in.Client(t)
	if r := bobClient.SignIn("bob.baker@wepack.example", "bob's own portico password"); r.StatusCode != 303 {
		t.Fatalf("bob's own password: %d", r.StatusCode)
	}
	rep = run()
	if rep.Changed() || !slices.Contains(rep.PasswordsKept, "bob.baker@wepack.example") {
		t.Errorf("import replaced bob's own password: %+v", rep)
	}
	if a := account(t, st, "bob.baker@wepack.example"); a.PasswordHash != own {
		t.Errorf("bob's own password was replaced")
	}
	// ...unless told to overwrite, which also ends his sessions.
	rep = run(func(o *importer.Options) { o.OverwritePasswords = true })
	if !slices.Contains(rep.PasswordsOverwritten, "bob.baker@wepack.example") || rep.AuditID == 0 {
		t.Errorf("overwrite: %+v", rep)
	}
	if a := account(t, st, "bob.baker@wepack.example"); a.PasswordHash != importtest.BobHash {
		t.Errorf("bob after overwrite: %q", a.PasswordHash)
	}
	if live, err := st.ListSessions(ctx, store.KindCustomer, bob.ID); err != nil || len(live) != 0 {
		t.Errorf("bob's sessions after his password was replaced: %d %v", len(live), err)
	}
	wantSignIn(t, in, "bob.baker@wepack.example", "bob's own portico password", "")
	wantSignIn(t, in, "bob.baker@wepack.example", importtest.BobPassword, "/")

	// And once more: nothing left to do.
	if rep = run(); rep.Changed() {
		t.Errorf("final import changed something: %+v", rep)
	}
}

// TestWePackItAllHalfFailing makes the import fail after the accounts were
// written (an AuditLog row whose time cannot be read): nothing stays.
func TestWePackItAllHalfFailing(t *testing.T) {
	for _, eng := range []engine{sqliteEngine, postgresEngine} {
		t.Run(eng.name, func(t *testing.T) {
			db := eng.source(t)
			importtest.CreateWePackItAll(t, db)
			importtest.SeedWePackItAll(t, db)
			q := func(s string) string { return importtest.Quote(db.Name, s) }
			db.Exec(t, "DROP TABLE "+q("AuditLog"),
				importtest.Fill(db.Name, `CREATE TABLE {AuditLog} ({log_id} INTEGER PRIMARY KEY, {timestamp} VARCHAR(40) NOT NULL,
					{admin_username} VARCHAR(100) NOT NULL, {action_type} VARCHAR(50) NOT NULL, {target_customer_id} INTEGER,
					{target_customer_email} VARCHAR(255), {details} TEXT)`),
				importtest.Fill(db.Name, `INSERT INTO {AuditLog} ({log_id}, {timestamp}, {admin_username}, {action_type}) VALUES
					(1, '2024-01-01 10:00:00', 'SYSTEM', 'CUSTOMER_LOGIN'), (2, 'the day after', 'SYSTEM', 'CUSTOMER_LOGIN')`))
			st := storetest.Open(t, eng.portal(t))
			_, err := importer.WePackItAll(context.Background(), st, importer.Options{Driver: db.Config.Driver, DSN: db.Config.DSN})
			if err == nil || !strings.Contains(err.Error(), "log_id 2") || !strings.Contains(err.Error(), `"the day after" is not a date`) {
				t.Fatalf("error: %v", err)
			}
			if n, a, c := accountCount(t, st), len(auditEntries(t, st)), customerCount(t, st); n+a+c != 0 {
				t.Errorf("a failed import left %d accounts, %d audit entries, %d customers", n, a, c)
			}
		})
	}
}

// TestWePackItAllErrors: a wrong DSN, a missing table and a missing column
// each say what is wrong, and change nothing.
func TestWePackItAllErrors(t *testing.T) {
	for _, eng := range []engine{sqliteEngine, postgresEngine} {
		t.Run(eng.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t, eng.portal(t))
			fresh := func(t *testing.T) sourcetest.DB {
				db := eng.source(t)
				importtest.CreateWePackItAll(t, db)
				importtest.SeedWePackItAll(t, db)
				return db
			}
			q := func(db sourcetest.DB, s string) string { return importtest.Quote(db.Name, s) }
			cases := []struct {
				name    string
				prepare func(t *testing.T) (driver, dsn string)
				is      error
				want    []string
			}{
				{"MissingTable", func(t *testing.T) (string, string) {
					db := fresh(t)
					db.Exec(t, "DROP TABLE "+q(db, "AuditLog"))
					return db.Config.Driver, db.Config.DSN
				}, importer.ErrMissingTable, []string{"no table AuditLog", "DB_NAME"}},
				{"MissingColumn", func(t *testing.T) (string, string) {
					db := fresh(t)
					db.Exec(t, "ALTER TABLE "+q(db, "Customers")+" DROP COLUMN "+q(db, "must_reset_password"))
					return db.Config.Driver, db.Config.DSN
				}, importer.ErrMissingColumn, []string{"table Customers", "no column must_reset_password", "it has: customer_id, first_name"}},
				{"NotTheOriginal", func(t *testing.T) (string, string) {
					db := eng.source(t) // an empty database
					return db.Config.Driver, db.Config.DSN
				}, importer.ErrMissingTable, []string{"no table Customers"}},
				{"WrongDriver", func(t *testing.T) (string, string) { return "oracle", "whatever" }, nil, []string{`--driver "oracle"`}},
				{"NoDSN", func(t *testing.T) (string, string) { return eng.name, " " }, nil, []string{"--dsn"}},
				{"WrongDSN", func(t *testing.T) (string, string) {
					if eng.name == "sqlite" {
						return "sqlite", t.TempDir() + "/no-such-portal.db"
					}
					return "postgres", "postgres://postgres:s3cret-pw@127.0.0.1:5432/no_such_database_here?sslmode=disable&connect_timeout=5"
				}, nil, []string{"check --driver and --dsn"}},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					driver, dsn := tc.prepare(t)
					_, err := importer.WePackItAll(ctx, st, importer.Options{Driver: driver, DSN: dsn})
					if err == nil {
						t.Fatal("no error")
					}
					if tc.is != nil && !errors.Is(err, tc.is) {
						t.Errorf("error %v is not %v", err, tc.is)
					}
					for _, w := range tc.want {
						if !strings.Contains(err.Error(), w) {
							t.Errorf("error %q does not say %q", err, w)
						}
					}
					if strings.Contains(err.Error(), "s3cret-pw") {
						t.Errorf("error shows the DSN's password: %v", err)
					}
				})
			}
			if n, a := accountCount(t, st), len(auditEntries(t, st)); n+a != 0 {
				t.Errorf("failed imports left %d accounts and %d audit entries", n, a)
			}
		})
	}
}

// TestWePackItAllPorticoAccounts: the import never gives two accounts
// one sign-in name, and keeps a Portico account's own fields it does not
// carry (its username).
func TestWePackItAllPorticoAccounts(t *testing.T) {
	ctx := context.Background()
	db := sourcetest.SQLite(t)
	importtest.CreateWePackItAll(t, db)
	importtest.SeedWePackItAll(t, db)
	in := apptest.StartSQLite(t)
	st := in.Store()
	// An admin already made accounts in Portico: one for alice, with a
	// password and a username; one whose username is carol's email.
	in.CreateAccount(t, "alice@wepack.example", "alice's portico password", func(a *store.Account) { a.Username = "alice.a"; a.Scope = []string{"Somewhere"} })
	in.CreateAccount(t, "other@beta.example", "another portico password", func(a *store.Account) { a.Username = "carol@beta.example" })
	rep, err := importer.WePackItAll(ctx, st, importer.Options{Driver: "sqlite", DSN: db.Config.DSN, Now: in.Clock.Now(),
		Customers: []source.Customer{{Key: "acme corp"}, {Key: "ACME CORP"}, {Key: "beta foods"}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accounts != (importer.Counts{New: 5, Updated: 1, Skipped: 2}) {
		t.Errorf("counts: %+v", rep.Accounts)
	}
	var carolSkipped bool
	for _, s := range rep.Skipped {
		carolSkipped = carolSkipped || strings.Contains(s.Why, "username of another Portico account (other@beta.example)")
	}
	if !carolSkipped {
		t.Errorf("carol not skipped: %+v", rep.Skipped)
	}
	alice := account(t, st, "alice.a")
	if alice.Email != "alice@wepack.example" || !alice.AllCustomers || !slices.Contains(rep.PasswordsKept, alice.Email) {
		t.Errorf("alice: %+v, kept %q", alice, rep.PasswordsKept)
	}
	wantSignIn(t, in, "alice.a", "alice's portico password", "/")
	// A name the ERP spells differently only in case is respelled when
	// the ERP has one such name; with two it is unknown.
	if grace := account(t, st, "grace@beta.example"); !sameKeys(grace.Scope, []string{"beta foods"}) {
		t.Errorf("grace's scope: %q", grace.Scope)
	}
	if _, ok := rep.UnknownCustomers[importtest.CustomerAcme]; !ok {
		t.Errorf("Acme Corp (two spellings in the ERP) not reported unknown: %v", rep.UnknownCustomers)
	}
}
