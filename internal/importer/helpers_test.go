package importer_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/source/sourcetest"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

// engine pairs an original's database engine with a portal database
// engine. PostgreSQL runs when PORTICO_TEST_POSTGRES_URL is set (CI sets
// it), MySQL when PORTICO_TEST_MYSQL_URL is.
type engine struct {
	name   string
	source func(testing.TB) sourcetest.DB
	portal func(testing.TB) storetest.Target
}

var (
	sqliteEngine   = engine{"sqlite", sourcetest.SQLite, storetest.SQLite}
	postgresEngine = engine{"postgres", sourcetest.Postgres, storetest.Postgres}
	// A MySQL copy of the original, imported into a SQLite portal.
	mysqlEngine = engine{"mysql", sourcetest.MySQL, storetest.SQLite}
)

// signIn signs in through the HTTP endpoint and returns the status and
// where it redirects.
func signIn(t *testing.T, in *apptest.Instance, login, pw string) (int, string) {
	t.Helper()
	r := in.Client(t).SignIn(login, pw)
	return r.StatusCode, r.Header.Get("Location")
}

// wantSignIn checks a sign-in's outcome: 303 to where, or 401.
func wantSignIn(t *testing.T, in *apptest.Instance, login, pw string, where string) {
	t.Helper()
	status, loc := signIn(t, in, login, pw)
	switch {
	case where == "" && status != http.StatusUnauthorized:
		t.Errorf("sign in as %s: status %d to %q, want 401", login, status, loc)
	case where != "" && (status != http.StatusSeeOther || loc != where):
		t.Errorf("sign in as %s: status %d to %q, want 303 to %q", login, status, loc, where)
	}
}

// account reads an account by email or username.
func account(t *testing.T, st *store.Store, login string) *store.Account {
	t.Helper()
	a, err := st.AccountByLogin(context.Background(), login)
	if err != nil {
		t.Fatalf("account %s: %v", login, err)
	}
	return a
}

// accountCount and auditCount say how much the portal database holds.
func accountCount(t *testing.T, st *store.Store) int {
	t.Helper()
	list, err := st.ListAccounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func auditEntries(t *testing.T, st *store.Store) []store.AuditEntry {
	t.Helper()
	list, _, err := st.ListAudit(context.Background(), store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func customerCount(t *testing.T, st *store.Store) int {
	t.Helper()
	list, err := st.ListCustomers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// details decodes an audit entry's details.
func details(t *testing.T, e store.AuditEntry) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
		t.Fatalf("details of %s: %v", e.Action, err)
	}
	return d
}

func isArgon(h string) bool { return strings.HasPrefix(h, "$argon2id$") }

func sameKeys(got, want []string) bool {
	return slices.Equal(got, want) || (len(got) == 0 && len(want) == 0)
}
