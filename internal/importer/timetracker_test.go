package importer_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/catalog/timetrackertest"
	"github.com/portico-dev/portico/internal/importer"
	"github.com/portico-dev/portico/internal/importer/importtest"
	"github.com/portico-dev/portico/internal/source"
	"github.com/portico-dev/portico/internal/source/sourcetest"
)

// timetrackerDB is timetrackertest's TimeTracker with client portal
// sign-ins (see importtest.SeedTimeTrackerPortal).
func timetrackerDB(t *testing.T, eng engine) sourcetest.DB {
	t.Helper()
	db := eng.source(t)
	timetrackertest.Create(t, db)
	timetrackertest.Seed(t, db)
	importtest.SeedTimeTrackerPortal(t, db)
	return db
}

// presetSource opens db as the "timetracker" preset's source, as an
// operator's datasets file would.
func presetSource(t *testing.T, db sourcetest.DB) (*catalog.Catalog, *source.Source) {
	t.Helper()
	text := fmt.Sprintf("preset = \"timetracker\"\n\n[[source]]\nname = \"timetracker\"\ndriver = %q\ndsn_env = \"TEST_TT_DSN\"\n", db.Name)
	cat, err := catalog.Parse("datasets.toml", []byte(text), func(k string) (string, bool) { return db.Config.DSN, k == "TEST_TT_DSN" })
	if err != nil {
		t.Fatal(err)
	}
	// A source entry replaces the preset's whole, so it takes the preset's
	// customers query along.
	preset, err := catalog.Preset("timetracker", catalog.PresetOptions{Env: func(string) (string, bool) { return "unused", true }})
	if err != nil {
		t.Fatal(err)
	}
	sc := cat.Sources[0]
	sc.CustomersSQL = preset.Sources[0].CustomersSQL
	src, err := source.Open(sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return cat, src
}

func TestTimeTracker(t *testing.T) {
	for _, eng := range []engine{sqliteEngine, postgresEngine} {
		t.Run(eng.name, func(t *testing.T) { testTimeTracker(t, eng) })
	}
}

func testTimeTracker(t *testing.T, eng engine) {
	ctx := context.Background()
	db := timetrackerDB(t, eng)
	in := apptest.Start(t, eng.portal(t), nil)
	st := in.Store()
	run := func(dry bool) *importer.Report {
		t.Helper()
		rep, err := importer.TimeTracker(ctx, st, importer.Options{Driver: db.Config.Driver, DSN: db.Config.DSN, DryRun: dry, Now: in.Clock.Now()})
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		return rep
	}
	// Clients Acme and Umbrella, users globex.liaison and iris; clients
	// Globex (portal off) and Initech (no email), user hugo (no client)
	// are skipped.
	want := importer.Counts{New: 4, Skipped: 3}

	rep := run(true)
	if rep.Accounts != want || accountCount(t, st) != 0 || len(auditEntries(t, st)) != 0 {
		t.Fatalf("dry run: %+v; %d accounts", rep.Accounts, accountCount(t, st))
	}
	rep = run(false)
	if rep.Accounts != want || rep.AuditID == 0 || rep.AuditLog {
		var b strings.Builder
		rep.Write(&b)
		t.Fatalf("import: %+v\n%s", rep.Accounts, b.String())
	}
	skipped := map[string]string{}
	for _, s := range rep.Skipped {
		skipped[s.Who] = s.Why
	}
	for who, why := range map[string]string{
		`client "Globex & Co" (id 2)`: "portal access not enabled",
		`client "Initech" (id 3)`:     "no email address",
		`user "hugo" (id 5)`:          "no client chosen",
	} {
		if !strings.Contains(skipped[who], why) {
			t.Errorf("%s skipped for %q, want %q (all: %v)", who, skipped[who], why, skipped)
		}
	}
	if len(rep.NoPassword) != 1 || rep.NoPassword[0].Who != "iris@acme.example" || !strings.Contains(rep.NoPassword[0].Why, "LDAP") {
		t.Errorf("without a password: %+v", rep.NoPassword)
	}

	acme := account(t, st, "ap@acme.example")
	if acme.Username != "acme.portal" || acme.FirstName != "Ada Acme" || !acme.Active || acme.AllCustomers ||
		!slices.Equal(acme.Scope, []string{timetrackertest.ClientAcme}) || acme.PasswordHash != importtest.AcmePortalHash {
		t.Errorf("acme's account: %+v", acme)
	}
	liaison := account(t, st, "globex.liaison")
	if liaison.Email != "liaison@globex.example" || liaison.FirstName != "Gina" || liaison.LastName != "van Liaison" ||
		!slices.Equal(liaison.Scope, []string{timetrackertest.ClientGlobex}) || liaison.LastLoginAt == nil ||
		!liaison.LastLoginAt.Equal(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("the liaison's account: %+v", liaison)
	}
	if umbrella := account(t, st, "ops@umbrella.example"); umbrella.Username != "" || !slices.Equal(umbrella.Scope, []string{"Umbrella Pharma"}) {
		t.Errorf("umbrella's account: %+v", umbrella)
	}

	// The scope key is the preset's customer key: the preset lists it, and
	// its datasets give the account its client's rows and no others.
	cat, src := presetSource(t, db)
	customers, err := src.Customers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(customers, func(c source.Customer) bool { return c.Key == acme.Scope[0] }) {
		t.Errorf("the preset's customers %v do not include %q", customers, acme.Scope[0])
	}
	projects, ok := cat.Role(catalog.RoleProjects)
	if !ok {
		t.Fatal("the preset has no projects")
	}
	q, args, err := source.ScopedQuery(src.Dialect(), projects.Spec.SQL, projects.Spec.CustomerColumn, false, acme.Scope)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	err = src.Query(ctx, q, args, func(rows *sql.Rows) error {
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			for i, c := range cols {
				if c == "name" {
					names = append(names, toString(vals[i]))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, "Website relaunch") || slices.Contains(names, "Globex ERP") {
		t.Errorf("projects in acme's scope: %q", names)
	}

	// Sign-in with the portal username (any case) or the email.
	wantSignIn(t, in, "ACME.Portal", importtest.AcmePortalPassword, "/")
	wantSignIn(t, in, "ap@acme.example", importtest.AcmePortalPassword, "/")
	wantSignIn(t, in, "Globex.Liaison", importtest.LiaisonPassword, "/")
	wantSignIn(t, in, "ops@umbrella.example", importtest.UmbrellaPassword, "/")
	wantSignIn(t, in, "acme.portal", importtest.LiaisonPassword, "")
	wantSignIn(t, in, "iris", importtest.LiaisonPassword, "")
	for _, who := range []string{"ap@acme.example", "liaison@globex.example", "ops@umbrella.example"} {
		if a := account(t, st, who); !isArgon(a.PasswordHash) {
			t.Errorf("%s's hash after signing in: %.20q…", who, a.PasswordHash)
		}
	}

	// Again: nothing changes; the upgraded hashes stay.
	entries := len(auditEntries(t, st))
	rep = run(false)
	if rep.Accounts != (importer.Counts{Unchanged: 4, Skipped: 3}) || rep.Changed() || len(auditEntries(t, st)) != entries || len(rep.PasswordsKept) != 3 {
		t.Errorf("second import: %+v, kept %q", rep.Accounts, rep.PasswordsKept)
	}

	// A client deactivated in TimeTracker is deactivated here too.
	db.Exec(t, `UPDATE clients SET status = 'inactive' WHERE id = 1`)
	rep = run(false)
	if rep.Accounts != (importer.Counts{Updated: 2, Unchanged: 2, Skipped: 3}) {
		t.Errorf("import after deactivating acme: %+v %+v", rep.Accounts, rep.Updated)
	}
	wantSignIn(t, in, "acme.portal", importtest.AcmePortalPassword, "")
	if a := account(t, st, "iris@acme.example"); a.Active {
		t.Errorf("iris, of an inactive client, is active")
	}
}

func toString(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}
